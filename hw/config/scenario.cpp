#include "hw/config/scenario.h"

#include <algorithm>
#include <filesystem>

#include "hw/config/energy_table.h"
#include "hw/config/presets.h"

namespace wse {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"name",     "description", "chip",
                                           "workload", "run",         "expect"};
const std::vector<std::string> kChipMetaKeys = {"preset", "file", "name", "description"};

std::string dir_of(const std::string& file) {
  const fs::path p(file);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

struct ChipLayers {
  RawSection raw;
  std::string base;
  std::string name;
};

void collect_chip(const YamlDoc& doc, const YAML::Node& node, int depth, ChipLayers& out);

void collect_base(const YamlDoc& doc, const YAML::Node& ref, bool is_file, int depth,
                  ChipLayers& out) {
  const Location loc = location_of(doc, ref);
  const std::string what = scalar_text(doc, ref, is_file ? "chip.file" : "chip.preset");
  if (depth > 8) throw ConfigError(loc, "chip", "chip descriptions refer to each other in a loop");
  if (is_file) {
    const fs::path p =
        fs::path(what).is_absolute() ? fs::path(what) : fs::path(dir_of(doc.file)) / what;
    YamlDoc base;
    try {
      base = load_yaml_file(p.lexically_normal().string());
    } catch (const ConfigError& e) {
      if (e.location().line > 0) throw;
      throw ConfigError(loc, "chip.file", "cannot open chip file '" + p.string() + "'", "",
                        "Paths are relative to the file that names them");
    }
    collect_chip(base, base.root, depth + 1, out);
    if (out.base.empty()) out.base = p.string();
    return;
  }
  const ChipPreset* preset = find_chip_preset(what);
  if (!preset) {
    const std::string near = closest_match(what, chip_preset_names());
    throw ConfigError(
        loc, "chip.preset", "unknown chip preset '" + what + "'", join(chip_preset_names()),
        near.empty() ? "Or give a chip file with 'file:'" : "Did you mean '" + near + "'?");
  }
  YamlDoc base = load_yaml_text(preset->text, preset->path);
  collect_chip(base, base.root, depth + 1, out);
  out.base = preset->name;
}

void collect_chip(const YamlDoc& doc, const YAML::Node& node, int depth, ChipLayers& out) {
  if (node.IsScalar()) {
    collect_base(doc, node, false, depth, out);
    return;
  }
  if (!node.IsMap()) {
    throw ConfigError(location_of(doc, node), "chip", "expected a preset name or a mapping",
                      "a preset name (" + join(chip_preset_names()) +
                          "), or {preset: NAME, <overrides>}, or {file: PATH, <overrides>}");
  }
  if (node["preset"] && node["file"]) {
    throw ConfigError(location_of(doc, node["file"]), "chip",
                      "give either 'preset' or 'file', not both");
  }
  if (node["preset"]) collect_base(doc, node["preset"], false, depth, out);
  if (node["file"]) collect_base(doc, node["file"], true, depth, out);
  if (node["name"]) out.name = scalar_text(doc, node["name"], "chip.name");
  YAML::Node params(YAML::NodeType::Map);
  for (const auto& kv : node) {
    const std::string k = kv.first.Scalar();
    if (std::find(kChipMetaKeys.begin(), kChipMetaKeys.end(), k) == kChipMetaKeys.end())
      params[kv.first] = kv.second;
  }
  RawSection layer;
  flatten_yaml(doc, params, "chip.", layer);
  out.raw.merge(layer);
}

ResolvedChip finish_chip(ChipLayers layers, const RawSection& set_overrides) {
  layers.raw.merge(set_overrides);
  ResolvedChip chip;
  const auto& table = chip_param_table();
  table.apply_defaults(chip.params, "chip.");
  assign_section(table, layers.raw, "chip.", chip.params);
  chip.params.name = layers.name.empty() ? layers.base : layers.name;
  chip.base = layers.base;
  for (const auto& e : layers.raw.entries()) {
    chip.sources[e.key] = !e.value.source.empty() ? e.value.source : e.value.loc.to_string();
  }
  {  // the energy table the chip names, resolved against the file that named it
    const RawValue* named = layers.raw.find("energy.table");
    const Location where =
        named ? named->loc : Location{"", 0, 0, "chip '" + chip.params.name + "'"};
    const std::string base_dir = named && !named->loc.file.empty() && named->loc.file[0] != '<'
                                     ? dir_of(named->loc.file)
                                     : std::string();
    EnergyTable table = load_energy_table(chip.params.energy.table, base_dir, where);
    EnergyParams& e = chip.params.energy;
    e.table_version = table.version;
    e.fma_f16 = table.at("fma_f16").value;
    e.alu_f16 = table.at("alu_f16").value;
    e.sram_read = table.at("sram_read").value;
    e.sram_write = table.at("sram_write").value;
    e.router_hop = table.at("router_hop").value;
    e.wire_hop = table.at("wire_hop").value;
    e.static_power = table.at("static_power").value;
    chip.energy_table = std::move(table);
  }
  const ChipProblem p = check_chip(chip.params);
  if (!p.key.empty()) {
    const RawValue* where = layers.raw.find(p.key);
    Location loc = where ? where->loc : Location{"", 0, 0, "chip '" + chip.params.name + "'"};
    throw ConfigError(loc, "chip." + p.key, p.problem, "", p.remedy);
  }
  return chip;
}

}  // namespace

