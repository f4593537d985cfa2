// A scenario: chip (preset, file or inline overrides), workload (kind + raw parameters, resolved
// by the workload registry) and run settings, with --set overrides applied.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hw/config/energy_table.h"
#include "hw/config/expectation.h"
#include "hw/config/raw_config.h"
#include "hw/params/chip_params.h"
#include "hw/params/run_params.h"

namespace wse {

struct ResolvedChip {
  ChipParams params;
  std::string base;                            // preset or file the chip starts from
  std::map<std::string, std::string> sources;  // key -> provenance of its value
  EnergyTable energy_table;                    // the table `energy.table` names
  nlohmann::ordered_json to_json() const;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;
  ResolvedChip chip;
  RunParams run;
  RawSection run_settings;  // the run keys as written, for error locations
  std::string workload_kind;
  Location workload_kind_loc;
  RawSection workload;  // parameters other than `kind`, resolved by the workload's own table
  std::vector<Expectation> expect;  // the optional `expect:` checks (wafersim validate)
};

// A "--set key.path=value" override, parsed.
struct SetOverride {
  std::string key;  // full dotted path, e.g. "chip.mesh.width"
  RawValue value;
};
SetOverride parse_set_override(const std::string& text);

// Loads and validates a scenario file; throws ConfigError on any problem.
Scenario load_scenario(const std::string& path, const std::vector<SetOverride>& sets = {});
Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<SetOverride>& sets = {});

// Resolves a chip node (preset name, or map with preset/file and overrides) of `doc`.
ResolvedChip resolve_chip(const YamlDoc& doc, const YAML::Node& node,
                          const RawSection& set_overrides);
ResolvedChip resolve_preset(const std::string& name);

}  // namespace wse
