// Workload kinds `gemm` and `gemv`: the distributed kernels (firmware/kernels.h) on a P x P grid,
// with the algorithm, sizes, grid and group count chosen in the scenario.
#pragma once

#include "hw/config/workload.h"

namespace wse {

void register_kernel_workloads(WorkloadRegistry& registry);

}  // namespace wse