nlohmann::ordered_json ResolvedChip::to_json() const {
  nlohmann::ordered_json j;
  j["name"] = params.name;
  j["base"] = base;
  j["params"] = chip_param_table().to_json(params);
  nlohmann::ordered_json src = nlohmann::ordered_json::object();
  for (const auto& e : chip_param_table().entries()) {
    auto it = sources.find(e.info.key);
    src[e.info.key] = it == sources.end() ? "default" : it->second;
  }
  j["sources"] = src;
  j["energy_table"] = energy_table.to_json();
  return j;
}

ResolvedChip resolve_chip(const YamlDoc& doc, const YAML::Node& node,
                          const RawSection& set_overrides) {
  ChipLayers layers;
  collect_chip(doc, node, 0, layers);
  return finish_chip(std::move(layers), set_overrides);
}

ResolvedChip resolve_preset(const std::string& name) {
  YamlDoc doc = load_yaml_text("chip: " + name + "\n", "<preset " + name + ">");
  return resolve_chip(doc, doc.root["chip"], {});
}

SetOverride parse_set_override(const std::string& text) {
  const Location loc{"", 0, 0, "--set " + text};
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(loc, "", "expected KEY=VALUE", "", "For example: --set chip.mesh.width=16");
  }
  SetOverride s;
  s.key = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  YAML::Node n;
  try {
    n = YAML::Load(value);
  } catch (const YAML::Exception& ex) {
    throw ConfigError(loc, s.key, "value is not valid YAML: " + ex.msg);
  }
  s.value.loc = loc;
  if (n.IsSequence()) {
    s.value.is_list = true;
    for (const auto& item : n) {
      if (!item.IsScalar()) throw ConfigError(loc, s.key, "list items must be single values");
      s.value.items.push_back(item.Scalar());
      s.value.item_locs.push_back(loc);
    }
  } else if (n.IsScalar()) {
    s.value.scalar = n.Scalar();
  } else if (n.IsNull()) {
    throw ConfigError(loc, s.key, "has no value");
  } else {
    throw ConfigError(loc, s.key, "expected a value or a list, not a mapping");
  }
  return s;
}

