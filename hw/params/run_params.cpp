#include "hw/params/run_params.h"

namespace wse {
namespace {
ParamTable<RunParams> build() {
  ParamTable<RunParams> t;
  t.choice<Fidelity>(
      "fidelity", {{"wavelet", Fidelity::Wavelet}, {"stream", Fidelity::Stream}}, "wavelet",
      "fabric model: wavelet = every hop modelled (reference), stream = one event per message",
      [](RunParams & r) -> auto& { return r.fidelity; });
  t.choice<DataMode>(
      "data", {{"timing", DataMode::Timing}, {"functional", DataMode::Functional}}, "timing",
      "functional = real fp16/fp32 values in SRAM and on the fabric, timing = byte accounting only",
      [](RunParams & r) -> auto& { return r.data; });
  t.integer(
      "seed", UnitKind::None, "1", 0, 9.0e15,
      "seed of every random choice; same seed gives identical outputs",
      [](RunParams & r) -> auto& { return r.seed; });
  t.integer(
      "max_cycles", UnitKind::Cycles, "1000000000cycles", 1, 9.0e15,
      "limit on simulated time; a run that reaches it stops with an error",
      [](RunParams & r) -> auto& { return r.max_cycles; });
  t.boolean(
      "outputs.stats", "true", "write stats.json (the statistics tree) next to summary.json",
      [](RunParams & r) -> auto& { return r.stats; });
  t.boolean(
      "outputs.wall_clock_metrics", "true",
      "include host wall-clock figures in summary.json; false makes reruns byte-identical",
      [](RunParams & r) -> auto& { return r.wall_clock_metrics; });
  t.int_list(
      "outputs.vcd_routers", UnitKind::None, "[]", 0, 4095,
      "x, y pairs of routers whose ports are traced into trace.vcd (GTKWave)",
      [](RunParams & r) -> auto& { return r.vcd_routers; });
  t.boolean(
      "progress", "false", "print a progress line on stderr during long runs",
      [](RunParams & r) -> auto& { return r.progress; });
  return t;
}
}  // namespace

const ParamTable<RunParams>& run_param_table() {
  static const ParamTable<RunParams> t = build();
  return t;
}

}  // namespace wse
