// The two fabric fidelities run the same routes and firmware: every kernel gives the same
// (correct) result in both, and the stream fidelity's kernel cycles stay within the stated
// tolerance of the wavelet fidelity's. Both run here on the plain engines, in one process.
//
// Tolerance: 1 % of the wavelet fidelity's max (and mean) kernel cycles. The stream model's
// approximations are bounded, not exact: backpressure is a rendezvous computed once per message
// (the sender's last wavelet waits for the receiver's start plus an estimated credit return);
// a message stalled by backpressure does not hold its mesh links longer; colours sharing a link
// are served first-come-first-served by message instead of round-robin per wavelet. On the
// cases below the measured gap is at most 0.21 % (SUMMA 16x16, 82,517 vs 82,688 cycles), in
// both directions; 1 % leaves room for other shapes without hiding a modelling error (the
// ramp-sharing error fixed while writing this test showed as 3.2 %).
#include <gtest/gtest.h>

#include "firmware/kernels.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"

namespace wse {
namespace {

constexpr double kTolerance = 0.01;

struct Case {
  const char* name;
  bool gemm;
  int algorithm;
  int grid, groups, m, k, n;
  const char* chip;
};

std::unique_ptr<Program> program_of(const Case& c, KernelValues values) {
  if (c.gemm) {
    GemmSpec s;
    s.algorithm = static_cast<GemmAlgorithm>(c.algorithm);
    s.grid = c.grid;
    s.m = c.m;
    s.k = c.k;
    s.n = c.n;
    s.values = values;
    return make_gemm_program(s);
  }
  GemvSpec s;
  s.algorithm = static_cast<GemvAlgorithm>(c.algorithm);
  s.grid = c.grid;
  s.groups = c.groups;
  s.m = c.m;
  s.n = c.n;
  s.values = values;
  return make_gemv_program(s);
}

class Fidelities : public ::testing::TestWithParam<Case> {};

TEST_P(Fidelities, SameResultAndCyclesWithinTolerance) {
  const Case& c = GetParam();
  const ChipParams chip = resolve_preset(c.chip).params;
  const auto program = program_of(c, KernelValues::Uniform);
  const Rect rect{0, 0, c.grid, c.grid};
  const PlainRun w = run_program_plain(chip, *program, rect, Fidelity::Wavelet, true);
  const PlainRun s = run_program_plain(chip, *program, rect, Fidelity::Stream, true);
  // Same firmware, same data: the same values (fp16 additions happen in the same order).
  EXPECT_EQ(w.check["max_abs_error"], s.check["max_abs_error"]);
  const double wmax = static_cast<double>(w.cycles_max), smax = static_cast<double>(s.cycles_max);
  EXPECT_LE(std::abs(smax - wmax), kTolerance * wmax) << "wavelet " << wmax << " stream " << smax;
  EXPECT_LE(std::abs(s.cycles_mean - w.cycles_mean), kTolerance * w.cycles_mean)
      << "wavelet " << w.cycles_mean << " stream " << s.cycles_mean;
  EXPECT_LT(s.events, w.events);  // the point of the stream fidelity
}

INSTANTIATE_TEST_SUITE_P(
    Kernels, Fidelities,
    ::testing::Values(Case{"meshgemm_8", true, 0, 8, 0, 40, 48, 40, "test8x8"},
                      Case{"meshgemm_5", true, 0, 5, 0, 64, 64, 64, "test8x8"},
                      Case{"cannon_6", true, 1, 6, 0, 60, 30, 36, "test8x8"},
                      Case{"summa_8", true, 2, 8, 0, 40, 48, 40, "test8x8"},
                      Case{"meshgemm_16_big_tiles", true, 0, 16, 0, 256, 256, 256, "test16x16"},
                      Case{"summa_16_big_tiles", true, 2, 16, 0, 256, 256, 256, "test16x16"},
                      Case{"meshgemv_8_g4", false, 0, 8, 4, 480, 0, 400, "test8x8"},
                      Case{"meshgemv_6_g2", false, 0, 6, 2, 480, 0, 400, "test8x8"},
                      Case{"pipeline_8", false, 1, 8, 1, 480, 0, 400, "test8x8"},
                      Case{"meshgemv_16_g4_long", false, 0, 16, 4, 1024, 0, 2048, "test16x16"},
                      Case{"pipeline_16_long", false, 1, 16, 1, 1024, 0, 2048, "test16x16"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wse
