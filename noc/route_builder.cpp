#include "noc/route_builder.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace wse {
namespace {

// Direction of the single hop from a to b (adjacent cells).
Dir hop_dir(Coord a, Coord b) {
  if (b.x == a.x + 1 && b.y == a.y) return Dir::E;
  if (b.x == a.x - 1 && b.y == a.y) return Dir::W;
  if (b.y == a.y + 1 && b.x == a.x) return Dir::S;
  if (b.y == a.y - 1 && b.x == a.x) return Dir::N;
  throw std::invalid_argument("route builder: cells " + to_string(a) + " and " + to_string(b) +
                              " are not adjacent");
}

// Routes along an explicit path of adjacent cells, RAMP to RAMP.
std::vector<RouteSpec> along(const std::vector<Coord>& path, Color c) {
  std::vector<RouteSpec> out;
  if (path.size() == 1) {
    out.push_back(route_at(path[0], c, {Dir::Ramp}, {Dir::Ramp}));
    return out;
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const DirSet rx = i == 0 ? DirSet{Dir::Ramp} : DirSet{opposite(hop_dir(path[i - 1], path[i]))};
    const DirSet tx =
        i + 1 == path.size() ? DirSet{Dir::Ramp} : DirSet{hop_dir(path[i], path[i + 1])};
    out.push_back(route_at(path[i], c, rx, tx));
  }
  return out;
}

}  // namespace

RouteSpec route_at(Coord at, Color c, DirSet rx, DirSet tx) {
  RouteSpec s;
  s.at = at;
  s.colour = c;
  s.route.rx = rx;
  s.route.tx = tx;
  return s;
}

std::vector<Coord> row_cells(int y, int x0, int x1) {
  std::vector<Coord> v;
  for (int x = x0; x <= x1; ++x) v.push_back({x, y});
  return v;
}

std::vector<Coord> column_cells(int x, int y0, int y1) {
  std::vector<Coord> v;
  for (int y = y0; y <= y1; ++y) v.push_back({x, y});
  return v;
}

std::vector<RouteSpec> route_p2p_xy(Coord from, Coord to, Color c) {
  std::vector<Coord> path{from};
  Coord cur = from;
  while (cur.x != to.x) {
    cur.x += to.x > cur.x ? 1 : -1;
    path.push_back(cur);
  }
  while (cur.y != to.y) {
    cur.y += to.y > cur.y ? 1 : -1;
    path.push_back(cur);
  }
  return along(path, c);
}

namespace {
std::vector<RouteSpec> line_broadcast(const std::vector<Coord>& cells, std::size_t src, Color c) {
  std::vector<RouteSpec> out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    DirSet rx, tx;
    if (i == src) {
      rx.add(Dir::Ramp);
      if (i + 1 < cells.size()) tx.add(hop_dir(cells[i], cells[i + 1]));
      if (i > 0) tx.add(hop_dir(cells[i], cells[i - 1]));
      if (tx.empty()) tx.add(Dir::Ramp);
    } else if (i > src) {
      rx.add(opposite(hop_dir(cells[i - 1], cells[i])));
      tx.add(Dir::Ramp);
      if (i + 1 < cells.size()) tx.add(hop_dir(cells[i], cells[i + 1]));
    } else {
      rx.add(opposite(hop_dir(cells[i + 1], cells[i])));
      tx.add(Dir::Ramp);
      if (i > 0) tx.add(hop_dir(cells[i], cells[i - 1]));
    }
    out.push_back(route_at(cells[i], c, rx, tx));
  }
  return out;
}
}  // namespace

std::vector<RouteSpec> route_row_broadcast(int y, int x0, int x1, int src, Color c) {
  return line_broadcast(row_cells(y, x0, x1), static_cast<std::size_t>(src - x0), c);
}

std::vector<RouteSpec> route_column_broadcast(int x, int y0, int y1, int src, Color c) {
  return line_broadcast(column_cells(x, y0, y1), static_cast<std::size_t>(src - y0), c);
}

