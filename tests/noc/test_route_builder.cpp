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
