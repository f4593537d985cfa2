#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "cli_harness.h"

namespace fs = std::filesystem;

namespace wse::app {
namespace {

using namespace wse::app::testing;

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir + "/" + name) << text;
  return dir + "/" + name;
}

struct BadInput {
  std::string yaml, expect;
};

// Each case exits 2 with one message containing `expect`, and writes nothing to `out`.
void expect_rejected(const std::string& command, const std::string& dir,
                     const std::vector<BadInput>& cases) {
  const std::string out = dir + "/out";
  for (const auto& c : cases) {
    const std::string file = write(dir, "s.yaml", c.yaml);
    const Result r = command == "run" ? cli({"run", file, "--out", out}) : cli({command, file});
    EXPECT_EQ(r.code, 2) << c.yaml;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one message: " << r.err;
    EXPECT_FALSE(fs::exists(out)) << "output written for bad input: " << c.yaml;
  }
}

const char* kSmall =
    "name: small\nchip: test4x4\nworkload: {kind: traffic, injection_rate: 0.05, warmup: "
    "100cycles, measure: 300cycles}\n";

TEST(Cli, CheckAcceptsAValidScenario) {
  const std::string dir = temp_dir("check");
  const Result r = cli({"check", write(dir, "s.yaml", kSmall)});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (scenario 'small', chip test4x4 4x4, workload traffic)"),
            std::string::npos)
      << r.out;
}

TEST(Cli, BadInputExitsTwoWithLocatedMessageAndWritesNothing) {
  const std::string dir = temp_dir("bad");
  const std::string out = dir + "/out";
  expect_rejected(
      "run", dir,
      {
          {"chip: test4x4\nworkload: {kind: trafic}\n",
           "s.yaml:2:18: error: workload.kind: unknown workload kind 'trafic'; valid: traffic, "
           "program, gemm, gemv, llm. Did you mean 'traffic'?"},
          {"chip: test4x4\nworkload: {kind: traffic, patern: uniform}\n",
           "s.yaml:2:35: error: workload.patern: unknown key"},
          {"chip: test4x4\nworkload: {kind: traffic, pattern: zigzag}\n",
           "workload.pattern: 'zigzag' is not a valid choice; valid: uniform, transpose, bitcomp, "
           "hotspot, neighbor"},
          {"chip: {preset: test4x4, mesh: {width: 3}}\nworkload: {kind: traffic, pattern: "
           "transpose}\n",
           "workload.pattern: transpose needs a square mesh, not 3x4"},
          {"chip: test4x4\nworkload: {kind: traffic, colours: 30}\n",
           "workload.colours: 30 colours exceed the chip's 24"},
          {"chip: test4x4\nworkload: {kind: traffic, packet_size: 4}\n",
           "workload.packet_size: '4' has no unit"},
          {"chip: test4x4\nworkload: {kind: traffic, hotspots: [9, 1]}\n",
           "hotspot (9,1) is outside the mesh"},
          {"chip: test4x4\nworkload: {kind: traffic}\nrun: {fidelity: stream}\n",
           "s.yaml:3:17: error: run.fidelity: the traffic workload runs on the wavelet fabric "
           "only; valid: wavelet"},
          {"chip: test4x4\nworkload: {kind: traffic}\nrun: {outputs: {vcd_routers: [1, 9]}}\n",
           "run.outputs.vcd_routers: router (1,9) is outside the 4x4 mesh"},
      });
  const Result missing = cli({"run", dir + "/none.yaml", "--out", out});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("none.yaml: error: cannot open file"), std::string::npos)
      << missing.err;
  const Result set =
      cli({"run", write(dir, "ok.yaml", kSmall), "--set", "run.seed=-1", "--out", out});
  EXPECT_EQ(set.code, 2);
  EXPECT_NE(set.err.find("--set run.seed=-1: error: run.seed: value -1 is out of range"),
            std::string::npos)
      << set.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(cli({}).code, 2);
  const Result r = cli({"rnu", "x.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'run'?"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"run"}).code, 2);
  EXPECT_EQ(cli({"run", "a.yaml", "--bogus"}).code, 2);
}

TEST(Cli, ListAndHelpConfigComeFromTheDeclarations) {
  const Result l = cli({"list"});
  EXPECT_EQ(l.code, 0);
  EXPECT_NE(l.out.find("wse2"), std::string::npos);
  EXPECT_NE(l.out.find("wse3"), std::string::npos);
  EXPECT_NE(l.out.find("traffic"), std::string::npos);
  const Result h = cli({"--help-config"});
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("chip.noc.hop_latency\n      type: int   unit: cycles   default: 1cycles"),
            std::string::npos)
      << h.out;
  EXPECT_NE(h.out.find("run.fidelity"), std::string::npos);
  EXPECT_NE(h.out.find("workload.injection_rate"), std::string::npos);
}

