#include "hw/config/workload.h"

namespace wse {

std::unique_ptr<Workload> WorkloadRegistry::create(const Scenario& s) const {
  const WorkloadKind* kind = find(s.workload_kind);
  if (!kind) {
    const std::string near = closest_match(s.workload_kind, names());
    throw ConfigError(s.workload_kind_loc, "workload.kind", "unknown workload kind '" + s.workload_kind + "'",
                      join(names()), near.empty() ? "'wafersim list' describes each kind" : "Did you mean '" + near + "'?");
  }
  return kind->create(s);
}

}  // namespace wse
