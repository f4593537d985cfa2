// Per-PE fields of a program run for the wafer pictures: busy fraction of the run and SRAM bytes
// the program's buffers occupy, over the program's rectangle (averaged in blocks on big grids).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace wse {

class PeArray;
struct Rect;

nlohmann::ordered_json pe_fields_json(PeArray& pes, const Rect& rect, std::int64_t span_cycles);

}  // namespace wse
