// The llm workload end to end through the command line: metrics, breakdown files, the trace,
// the coverage flags agreeing with each other, functional checks, and input errors.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../app/cli_harness.h"
#include "app/cli.h"

namespace fs = std::filesystem;

namespace wse::app {
namespace {

using namespace wse::app::testing;

std::string scenario(const std::string& dir, const std::string& workload,
                     const std::string& run =
                         "fidelity: stream, data: timing, outputs: {wall_clock_metrics: false}") {
  const std::string path = dir + "/s.yaml";
  std::ofstream(path) << "chip: test16x16\nrun: {" << run
                      << "}\nworkload: {kind: llm, model: tiny-llama, " << workload << "}\n";
  return path;
}

nlohmann::json metrics(const std::string& out) {
  return nlohmann::json::parse(slurp(out + "/summary.json"))["metrics"];
}

TEST(LlmWorkload, DecodeMetricsFilesAndTrace) {
  const std::string dir = temp_dir("basic");
  const Result r =
      cli({"run", scenario(dir, "prompt_tokens: 20, output_tokens: 6, prefill: sequential"),
           "--out", dir + "/out"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics(dir + "/out");
  EXPECT_EQ(m["decode_grid"], 16);
  EXPECT_GT(m["decode_layer_cycles_first_step"].get<int>(), 0);
  EXPECT_GT(m["lm_head_cycles"].get<int>(), 0);
  EXPECT_NEAR(m["decode_tokens_per_s"].get<double>() * m["tpot_ms"].get<double>(), 1000.0, 1e-6);
  // Sequential prefill: 20 prompt passes (the last yields token 1), then 5 decode steps.
  EXPECT_EQ(m["decode_steps"], 5);
  const double ttft = m["ttft_ms"].get<double>(), tpot = m["tpot_ms"].get<double>();
  EXPECT_GT(tpot, 0);
  // TTFT is the sum of the prefill passes (steps.csv gives each pass in microseconds).
  {
    std::istringstream csv(slurp(dir + "/out/steps.csv"));
    std::string line;
    double prefill_us = 0;
    std::getline(csv, line);
    while (std::getline(csv, line))
      if (line.find(",prefill,") != std::string::npos)
        prefill_us += std::stod(line.substr(line.rfind(',') + 1));
    EXPECT_NEAR(ttft * 1e3, prefill_us, 20 * 0.0005 + 1e-9);
  }
  EXPECT_NEAR(m["prefill_tokens_per_s"].get<double>(), 20 / (ttft * 1e-3), 1e-6);
  EXPECT_NEAR(m["e2e_tokens_per_s"].get<double>(),
              6 / ((ttft + m["decode_ms_total"].get<double>()) * 1e-3), 1e-6);
  EXPECT_GT(m["energy_per_token_mj_prefill_total"].get<double>(), 0);
  // Energy per decode token: the parts add up; static power of the held PEs is part of it.
  double parts = 0;
  for (const char* k : {"compute", "sram", "router", "wire", "static"})
    parts += m[std::string("energy_per_token_mj_decode_") + k].get<double>();
  EXPECT_NEAR(parts, m["energy_per_token_mj_decode_total"].get<double>(), 1e-9);
  EXPECT_GT(m["energy_per_token_mj_decode_compute"].get<double>(), 0);
  // 16 x 16 PEs x 10 mW x tpot.
  EXPECT_NEAR(m["energy_per_token_mj_decode_static"].get<double>(),
              256 * 10e-3 * m["tpot_ms"].get<double>(), 1e-9);
  EXPECT_EQ(m["energy_table"], "7nm v1");
  // Per pass: rows = 20 + 5 + header; per op: the eight phases, LM head, hand-offs.
  const std::string steps = slurp(dir + "/out/steps.csv"), ops = slurp(dir + "/out/decode_ops.csv");
  EXPECT_EQ(std::count(steps.begin(), steps.end(), '\n'), 26);
  EXPECT_NE(steps.find("\n19,prefill,19,"), std::string::npos);
  EXPECT_NE(steps.find("\n20,decode,20,"), std::string::npos);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), '\n'), 11);
  EXPECT_NE(ops.find("softmax_max,"), std::string::npos);
  const auto trace = nlohmann::json::parse(slurp(dir + "/out/trace.json"));
  int steps_seen = 0, layers_seen = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    steps_seen += e["cat"] == "phase";
    layers_seen += e["cat"] == "layer" && e["name"].get<std::string>().rfind("layer ", 0) == 0;
  }
  EXPECT_EQ(steps_seen, 25);
  EXPECT_EQ(layers_seen, 25 * 2);  // tiny-llama has 2 layers
}

