// Run settings of a scenario: fabric fidelity, data mode, seed, simulated-time limit, outputs.
#pragma once

#include "hw/core/types.h"
#include "hw/params/param_table.h"

namespace wse {

// wavelet: every wavelet hop is an event (the reference). stream: a message along its path is one
// event with link reservations.
enum class Fidelity { Wavelet, Stream };
// functional: SRAM and wavelets carry real values. timing: byte accounting only.
enum class DataMode { Functional, Timing };

struct RunParams {
  Fidelity fidelity = Fidelity::Wavelet;
  DataMode data = DataMode::Timing;
  std::int64_t seed = 1;
  Cycles max_cycles;
  bool stats = true;  // write stats.json
  bool wall_clock_metrics =
      true;                      // wall_seconds etc. in summary.json (off = byte-identical reruns)
  bool progress = false;         // progress line on stderr for long runs
  std::vector<int> vcd_routers;  // x, y pairs of routers traced into trace.vcd
};

const ParamTable<RunParams>& run_param_table();

}  // namespace wse
