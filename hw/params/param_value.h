// Typed parameter declarations and the conversion of raw configuration text into typed values.
// Every parameter of the chip, the run settings and each workload kind is declared exactly once
// with a ParamInfo; the same declaration drives parsing, defaults, range checks, the resolved
// config echo and `wafersim --help-config`.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/core/error.h"
#include "hw/core/units.h"

namespace wse {

enum class ParamType { Int, Real, Bool, Choice, IntList, Text };
const char* param_type_name(ParamType t);

struct ParamInfo {
  std::string key;  // dotted path inside its section, e.g. "noc.hop_latency"
  ParamType type = ParamType::Int;
  UnitKind unit = UnitKind::None;
  std::string default_text;                               // as a user would write it in YAML
  std::string description;                                // one line
  std::vector<std::string> choices;                       // valid words for Choice
  double min = -std::numeric_limits<double>::infinity();  // inclusive, in base units
  double max = std::numeric_limits<double>::infinity();
  std::string range_text() const;  // "[1, 4096]" in user units, empty when unbounded
};

// A configuration value as written: a scalar, or a list of scalars, with its location.
struct RawValue {
  bool is_list = false;
  std::string scalar;
  std::vector<std::string> items;
  std::vector<Location> item_locs;
  Location loc;
  std::string source;  // provenance written next to the value ({value: ..., source: ...})
};

using ParamValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::int64_t>>;

// Parses and range-checks a raw value against its declaration; throws ConfigError naming
// `full_key` (the key path as the user sees it, e.g. "chip.noc.hop_latency").
ParamValue parse_param(const ParamInfo& info, const RawValue& raw, const std::string& full_key);

// Canonical JSON of a typed value: numbers for plain counts, "<n><unit>" strings for quantities.
nlohmann::ordered_json param_to_json(const ParamInfo& info, const ParamValue& v);

}  // namespace wse
