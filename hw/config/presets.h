// Chip presets bundled into the executable from scenarios/chips/*.yaml at build time, so that
// `wafersim` works from any directory.
#pragma once

#include <string>
#include <vector>

namespace wse {

struct ChipPreset {
  std::string name;  // e.g. "wse2"
  std::string path;  // e.g. "scenarios/chips/wse2.yaml" (used in messages)
  std::string text;  // YAML content
};

const std::vector<ChipPreset>& chip_presets();
const ChipPreset* find_chip_preset(const std::string& name);
std::vector<std::string> chip_preset_names();

}  // namespace wse