namespace {

Scenario load_doc(const YamlDoc& doc, const std::vector<SetOverride>& sets) {
  const YAML::Node& root = doc.root;
  for (const auto& kv : root) {
    const std::string k = kv.first.Scalar();
    if (std::find(kTopKeys.begin(), kTopKeys.end(), k) == kTopKeys.end()) {
      throw_unknown_key(k, location_of(doc, kv.first), kTopKeys, "");
    }
  }
  Scenario s;
  s.file = doc.file;
  s.name =
      root["name"] ? scalar_text(doc, root["name"], "name") : fs::path(doc.file).stem().string();
  if (root["description"]) s.description = scalar_text(doc, root["description"], "description");

  RawSection chip_sets, run_sets, workload_sets;
  std::string kind_override;
  Location kind_override_loc;
  for (const auto& set : sets) {
    const std::string& k = set.key;
    auto strip = [&](const std::string& prefix) { return k.substr(prefix.size()); };
    if (k.rfind("chip.", 0) == 0) {
      chip_sets.set(strip("chip."), set.value);
    } else if (k.rfind("run.", 0) == 0) {
      run_sets.set(strip("run."), set.value);
    } else if (k == "workload.kind") {
      kind_override = set.value.scalar;
      kind_override_loc = set.value.loc;
    } else if (k.rfind("workload.", 0) == 0) {
      workload_sets.set(strip("workload."), set.value);
    } else if (k == "name") {
      s.name = set.value.scalar;
    } else {
      throw ConfigError(set.value.loc, k, "cannot be set",
                        "keys under chip., workload., run., or name",
                        "For example: --set chip.mesh.width=16");
    }
  }

  if (!root["chip"]) {
    throw ConfigError(Location{doc.file, 0, 0, {}}, "chip", "missing",
                      "a preset name (" + join(chip_preset_names()) + ") or a mapping",
                      "Add for example 'chip: wse2'");
  }
  s.chip = resolve_chip(doc, root["chip"], chip_sets);

  RawSection run_raw;
  if (root["run"]) {
    if (!root["run"].IsMap())
      throw ConfigError(location_of(doc, root["run"]), "run", "expected a mapping of run settings");
    flatten_yaml(doc, root["run"], "run.", run_raw);
  }
  run_raw.merge(run_sets);
  s.run = resolve_section(run_param_table(), run_raw, "run.");
  s.run_settings = run_raw;
  const auto& vcd = s.run.vcd_routers;
  if (!vcd.empty()) {
    const RawValue* raw = run_raw.find("outputs.vcd_routers");
    const Location loc = raw ? raw->loc : Location{doc.file, 0, 0, {}};
    if (vcd.size() % 2 != 0)
      throw ConfigError(loc, "run.outputs.vcd_routers",
                        "needs x, y pairs (an even count of numbers)");
    for (size_t i = 0; i < vcd.size(); i += 2) {
      if (!s.chip.params.contains({vcd[i], vcd[i + 1]})) {
        throw ConfigError(loc, "run.outputs.vcd_routers",
                          "router " + to_string(Coord{vcd[i], vcd[i + 1]}) + " is outside the " +
                              std::to_string(s.chip.params.mesh.width) + "x" +
                              std::to_string(s.chip.params.mesh.height) + " mesh");
      }
    }
  }

  const YAML::Node w = root["workload"];
  if (!w || !w.IsMap()) {
    throw ConfigError(w ? location_of(doc, w) : Location{doc.file, 0, 0, {}}, "workload",
                      w ? "expected a mapping with a 'kind'" : "missing", "",
                      "Add 'workload: {kind: ..., ...}'; 'wafersim list' shows the kinds");
  }
  if (!w["kind"] && kind_override.empty()) {
    throw ConfigError(location_of(doc, w), "workload.kind", "missing", "",
                      "'wafersim list' shows the workload kinds");
  }
  if (w["kind"]) {
    s.workload_kind = scalar_text(doc, w["kind"], "workload.kind");
    s.workload_kind_loc = location_of(doc, w["kind"]);
  }
  if (!kind_override.empty()) {
    s.workload_kind = kind_override;
    s.workload_kind_loc = kind_override_loc;
  }
  YAML::Node params(YAML::NodeType::Map);
  for (const auto& kv : w)
    if (kv.first.Scalar() != "kind") params[kv.first] = kv.second;
  flatten_yaml(doc, params, "workload.", s.workload);
  s.workload.merge(workload_sets);
  if (root["expect"]) s.expect = parse_expectations(doc, root["expect"]);
  return s;
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<SetOverride>& sets) {
  return load_doc(load_yaml_file(path), sets);
}

Scenario load_scenario_text(const std::string& text, const std::string& name,
                            const std::vector<SetOverride>& sets) {
  return load_doc(load_yaml_text(text, name), sets);
}

}  // namespace wse
