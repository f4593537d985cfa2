#include <fstream>

#include <gtest/gtest.h>

#include "hw/config/energy_table.h"

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
      // Every value cites the reference dossiers (../shared/reference/).
      const bool cited = it->second.find("wafer-fabric.md") != std::string::npos ||
                         it->second.find("waferllm-algorithms.md") != std::string::npos;
      EXPECT_TRUE(cited) << name << " " << e.info.key << ": " << it->second;
    }
  }
}

TEST(Params, EnergyTablesCarryValueUnitNodeVoltageAndSource) {
  for (const auto& b : bundled_energy_tables()) {
    SCOPED_TRACE(b.name);
    const EnergyTable t = load_energy_table(b.name, "", Location{});
    EXPECT_EQ(t.name, b.name);
    EXPECT_GE(t.version, 1);
    for (const auto& n : energy_entry_names()) {
      const EnergyEntry& e = t.at(n);
      EXPECT_FALSE(e.unit.empty() || e.node != b.name || e.voltage.empty() || e.source.empty())
          << n;
    }
  }
  // 7 nm follows wafer-fabric.md section 5; 5 nm is marked as scaled, entry by entry.
  const EnergyTable t7 = load_energy_table("7nm", "", Location{}),
                    t5 = load_energy_table("5nm", "", Location{});
  EXPECT_DOUBLE_EQ(t7.at("fma_f16").value, 1e-12);
  EXPECT_DOUBLE_EQ(t7.at("static_power").value, 10e-3);
  for (const auto& n : energy_entry_names()) {
    EXPECT_FALSE(t7.at(n).scaled) << n;
    EXPECT_TRUE(t5.at(n).scaled) << n;
  }
  // The presets pick their node's table and the chip carries its values.
  EXPECT_EQ(resolve_preset("wse2").params.energy.table, "7nm");
  EXPECT_EQ(resolve_preset("wse3").params.energy.table, "5nm");
  EXPECT_DOUBLE_EQ(resolve_preset("wse3").params.energy.fma_f16, 0.7e-12);
}

TEST(Params, EnergyTableErrorsAreLocated) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/bad_energy.yaml") << "table: x\nversion: 1\nentries:\n  fma_f16: {value: "
                                             "1, unit: mW, node: x, voltage: 1V, source: s}\n";
  try {
    load_energy_table("bad_energy.yaml", dir, Location{});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad_energy.yaml:4:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not an energy unit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_energy_table("3nm", "", Location{}), ConfigError);
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
