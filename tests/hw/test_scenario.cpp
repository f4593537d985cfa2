#include <fstream>

#include <gtest/gtest.h>

#include "hw/config/scenario.h"

namespace wse {
namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  std::vector<SetOverride> s;
  try {
    for (const auto& x : sets) s.push_back(parse_set_override(x));
    load_scenario_text(yaml, "s.yaml", s);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kBase = "workload: {kind: traffic}\n";

TEST(Scenario, LoadsPresetWithInlineOverridesAndSets) {
  const Scenario s = load_scenario_text(
      "name: demo\nchip:\n  preset: wse2\n  mesh: {width: 8, height: 6}\nworkload: {kind: traffic, "
      "injection_rate: 0.1}\n"
      "run: {seed: 7, fidelity: stream}\n",
      "s.yaml",
      {parse_set_override("chip.noc.hop_latency=3cycles"), parse_set_override("run.seed=9")});
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.chip.params.mesh.width, 8);
  EXPECT_EQ(s.chip.params.mesh.height, 6);
  EXPECT_EQ(s.chip.params.noc.hop_latency, Cycles(3));
  EXPECT_EQ(s.chip.params.noc.ramp_latency, Cycles(2));
  EXPECT_EQ(s.run.seed, 9);
  EXPECT_EQ(s.run.fidelity, Fidelity::Stream);
  EXPECT_EQ(s.workload_kind, "traffic");
  ASSERT_NE(s.workload.find("injection_rate"), nullptr);
  EXPECT_EQ(s.chip.sources.at("noc.hop_latency"), "--set chip.noc.hop_latency=3cycles");
  EXPECT_EQ(s.chip.sources.at("mesh.width"), "s.yaml:4:17");
}

TEST(Scenario, ChipAsPresetName) {
  const Scenario s = load_scenario_text(std::string("chip: test8x8\n") + kBase, "s.yaml");
  EXPECT_EQ(s.chip.params.mesh.width, 8);
  EXPECT_EQ(s.chip.base, "test8x8");
}

TEST(Scenario, ChipFileRelativeToScenario) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/mychip.yaml") << "preset: wse3\nname: mine\nmesh: {width: 5, height: 3}\n";
  std::ofstream(dir + "/scn.yaml") << "chip: {file: mychip.yaml, noc: {colours: 16}}\n" << kBase;
  const Scenario s = load_scenario(dir + "/scn.yaml");
  EXPECT_EQ(s.chip.params.name, "mine");
  EXPECT_EQ(s.chip.params.mesh.width, 5);
  EXPECT_EQ(s.chip.params.noc.hop_latency, Cycles(2));
  EXPECT_EQ(s.chip.params.noc.colours, 16);
}

TEST(ScenarioErrors, UnknownKeySuggestsTheNearestWithLocation) {
  const std::string e =
      error_of(std::string("chip:\n  preset: wse2\n  noc:\n    colurs: 3\n") + kBase);
  EXPECT_EQ(e.rfind("s.yaml:4:13: error: chip.noc.colurs: unknown key", 0), 0u) << e;
  EXPECT_NE(e.find("Did you mean 'chip.noc.colours'?"), std::string::npos) << e;
  EXPECT_NE(e.find("chip.noc.hop_latency"), std::string::npos) << "valid keys listed: " << e;
}

TEST(ScenarioErrors, UnknownTopLevelKey) {
  const std::string e = error_of("chip: wse2\nworkload: {kind: traffic}\nrn: {seed: 1}\n");
  EXPECT_EQ(e.rfind("s.yaml:3:1: error: rn: unknown key", 0), 0u) << e;
  EXPECT_NE(e.find("Did you mean 'run'?"), std::string::npos) << e;
}

TEST(ScenarioErrors, WrongType) {
  const std::string e =
      error_of(std::string("chip: {preset: wse2, mesh: {width: wide}}\n") + kBase);
  EXPECT_EQ(e.rfind("s.yaml:1:36: error: chip.mesh.width: 'wide' is not a number", 0), 0u) << e;
  EXPECT_NE(e.find("[1, 4096]"), std::string::npos) << e;
  const std::string b = error_of(std::string("chip: wse2\n") + kBase + "run: {progress: maybe}\n");
  EXPECT_NE(b.find("run.progress: 'maybe' is not a boolean; valid: true, false"), std::string::npos)
      << b;
  const std::string f = error_of(std::string("chip: {preset: wse2, mesh: {width: 2.5}}\n") + kBase);
  EXPECT_NE(f.find("is not a whole number"), std::string::npos) << f;
}

