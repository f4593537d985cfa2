#include "hw/params/param_value.h"

#include <cmath>

namespace wse {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::Int:
      return "int";
    case ParamType::Real:
      return "real";
    case ParamType::Bool:
      return "bool";
    case ParamType::Choice:
      return "choice";
    case ParamType::IntList:
      return "int list";
    case ParamType::Text:
      return "string";
  }
  return "?";
}

std::string ParamInfo::range_text() const {
  const bool lo = std::isfinite(min), hi = std::isfinite(max);
  if (!lo && !hi) return {};
  auto f = [&](double v) { return format_quantity(v, unit); };
  if (lo && hi) return "[" + f(min) + ", " + f(max) + "]";
  if (lo) return ">= " + f(min);
  return "<= " + f(max);
}

namespace {

double parse_number(const ParamInfo& info, const std::string& text, const Location& loc,
                    const std::string& key) {
  const UnitParse p = parse_quantity(text, info.unit);
  if (!p.error.empty()) {
    std::string valid = info.range_text();
    throw ConfigError(loc, key, p.error, valid.empty() ? "" : valid);
  }
  return p.value;
}

void check_range(const ParamInfo& info, double v, const Location& loc, const std::string& key) {
  if (v < info.min || v > info.max) {
    throw ConfigError(loc, key, "value " + format_quantity(v, info.unit) + " is out of range",
                      info.range_text());
  }
}

std::int64_t to_int(const ParamInfo& info, const std::string& text, const Location& loc,
                    const std::string& key) {
  const double v = parse_number(info, text, loc, key);
  if (v != std::floor(v) || std::fabs(v) > 9.0e15) {
    throw ConfigError(loc, key, "'" + text + "' is not a whole number", info.range_text());
  }
  check_range(info, v, loc, key);
  return static_cast<std::int64_t>(v);
}

}  // namespace

ParamValue parse_param(const ParamInfo& info, const RawValue& raw, const std::string& key) {
  if (info.type == ParamType::IntList) {
    if (!raw.is_list) {
      throw ConfigError(raw.loc, key, "expected a list such as [6, 6, 4, 4]", "", "");
    }
    std::vector<std::int64_t> out;
    for (size_t i = 0; i < raw.items.size(); ++i) {
      const Location& l = i < raw.item_locs.size() ? raw.item_locs[i] : raw.loc;
      out.push_back(to_int(info, raw.items[i], l, key + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  if (raw.is_list) {
    throw ConfigError(
        raw.loc, key,
        std::string("expected a single ") + param_type_name(info.type) + " value, not a list");
  }
  const std::string& t = raw.scalar;
  switch (info.type) {
    case ParamType::Int:
      return to_int(info, t, raw.loc, key);
    case ParamType::Real: {
      const double v = parse_number(info, t, raw.loc, key);
      check_range(info, v, raw.loc, key);
      return v;
    }
    case ParamType::Bool:
      if (t == "true" || t == "yes" || t == "on") return true;
      if (t == "false" || t == "no" || t == "off") return false;
      throw ConfigError(raw.loc, key, "'" + t + "' is not a boolean", "true, false");
    case ParamType::Choice:
      for (const auto& c : info.choices)
        if (c == t) return t;
      {
        const std::string near = closest_match(t, info.choices);
        throw ConfigError(raw.loc, key, "'" + t + "' is not a valid choice", join(info.choices),
                          near.empty() ? "" : "Did you mean '" + near + "'?");
      }
    case ParamType::Text:
      return t;
    case ParamType::IntList:
      break;
  }
  return t;
}

nlohmann::ordered_json param_to_json(const ParamInfo& info, const ParamValue& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) {
    if (info.unit == UnitKind::None) return *i;
    return format_quantity(static_cast<double>(*i), info.unit);
  }
  if (auto* d = std::get_if<double>(&v)) {
    if (info.unit == UnitKind::None) return *d;
    return format_quantity(*d, info.unit);
  }
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  const auto& list = std::get<std::vector<std::int64_t>>(v);
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (auto x : list) arr.push_back(x);
  return arr;
}

}  // namespace wse
