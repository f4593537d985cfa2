#include "hw/core/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace wse {
namespace {

struct Suffix {
  const char* text;
  double scale;
  bool alias = false;  // accepted on input, never printed
};

// 12 significant digits hide binary noise such as 150.00000000000003.
std::string round12(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// First entry of each table is printed by format_quantity when no better prefix fits.
const std::vector<Suffix>& suffixes(UnitKind k) {
  static const std::vector<Suffix> none{};
  static const std::vector<Suffix> cycles{{"cycles", 1}, {"cycle", 1, true}};
  static const std::vector<Suffix> freq{{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
  static const std::vector<Suffix> bytes{
      {"B", 1},    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
      {"kB", 1e3}, {"MB", 1e6},     {"GB", 1e9}};
  static const std::vector<Suffix> energy{{"J", 1},     {"mJ", 1e-3},  {"uJ", 1e-6},
                                          {"nJ", 1e-9}, {"pJ", 1e-12}, {"fJ", 1e-15}};
  static const std::vector<Suffix> power{{"W", 1}, {"kW", 1e3}, {"mW", 1e-3}, {"uW", 1e-6}};
  static const std::vector<Suffix> time{
      {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}};
  static const std::vector<Suffix> bw{{"B/s", 1},
                                      {"kB/s", 1e3},
                                      {"MB/s", 1e6},
                                      {"GB/s", 1e9},
                                      {"bit/s", 0.125, true},
                                      {"kbit/s", 125.0, true},
                                      {"Mbit/s", 125e3, true},
                                      {"Gbit/s", 125e6, true}};
  static const std::vector<Suffix> wpc{{"wavelets/cycle", 1}, {"wavelet/cycle", 1, true}};
  static const std::vector<Suffix> epc{{"elem/cycle", 1}, {"elems/cycle", 1, true}};
  static const std::vector<Suffix> wavelets{{"wavelets", 1}, {"wavelet", 1, true}};
  switch (k) {
    case UnitKind::None:
      return none;
    case UnitKind::Cycles:
      return cycles;
    case UnitKind::Frequency:
      return freq;
    case UnitKind::Bytes:
      return bytes;
    case UnitKind::Energy:
      return energy;
    case UnitKind::Power:
      return power;
    case UnitKind::Time:
      return time;
    case UnitKind::Bandwidth:
      return bw;
    case UnitKind::WaveletsPerCycle:
      return wpc;
    case UnitKind::ElemsPerCycle:
      return epc;
    case UnitKind::Wavelets:
      return wavelets;
  }
  return none;
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

}  // namespace

const char* unit_kind_name(UnitKind k) {
  switch (k) {
    case UnitKind::None:
      return "number";
    case UnitKind::Cycles:
      return "cycles";
    case UnitKind::Frequency:
      return "frequency";
    case UnitKind::Bytes:
      return "size";
    case UnitKind::Energy:
      return "energy";
    case UnitKind::Power:
      return "power";
    case UnitKind::Time:
      return "time";
    case UnitKind::Bandwidth:
      return "bandwidth";
    case UnitKind::WaveletsPerCycle:
      return "link rate";
    case UnitKind::ElemsPerCycle:
      return "throughput";
    case UnitKind::Wavelets:
      return "capacity";
  }
  return "?";
}

const char* unit_symbol(UnitKind k) {
  const auto& s = suffixes(k);
  return s.empty() ? "" : s.front().text;
}

std::vector<std::string> unit_suffixes(UnitKind k) {
  std::vector<std::string> out;
  for (const auto& s : suffixes(k)) out.emplace_back(s.text);
  return out;
}

UnitParse parse_quantity(const std::string& raw, UnitKind kind) {
  UnitParse r;
  const std::string text = trim(raw);
  const char* begin = text.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  if (end == begin || text.empty()) {
    r.error = "'" + text + "' is not a number";
    if (kind != UnitKind::None)
      r.error += " followed by a " + std::string(unit_kind_name(kind)) + " unit";
    return r;
  }
  if (!std::isfinite(number)) {
    r.error = "'" + text + "' is not a finite number";
    return r;
  }
  const std::string suffix = trim(std::string(end));
  const auto& table = suffixes(kind);
  if (kind == UnitKind::None) {
    if (!suffix.empty()) {
      r.error = "'" + text + "' has a unit '" + suffix + "' but this value is a plain number";
      return r;
    }
    r.value = number;
    return r;
  }
  if (suffix.empty()) {
    r.error = "'" + text + "' has no unit; write it with a " + unit_kind_name(kind) +
              " unit, one of: " + join(unit_suffixes(kind)) + " (e.g. " + format_number(number) +
              table.front().text + ")";
    return r;
  }
  for (const auto& s : table) {
    if (suffix == s.text) {
      r.value = number * s.scale;
      return r;
    }
  }
  r.error = "unit '" + suffix + "' is not a " + std::string(unit_kind_name(kind)) +
            " unit; valid units: " + join(unit_suffixes(kind));
  return r;
}

std::string format_number(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string format_quantity(double value, UnitKind kind) {
  const auto& table = suffixes(kind);
  if (table.empty()) return format_number(value);
  // Largest prefix that keeps the mantissa >= 1 (1.1e9 Hz -> 1.1GHz); sizes prefer a prefix that
  // prints a whole number, so 49152 B prints as 48KiB and 1e9 B as 1GB. Aliases ("cycle",
  // "bit/s") are never printed.
  const Suffix* best = nullptr;
  bool best_whole = false;
  for (const auto& s : table) {
    if (s.alias) continue;
    const double m = std::stod(round12(value / s.scale));
    if (value != 0 && std::fabs(m) < 1) continue;
    const bool whole = kind == UnitKind::Bytes && m == std::round(m);
    if (!best || (whole && !best_whole) || (whole == best_whole && s.scale > best->scale)) {
      best = &s;
      best_whole = whole;
    }
  }
  if (!best) best = &table.front();
  return round12(value / best->scale) + best->text;
}

}  // namespace wse
