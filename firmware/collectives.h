// Collective programs on a rectangle of PEs: a row broadcast from the west column through fork
// routes, and a streaming reduce chain down each column (receive-combine-forward).
#pragma once

#include "firmware/program.h"

namespace wse {

void register_collective_programs(ProgramRegistry& registry);

}  // namespace wse
