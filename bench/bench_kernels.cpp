// Kernel simulation speed in the two fabric fidelities: the same program (routes, firmware, data
// mode timing) on the wavelet and the stream fabric. Each benchmark reports simulated kernel
// cycles, fabric events (busy calendar cycles) and PE-side wall time; BM_FidelityRatio runs both
// fidelities in one iteration and reports wavelet wall time / stream wall time.
#include <chrono>

#include <benchmark/benchmark.h>

#include "firmware/kernels.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"

namespace wse {
namespace {

// GEMV [1, m] x [m, m] (range 0 = 0) or GEMM m^3 (range 0 = 1) on a P x P grid.
std::unique_ptr<Program> kernel(bool gemm, int p, int m) {
  if (gemm) {
    GemmSpec s;
    s.grid = p;
    s.m = s.k = s.n = m;
    return make_gemm_program(s);
  }
  GemvSpec s;
  s.grid = p;
  s.m = s.n = m;
  int g = 1;
  for (int d = 1; d <= p; ++d)
    if (p % d == 0 && d * d <= p) g = d;  // the divisor of P at or below sqrt(P)
  s.groups = g;
  return make_gemv_program(s);
}

double seconds(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_Kernel(benchmark::State& state) {
  const bool gemm = state.range(0) == 1, stream = state.range(3) == 1;
  const int p = static_cast<int>(state.range(1)), m = static_cast<int>(state.range(2));
  ChipParams chip = resolve_preset("wse2").params;
  chip.mesh.width = chip.mesh.height = p;
  const auto program = kernel(gemm, p, m);
  PlainRun r;
  for (auto _ : state)
    r = run_program_plain(chip, *program, Rect{0, 0, p, p},
                          stream ? Fidelity::Stream : Fidelity::Wavelet, false);
  state.counters["kernel_cycles"] = static_cast<double>(r.cycles_max);
  state.counters["fabric_event_cycles"] = static_cast<double>(r.events);
  state.SetLabel(std::string(gemm ? "gemm" : "gemv") + (stream ? " stream" : " wavelet"));
}

void BM_FidelityRatio(benchmark::State& state) {
  const bool gemm = state.range(0) == 1;
  const int p = static_cast<int>(state.range(1)), m = static_cast<int>(state.range(2));
  ChipParams chip = resolve_preset("wse2").params;
  chip.mesh.width = chip.mesh.height = p;
  const auto program = kernel(gemm, p, m);
  double wavelet = 0, stream = 0;
  PlainRun w, s;
  for (auto _ : state) {
    wavelet += seconds([&] {
      w = run_program_plain(chip, *program, Rect{0, 0, p, p}, Fidelity::Wavelet, false);
    });
    stream += seconds([&] {
      s = run_program_plain(chip, *program, Rect{0, 0, p, p}, Fidelity::Stream, false);
    });
  }
  state.counters["wavelet_s"] = wavelet / static_cast<double>(state.iterations());
  state.counters["stream_s"] = stream / static_cast<double>(state.iterations());
  state.counters["speedup"] = wavelet / stream;
  state.counters["cycle_gap_pct"] = 100.0 *
                                    (static_cast<double>(s.cycles_max) - w.cycles_max) /
                                    static_cast<double>(w.cycles_max);
  state.SetLabel(gemm ? "gemm" : "gemv");
}

// gemm?, P, size, stream?
BENCHMARK(BM_Kernel)
    ->Args({0, 64, 4096, 0})
    ->Args({0, 64, 4096, 1})
    ->Args({1, 16, 512, 1})
    ->Unit(benchmark::kMillisecond);
// Wall-time ratio of the two fidelities on the same kernel: GEMV 16K on 128 x 128 and GEMM 1K on
// 32 x 32 (the wavelet GEMM takes about 30 s; GEMM 2K on 64 x 64 took 485 s vs 2.1 s, 234x).
BENCHMARK(BM_FidelityRatio)
    ->Args({0, 128, 16384})
    ->Args({1, 32, 1024})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace wse

extern "C" int sc_main(int, char**) {
  return 0;
}
BENCHMARK_MAIN();