int run_exe(const std::string& args) {
  const int status =
      std::system((std::string(WAFERSIM_EXE) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Cli, RunWritesSummaryWithVersionSeedConfigAndMetrics) {
  const std::string dir = temp_dir("run");
  ASSERT_EQ(run_exe("run " + write(dir, "s.yaml", kSmall) + " --out " + dir + "/out"), 0);
  const auto j = nlohmann::json::parse(slurp(dir + "/out/summary.json"));
  EXPECT_EQ(j["version"], WSE_VERSION);
  EXPECT_EQ(j["seed"], 1);
  EXPECT_EQ(j["config"]["chip"]["params"]["mesh.width"], 4);
  EXPECT_EQ(j["config"]["chip"]["params"]["clock"], "1.1GHz");
  EXPECT_EQ(j["config"]["workload"]["kind"], "traffic");
  EXPECT_EQ(j["config"]["run"]["fidelity"], "wavelet");
  EXPECT_GT(j["metrics"]["simulated_cycles"].get<long>(), 400);
  EXPECT_EQ(j["metrics"]["packets_created"], j["metrics"]["packets_delivered"]);
  EXPECT_TRUE(j["metrics"].contains("wall_seconds"));
  for (auto it = j["metrics"].begin(); it != j["metrics"].end(); ++it) {
    EXPECT_EQ(it.key(), [&] {
      std::string k = it.key();
      for (auto& ch : k) ch = static_cast<char>(std::tolower(ch));
      return k;
    }());
  }
  EXPECT_TRUE(fs::exists(dir + "/out/stats.json"));
  for (const auto& e : fs::directory_iterator(dir + "/out")) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos)
        << "temporary file left: " << e.path();
  }
}

TEST(Cli, ProgramWorkloadRunsAndChecksItsResult) {
  const std::string dir = temp_dir("prog");
  const std::string s =
      write(dir, "p.yaml",
            "chip: test8x8\nworkload: {kind: program, program: column_reduce, elements: 64}\n"
            "run: {data: functional}\n");
  ASSERT_EQ(run_exe("run " + s + " --out " + dir + "/reduce"), 0);
  auto j = nlohmann::json::parse(slurp(dir + "/reduce/summary.json"));
  // 32 wavelets per column; the first reaches the bottom PE at 10 + 7 relays x 5 cycles = 45, the
  // last at 76; its freed queue slot is returned as a credit at 77.
  EXPECT_EQ(j["metrics"]["simulated_cycles"], 77);
  EXPECT_EQ(j["metrics"]["functional_check"], "pass");
  EXPECT_EQ(j["metrics"]["flops"], 8 * 7 * 64);
  ASSERT_EQ(run_exe("run " + s + " --set workload.program=row_broadcast --out " + dir + "/bcast"),
            0);
  j = nlohmann::json::parse(slurp(dir + "/bcast/summary.json"));
  EXPECT_EQ(j["metrics"]["simulated_cycles"],
            41 + 2 + 7 + 2 + 1);  // last wavelet to x = 7, then its credit
  EXPECT_EQ(j["metrics"]["functional_check"], "pass");
  ASSERT_EQ(run_exe("run " + s + " --set run.data=timing --out " + dir + "/timing"), 0);
  j = nlohmann::json::parse(slurp(dir + "/timing/summary.json"));
  EXPECT_EQ(j["metrics"]["simulated_cycles"], 77);  // same timing without payloads
  EXPECT_EQ(j["metrics"]["functional_check"], "not checked (timing data mode)");
}

TEST(Cli, ProgramWorkloadInputErrors) {
  const std::string dir = temp_dir("progbad");
  expect_rejected(
      "check", dir,
      {
          {"chip: test8x8\nworkload: {kind: program, program: row_brodcast}\n",
           "unknown program 'row_brodcast'; valid: row_broadcast, column_reduce. Did you mean "
           "'row_broadcast'?"},
          {"chip: test8x8\nworkload: {kind: program, rect: [4, 4, 5, 2]}\n",
           "workload.rect: rectangle 5x2 at (4,4) does not fit the 8x8 mesh"},
          {"chip: test8x8\nworkload: {kind: program, elemnts: 4}\n",
           "workload.elemnts: unknown key"},
          {"chip: test8x8\nworkload: {kind: program, elements: 2000000}\n",
           "value 2000000 is out of range"},
          {"chip: test8x8\nworkload: {kind: program, elements: 30000, program: column_reduce}\n",
           "s.yaml:2:53: error: workload.program: program 'column_reduce': PE (0,0) needs 64176 B "
           "of SRAM (4176 B reserved + v 30000 x f16 = 60000 B) but has 49152 B"},
      });
}

TEST(Cli, SameScenarioAndSeedGiveByteIdenticalOutputs) {
  const std::string dir = temp_dir("det");
  const std::string s = write(dir, "s.yaml", kSmall);
  const std::string flags = " --set run.outputs.wall_clock_metrics=false --out ";
  ASSERT_EQ(run_exe("run " + s + flags + dir + "/a"), 0);
  ASSERT_EQ(run_exe("run " + s + flags + dir + "/b"), 0);
  ASSERT_EQ(run_exe("run " + s + flags + dir + "/c --set run.seed=2"), 0);
  EXPECT_EQ(slurp(dir + "/a/summary.json"), slurp(dir + "/b/summary.json"));
  EXPECT_EQ(slurp(dir + "/a/stats.json"), slurp(dir + "/b/stats.json"));
  EXPECT_NE(slurp(dir + "/a/summary.json"), slurp(dir + "/c/summary.json"));
}

}  // namespace
}  // namespace wse::app
