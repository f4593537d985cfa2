// Per-router colour routing: for each colour an rx set, a tx set (several = multicast fork), up to
// three alternative switch positions with ring and pop modes, and a teardown flag. Plain C++.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "hw/core/types.h"
#include "hw/params/chip_params.h"
#include "noc/wavelet.h"

namespace wse {

// Whether a router consumes the first command of a passing control wavelet: never, always, when
// the command advanced the switch, or when it advanced the switch or was a NOP (SDK pop_mode).
enum class PopMode : std::uint8_t { NoPop, AlwaysPop, PopOnAdvance, PopOnAdvanceOrNop };

// One alternative position: replaces rx, tx, or both (an empty set means "unchanged").
struct SwitchPosition {
  DirSet rx;
  DirSet tx;
};

struct ColourRoute {
  DirSet rx;
  DirSet tx;
  std::vector<SwitchPosition> positions;  // positions 1..3
  std::uint8_t current = 0;               // 0 = base route
  // Directions firmware may rewrite this colour's route to at run time (declared at layout, so
  // the router has buffers for them and the limits are checked before simulation).
  DirSet rewrite_rx;
  DirSet rewrite_tx;
  bool ring_mode = false;
  PopMode pop_mode = PopMode::NoPop;
  bool teardown = false;

  DirSet rx_now() const {
    return current == 0 || positions[current - 1].rx.empty() ? rx : positions[current - 1].rx;
  }
  DirSet tx_now() const {
    return current == 0 || positions[current - 1].tx.empty() ? tx : positions[current - 1].tx;
  }
  // All directions the colour may receive from / send to in any position.
  DirSet rx_any() const;
  DirSet tx_any() const;
  // Applies a switch command; returns true when the command advanced the position.
  bool apply(SwitchCommand cmd);
};

// A route to install: (router, colour) -> route.
struct RouteSpec {
  Coord at;
  Color colour;
  ColourRoute route;
};

// All colour tables of a mesh. Installing the same (router, colour) twice merges rx and tx sets
// (two builders may share a colour at a router), so conflicts are found by validate().
class RouteTables {
 public:
  explicit RouteTables(const ChipParams& chip);
  void install(const RouteSpec& spec);
  void install(const std::vector<RouteSpec>& specs);
  const ColourRoute* find(NodeId node, Color c) const;
  ColourRoute* find(NodeId node, Color c);
  // Colours configured at a router, ascending.
  std::vector<Color> colours_at(NodeId node) const;
  // Calls f(node, colour, route) for every configured route, node by node, colours ascending.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t n = 0; n < per_node_.size(); ++n)
      for (const Entry& e : per_node_[n])
        f(NodeId(static_cast<std::uint32_t>(n)), e.colour, e.route);
  }
  int width() const { return width_; }
  int height() const { return height_; }

  // Checks the PLMR limits before simulation: colour ids and per-router budget, rx conflicts
  // (a colour fed from two directions at once), routes leaving the mesh, too many switch
  // positions. Returns one line per problem, each naming router coordinates and colours.
  std::vector<std::string> validate() const;

 private:
  struct Entry {
    Color colour;
    ColourRoute route;
  };
  int width_, height_;
  int colour_budget_;
  int max_positions_;
  std::vector<std::vector<Entry>> per_node_;  // sorted by colour; most routers hold few colours
  // Per router, bit c set when colour c < 32 is configured: find() indexes the sorted list by a
  // popcount instead of scanning it (a stream walk looks up a colour at every hop, and a scan
  // of a router's 48-byte entries reads several cache lines).
  std::vector<std::uint32_t> masks_;
  static constexpr unsigned kIndexed = 32;
};

}  // namespace wse
