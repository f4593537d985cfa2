// ParamTable<T>: the declarations of a parameter struct T (key, type, unit, default, description)
// bound to its fields. One table per struct; used to apply defaults, assign raw values, print the
// resolved configuration and generate --help-config.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hw/core/types.h"
#include "hw/params/param_value.h"

namespace wse {

template <class T>
class ParamTable {
 public:
  struct Entry {
    ParamInfo info;
    std::function<void(T&, const ParamValue&)> set;
    std::function<ParamValue(const T&)> get;
  };

  // Declares an integer field (plain count, or cycles/bytes/... when unit is given).
  template <class F>
  ParamTable& integer(std::string key, UnitKind unit, std::string def, double min, double max,
                      std::string desc, F ref) {
    ParamInfo i =
        make_info(std::move(key), ParamType::Int, unit, std::move(def), std::move(desc), min, max);
    add(std::move(i), ref);
    return *this;
  }
  template <class F>
  ParamTable& real(std::string key, UnitKind unit, std::string def, double min, double max,
                   std::string desc, F ref) {
    ParamInfo i =
        make_info(std::move(key), ParamType::Real, unit, std::move(def), std::move(desc), min, max);
    add(std::move(i), ref);
    return *this;
  }
  template <class F>
  ParamTable& boolean(std::string key, std::string def, std::string desc, F ref) {
    ParamInfo i =
        make_info(std::move(key), ParamType::Bool, UnitKind::None, std::move(def), std::move(desc));
    add(std::move(i), ref);
    return *this;
  }
  template <class F>
  ParamTable& text(std::string key, std::string def, std::string desc, F ref) {
    ParamInfo i =
        make_info(std::move(key), ParamType::Text, UnitKind::None, std::move(def), std::move(desc));
    add(std::move(i), ref);
    return *this;
  }
  template <class F>
  ParamTable& int_list(std::string key, UnitKind unit, std::string def, double min, double max,
                       std::string desc, F ref) {
    ParamInfo i = make_info(std::move(key), ParamType::IntList, unit, std::move(def),
                            std::move(desc), min, max);
    add(std::move(i), ref);
    return *this;
  }
  // An enum field chosen by name.
  template <class E, class F>
  ParamTable& choice(std::string key, std::vector<std::pair<std::string, E>> names, std::string def,
                     std::string desc, F ref) {
    ParamInfo i = make_info(std::move(key), ParamType::Choice, UnitKind::None, std::move(def),
                            std::move(desc));
    for (const auto& n : names) i.choices.push_back(n.first);
    Entry e{std::move(i), nullptr, nullptr};
    e.set = [names, ref](T& t, const ParamValue& v) {
      const auto& s = std::get<std::string>(v);
      for (const auto& n : names)
        if (n.first == s) ref(t) = n.second;
    };
    e.get = [names, ref](const T& t) -> ParamValue {
      for (const auto& n : names)
        if (n.second == ref(const_cast<T&>(t))) return n.first;
      return std::string("?");
    };
    entries_.push_back(std::move(e));
    return *this;
  }

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& key) const {
    for (const auto& e : entries_)
      if (e.info.key == key) return &e;
    return nullptr;
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    for (const auto& e : entries_) k.push_back(e.info.key);
    return k;
  }

  // Applies every declared default. A default that does not parse is a bug in the declaration
  // and is caught by the unit tests that build each table.
  void apply_defaults(T& t, const std::string& section) const {
    for (const auto& e : entries_) {
      RawValue raw = default_raw(e.info);
      e.set(t, parse_param(e.info, raw, section + e.info.key));
    }
  }

  nlohmann::ordered_json to_json(const T& t) const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& e : entries_) j[e.info.key] = param_to_json(e.info, e.get(t));
    return j;
  }

 private:
  static ParamInfo make_info(std::string key, ParamType type, UnitKind unit, std::string def,
                             std::string desc,
                             double min = -std::numeric_limits<double>::infinity(),
                             double max = std::numeric_limits<double>::infinity()) {
    ParamInfo i;
    i.key = std::move(key);
    i.type = type;
    i.unit = unit;
    i.default_text = std::move(def);
    i.description = std::move(desc);
    i.min = min;
    i.max = max;
    return i;
  }
  static RawValue default_raw(const ParamInfo& info) {
    RawValue r;
    r.loc.origin = "default of " + info.key;
    if (info.type == ParamType::IntList) {
      r.is_list = true;
      std::string cur;
      for (char c : info.default_text) {
        if (c == '[' || c == ' ') continue;
        if (c == ',' || c == ']') {
          if (!cur.empty()) r.items.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
    } else {
      r.scalar = info.default_text;
    }
    return r;
  }

  template <class F>
  void add(ParamInfo info, F ref) {
    Entry e{std::move(info), nullptr, nullptr};
    e.set = [ref](T& t, const ParamValue& v) { assign(ref(t), v); };
    e.get = [ref](const T& t) -> ParamValue { return value_of(ref(const_cast<T&>(t))); };
    entries_.push_back(std::move(e));
  }

  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  static void assign(I& f, const ParamValue& v) {
    f = static_cast<I>(std::get<std::int64_t>(v));
  }
  static void assign(bool& f, const ParamValue& v) { f = std::get<bool>(v); }
  static void assign(double& f, const ParamValue& v) { f = std::get<double>(v); }
  static void assign(std::string& f, const ParamValue& v) { f = std::get<std::string>(v); }
  static void assign(Cycles& f, const ParamValue& v) { f = Cycles(std::get<std::int64_t>(v)); }
  static void assign(std::vector<int>& f, const ParamValue& v) {
    f.clear();
    for (auto x : std::get<std::vector<std::int64_t>>(v)) f.push_back(static_cast<int>(x));
  }

  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  static ParamValue value_of(const I& f) {
    return static_cast<std::int64_t>(f);
  }
  static ParamValue value_of(const bool& f) { return f; }
  static ParamValue value_of(const double& f) { return f; }
  static ParamValue value_of(const std::string& f) { return f; }
  static ParamValue value_of(const Cycles& f) { return f.count(); }
  static ParamValue value_of(const std::vector<int>& f) {
    return std::vector<std::int64_t>(f.begin(), f.end());
  }

  std::vector<Entry> entries_;
};

// The declarations of a table (for --help-config and registries).
template <class T>
std::vector<ParamInfo> param_infos(const ParamTable<T>& table) {
  std::vector<ParamInfo> out;
  for (const auto& e : table.entries()) out.push_back(e.info);
  return out;
}

}  // namespace wse