std::vector<RouteSpec> route_reduce_chain(const std::vector<Coord>& cells, Color a, Color b) {
  std::vector<RouteSpec> out;
  for (std::size_t i = 0; i + 1 < cells.size(); ++i) {
    const Color c = i % 2 == 0 ? a : b;
    const Dir d = hop_dir(cells[i], cells[i + 1]);
    out.push_back(route_at(cells[i], c, {Dir::Ramp}, {d}));
    out.push_back(route_at(cells[i + 1], c, {opposite(d)}, {Dir::Ramp}));
  }
  return out;
}

std::vector<RouteSpec> route_pass_through(const std::vector<Coord>& cells, Dir in, Dir out_dir,
                                          Color c) {
  std::vector<RouteSpec> out;
  for (const Coord& at : cells) out.push_back(route_at(at, c, {in}, {out_dir}));
  return out;
}

std::vector<int> interleaved_ring_order(int n) {
  std::vector<int> order;
  for (int i = 0; i < n; i += 2) order.push_back(i);
  for (int i = (n % 2 == 0 ? n - 1 : n - 2); i >= 1; i -= 2) order.push_back(i);
  return order;
}

namespace {
// Colour slot of the forward segment sent by position `from`, by (i + i mod 2) mod 3: at every
// router the colour it sends on, the colour it receives on and the colour passing through it are
// then all different. On an odd-length line the last (even) position turns the ring around with
// a 1-hop send to n-2, which would collide with n-2's own colour; it takes the third colour.
int forward_slot(int n, int from) {
  return (n % 2 == 1 && from == n - 1 && n > 1) ? (n + 1) % 3 : (from + from % 2) % 3;
}
// Ring neighbours of position p.
std::pair<int, int> ring_neighbours(int n, int p) {
  const std::vector<int> order = interleaved_ring_order(n);
  const auto k = static_cast<int>(std::find(order.begin(), order.end(), p) - order.begin());
  return {order[static_cast<std::size_t>((k + n - 1) % n)],
          order[static_cast<std::size_t>((k + 1) % n)]};
}
std::vector<RouteSpec> segment(const std::vector<Coord>& cells, int from, int to, Color c) {
  std::vector<Coord> path;
  const int step = to > from ? 1 : -1;
  for (int i = from;; i += step) {
    path.push_back(cells[static_cast<std::size_t>(i)]);
    if (i == to) break;
  }
  return along(path, c);
}
}  // namespace

RingSlots interleaved_ring_slots(int n, int p, bool reverse) {
  const auto [pred, succ] = ring_neighbours(n, p);
  (void)succ;
  RingSlots s;
  if (!reverse) {
    s.send = forward_slot(n, p);
    s.recv = forward_slot(n, pred);
  } else {  // p sends pred the segment pred -> p reversed; receives succ's p -> succ reversed
    s.send = forward_slot(n, pred);
    s.recv = forward_slot(n, p);
  }
  return s;
}

std::vector<RouteSpec> route_interleaved_ring(const std::vector<Coord>& cells,
                                              std::array<Color, 3> colours, bool reverse) {
  const int n = static_cast<int>(cells.size());
  const std::vector<int> order = interleaved_ring_order(n);
  std::vector<RouteSpec> out;
  for (int k = 0; k < n; ++k) {
    const int from = order[static_cast<std::size_t>(k)];
    const int to = order[static_cast<std::size_t>((k + 1) % n)];
    const Color c = colours[static_cast<std::size_t>(forward_slot(n, from))];
    auto part = reverse ? segment(cells, to, from, c) : segment(cells, from, to, c);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

RingSlots wraparound_ring_slots(int n, int p) {
  RingSlots s;
  s.send = p == 0 ? 2 : p % 2;
  s.recv = p == n - 1 ? 2 : (p + 1) % 2;
  return s;
}

std::vector<RouteSpec> route_wraparound_ring(const std::vector<Coord>& cells,
                                             std::array<Color, 3> colours) {
  const int n = static_cast<int>(cells.size());
  std::vector<RouteSpec> out;
  for (int p = 0; p < n; ++p) {
    const int to = p == 0 ? n - 1 : p - 1;
    auto part = segment(cells, p, to,
                        colours[static_cast<std::size_t>(wraparound_ring_slots(n, p).send)]);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace wse
