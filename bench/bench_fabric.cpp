// Fabric speed and memory: uniform random traffic (4-wavelet packets) on N x N meshes.
// Reports wavelet-hops and router-cycles per wall second, fabric bytes per router and peak RSS.
// Runs the engine for a fixed span of simulated cycles (no drain), so post-saturation points
// measure the engine under full load rather than the length of the drain.
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "hw/config/scenario.h"
#include "noc/traffic.h"

namespace wse {
namespace {

void BM_UniformTraffic(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const double rate = static_cast<double>(state.range(1)) / 1000.0;
  const std::int64_t span = state.range(2);
  ChipParams chip = resolve_preset("wse2").params;
  chip.mesh.width = chip.mesh.height = n;
  TrafficParams p;
  p.injection_rate = rate;
  p.packet_size = 4;
  p.warmup = Cycles(0);
  p.measure = Cycles(span);
  std::uint64_t hops = 0, bytes = 0;
  for (auto _ : state) {
    TrafficClient client(chip, p, 1);
    FabricOptions opts;
    opts.routing = RoutingMode::DestXY;
    opts.infinite_ejection = true;
    opts.stall_limit = 0;
    WaveletFabric fabric(chip, opts, nullptr, client);
    client.attach(fabric);
    while (!fabric.idle() && fabric.next_time().count() < span) fabric.step();
    hops += fabric.counters().wavelet_hops;
    state.counters["evaluations_per_hop"] =
        static_cast<double>(fabric.counters().router_evaluations) /
        static_cast<double>(fabric.counters().wavelet_hops);
    state.counters["busy_cycle_events"] = static_cast<double>(fabric.counters().busy_cycles);
    bytes = fabric.router_bytes();
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const double routers = static_cast<double>(n) * n;
  state.counters["wavelet_hops_per_s"] =
      benchmark::Counter(static_cast<double>(hops), benchmark::Counter::kIsRate);
  state.counters["router_cycles_per_s"] = benchmark::Counter(
      routers * static_cast<double>(span) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["fabric_bytes_per_router"] = static_cast<double>(bytes) / routers;
  state.counters["peak_rss_mib"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// args: mesh side, injection rate in packets/node/cycle x 1000, simulated cycles
BENCHMARK(BM_UniformTraffic)
    ->Args({16, 10, 20000})
    ->Args({16, 50, 20000})
    ->Args({64, 10, 4000})
    ->Args({64, 50, 4000})
    ->Args({256, 10, 1000})
    ->Args({256, 50, 1000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace wse

BENCHMARK_MAIN();
