#include "app/registry.h"

#include "noc/traffic_workload.h"

namespace wse::app {

const WorkloadRegistry& workload_registry() {
  static const WorkloadRegistry registry = [] {
    WorkloadRegistry r;
    register_traffic_workload(r);
    return r;
  }();
  return registry;
}

}  // namespace wse::app
