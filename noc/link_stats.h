// Link utilisation of a fabric as a JSON tree: per direction a height x width grid of the share
// of cycles each outgoing link carried a wavelet, plus the mean and the busiest link.
#pragma once

#include <nlohmann/json.hpp>

#include "noc/fabric_engine.h"

namespace wse {

nlohmann::ordered_json link_utilisation_json(const FabricEngine& fabric, Cycles span);
nlohmann::ordered_json fabric_counters_json(const FabricEngine& fabric);

}  // namespace wse
