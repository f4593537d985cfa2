#include "noc/link_stats.h"

#include "hw/core/output.h"

#include <algorithm>
#include <array>
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
  // One call per router for its four outputs (the mesh is the whole wafer: 745,500 routers).
  const int w = chip.mesh.width, h = chip.mesh.height;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  std::array<std::vector<double>, 4> util;
  for (auto& u : util) u.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto sent = fabric.link_wavelets(NodeId(static_cast<std::uint32_t>(i)));
    for (std::size_t d = 0; d < 4; ++d) util[d][i] = sent[d] / cycles;
  }
  double sum = 0, best = -1;
  std::size_t links = 0;
  std::string busiest;
  for (int d = 0; d < 4; ++d) {
    const std::vector<double>& ud = util[static_cast<std::size_t>(d)];
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const bool exists = (d == 0 && y > 0) || (d == 1 && x + 1 < w) || (d == 2 && y + 1 < h) ||
                            (d == 3 && x > 0);
        if (!exists) continue;
        const double u = ud[chip.node({x, y}).value()];
        sum += u;
        ++links;
        if (u > best) {
          best = u;
          busiest = to_string(Coord{x, y}) + " " + dir_name(static_cast<Dir>(d));
        }
      }
    // block_grid reads values[y * w + x]: the node order of the mesh.
    BlockGrid g = block_grid(w, h, ud);
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
