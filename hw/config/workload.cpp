#include "hw/config/workload.h"

namespace wse {

Location workload_location(const Scenario& s, const std::string& key) {
  const RawValue* r = s.workload.find(key);
  return r ? r->loc : s.workload_kind_loc;
}

void require_wavelet_fidelity(const Scenario& s, const std::string& what) {
  if (s.run.fidelity == Fidelity::Wavelet) return;
  const RawValue* raw = s.run_settings.find("fidelity");
  throw ConfigError(raw ? raw->loc : s.workload_kind_loc, "run.fidelity",
                    what + " on the wavelet fabric only", "wavelet",
                    "The stream fidelity arrives with the kernels");
}

std::unique_ptr<Workload> WorkloadRegistry::create(const Scenario& s) const {
  const WorkloadKind* kind = find(s.workload_kind);
  if (!kind) {
    const std::string near = closest_match(s.workload_kind, names());
    throw ConfigError(
        s.workload_kind_loc, "workload.kind", "unknown workload kind '" + s.workload_kind + "'",
        join(names()),
        near.empty() ? "'wafersim list' describes each kind" : "Did you mean '" + near + "'?");
  }
  return kind->create(s);
}

}  // namespace wse
