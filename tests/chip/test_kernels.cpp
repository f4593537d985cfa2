// The distributed kernels: functional truth against a reference computation on square and odd
// grids with padding, colour use, and the limits checked before simulation.
#include <gtest/gtest.h>

#include <cmath>

#include "app/registry.h"
#include "firmware/kernels.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"

namespace wse {
namespace {

RunResult run_yaml(const std::string& yaml) {
  const Scenario s = load_scenario_text(yaml, "k.yaml");
  return app::workload_registry().create(s)->run();
}

std::string gemm(const std::string& alg, int p, int m, int k, int n, const std::string& values,
                 const std::string& fidelity = "wavelet") {
  return "chip: test8x8\nrun: {data: functional, fidelity: " + fidelity +
         "}\nworkload: {kind: gemm, algorithm: " + alg + ", grid: " + std::to_string(p) +
         ", m: " + std::to_string(m) + ", k: " + std::to_string(k) + ", n: " + std::to_string(n) +
         ", values: " + values + "}\n";
}

std::string gemv(const std::string& alg, int p, int g, int m, int n, const std::string& values,
                 const std::string& fidelity) {
  return "chip: test8x8\nrun: {data: functional, fidelity: " + fidelity +
         "}\nworkload: {kind: gemv, algorithm: " + alg + ", grid: " + std::to_string(p) +
         ", groups: " + std::to_string(g) + ", m: " + std::to_string(m) +
         ", n: " + std::to_string(n) + ", values: " + values + "}\n";
}

struct GemmCase {
  const char* algorithm;
  int grid;
};

using Fidelity = std::string;
class GemmKernel : public ::testing::TestWithParam<std::tuple<GemmCase, Fidelity>> {};

// Integer inputs: every product and partial sum is exact in fp16, so the result must equal the
// reference exactly (a misplaced tile or a lost step cannot hide inside a rounding bound).
TEST_P(GemmKernel, ExactOnIntegersWithPadding) {
  const auto [alg, p] = std::get<0>(GetParam());
  const RunResult r =
      run_yaml(gemm(alg, p, 4 * p + 3, 3 * p + 1, 2 * p + 5, "integers", std::get<1>(GetParam())));
  EXPECT_EQ(r.metrics["functional_check"], "pass");
  EXPECT_EQ(r.metrics["check_max_abs_error"].get<double>(), 0.0);
  EXPECT_GT(r.metrics["check_compared"].get<int>(), 0);
}

// Uniform inputs: within the fp16 accumulation bound (gamma_K sum |a||b|).
TEST_P(GemmKernel, WithinTheFp16BoundOnUniformValues) {
  const auto [alg, p] = std::get<0>(GetParam());
  const RunResult r =
      run_yaml(gemm(alg, p, 2 * p, 5 * p - 1, 3 * p, "uniform", std::get<1>(GetParam())));
  EXPECT_EQ(r.metrics["functional_check"], "pass");
  EXPECT_GT(r.metrics["check_max_abs_error"].get<double>(), 0.0);  // rounding really happened
}

INSTANTIATE_TEST_SUITE_P(
    Grids, GemmKernel,
    ::testing::Combine(::testing::Values(GemmCase{"meshgemm", 1}, GemmCase{"meshgemm", 2},
                                         GemmCase{"meshgemm", 3}, GemmCase{"meshgemm", 5},
                                         GemmCase{"meshgemm", 6}, GemmCase{"meshgemm", 8},
                                         GemmCase{"cannon", 3}, GemmCase{"cannon", 5},
                                         GemmCase{"cannon", 6}, GemmCase{"cannon", 8},
                                         GemmCase{"summa", 3}, GemmCase{"summa", 5},
                                         GemmCase{"summa", 6}, GemmCase{"summa", 8}),
                       ::testing::Values("wavelet", "stream")),
    [](const auto& info) {
      const GemmCase& c = std::get<0>(info.param);
      return std::string(c.algorithm) + "_" + std::to_string(c.grid) + "_" +
             std::get<1>(info.param);
    });

struct GemvCase {
  const char* algorithm;
  int grid, groups;
};

class GemvKernel : public ::testing::TestWithParam<std::tuple<GemvCase, Fidelity>> {};

TEST_P(GemvKernel, ExactOnIntegersWithPaddingInEveryPeOfTheColumn) {
  const auto [alg, p, g] = std::get<0>(GetParam());
  const RunResult r =
      run_yaml(gemv(alg, p, g, 7 * p + 2, 5 * p - 3, "integers", std::get<1>(GetParam())));
  EXPECT_EQ(r.metrics["functional_check"], "pass");
  EXPECT_EQ(r.metrics["check_max_abs_error"].get<double>(), 0.0);
  // Every PE holds its column's result: P rows x (N - padding) values.
  EXPECT_EQ(r.metrics["check_compared"].get<int>(), p * (5 * p - 3));
}

TEST_P(GemvKernel, WithinTheFp16BoundOnUniformValues) {
  const auto [alg, p, g] = std::get<0>(GetParam());
  const RunResult r = run_yaml(gemv(alg, p, g, 11 * p, 4 * p, "uniform", std::get<1>(GetParam())));
  EXPECT_EQ(r.metrics["functional_check"], "pass");
  EXPECT_GT(r.metrics["check_max_abs_error"].get<double>(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Grids, GemvKernel,
    ::testing::Combine(::testing::Values(GemvCase{"meshgemv", 3, 1}, GemvCase{"meshgemv", 3, 3},
                                         GemvCase{"meshgemv", 5, 5}, GemvCase{"meshgemv", 6, 2},
                                         GemvCase{"meshgemv", 6, 3}, GemvCase{"meshgemv", 8, 2},
                                         GemvCase{"meshgemv", 8, 4}, GemvCase{"pipeline", 3, 1},
                                         GemvCase{"pipeline", 5, 1}, GemvCase{"pipeline", 8, 1}),
                       ::testing::Values("wavelet", "stream")),
    [](const auto& info) {
      const GemvCase& c = std::get<0>(info.param);
      return std::string(c.algorithm) + "_" + std::to_string(c.grid) + "_g" +
             std::to_string(c.groups) + "_" + std::get<1>(info.param);
    });

// Colour use as in the reference designs: MeshGEMM 12 colours at every PE (x, x-shift,
// x-shift-reverse and y rings, 3 each); MeshGEMV 10 per axis once the tree has at least 4 groups
// of at least 3 rows (both phase-2 directions need two colours each).
TEST(Kernels, MeshGemmUsesTwelveColoursAtEveryPe) {
  const RunResult mesh = run_yaml(gemm("meshgemm", 8, 16, 16, 16, "integers"));
  EXPECT_EQ(mesh.metrics["colours_used"].get<int>(), 12);
  EXPECT_EQ(mesh.metrics["colours_per_pe_max"].get<int>(), 12);
  // Line ends carry no pass-through: 36 interior PEs x 12, 24 edge PEs x 11 or 9, 4 corners x 8.
  EXPECT_EQ(mesh.metrics["colours_per_pe_mean"].get<double>(), 704.0 / 64);
}
TEST(Kernels, MeshGemvUsesTenColoursPerAxis) {
  // Both phases need two colours per direction once a group has 5 rows and there are 5 groups.
  const RunResult tree = run_yaml(
      "chip: {preset: test16x16, mesh: {width: 25, height: 25}}\n"
      "workload: {kind: gemv, grid: 25, groups: 5, m: 100, n: 100}\n");
  EXPECT_EQ(tree.metrics["colours_used"].get<int>(), 10);
  // The global root receives on 2 phase-1 and 2 phase-2 colours and sends on both broadcasts.
  EXPECT_EQ(tree.metrics["colours_per_pe_max"].get<int>(), 6);
}
TEST(Kernels, PipelineGemvUsesThreeColours) {
  const RunResult pipe = run_yaml(
      "chip: test8x8\nworkload: {kind: gemv, algorithm: pipeline, grid: 8, m: 64, n: 64}\n");
  EXPECT_EQ(pipe.metrics["colours_used"].get<int>(), 3);
}

// A grid needing more colours than the chip has is refused before simulation, naming a router.
TEST(Kernels, ColourBudgetIsCheckedBeforeSimulation) {
  try {
    run_yaml(
        "chip: {preset: test8x8, noc: {colours: 8}}\n"
        "workload: {kind: gemm, algorithm: meshgemm, grid: 8, m: 16, k: 16, n: 16}\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "workload.grid");
    EXPECT_NE(std::string(e.what()).find("colour"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("("), std::string::npos) << e.what();
  }
}

// Tiles that do not fit a PE's SRAM are refused at placement, naming the PE and its buffers.
TEST(Kernels, SramOverflowIsCheckedBeforeSimulation) {
  try {
    run_yaml("chip: test4x4\nworkload: {kind: gemm, grid: 4, m: 512, k: 512, n: 512}\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.key(), "workload.grid");
    EXPECT_EQ(what.rfind("k.yaml:", 0), 0u) << what;
    EXPECT_NE(what.find("PE (0,0)"), std::string::npos) << what;
    EXPECT_NE(what.find("a0"), std::string::npos) << what;
  }
}

// Routes are laid out beside PE placement (two threads); with both broken, the route problem is
// the one reported, as when they ran one after the other.
TEST(Kernels, RouteProblemsWinOverSramOverflow) {
  try {
    run_yaml(
        "chip: {preset: test4x4, noc: {colours: 4}}\n"
        "workload: {kind: gemm, algorithm: meshgemm, grid: 4, m: 512, k: 512, n: 512}\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("colour"), std::string::npos) << what;
    EXPECT_EQ(what.find("a0"), std::string::npos) << what;
  }
}

// Sampled steps (8 and 16 of P, extrapolated; SUMMA's roots spread) against every step on the plain
// engines (SystemC elaborates once per process), timing data.
TEST(Kernels, SampledGemmStepsExtrapolateToTheFullKernel) {
  const ChipParams chip = resolve_preset("wse2").params;
  for (const auto& [alg, name] :
       {std::pair{GemmAlgorithm::MeshGemm, "meshgemm"}, std::pair{GemmAlgorithm::Cannon, "cannon"},
        std::pair{GemmAlgorithm::Summa, "summa"}}) {
    GemmSpec spec;
    spec.algorithm = alg;
    spec.m = 480;
    spec.k = 400;
    spec.n = 320;
    spec.grid = 32;
    const PlainRun full = run_program_plain(chip, *make_gemm_program(spec), Rect{0, 0, 32, 32},
                                            wse::Fidelity::Stream, false);
    const RunResult sampled =
        run_yaml(std::string("chip: wse2\nrun: {data: timing, fidelity: stream}\n") +
                 "workload: {kind: gemm, algorithm: " + name +
                 ", grid: 32, m: 480, k: 400, n: 320, steps: sampled}\n");
    const double a = static_cast<double>(full.cycles_max),
                 b = sampled.metrics["kernel_cycles_max"].get<double>();
    EXPECT_LT(std::fabs(a - b) / a, 0.001) << name << ": " << a << " vs " << b;
    EXPECT_NEAR(sampled.metrics["kernel_cycles_mean"].get<double>(), full.cycles_mean,
                0.001 * full.cycles_mean);
    EXPECT_EQ(sampled.metrics["colours_per_pe_max"], gemm_colours(alg));
    EXPECT_NE(sampled.metrics["step_coverage"].get<std::string>().find("8 and 16 of 32"),
              std::string::npos);
  }
  // Functional runs need every step.
  try {
    run_yaml(
        "chip: wse2\nrun: {data: functional}\nworkload: {kind: gemm, grid: 32, steps: sampled}\n");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "workload.steps");
  }
}

TEST(Kernels, GroupsMustDivideTheGrid) {
  try {
    run_yaml("chip: test8x8\nworkload: {kind: gemv, grid: 6, groups: 4}\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "workload.groups");
    EXPECT_NE(std::string(e.what()).find("1, 2, 3, 6"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wse
