#include "hw/config/energy_table.h"

#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "hw/config/raw_config.h"

namespace wse {
namespace {

struct Unit {
  const char* name;
  double scale;
  bool power;
};
const Unit kUnits[] = {{"fJ", 1e-15, false}, {"pJ", 1e-12, false}, {"nJ", 1e-9, false},
                       {"uW", 1e-6, true},   {"mW", 1e-3, true},   {"W", 1.0, true}};

std::string names_of_bundled() {
  std::string s;
  for (const auto& t : bundled_energy_tables()) s += (s.empty() ? "" : ", ") + t.name;
  return s;
}

EnergyTable parse(const YamlDoc& doc) {
  const YAML::Node& root = doc.root;
  EnergyTable t;
  t.file = doc.file;
  auto need = [&](const YAML::Node& parent, const char* key, const std::string& path) {
    if (!parent[key])
      throw ConfigError(location_of(doc, parent), path + key, "missing", "",
                        "Every energy table has table, version and entries; every entry has "
                        "value, unit, node, voltage and source");
    return parent[key];
  };
  if (!root.IsMap()) throw ConfigError(location_of(doc, root), "", "an energy table is a mapping");
  t.name = need(root, "table", "").Scalar();
  try {
    t.version = need(root, "version", "").as<int>();
  } catch (const YAML::Exception&) {
    throw ConfigError(location_of(doc, root["version"]), "version", "must be an integer");
  }
  if (root["description"]) t.description = root["description"].Scalar();
  const YAML::Node entries = need(root, "entries", "");
  for (const auto& kv : entries) {
    const std::string key = kv.first.Scalar(), path = "entries." + key + ".";
    const YAML::Node e = kv.second;
    const auto& known = energy_entry_names();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string valid;
      for (const auto& n : known) valid += (valid.empty() ? "" : ", ") + n;
      throw ConfigError(location_of(doc, kv.first), "entries." + key, "unknown entry", valid);
    }
    EnergyEntry out;
    out.unit = need(e, "unit", path).Scalar();
    out.node = need(e, "node", path).Scalar();
    out.voltage = need(e, "voltage", path).Scalar();
    out.source = need(e, "source", path).Scalar();
    if (e["scaled"]) out.scaled = e["scaled"].as<bool>();
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits)
      if (out.unit == u.name) unit = &u;
    const bool power = key == "static_power";
    if (!unit || unit->power != power)
      throw ConfigError(location_of(doc, e["unit"]), path + "unit",
                        "'" + out.unit + "' is not " + (power ? "a power" : "an energy") + " unit",
                        power ? "uW, mW, W" : "fJ, pJ, nJ");
    double v = 0;
    try {
      v = need(e, "value", path).as<double>();
    } catch (const YAML::Exception&) {
      throw ConfigError(location_of(doc, e["value"]), path + "value", "must be a number");
    }
    if (!(v >= 0)) throw ConfigError(location_of(doc, e["value"]), path + "value", "must be >= 0");
    out.value = v * unit->scale;
    t.entries[key] = out;
  }
  for (const auto& n : energy_entry_names())
    if (!t.entries.count(n))
      throw ConfigError(location_of(doc, entries), "entries." + n, "missing", "",
                        "Every table gives all of fma_f16, alu_f16, sram_read, sram_write, "
                        "router_hop, wire_hop, static_power");
  return t;
}

}  // namespace

const std::vector<std::string>& energy_entry_names() {
  static const std::vector<std::string> n{"fma_f16",    "alu_f16",  "sram_read",   "sram_write",
                                          "router_hop", "wire_hop", "static_power"};
  return n;
}

nlohmann::ordered_json EnergyTable::to_json() const {
  nlohmann::ordered_json j;
  j["table"] = name;
  j["version"] = version;
  j["file"] = file;
  nlohmann::ordered_json e = nlohmann::ordered_json::object();
  for (const auto& n : energy_entry_names()) {
    const EnergyEntry& x = entries.at(n);
    e[n] = {{"value_si", x.value},  {"unit", x.unit},     {"node", x.node},
            {"voltage", x.voltage}, {"scaled", x.scaled}, {"source", x.source}};
  }
  j["entries"] = e;
  return j;
}

EnergyTable load_energy_table(const std::string& name_or_path, const std::string& base_dir,
                              const Location& where) {
  for (const auto& b : bundled_energy_tables())
    if (b.name == name_or_path) return parse(load_yaml_text(b.text, b.path));
  namespace fs = std::filesystem;
  fs::path p(name_or_path);
  if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
  if (!fs::exists(p))
    throw ConfigError(where, "chip.energy.table",
                      "no bundled energy table or file '" + name_or_path + "'", names_of_bundled(),
                      "Name a bundled technology node or the path of a table (see "
                      "scenarios/energy/7nm.yaml)");
  return parse(load_yaml_file(p.lexically_normal().string()));
}

}  // namespace wse
