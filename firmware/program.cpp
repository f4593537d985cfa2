#include "firmware/program.h"

#include "firmware/collectives.h"

namespace wse {

const ProgramKind* ProgramRegistry::find(const std::string& name) const {
  for (const auto& k : kinds_)
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> ProgramRegistry::names() const {
  std::vector<std::string> n;
  for (const auto& k : kinds_) n.push_back(k.name);
  return n;
}

const ProgramRegistry& builtin_programs() {
  static const ProgramRegistry registry = [] {
    ProgramRegistry r;
    register_collective_programs(r);
    return r;
  }();
  return registry;
}

}  // namespace wse