TEST(LlmWorkload, WaferPrefillTimeToFirstTokenRemapAndBreakdown) {
  const std::string dir = temp_dir("wafer_prefill");
  const Result r =
      cli({"run", scenario(dir, "prompt_tokens: 20, output_tokens: 6"), "--out", dir + "/out"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = metrics(dir + "/out");
  EXPECT_EQ(m["prefill_grid"], 16);
  // TTFT = 2 layers x the simulated prefill layer + hand-offs + the LM head for the first token.
  const double us_per_cycle = 1e6 / 1.1e9;
  const double ttft_cycles = 2.0 * m["prefill_layer_cycles"].get<double>() +
                             m["prefill_handoff_cycles"].get<double>() +
                             m["lm_head_cycles"].get<double>();
  EXPECT_NEAR(m["ttft_ms"].get<double>() * 1e3, ttft_cycles * us_per_cycle, 1e-9);
  EXPECT_NEAR(m["prefill_tokens_per_s"].get<double>(), 20 / (m["ttft_ms"].get<double>() * 1e-3),
              1e-6);
  // The first token comes from prefill: 5 decode steps; the remap sits between the phases.
  EXPECT_EQ(m["decode_steps"], 5);
  EXPECT_GT(m["prefill_to_decode_remap_ms"].get<double>(), 0);
  EXPECT_NEAR(m["e2e_tokens_per_s"].get<double>(),
              6 / ((m["ttft_ms"].get<double>() + m["prefill_to_decode_remap_ms"].get<double>() +
                    m["decode_ms_total"].get<double>()) *
                   1e-3),
              1e-6);
  // The estimate the planner ranks grids with: 28,728 vs 30,461 cycles here (6 % low).
  EXPECT_LT(std::fabs(m["prefill_layer_cycles_estimate"].get<double>() /
                          m["prefill_layer_cycles"].get<double>() -
                      1),
            0.25);
  double parts = 0;
  for (const char* k : {"compute", "sram", "router", "wire", "static"})
    parts += m[std::string("energy_per_token_mj_prefill_") + k].get<double>();
  EXPECT_NEAR(parts, m["energy_per_token_mj_prefill_total"].get<double>(), 1e-9);
  EXPECT_GT(m["energy_per_token_mj_prefill_compute"].get<double>(), 0);
  // steps.csv: prefill, remap, 5 decode passes; prefill_ops.csv: 15 stages, LM head, hand-offs,
  // their cycles adding up to the layer.
  const std::string steps = slurp(dir + "/out/steps.csv"),
                    ops = slurp(dir + "/out/prefill_ops.csv");
  EXPECT_EQ(std::count(steps.begin(), steps.end(), '\n'), 8);
  EXPECT_NE(steps.find("\nprefill,prefill,0,1,"), std::string::npos);
  EXPECT_NE(steps.find("\nremap,remap,20,"), std::string::npos);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), '\n'), 18);
  {
    std::istringstream csv(ops);
    std::string line;
    std::getline(csv, line);
    std::int64_t sum = 0;
    for (int i = 0; i < 15 && std::getline(csv, line); ++i)
      sum += std::stoll(line.substr(line.find(',') + 1));
    EXPECT_EQ(sum, m["prefill_layer_cycles"].get<std::int64_t>());
  }
  const auto trace = nlohmann::json::parse(slurp(dir + "/out/trace.json"));
  int phases = 0, prefill_layers = 0, gemm_ops = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    phases += e["cat"] == "phase";
    prefill_layers += e["name"].get<std::string>().rfind("prefill layer ", 0) == 0;
    gemm_ops += e["cat"] == "op" && e["name"].get<std::string>().rfind("gemm_", 0) == 0;
  }
  EXPECT_EQ(phases, 1 + 1 + 5);  // prefill, remap, decode steps
  EXPECT_EQ(prefill_layers, 2);
  EXPECT_EQ(gemm_ops, 7);
  // Every layer simulated on its own region's PEs: the same cycles.
  ASSERT_EQ(cli({"run", scenario(dir, "prompt_tokens: 20, output_tokens: 6, layers: all"), "--out",
                 dir + "/all"})
                .code,
            0);
  EXPECT_EQ(metrics(dir + "/all")["ttft_ms"], m["ttft_ms"]);
}

