#include <gtest/gtest.h>

#include "hw/config/presets.h"
#include "hw/config/scenario.h"
#include "hw/params/chip_params.h"
#include "hw/params/run_params.h"

namespace wse {
namespace {

TEST(Params, EveryDeclaredDefaultParsesAndIsConsistent) {
  ChipParams chip;
  chip_param_table().apply_defaults(chip, "chip.");
  EXPECT_EQ(check_chip(chip).key, "");
  RunParams run;
  run_param_table().apply_defaults(run, "run.");
  EXPECT_EQ(run.max_cycles, Cycles(1000000000));
}

TEST(Params, DeclarationsAreUniqueAndDescribed) {
  std::set<std::string> seen;
  for (const auto& e : chip_param_table().entries()) {
    EXPECT_TRUE(seen.insert(e.info.key).second) << e.info.key;
    EXPECT_FALSE(e.info.description.empty()) << e.info.key;
  }
}

TEST(Params, PresetsResolveAndEveryWaferValueHasASource) {
  for (const auto& name : chip_preset_names()) {
    SCOPED_TRACE(name);
    const ResolvedChip chip = resolve_preset(name);
    EXPECT_EQ(chip.params.name, name);
  }
  for (const std::string name : {"wse2", "wse3"}) {
    const ResolvedChip chip = resolve_preset(name);
    for (const auto& e : chip_param_table().entries()) {
      auto it = chip.sources.find(e.info.key);
      ASSERT_NE(it, chip.sources.end()) << name << " lacks " << e.info.key;
      EXPECT_NE(it->second.find("wafer-fabric.md"), std::string::npos)
          << name << " " << e.info.key << ": " << it->second;
    }
  }
}

TEST(Params, PresetValuesFollowTheReference) {
  const ChipParams w2 = resolve_preset("wse2").params;
  EXPECT_EQ(w2.mesh.width, 757);
  EXPECT_EQ(w2.mesh.height, 996);
  EXPECT_DOUBLE_EQ(w2.clock_hz, 1.1e9);
  EXPECT_EQ(w2.noc.colours, 24);
  EXPECT_EQ(w2.noc.hop_latency, Cycles(1));
  EXPECT_EQ(w2.noc.ramp_latency, Cycles(2));
  EXPECT_EQ(w2.pe.sram_bytes, 49152);
  EXPECT_EQ(w2.pe.input_queue_depths, (std::vector<int>{6, 6, 4, 4, 2, 2, 2, 2}));
  EXPECT_EQ(w2.pe.output_queue_depths, (std::vector<int>{2, 2, 6, 6, 2, 2}));
  EXPECT_DOUBLE_EQ(w2.pe.lanes.f16_fma, 4);
  const ChipParams w3 = resolve_preset("wse3").params;
  EXPECT_EQ(w3.mesh.width, 762);
  EXPECT_EQ(w3.mesh.height, 1172);
  EXPECT_EQ(w3.noc.hop_latency, Cycles(2));
  EXPECT_EQ(w3.noc.turn_penalty, Cycles(20));
  EXPECT_EQ(w3.pe.output_queue_depths.size(), 8u);
  const ChipParams t4 = resolve_preset("test4x4").params;
  EXPECT_EQ(t4.mesh.width, 4);
  EXPECT_EQ(t4.noc.hop_latency, Cycles(1));  // inherits wse2
}

}  // namespace
}  // namespace wse
