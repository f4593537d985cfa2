#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "noc/route_builder.h"
#include "noc/route_table.h"

namespace wse {
namespace {

ChipParams chip8() {
  return resolve_preset("test8x8").params;
}

bool any_contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

TEST(RouteTable, CleanBroadcastValidates) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  t.install(route_row_broadcast(2, 0, 7, 3, Color(5)));
  EXPECT_TRUE(t.validate().empty());
}

TEST(RouteTable, ColourBudgetExceededNamesRouterAndColours) {
  ChipParams chip = chip8();
  chip.noc.colours = 4;
  RouteTables t(chip);
  for (int c = 0; c < 6; ++c)
    t.install(route_p2p_xy({1, 1}, {2, 1}, Color(static_cast<std::uint8_t>(c))));
  const auto problems = t.validate();
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(any_contains(
      problems, "router (1,1): uses 6 colours {0,1,2,3,4,5}, colours {4,5} exceed the budget of 4"))
      << problems.front();
  EXPECT_TRUE(any_contains(problems, "router (2,1): uses 6 colours"));
}

TEST(RouteTable, RxConflictFromTwoFedDirections) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  // Two senders converge on (3,3) from W and from N on the same colour.
  t.install(route_p2p_xy({1, 3}, {3, 3}, Color(2)));
  t.install(route_p2p_xy({3, 1}, {3, 3}, Color(2)));
  const auto problems = t.validate();
  EXPECT_TRUE(any_contains(problems,
                           "router (3,3): colour 2 can receive from two directions at once (N from "
                           "(3,2), W from (2,3))"))
      << (problems.empty() ? "none" : problems.front());
}

TEST(RouteTable, MultiRxIsFineWhenOnlyOneSideFeedsIt) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  t.install(route_p2p_xy({1, 3}, {3, 3}, Color(2)));
  RouteSpec extra;
  extra.at = {3, 3};
  extra.colour = Color(2);
  extra.route.rx = DirSet{Dir::N};  // nobody north transmits colour 2 south
  t.install(extra);
  EXPECT_TRUE(t.validate().empty());
}

TEST(RouteTable, RoutesOffTheMeshAndUnacceptedTransmits) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  RouteSpec s;
  s.at = {0, 0};
  s.colour = Color(1);
  s.route.rx = DirSet{Dir::Ramp};
  s.route.tx = DirSet{Dir::N, Dir::E};
  t.install(s);
  const auto problems = t.validate();
  EXPECT_TRUE(
      any_contains(problems, "router (0,0): colour 1 transmits N off the edge of the mesh"));
  EXPECT_TRUE(any_contains(
      problems,
      "router (0,0): colour 1 transmits E but router (1,0) does not receive colour 1 from W"));
}

TEST(RouteTable, TooManySwitchPositions) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  RouteSpec s;
  s.at = {2, 2};
  s.colour = Color(0);
  s.route.rx = DirSet{Dir::Ramp};
  s.route.tx = DirSet{Dir::Ramp};
  s.route.positions.resize(4);
  t.install(s);
  EXPECT_TRUE(any_contains(t.validate(),
                           "router (2,2): colour 0 has 4 switch positions, the chip allows 3"));
}

TEST(RouteTable, SwitchAdvanceRingAndReset) {
  ColourRoute r;
  r.rx = DirSet{Dir::W};
  r.tx = DirSet{Dir::E};
  r.positions = {SwitchPosition{{}, DirSet{Dir::S}}, SwitchPosition{DirSet{Dir::N}, {}}};
  EXPECT_TRUE(r.apply(SwitchCommand::Advance));
  EXPECT_EQ(r.tx_now(), DirSet{Dir::S});
  EXPECT_EQ(r.rx_now(), DirSet{Dir::W});
  EXPECT_TRUE(r.apply(SwitchCommand::Advance));
  EXPECT_EQ(r.rx_now(), DirSet{Dir::N});
  EXPECT_EQ(r.tx_now(), DirSet{Dir::E});
  EXPECT_FALSE(r.apply(SwitchCommand::Advance));  // no ring mode: stays at the last position
  r.ring_mode = true;
  EXPECT_TRUE(r.apply(SwitchCommand::Advance));
  EXPECT_EQ(r.current, 0);
  r.apply(SwitchCommand::Advance);
  r.apply(SwitchCommand::Reset);
  EXPECT_EQ(r.current, 0);
  r.apply(SwitchCommand::Teardown);
  EXPECT_TRUE(r.teardown);
}

}  // namespace
}  // namespace wse

namespace wse {
namespace {

// find() indexes colours below 32 by a bit mask; ids above (rejected by validate(), but still
// installed) are found by a scan.
TEST(RouteTable, FindEachInstalledColourAndNoOther) {
  const ChipParams chip = chip8();
  RouteTables t(chip);
  const NodeId n = chip.node({2, 2});
  for (int c : {31, 3, 40, 0, 7}) {
    RouteSpec s{{2, 2}, Color(static_cast<std::uint8_t>(c)), {}};
    s.route.rx = DirSet(static_cast<std::uint8_t>(c + 1));
    t.install(s);
  }
  for (int c : {0, 3, 7, 31, 40}) {
    const ColourRoute* r = t.find(n, Color(static_cast<std::uint8_t>(c)));
    ASSERT_NE(r, nullptr) << c;
    EXPECT_EQ(r->rx.bits(), c + 1) << c;
  }
  for (int c : {1, 4, 30, 32, 41})
    EXPECT_EQ(t.find(n, Color(static_cast<std::uint8_t>(c))), nullptr) << c;
  EXPECT_EQ(t.find(chip.node({2, 3}), Color(3)), nullptr);
}

}  // namespace
}  // namespace wse
