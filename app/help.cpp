#include "app/help.h"

#include <iomanip>

#include "app/registry.h"
#include "firmware/program.h"
#include "hw/config/presets.h"
#include "hw/config/raw_config.h"
#include "hw/params/chip_params.h"
#include "hw/params/run_params.h"
#include "llm/model_spec.h"

namespace wse::app {
namespace {

std::string type_text(const ParamInfo& p) {
  std::string t = param_type_name(p.type);
  if (p.type == ParamType::Choice) t = join(p.choices, "|");
  return t;
}

void print_params(std::ostream& out, const std::string& prefix,
                  const std::vector<ParamInfo>& params) {
  for (const auto& p : params) {
    out << "  " << prefix << p.key << "\n";
    out << "      type: " << type_text(p);
    if (p.unit != UnitKind::None) out << "   unit: " << unit_symbol(p.unit);
    out << "   default: " << p.default_text;
    const std::string range = p.range_text();
    if (!range.empty()) out << "   range: " << range;
    out << "\n      " << p.description << "\n";
  }
}

}  // namespace

void print_help_config(std::ostream& out) {
  out << "Every configuration key, generated from the declarations in the code.\n"
         "Quantities need a unit (1.1GHz, 48KiB, 2cycles, 0.15pJ); keys are set in a scenario\n"
         "file or with --set KEY=VALUE.\n\n";
  out << "chip.  (scenario 'chip:' section, chip files and presets)\n";
  print_params(out, "chip.", param_infos(chip_param_table()));
  out << "\nrun.  (scenario 'run:' section)\n";
  print_params(out, "run.", param_infos(run_param_table()));
  for (const auto& k : workload_registry().kinds()) {
    out << "\nworkload.  (kind: " << k.name << ") " << k.description << "\n";
    print_params(out, "workload.", k.params);
  }
  for (const auto& p : builtin_programs().kinds()) {
    out << "\nworkload.  (kind: program, program: " << p.name << ") " << p.description << "\n";
    print_params(out, "workload.", p.params);
  }
}

void print_list(std::ostream& out) {
  out << "Chip presets:\n";
  for (const auto& p : chip_presets()) {
    std::string desc;
    try {
      YamlDoc d = load_yaml_text(p.text, p.path);
      if (d.root["description"]) desc = d.root["description"].Scalar();
    } catch (const ConfigError&) {
      desc = "(unreadable)";
    }
    out << "  " << std::left << std::setw(12) << p.name << desc << "\n";
  }
  out << "\nWorkload kinds:\n";
  for (const auto& k : workload_registry().kinds()) {
    out << "  " << std::left << std::setw(12) << k.name << k.description << "\n";
  }
  out << "\nFirmware programs (workload kind: program):\n";
  for (const auto& p : builtin_programs().kinds())
    out << "  " << std::left << std::setw(14) << p.name << p.description << "\n";
  out << "\nBundled models (Hugging Face config.json):\n";
  for (const auto& name : bundled_model_names()) {
    const ModelSpec m = bundled_model(name);
    out << "  " << std::left << std::setw(14) << name << m.architecture << ", " << m.layers
        << " layers, hidden " << m.hidden << ", " << m.heads << " heads / " << m.kv_heads
        << " KV, FFN " << m.ffn << ", vocab " << m.vocab << ", " << std::fixed
        << std::setprecision(2) << static_cast<double>(m.total_params()) / 1e9 << std::defaultfloat
        << "B params\n";
  }
}

}  // namespace wse::app
