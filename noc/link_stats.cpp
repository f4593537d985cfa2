#include "noc/link_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wse {

nlohmann::ordered_json link_utilisation_json(const FabricEngine& fabric, Cycles span) {
  const ChipParams& chip = fabric.chip();
  const double cycles = std::max<double>(1.0, static_cast<double>(span.count()));
  // Meshes wider than kMaxGrid are reported in square blocks (mean over the block's links), so a
  // full wafer stays a few hundred kilobytes; mean, max and the busiest link use every link.
  constexpr int kMaxGrid = 256;
  const int block = (std::max(chip.mesh.width, chip.mesh.height) + kMaxGrid - 1) / kMaxGrid;
  const int gw = (chip.mesh.width + block - 1) / block, gh = (chip.mesh.height + block - 1) / block;
  nlohmann::ordered_json j;
  j["description"] =
      "share of cycles each router's outgoing link carried a wavelet, grid[y][x]; with block > 1 "
      "each cell is the mean over block x block routers";
  j["block"] = block;
  double sum = 0, best = -1;
  std::size_t links = 0;
  std::string busiest;
  for (int d = 0; d < 4; ++d) {
    std::vector<double> cell_sum(static_cast<std::size_t>(gw) * gh, 0.0);
    std::vector<int> cell_n(cell_sum.size(), 0);
    for (int y = 0; y < chip.mesh.height; ++y)
      for (int x = 0; x < chip.mesh.width; ++x) {
        const double u =
            fabric.link_wavelets(chip.node({x, y}))[static_cast<std::size_t>(d)] / cycles;
        const std::size_t cell = static_cast<std::size_t>(y / block) * gw + x / block;
        cell_sum[cell] += u;
        ++cell_n[cell];
        const bool exists = (d == 0 && y > 0) || (d == 1 && x + 1 < chip.mesh.width) ||
                            (d == 2 && y + 1 < chip.mesh.height) || (d == 3 && x > 0);
        if (!exists) continue;
        sum += u;
        ++links;
        if (u > best) {
          best = u;
          busiest = to_string(Coord{x, y}) + " " + dir_name(static_cast<Dir>(d));
        }
      }
    nlohmann::ordered_json grid = nlohmann::ordered_json::array();
    for (int gy = 0; gy < gh; ++gy) {
      nlohmann::ordered_json row = nlohmann::ordered_json::array();
      for (int gx = 0; gx < gw; ++gx) {
        const std::size_t cell = static_cast<std::size_t>(gy) * gw + gx;
        row.push_back(std::round(cell_sum[cell] / std::max(1, cell_n[cell]) * 1e4) / 1e4);
      }
      grid.push_back(row);
    }
    j[dir_name(static_cast<Dir>(d))] = grid;
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
