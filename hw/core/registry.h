// A list of named kinds (workload kinds, firmware programs, ...) filled by explicit add() calls,
// never by static initialisers, so static libraries cannot drop an entry silently.
#pragma once

#include <string>
#include <vector>

namespace wse {

template <class Kind>  // Kind has a `std::string name`
class Registry {
 public:
  void add(Kind kind) { kinds_.push_back(std::move(kind)); }
  const Kind* find(const std::string& name) const {
    for (const auto& k : kinds_)
      if (k.name == name) return &k;
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& k : kinds_) n.push_back(k.name);
    return n;
  }
  const std::vector<Kind>& kinds() const { return kinds_; }

 private:
  std::vector<Kind> kinds_;
};

}  // namespace wse
