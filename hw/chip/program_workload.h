// Workload kind `program`: one registered firmware program placed on a rectangle of PEs, run on
// the wavelet fabric, checked against its reference result in functional mode.
#pragma once

#include "hw/config/workload.h"

namespace wse {

void register_program_workload(WorkloadRegistry& registry);

}  // namespace wse
