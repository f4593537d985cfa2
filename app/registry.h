// The registries the application offers, filled by explicit calls into each layer.
#pragma once

#include "hw/config/workload.h"

namespace wse::app {

const WorkloadRegistry& workload_registry();

}  // namespace wse::app
