// Workload kind `llm`: a request's decode on the wafer. A placement planner picks the decode grid
// and the regions the layers are pipelined over; each decode step runs the decode layer program
// (firmware/decode_layer.h) with the KV cache at that step's context, plus the LM head (MeshGEMV
// over the vocabulary) and the hand-offs between regions.
#pragma once

#include "hw/config/workload.h"

namespace wse {

void register_llm_workload(WorkloadRegistry& registry);

}  // namespace wse