TEST(ScenarioErrors, BadAndMissingUnits) {
  const std::string e = error_of(std::string("chip: {preset: wse2, clock: 1.1GHzz}\n") + kBase);
  EXPECT_EQ(e.rfind("s.yaml:1:29: error: chip.clock: unit 'GHzz' is not a frequency unit; valid "
                    "units: Hz, kHz, MHz, GHz",
                    0),
            0u)
      << e;
  const std::string m =
      error_of(std::string("chip: {preset: wse2, noc: {hop_latency: 2}}\n") + kBase);
  EXPECT_NE(m.find("chip.noc.hop_latency: '2' has no unit"), std::string::npos) << m;
  EXPECT_NE(m.find("2cycles"), std::string::npos) << m;
}

TEST(ScenarioErrors, OutOfRange) {
  const std::string e = error_of(std::string("chip: {preset: wse2, noc: {colours: 40}}\n") + kBase);
  EXPECT_NE(e.find("chip.noc.colours: value 40 is out of range; valid: [1, 32]"), std::string::npos)
      << e;
  const std::string c = error_of(std::string("chip: wse2\n") + kBase + "run: {fidelity: fast}\n");
  EXPECT_NE(c.find("run.fidelity: 'fast' is not a valid choice; valid: wavelet, stream"),
            std::string::npos)
      << c;
}

TEST(ScenarioErrors, InconsistentValuesPointAtTheKey) {
  const std::string e =
      error_of(std::string("chip:\n  preset: wse2\n  pe: {sram_banks: 7}\n") + kBase);
  EXPECT_EQ(
      e.rfind("s.yaml:3:20: error: chip.pe.sram_banks: 7 banks do not divide 48KiB of SRAM", 0), 0u)
      << e;
  const std::string r =
      error_of(std::string("chip: {preset: wse2, noc: {link_rate: 0.3wavelets/cycle}}\n") + kBase);
  EXPECT_NE(r.find("chip.noc.link_rate: 1/link_rate"), std::string::npos) << r;
}

TEST(ScenarioErrors, MissingFileAndMalformedYaml) {
  try {
    load_scenario("/nonexistent/x.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/x.yaml: error: cannot open file", 0), 0u)
        << e.what();
  }
  const std::string m = error_of("chip: wse2\nworkload: {kind: traffic\n");
  EXPECT_EQ(m.rfind("s.yaml:3:1: error: malformed YAML", 0), 0u) << m;
  const std::string f = error_of("chip: {file: nothere.yaml}\nworkload: {kind: traffic}\n");
  EXPECT_NE(f.find("s.yaml:1:14: error: chip.file: cannot open chip file"), std::string::npos) << f;
}

TEST(ScenarioErrors, UnknownPreset) {
  const std::string e = error_of(std::string("chip: wse4\n") + kBase);
  EXPECT_EQ(e.rfind("s.yaml:1:7: error: chip.preset: unknown chip preset 'wse4'", 0), 0u) << e;
  EXPECT_NE(e.find("valid: test16x16, test4x4, test8x8, wse2, wse3"), std::string::npos) << e;
  EXPECT_NE(e.find("Did you mean 'wse2'?"), std::string::npos) << e;
}

TEST(ScenarioErrors, MissingSections) {
  EXPECT_NE(error_of(kBase).find("chip: missing"), std::string::npos);
  EXPECT_NE(error_of("chip: wse2\n").find("workload: missing"), std::string::npos);
  EXPECT_NE(error_of("chip: wse2\nworkload: {pattern: uniform}\n").find("workload.kind: missing"),
            std::string::npos);
}

TEST(ScenarioErrors, BadSetOverrides) {
  const std::string e = error_of(std::string("chip: wse2\n") + kBase, {"chip.mesh.width=abc"});
  EXPECT_EQ(e.rfind("--set chip.mesh.width=abc: error: chip.mesh.width: 'abc' is not a number", 0),
            0u)
      << e;
  const std::string k = error_of(std::string("chip: wse2\n") + kBase, {"chip.mesh.widht=4"});
  EXPECT_NE(k.find("Did you mean 'chip.mesh.width'?"), std::string::npos) << k;
  const std::string n = error_of(std::string("chip: wse2\n") + kBase, {"noequals"});
  EXPECT_NE(n.find("expected KEY=VALUE"), std::string::npos) << n;
  const std::string s = error_of(std::string("chip: wse2\n") + kBase, {"foo.bar=1"});
  EXPECT_NE(s.find("foo.bar: cannot be set"), std::string::npos) << s;
}

}  // namespace
}  // namespace wse