TEST(LlmWorkload, SampledPrefillStepsAgreeWithEveryStep) {
  // A 32 x 32 prefill grid on the wse2 mesh: passes of 8 and 16 steps extrapolated to 32.
  const std::string dir = temp_dir("prefill_sampling");
  auto path = [&](const std::string& extra) {
    const std::string p = dir + "/s.yaml";
    std::ofstream(p) << "chip: wse2\nrun: {fidelity: stream, data: timing, outputs: "
                        "{wall_clock_metrics: false}}\nworkload: {kind: llm, model: tiny-llama, "
                        "prompt_tokens: 64, output_tokens: 2, decode_grid: 8, prefill_grid: 32"
                     << extra << "}\n";
    return p;
  };
  ASSERT_EQ(cli({"run", path(""), "--out", dir + "/s"}).code, 0);
  ASSERT_EQ(cli({"run", path(", prefill_steps: all"), "--out", dir + "/a"}).code, 0);
  const auto s = metrics(dir + "/s"), a = metrics(dir + "/a");
  EXPECT_EQ(s["prefill_step_coverage"], "passes simulated for 8 and 16 of 32 steps, extrapolated");
  EXPECT_EQ(a["prefill_step_coverage"], "every step simulated");
  const double sampled = s["prefill_layer_cycles"].get<double>(),
               full = a["prefill_layer_cycles"].get<double>();
  EXPECT_LT(std::fabs(sampled - full) / full, 0.01) << sampled << " vs " << full;
  std::printf("prefill layer: sampled %.0f, every step %.0f cycles\n", sampled, full);
  EXPECT_LT(std::fabs(s["energy_per_token_mj_prefill_total"].get<double>() /
                          a["energy_per_token_mj_prefill_total"].get<double>() -
                      1),
            0.01);
}

TEST(LlmWorkload, SharedStepSimulationsAndRepresentativeLayersMatchFullSimulation) {
  const std::string dir = temp_dir("coverage");
  const std::string base = "prompt_tokens: 30, output_tokens: 24, prefill: sequential";
  ASSERT_EQ(cli({"run", scenario(dir, base), "--out", dir + "/a"}).code, 0);
  ASSERT_EQ(
      cli({"run", scenario(dir, base + ", decode_steps: all, layers: all"), "--out", dir + "/b"})
          .code,
      0);
  const auto a = metrics(dir + "/a"), b = metrics(dir + "/b");
  EXPECT_LT(a["layer_simulations"].get<int>(), b["layer_simulations"].get<int>());
  EXPECT_EQ(b["layer_simulations"], (30 + 24 - 1) * 2);  // every pass, every layer
  // Sampling ignores where the fullest rows sit: about one row's attention work per token
  // (a few dozen of ~3,000 cycles), so within 2 %; every-layer and representative agree exactly.
  const double sampled = a["decode_ms_total"].get<double>(),
               full = b["decode_ms_total"].get<double>();
  EXPECT_NE(sampled, full);  // this case does exercise the approximation
  EXPECT_LT(std::fabs(sampled - full) / full, 0.02);
  ASSERT_EQ(cli({"run", scenario(dir, base + ", layers: all"), "--out", dir + "/c"}).code, 0);
  EXPECT_EQ(metrics(dir + "/c")["decode_ms_total"], a["decode_ms_total"]);
}

