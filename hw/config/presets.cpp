#include "hw/config/presets.h"

namespace wse {

const ChipPreset* find_chip_preset(const std::string& name) {
  for (const auto& p : chip_presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> chip_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : chip_presets()) names.push_back(p.name);
  return names;
}

}  // namespace wse
