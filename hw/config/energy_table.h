// Versioned energy tables per technology node (scenarios/energy/*.yaml): every entry carries its
// value, unit, node, voltage and source. A chip names its table (`energy.table`: a bundled node
// or the path of a table file); run-level energy is computed from counters with these values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/core/error.h"

namespace wse {

struct EnergyEntry {
  double value = 0;  // SI: joules per event, or watts for static power
  std::string unit, node, voltage, source;
  bool scaled = false;  // derived from another node's value
};

struct EnergyTable {
  std::string name, file, description;
  int version = 0;
  std::map<std::string, EnergyEntry> entries;
  const EnergyEntry& at(const std::string& key) const { return entries.at(key); }
  nlohmann::ordered_json to_json() const;
};

// The entries every table must have: the per-event energies and the static power per PE.
const std::vector<std::string>& energy_entry_names();

struct BundledEnergyTable {
  std::string name;  // e.g. "7nm"
  std::string path;  // e.g. "scenarios/energy/7nm.yaml"
  std::string text;
};
const std::vector<BundledEnergyTable>& bundled_energy_tables();

// A bundled table by name, or a table file (relative paths against `base_dir`); errors name the
// file, line and entry, or `where` when the table cannot be found.
EnergyTable load_energy_table(const std::string& name_or_path, const std::string& base_dir,
                              const Location& where);

}  // namespace wse
