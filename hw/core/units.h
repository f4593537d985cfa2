// Physical units of configuration values: parsing "1.1GHz", "48KiB", "2cycles", "0.15pJ" and
// printing them back in a canonical form.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace wse {

enum class UnitKind {
  None,              // dimensionless count or ratio
  Cycles,            // clock cycles
  Frequency,         // Hz
  Bytes,             // bytes
  Energy,            // joules
  Power,             // watts
  Time,              // seconds
  Bandwidth,         // bytes per second
  WaveletsPerCycle,  // link rate
  ElemsPerCycle,     // SIMD throughput
  Wavelets,          // buffer / queue capacity
};

const char* unit_kind_name(UnitKind k);
// The canonical unit written after the number ("cycles", "Hz", ...); empty for None.
const char* unit_symbol(UnitKind k);
// Every suffix accepted for a kind, for error messages.
std::vector<std::string> unit_suffixes(UnitKind k);

struct UnitParse {
  double value = 0;   // in the base unit of the kind
  std::string error;  // empty on success
};

// Parses "<number><suffix>" (spaces allowed between) into the base unit of `kind`. A kind other
// than None requires a suffix, so that "2" is never silently read as 2 seconds or 2 GHz.
UnitParse parse_quantity(const std::string& text, UnitKind kind);

// Canonical text of a value in base units, e.g. 1.1e9 Frequency -> "1.1GHz".
std::string format_quantity(double value, UnitKind kind);

// Shortest round-trip decimal text of a double ("0.15", "1e-12").
std::string format_number(double v);

}  // namespace wse
