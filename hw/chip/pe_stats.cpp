#include "hw/chip/pe_stats.h"

#include <algorithm>
#include <utility>

#include "firmware/program.h"
#include "hw/core/output.h"
#include "pe/pe_engine.h"

namespace wse {

nlohmann::ordered_json pe_fields_json(PeArray& pes, const Rect& rect, std::int64_t span_cycles) {
  const double span = static_cast<double>(std::max<std::int64_t>(1, span_cycles));
  auto at = [&](int x, int y) -> PeEngine& { return *pes.at({rect.x + x, rect.y + y}); };
  BlockGrid busy = block_grid(rect.width, rect.height, [&](int x, int y) {
    return static_cast<double>(at(x, y).counters().busy_cycles) / span;
  });
  BlockGrid sram = block_grid(
      rect.width, rect.height,
      [&](int x, int y) { return static_cast<double>(at(x, y).sram_bytes_used()); }, 1);
  nlohmann::ordered_json j;
  j["description"] =
      "per PE of the program's rectangle, grid[y][x]: busy_fraction = main-thread busy cycles / "
      "the run's cycles; sram_bytes = bytes its buffers occupy; with block > 1 each cell is a "
      "block x block mean";
  j["origin"] = {rect.x, rect.y};
  j["block"] = busy.block;
  j["busy_fraction"] = std::move(busy.grid);
  j["sram_bytes"] = std::move(sram.grid);
  return j;
}

}  // namespace wse
