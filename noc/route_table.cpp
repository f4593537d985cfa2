#include "noc/route_table.h"

#include <algorithm>

namespace wse {

DirSet ColourRoute::rx_any() const {
  std::uint8_t bits = rx.bits() | rewrite_rx.bits();
  for (const auto& p : positions) bits |= p.rx.bits();
  return DirSet(bits);
}

DirSet ColourRoute::tx_any() const {
  std::uint8_t bits = tx.bits() | rewrite_tx.bits();
  for (const auto& p : positions) bits |= p.tx.bits();
  return DirSet(bits);
}

bool ColourRoute::apply(SwitchCommand cmd) {
  switch (cmd) {
    case SwitchCommand::Nop:
      return false;
    case SwitchCommand::Reset:
      current = 0;
      return false;
    case SwitchCommand::Teardown:
      teardown = true;
      return false;
    case SwitchCommand::Advance: {
      const auto n = static_cast<std::uint8_t>(positions.size());
      if (current < n) {
        ++current;
        return true;
      }
      if (ring_mode && n > 0) {
        current = 0;
        return true;
      }
      return false;
    }
  }
  return false;
}

RouteTables::RouteTables(const ChipParams& chip)
    : width_(chip.mesh.width),
      height_(chip.mesh.height),
      colour_budget_(chip.noc.colours),
      max_positions_(chip.noc.switch_positions),
      per_node_(static_cast<size_t>(chip.num_nodes())),
      masks_(per_node_.size(), 0) {}

void RouteTables::install(const RouteSpec& spec) {
  const auto node = static_cast<size_t>(spec.at.y) * width_ + spec.at.x;
  auto& list = per_node_[node];
  auto it = std::lower_bound(list.begin(), list.end(), spec.colour,
                             [](const Entry& e, Color c) { return e.colour < c; });
  if (it != list.end() && it->colour == spec.colour) {
    ColourRoute& r = it->route;
    r.rx = DirSet(static_cast<std::uint8_t>(r.rx.bits() | spec.route.rx.bits()));
    r.tx = DirSet(static_cast<std::uint8_t>(r.tx.bits() | spec.route.tx.bits()));
    if (!spec.route.positions.empty()) r.positions = spec.route.positions;
    r.ring_mode = r.ring_mode || spec.route.ring_mode;
    r.rewrite_rx =
        DirSet(static_cast<std::uint8_t>(r.rewrite_rx.bits() | spec.route.rewrite_rx.bits()));
    r.rewrite_tx =
        DirSet(static_cast<std::uint8_t>(r.rewrite_tx.bits() | spec.route.rewrite_tx.bits()));
    if (spec.route.pop_mode != PopMode::NoPop) r.pop_mode = spec.route.pop_mode;
    r.teardown = r.teardown || spec.route.teardown;
    return;
  }
  list.insert(it, Entry{spec.colour, spec.route});
  if (spec.colour.value() < kIndexed) masks_[node] |= 1u << spec.colour.value();
}

void RouteTables::install(const std::vector<RouteSpec>& specs) {
  for (const auto& s : specs) install(s);
}

const ColourRoute* RouteTables::find(NodeId node, Color c) const {
  const auto& list = per_node_[node.value()];
  if (c.value() < kIndexed) {
    const std::uint32_t mask = masks_[node.value()], bit = 1u << c.value();
    if (!(mask & bit)) return nullptr;
    return &list[static_cast<std::size_t>(__builtin_popcount(mask & (bit - 1)))].route;
  }
  for (const auto& e : list)
    if (e.colour == c) return &e.route;
  return nullptr;
}

ColourRoute* RouteTables::find(NodeId node, Color c) {
  return const_cast<ColourRoute*>(static_cast<const RouteTables*>(this)->find(node, c));
}

std::vector<Color> RouteTables::colours_at(NodeId node) const {
  std::vector<Color> out;
  for (const auto& e : per_node_[node.value()]) out.push_back(e.colour);
  return out;
}

namespace {
Coord step(Coord c, Dir d) {
  switch (d) {
    case Dir::N:
      return {c.x, c.y - 1};
    case Dir::S:
      return {c.x, c.y + 1};
    case Dir::E:
      return {c.x + 1, c.y};
    case Dir::W:
      return {c.x - 1, c.y};
    case Dir::Ramp:
      return c;
  }
  return c;
}
std::string where(Coord c) {
  return "router " + to_string(c);
}
}  // namespace

std::vector<std::string> RouteTables::validate() const {
  std::vector<std::string> problems;
  auto in_mesh = [&](Coord c) { return c.x >= 0 && c.y >= 0 && c.x < width_ && c.y < height_; };
  for (int y = 0; y < height_; ++y) {
    for (int x = 0; x < width_; ++x) {
      const Coord here{x, y};
      const auto& list = per_node_[static_cast<size_t>(y) * width_ + x];
      std::vector<std::string> over;
      for (const auto& e : list)
        if (e.colour.value() >= colour_budget_) over.push_back(std::to_string(e.colour.value()));
      if (!over.empty() || static_cast<int>(list.size()) > colour_budget_) {
        std::string all;
        for (const auto& e : list)
          all += (all.empty() ? "" : ",") + std::to_string(e.colour.value());
        problems.push_back(where(here) + ": uses " + std::to_string(list.size()) + " colours {" +
                           all + "}, colours {" + join(over, ",") + "} exceed the budget of " +
                           std::to_string(colour_budget_) + " (ids 0.." +
                           std::to_string(colour_budget_ - 1) +
                           "); reuse colours on disjoint paths or use a smaller group count");
      }
      for (const auto& e : list) {
        const ColourRoute& r = e.route;
        // Built only for a problem: this loop visits every route of the grid before each run.
        auto col = [&] { return "colour " + std::to_string(e.colour.value()); };
        if (static_cast<int>(r.positions.size()) > max_positions_) {
          problems.push_back(
              where(here) + ": " + col() + " has " + std::to_string(r.positions.size()) +
              " switch positions, the chip allows " + std::to_string(max_positions_));
        }
        const DirSet tx = r.tx_any();
        for (int d = 0; d < 4; ++d) {
          const Dir dir = static_cast<Dir>(d);
          if (!tx.has(dir)) continue;
          const Coord next = step(here, dir);
          if (!in_mesh(next)) {
            problems.push_back(where(here) + ": " + col() + " transmits " + dir_name(dir) +
                               " off the edge of the mesh");
            continue;
          }
          const ColourRoute* nr =
              find(NodeId(static_cast<std::uint32_t>(next.y * width_ + next.x)), e.colour);
          if (!nr || !nr->rx_any().has(opposite(dir))) {
            problems.push_back(where(here) + ": " + col() + " transmits " + dir_name(dir) +
                               " but router " + to_string(next) + " does not receive " + col() +
                               " from " + dir_name(opposite(dir)) + " (its rx is " +
                               (nr ? nr->rx_any().to_string() : std::string("unconfigured")) + ")");
          }
        }
        // rx conflict: within one position, two directions that can both deliver this colour.
        auto check_rx = [&](DirSet rx) {
          if (rx.size() < 2) return;
          std::vector<std::string> fed;
          for (int d = 0; d < kNumDirs; ++d) {
            const Dir dir = static_cast<Dir>(d);
            if (!rx.has(dir)) continue;
            if (dir == Dir::Ramp) {
              fed.push_back("RAMP");
              continue;
            }
            const Coord from = step(here, dir);
            if (!in_mesh(from)) continue;
            const ColourRoute* fr =
                find(NodeId(static_cast<std::uint32_t>(from.y * width_ + from.x)), e.colour);
            if (fr && fr->tx_any().has(opposite(dir)))
              fed.push_back(std::string(dir_name(dir)) + " from " + to_string(from));
          }
          if (fed.size() >= 2) {
            problems.push_back(where(here) + ": " + col() +
                               " can receive from two directions at once (" + join(fed, ", ") +
                               "); use one rx per switch position or separate colours");
          }
        };
        check_rx(r.rx);
        for (const auto& p : r.positions)
          if (!p.rx.empty()) check_rx(p.rx);
      }
    }
  }
  return problems;
}

}  // namespace wse
