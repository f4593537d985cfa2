#include "noc/link_stats.h"

#include "hw/core/output.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace wse {

nlohmann::ordered_json link_utilisation_json(const FabricEngine& fabric, Cycles span) {
  const ChipParams& chip = fabric.chip();
  const double cycles = std::max<double>(1.0, static_cast<double>(span.count()));
  // Meshes wider than kMaxGrid are reported in square blocks (mean over the block's links), so a
  // full wafer stays a few hundred kilobytes; mean, max and the busiest link use every link.
  nlohmann::ordered_json j;
  j["description"] =
      "share of cycles each router's outgoing link carried a wavelet, grid[y][x]; with block > 1 "
      "each cell is the mean over block x block routers";
  double sum = 0, best = -1;
  std::size_t links = 0;
  std::string busiest;
  for (int d = 0; d < 4; ++d) {
    for (int y = 0; y < chip.mesh.height; ++y)
      for (int x = 0; x < chip.mesh.width; ++x) {
        const bool exists = (d == 0 && y > 0) || (d == 1 && x + 1 < chip.mesh.width) ||
                            (d == 2 && y + 1 < chip.mesh.height) || (d == 3 && x > 0);
        if (!exists) continue;
        const double u =
            fabric.link_wavelets(chip.node({x, y}))[static_cast<std::size_t>(d)] / cycles;
        sum += u;
        ++links;
        if (u > best) {
          best = u;
          busiest = to_string(Coord{x, y}) + " " + dir_name(static_cast<Dir>(d));
        }
      }
    BlockGrid g = block_grid(chip.mesh.width, chip.mesh.height, [&](int x, int y) {
      return fabric.link_wavelets(chip.node({x, y}))[static_cast<std::size_t>(d)] / cycles;
    });
    j["block"] = g.block;
    j[dir_name(static_cast<Dir>(d))] = std::move(g.grid);
  }
  j["mean"] = links ? std::round(sum / static_cast<double>(links) * 1e6) / 1e6 : 0.0;
  j["max"] = std::round(std::max(0.0, best) * 1e6) / 1e6;
  j["busiest_link"] = busiest;
  return j;
}

nlohmann::ordered_json fabric_counters_json(const FabricEngine& fabric) {
  const FabricCounters& c = fabric.counters();
  nlohmann::ordered_json j;
  j["wavelet_hops"] = c.wavelet_hops;
  j["ramp_injections"] = c.ramp_injections;
  j["ramp_deliveries"] = c.ramp_deliveries;
  j["control_wavelets"] = c.control_wavelets;
  j["router_evaluations"] = c.router_evaluations;
  j["busy_cycles"] = c.busy_cycles;
  j["credit_stalls"] = c.credit_stalls;
  j["messages"] = c.messages;
  j["router_state_bytes"] = fabric.router_bytes();
  return j;
}

}  // namespace wse
