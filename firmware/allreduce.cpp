#include "firmware/allreduce.h"

#include <algorithm>
#include <cmath>

#include "noc/route_builder.h"

namespace wse {
namespace {

// Colour offsets: phase 1 towards the root from the low end (0, 1) and from the high end (2, 3),
// phase 2 likewise (4, 5 and 6, 7), broadcast towards low (8) and high (9). Chain: 0, 1 and the
// broadcast 2.
constexpr int kD1 = 0, kU1 = 2, kD2 = 4, kU2 = 6, kBLow = 8, kBHigh = 9;

struct Tree {
  int p, g, n;  // line length, groups, PEs per group
  int root(int grp) const { return grp * n + n / 2; }
  int top() const { return g / 2; }
};

Tree tree_of(const LineAllreduce& l) {
  const int p = l.length();
  const int g = l.shape == LineAllreduce::Shape::Tree ? l.groups : 1;
  return Tree{p, g, p / g};
}

Color colour(const LineAllreduce& l, int offset) {
  return Color(static_cast<std::uint8_t>(l.colour_base + offset));
}

std::vector<Coord> cells(const LineAllreduce& l, int a, int b) {  // relative positions a..b
  return l.axis == Axis::Y ? column_cells(l.fixed, l.lo + a, l.lo + b)
                           : row_cells(l.fixed, l.lo + a, l.lo + b);
}

std::vector<RouteSpec> broadcast(const LineAllreduce& l, int a, int b, int src) {
  return l.axis == Axis::Y
             ? route_column_broadcast(l.fixed, l.lo + a, l.lo + b, l.lo + src, colour(l, 0))
             : route_row_broadcast(l.fixed, l.lo + a, l.lo + b, l.lo + src, colour(l, 0));
}

std::vector<RouteSpec> recolour(std::vector<RouteSpec> r, Color c) {
  for (RouteSpec& s : r) s.colour = c;
  return r;
}

}  // namespace

int nearest_divisor_to_sqrt(int n) {
  int best = 1;
  for (int d = 1; d <= n; ++d)
    if (n % d == 0 && std::fabs(d - std::sqrt(n)) < std::fabs(best - std::sqrt(n))) best = d;
  return best;
}

void install_allreduce(const LineAllreduce& l, RouteTables& routes) {
  const Tree t = tree_of(l);
  if (t.p < 2) return;
  const int last = t.p - 1;
  if (l.shape == LineAllreduce::Shape::Chain) {
    routes.install(route_reduce_chain(cells(l, 0, last), colour(l, 0), colour(l, 1)));
    routes.install(recolour(broadcast(l, 0, last, last), colour(l, 2)));
    return;
  }
  for (int grp = 0; grp < t.g; ++grp) {  // phase 1
    const int base = grp * t.n, root = t.root(grp), end = base + t.n - 1;
    if (root > base)
      routes.install(route_reduce_chain(cells(l, base, root), colour(l, kD1), colour(l, kD1 + 1)));
    if (end > root) {
      auto c = cells(l, root, end);
      std::reverse(c.begin(), c.end());
      routes.install(route_reduce_chain(c, colour(l, kU1), colour(l, kU1 + 1)));
    }
  }
  const int top = t.top();  // phase 2: segments between consecutive group roots
  for (int grp = 0; grp < top; ++grp)
    routes.install(route_p2p_xy(l.at(l.lo + t.root(grp)), l.at(l.lo + t.root(grp + 1)),
                                colour(l, kD2 + grp % 2)));
  for (int grp = t.g - 1; grp > top; --grp)
    routes.install(route_p2p_xy(l.at(l.lo + t.root(grp)), l.at(l.lo + t.root(grp - 1)),
                                colour(l, kU2 + (t.g - 1 - grp) % 2)));
  const int gr = t.root(top);
  if (gr > 0) routes.install(recolour(broadcast(l, 0, gr, gr), colour(l, kBLow)));
  if (gr < last) routes.install(recolour(broadcast(l, gr, last, gr), colour(l, kBHigh)));
}

std::vector<ReduceStep> allreduce_plan(const LineAllreduce& l, int pos) {
  std::vector<ReduceStep> out;
  const Tree t = tree_of(l);
  if (t.p < 2) return out;
  const int last = t.p - 1, py = pos - l.lo;
  auto step = [&](ReduceStep::Kind k, int in, int o) {
    out.push_back({k, colour(l, in < 0 ? 0 : in), colour(l, o < 0 ? 0 : o)});
  };
  // Position k of a chain that starts on colour `first` (k = 0 sends; the end accumulates).
  auto chain = [&](int k, int first, bool is_end) {
    if (k == 0)
      step(ReduceStep::Send, -1, first);
    else if (!is_end)
      step(ReduceStep::Relay, first + (k - 1) % 2, first + k % 2);
    else
      step(ReduceStep::Accumulate, first + (k - 1) % 2, -1);
  };
  if (l.shape == LineAllreduce::Shape::Chain) {
    chain(py, kD1, py == last);
    if (py == last)
      step(ReduceStep::Send, -1, 2);
    else
      step(ReduceStep::Receive, 2, -1);
    return out;
  }
  const int grp = py / t.n, base = grp * t.n, root = t.root(grp), end = base + t.n - 1;
  if (py < root) chain(py - base, kD1, false);
  if (py > root) chain(end - py, kU1, false);
  if (py == root) {
    if (root > base) chain(root - base, kD1, true);
    if (end > root) chain(end - root, kU1, true);
    const int top = t.top();  // phase 2 among the roots
    if (grp < top) chain(grp, kD2, false);
    if (grp > top) chain(t.g - 1 - grp, kU2, false);
    if (grp == top) {
      if (top > 0) chain(top, kD2, true);
      if (t.g - 1 > top) chain(t.g - 1 - top, kU2, true);
    }
  }
  const int gr = t.root(t.top());  // broadcast from the global root
  if (py == gr) {
    if (gr > 0) step(ReduceStep::Send, -1, kBLow);
    if (gr < last) step(ReduceStep::Send, -1, kBHigh);
  } else {
    step(ReduceStep::Receive, py < gr ? kBLow : kBHigh, -1);
  }
  return out;
}

namespace {

Color chain_colour(const ChainLine& l, int offset) {
  return Color(static_cast<std::uint8_t>(l.colour_base + offset));
}

}  // namespace

void install_chain_line(const ChainLine& l, RouteTables& routes) {
  if (l.length() < 2) return;
  auto c = l.axis == Axis::X ? row_cells(l.fixed, l.lo, l.hi) : column_cells(l.fixed, l.lo, l.hi);
  routes.install(route_reduce_chain(c, chain_colour(l, 0), chain_colour(l, 1)));
  std::reverse(c.begin(), c.end());
  routes.install(route_reduce_chain(c, chain_colour(l, 2), chain_colour(l, 3)));
}

// Position k (from lo) sends towards higher positions on colour k % 2 and receives from k - 1 on
// (k - 1) % 2; towards lower positions, q = last - k plays the same role on colours 2 and 3.
std::vector<ReduceStep> chain_reduce_plan(const ChainLine& l, int pos, int root) {
  std::vector<ReduceStep> out;
  const int w = l.length(), k = pos - l.lo, r = root - l.lo, last = w - 1;
  if (w < 2) return out;
  auto up = [&](int i) { return chain_colour(l, i % 2); };
  auto down = [&](int i) { return chain_colour(l, 2 + i % 2); };
  if (k < r) {
    if (k == 0)
      out.push_back({ReduceStep::Send, up(0), up(0)});
    else
      out.push_back({ReduceStep::Relay, up(k - 1), up(k)});
  } else if (k > r) {
    const int q = last - k;
    if (q == 0)
      out.push_back({ReduceStep::Send, down(0), down(0)});
    else
      out.push_back({ReduceStep::Relay, down(q - 1), down(q)});
  } else {
    if (r > 0) out.push_back({ReduceStep::Accumulate, up(r - 1), up(r - 1)});
    if (r < last) out.push_back({ReduceStep::Accumulate, down(last - r - 1), down(last - r - 1)});
  }
  return out;
}

std::vector<ReduceStep> chain_broadcast_plan(const ChainLine& l, int pos, int root) {
  std::vector<ReduceStep> out;
  const int w = l.length(), k = pos - l.lo, r = root - l.lo, last = w - 1;
  if (w < 2) return out;
  auto up = [&](int i) { return chain_colour(l, i % 2); };
  auto down = [&](int i) { return chain_colour(l, 2 + i % 2); };
  if (k == r) {
    if (r < last) out.push_back({ReduceStep::Send, up(r), up(r)});
    if (r > 0) out.push_back({ReduceStep::Send, down(last - r), down(last - r)});
  } else if (k > r) {
    if (k == last)
      out.push_back({ReduceStep::Receive, up(k - 1), up(k - 1)});
    else
      out.push_back({ReduceStep::Forward, up(k - 1), up(k)});
  } else {
    const int q = last - k;
    if (k == 0)
      out.push_back({ReduceStep::Receive, down(q - 1), down(q - 1)});
    else
      out.push_back({ReduceStep::Forward, down(q - 1), down(q)});
  }
  return out;
}

void run_allreduce(PeContext& c, const std::vector<ReduceStep>& steps, const View& v,
                   Combine combine) {
  const bool max = combine == Combine::Max;
  for (const ReduceStep& s : steps) {
    switch (s.kind) {
      case ReduceStep::Send:
        c.send(s.out, v);
        break;
      case ReduceStep::Relay:
        if (max)
          c.recv_max_send(s.in, s.out, v);
        else
          c.recv_add_send(s.in, s.out, v);
        break;
      case ReduceStep::Accumulate:
        if (max)
          c.recv_max(s.in, v);
        else
          c.recv_add(s.in, v);
        break;
      case ReduceStep::Receive:
        c.recv(s.in, v);
        break;
      case ReduceStep::Forward:
        c.recv_send(s.in, s.out, v);
        break;
    }
  }
}

}  // namespace wse
