#include "app/registry.h"

#include "hw/chip/kernel_workload.h"
#include "hw/chip/program_workload.h"
#include "llm/llm_workload.h"
#include "noc/traffic_workload.h"

namespace wse::app {

const WorkloadRegistry& workload_registry() {
  static const WorkloadRegistry registry = [] {
    WorkloadRegistry r;
    register_traffic_workload(r);
    register_program_workload(r);
    register_kernel_workloads(r);
    register_llm_workload(r);
    return r;
  }();
  return registry;
}

}  // namespace wse::app
