#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "noc/route_builder.h"

namespace wse {
namespace {

const ColourRoute* at(const RouteTables& t, const ChipParams& chip, Coord c, int colour) {
  return t.find(chip.node(c), Color(static_cast<std::uint8_t>(colour)));
}

TEST(RouteBuilder, PointToPointGoesXThenY) {
  const ChipParams chip = resolve_preset("test8x8").params;
  RouteTables t(chip);
  t.install(route_p2p_xy({1, 1}, {3, 2}, Color(0)));
  EXPECT_EQ(at(t, chip, {1, 1}, 0)->tx, DirSet{Dir::E});
  EXPECT_EQ(at(t, chip, {1, 1}, 0)->rx, DirSet{Dir::Ramp});
  EXPECT_EQ(at(t, chip, {3, 1}, 0)->rx, DirSet{Dir::W});
  EXPECT_EQ(at(t, chip, {3, 1}, 0)->tx, DirSet{Dir::S});
  EXPECT_EQ(at(t, chip, {3, 2}, 0)->rx, DirSet{Dir::N});
  EXPECT_EQ(at(t, chip, {3, 2}, 0)->tx, DirSet{Dir::Ramp});
  EXPECT_EQ(at(t, chip, {2, 2}, 0), nullptr);
  EXPECT_TRUE(t.validate().empty());
}

TEST(RouteBuilder, ColumnBroadcastForksToEveryRamp) {
  const ChipParams chip = resolve_preset("test8x8").params;
  RouteTables t(chip);
  t.install(route_column_broadcast(4, 0, 7, 2, Color(3)));
  EXPECT_EQ(at(t, chip, {4, 2}, 3)->tx, (DirSet{Dir::N, Dir::S}));
  EXPECT_EQ(at(t, chip, {4, 5}, 3)->tx, (DirSet{Dir::Ramp, Dir::S}));
  EXPECT_EQ(at(t, chip, {4, 7}, 3)->tx, DirSet{Dir::Ramp});
  EXPECT_EQ(at(t, chip, {4, 0}, 3)->rx, DirSet{Dir::S});
  EXPECT_TRUE(t.validate().empty());
}

TEST(RouteBuilder, ReduceChainAlternatesTwoColours) {
  const ChipParams chip = resolve_preset("test8x8").params;
  RouteTables t(chip);
  t.install(route_reduce_chain(column_cells(1, 0, 5), Color(4), Color(5)));
  EXPECT_EQ(at(t, chip, {1, 2}, 4)->rx, DirSet{Dir::Ramp});  // sends on 4
  EXPECT_EQ(at(t, chip, {1, 2}, 5)->tx, DirSet{Dir::Ramp});  // receives on 5
  EXPECT_EQ(t.colours_at(chip.node({1, 3})).size(), 2u);
  EXPECT_TRUE(t.validate().empty());
}

TEST(RouteBuilder, InterleavedRingOrderMatchesThePaper) {
  EXPECT_EQ(interleaved_ring_order(6), (std::vector<int>{0, 2, 4, 5, 3, 1}));
  EXPECT_EQ(interleaved_ring_order(5), (std::vector<int>{0, 2, 4, 3, 1}));
}

TEST(RouteBuilder, InterleavedRingUsesThreeColoursWithoutConflictOnAnyLength) {
  for (int n = 2; n <= 21; ++n) {
    SCOPED_TRACE(n);
    ChipParams chip = resolve_preset("test4x4").params;
    chip.mesh.width = n;
    chip.mesh.height = 1;
    RouteTables t(chip);
    t.install(route_interleaved_ring(row_cells(0, 0, n - 1), {Color(0), Color(1), Color(2)}));
    const auto problems = t.validate();
    EXPECT_TRUE(problems.empty()) << problems.front();
    for (int x = 0; x < n; ++x) EXPECT_LE(t.colours_at(chip.node({x, 0})).size(), 3u);
  }
}

// Follows colour c from the RAMP of `from` along a line (single tx per router) to the router that
// delivers it to its RAMP; returns that router's x (rows) or -1 if the route is broken.
int follow_row(const RouteTables& t, const ChipParams& chip, int from, Color c) {
  Coord at{from, 0};
  const ColourRoute* r = t.find(chip.node(at), c);
  if (!r || !r->rx.has(Dir::Ramp)) return -1;
  for (int hops = 0; hops < 64; ++hops) {
    if (r->tx.has(Dir::Ramp) && hops > 0) return at.x;
    if (r->tx.has(Dir::E))
      ++at.x;
    else if (r->tx.has(Dir::W))
      --at.x;
    else
      return -1;
    r = t.find(chip.node(at), c);
    if (!r) return -1;
  }
  return -1;
}

TEST(RouteBuilder, RingSlotsNameTheColoursTheRoutesUse) {
  for (int n = 2; n <= 13; ++n) {
    SCOPED_TRACE(n);
    ChipParams chip = resolve_preset("test4x4").params;
    chip.mesh.width = n;
    chip.mesh.height = 1;
    const std::array<Color, 3> cs{Color(0), Color(1), Color(2)};
    const std::vector<int> order = interleaved_ring_order(n);
    for (const bool reverse : {false, true}) {
      RouteTables t(chip);
      t.install(route_interleaved_ring(row_cells(0, 0, n - 1), cs, reverse));
      ASSERT_TRUE(t.validate().empty()) << t.validate().front();
      for (int k = 0; k < n; ++k) {
        const int p = order[static_cast<std::size_t>(k)];
        const int next = order[static_cast<std::size_t>((k + (reverse ? n - 1 : 1)) % n)];
        const RingSlots mine = interleaved_ring_slots(n, p, reverse);
        EXPECT_EQ(follow_row(t, chip, p, cs[static_cast<std::size_t>(mine.send)]), next)
            << "from " << p << (reverse ? " reverse" : "");
        EXPECT_EQ(interleaved_ring_slots(n, next, reverse).recv, mine.send);
        EXPECT_LE(std::abs(next - p), 2);
      }
    }
    RouteTables w(chip);
    w.install(route_wraparound_ring(row_cells(0, 0, n - 1), cs));
    ASSERT_TRUE(w.validate().empty()) << w.validate().front();
    for (int p = 0; p < n; ++p) {
      const int next = p == 0 ? n - 1 : p - 1;
      const RingSlots mine = wraparound_ring_slots(n, p);
      EXPECT_EQ(follow_row(w, chip, p, cs[static_cast<std::size_t>(mine.send)]), next);
      EXPECT_EQ(wraparound_ring_slots(n, next).recv, mine.send);
    }
  }
}

TEST(RouteBuilder, PassThroughNeverTouchesTheCe) {
  const ChipParams chip = resolve_preset("test8x8").params;
  RouteTables t(chip);
  t.install(route_pass_through(column_cells(2, 1, 4), Dir::S, Dir::N, Color(7)));
  for (int y = 1; y <= 4; ++y) {
    EXPECT_FALSE(at(t, chip, {2, y}, 7)->tx.has(Dir::Ramp));
    EXPECT_EQ(at(t, chip, {2, y}, 7)->tx, DirSet{Dir::N});
  }
}

}  // namespace
}  // namespace wse
