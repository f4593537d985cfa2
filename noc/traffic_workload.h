// Workload kind `traffic`: synthetic NoC traffic on the wavelet fabric.
#pragma once

#include "hw/config/workload.h"

namespace wse {

void register_traffic_workload(WorkloadRegistry& registry);

}  // namespace wse