TEST(LlmWorkload, ShiftAndConcatCapacitiesAndTheirCost) {
  const std::string dir = temp_dir("kv");
  ASSERT_EQ(
      cli({"run", scenario(dir, "prompt_tokens: 64, output_tokens: 40"), "--out", dir + "/s"}).code,
      0);
  ASSERT_EQ(cli({"run", scenario(dir, "prompt_tokens: 64, output_tokens: 40, kv_policy: concat"),
                 "--out", dir + "/c"})
                .code,
            0);
  const auto s = metrics(dir + "/s"), c = metrics(dir + "/c");
  // Shift spreads the cache over every row; concat is bounded by the bottom row.
  EXPECT_EQ(s["kv_capacity_tokens_shift"], s["kv_row_capacity_tokens"].get<int>() * 16);
  EXPECT_GT(s["kv_capacity_tokens_shift"].get<int>(), s["kv_capacity_tokens_concat"].get<int>());
  // Concat's bottom row attends over every new token: decode gets slower than with shift.
  EXPECT_GT(c["decode_ms_total"].get<double>(), s["decode_ms_total"].get<double>());
}

TEST(LlmWorkload, BatchSharesEveryPassAndAmortisesStaticEnergy) {
  const std::string dir = temp_dir("batch");
  ASSERT_EQ(
      cli({"run", scenario(dir, "prompt_tokens: 12, output_tokens: 4"), "--out", dir + "/1"}).code,
      0);
  const Result r = cli(
      {"run", scenario(dir, "prompt_tokens: 12, output_tokens: 4, batch: 4"), "--out", dir + "/4"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto one = metrics(dir + "/1"), four = metrics(dir + "/4");
  EXPECT_GT(four["tpot_ms"].get<double>(), one["tpot_ms"].get<double>());
  EXPECT_NEAR(four["decode_throughput_tokens_per_s"].get<double>(),
              4 * four["decode_tokens_per_s"].get<double>(), 1e-6);
  EXPECT_GT(four["decode_throughput_tokens_per_s"].get<double>(),
            one["decode_throughput_tokens_per_s"].get<double>());
  EXPECT_LT(four["energy_per_token_mj_decode_static"].get<double>(),
            one["energy_per_token_mj_decode_static"].get<double>());
  // Each request keeps its own cache: a row holds a quarter of the tokens it could alone.
  EXPECT_LE(four["kv_row_capacity_tokens"].get<int>() * 4,
            one["kv_row_capacity_tokens"].get<int>());
}

TEST(LlmWorkload, FunctionalRunChecksEveryLayerSimulation) {
  const std::string dir = temp_dir("functional");
  const Result r = cli(
      {"run",
       scenario(dir, "prompt_tokens: 12, output_tokens: 3", "fidelity: wavelet, data: functional"),
       "--out", dir + "/out"});
  ASSERT_EQ(r.code, 0) << r.err;
}

TEST(LlmWorkload, InputErrorsNameTheKeyAndTheRemedy) {
  const std::string dir = temp_dir("errors");
  Result r = cli({"run", scenario(dir, "prompt_tokens: 8, output_tokens: 2"), "--set",
                  "workload.model=llama9", "--out", dir + "/x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workload.model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("llama3-8b"), std::string::npos) << r.err;  // the bundled names
  r = cli({"run", scenario(dir, "prompt_tokens: 8, output_tokens: 2, decode_grid: 17"), "--out",
           dir + "/y"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workload.decode_grid"), std::string::npos) << r.err;
  r = cli(
      {"run", scenario(dir, "prompt_tokens: 8, output_tokens: 2, batch: 0"), "--out", dir + "/z"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workload.batch"), std::string::npos) << r.err;
  r = cli({"run", scenario(dir, "prompt_tokens: 8, output_tokens: 2, model: nowhere/config.json"),
           "--out", dir + "/x"});
  EXPECT_EQ(r.code, 2);
  // A prefill grid whose PEs cannot hold a layer: the key, the bytes, a remedy.
  const std::string big = dir + "/big.yaml";
  std::ofstream(big) << "chip: wse2\nworkload: {kind: llm, model: llama3-8b, prompt_tokens: 128, "
                        "output_tokens: 2, prefill_grid: 64}\n";
  r = cli({"run", big, "--out", dir + "/w"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workload.prefill_grid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a prefill layer needs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("big.yaml:"), std::string::npos) << r.err;
  for (const char* out : {"/x", "/y", "/z", "/w"})
    EXPECT_FALSE(fs::exists(dir + out + "/summary.json"));
}

}  // namespace
}  // namespace wse::app
