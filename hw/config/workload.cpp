#include "hw/config/workload.h"

namespace wse {

void WorkloadRegistry::add(WorkloadKind kind) { kinds_.push_back(std::move(kind)); }

const WorkloadKind* WorkloadRegistry::find(const std::string& name) const {
  for (const auto& k : kinds_)
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> WorkloadRegistry::names() const {
  std::vector<std::string> n;
  for (const auto& k : kinds_) n.push_back(k.name);
  return n;
}

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
