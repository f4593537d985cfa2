// Exact-cycle tests of the wavelet fabric engine (no SystemC kernel needed).
#include <gtest/gtest.h>

#include "noc/route_builder.h"
#include "tests/noc/fabric_probe.h"

namespace wse {
namespace {
using test::Probe;

struct Rig {
  ChipParams chip;
  RouteTables tables;
  Probe probe;
  WaveletFabric fabric;
  Rig(const ChipParams& c, const std::vector<RouteSpec>& routes, FabricOptions opts = {})
      : chip(c), tables(chip), fabric((tables.install(routes), chip), opts, &tables, probe) {
    probe.fabric = &fabric;
    EXPECT_TRUE(tables.validate().empty()) << tables.validate().front();
  }
};

ChipParams wse2_16() {
  return resolve_preset("test16x16").params;
}

// Modelled arrival: t0 + ramp + h*hop + (h+1)*router + turns*turn + ramp.
std::int64_t modelled(const ChipParams& c, int hops, int turns, std::int64_t t0 = 0) {
  return t0 + 2 * c.noc.ramp_latency.count() + hops * c.noc.hop_latency.count() +
         (hops + 1) * c.noc.router_latency.count() + turns * c.noc.turn_penalty.count();
}

void expect_single_wavelet_at(const ChipParams& chip, Coord from, Coord to, int hops, int turns) {
  Rig rig(chip, route_p2p_xy(from, to, Color(3)));
  rig.probe.send(chip.node(from), {test::data(Color(3), 42)}, 5);
  const std::int64_t expect = modelled(chip, hops, turns, 5);
  // Nothing arrives one cycle early ...
  while (!rig.fabric.idle() && rig.fabric.next_time().count() <= expect - 1) rig.fabric.step();
  EXPECT_TRUE(rig.probe.got.empty())
      << "arrived at " << rig.probe.got.front().t << ", modelled " << expect;
  // ... and it arrives exactly on the modelled cycle.
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 1u);
  EXPECT_EQ(rig.probe.got[0].t, expect);
  EXPECT_EQ(rig.probe.got[0].node, chip.node(to));
  EXPECT_EQ(rig.probe.got[0].w.data, 42u);
  EXPECT_EQ(rig.fabric.counters().wavelet_hops, static_cast<std::uint64_t>(hops));
}

TEST(FabricTiming, SingleWaveletStraightLineWse2) {
  expect_single_wavelet_at(wse2_16(), {0, 0}, {7, 0}, 7, 0);  // 5 + 2 + 7 + 2 = 16
  EXPECT_EQ(modelled(wse2_16(), 7, 0, 5), 16);
}

TEST(FabricTiming, SingleWaveletWithTurnPenaltyAndRouterLatency) {
  ChipParams c = wse2_16();
  c.noc.turn_penalty = Cycles(20);
  c.noc.router_latency = Cycles(3);
  expect_single_wavelet_at(c, {1, 1}, {4, 3}, 5, 1);  // 5 + 4 + 5 + 18 + 20 = 52
  EXPECT_EQ(modelled(c, 5, 1, 5), 52);
}

TEST(FabricTiming, SingleWaveletWse3Timing) {
  ChipParams c = resolve_preset("wse3").params;
  c.mesh.width = c.mesh.height = 8;
  expect_single_wavelet_at(c, {6, 6}, {1, 2}, 9, 1);  // 2*2 + 9*2 + 20 = 42 (+5)
}

TEST(FabricTiming, ZeroHopsThroughOwnRouter) {
  expect_single_wavelet_at(wse2_16(), {3, 3}, {3, 3}, 0, 0);
}

TEST(FabricTiming, WaveletsSerialiseOnePerCycle) {
  for (const char* preset : {"test16x16", "wse3"}) {
    SCOPED_TRACE(preset);
    ChipParams c = resolve_preset(preset).params;
    c.mesh.width = c.mesh.height = 16;
    Rig rig(c, route_p2p_xy({0, 0}, {9, 0}, Color(0)));
    rig.probe.send(c.node({0, 0}), test::stream(Color(0), 12));
    test::run_to_end(rig.fabric);
    ASSERT_EQ(rig.probe.got.size(), 12u);
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(rig.probe.got[static_cast<size_t>(i)].t, modelled(c, 9, 0) + i);
      EXPECT_EQ(rig.probe.got[static_cast<size_t>(i)].w.data,
                static_cast<std::uint32_t>(i));  // in order
    }
  }
}

TEST(FabricTiming, SlowerLinkRateSpacesWavelets) {
  ChipParams c = wse2_16();
  c.noc.link_rate = 0.5;
  Rig rig(c, route_p2p_xy({0, 0}, {3, 0}, Color(0)));
  rig.probe.send(c.node({0, 0}), test::stream(Color(0), 4));
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 4u);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(rig.probe.got[static_cast<size_t>(i)].t, modelled(c, 3, 0) + 2 * i);
}

TEST(FabricTiming, TwoFlowsShareALinkRoundRobin) {
  const ChipParams c = wse2_16();
  auto routes = route_p2p_xy({0, 0}, {3, 0}, Color(0));
  auto b = route_p2p_xy({1, 0}, {3, 0}, Color(1));
  routes.insert(routes.end(), b.begin(), b.end());
  Rig rig(c, routes);
  rig.probe.send(c.node({0, 0}), test::stream(Color(0), 8, 100));
  rig.probe.send(c.node({1, 0}), test::stream(Color(1), 8, 200));
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 16u);
  // B's first wavelet needs 2 hops: 2 + 2 + 2 = 6. Then the shared links and the ramp carry one
  // wavelet per cycle, so all 16 arrive on consecutive cycles 6..21.
  for (int i = 0; i < 16; ++i) EXPECT_EQ(rig.probe.got[static_cast<size_t>(i)].t, 6 + i);
  // Once both are queued at (1,0), round-robin alternates the colours; each flow stays in order.
  std::vector<std::uint32_t> a_seen, b_seen;
  for (const auto& d : rig.probe.got)
    (d.w.colour == Color(0) ? a_seen : b_seen).push_back(d.w.data);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(a_seen[i], 100 + i);
    EXPECT_EQ(b_seen[i], 200 + i);
  }
  EXPECT_EQ(rig.probe.got[0].w.colour, Color(1));
  EXPECT_EQ(rig.probe.got[1].w.colour, Color(0));
  EXPECT_EQ(rig.probe.got[2].w.colour, Color(1));
  EXPECT_EQ(rig.probe.got[3].w.colour, Color(0));
}

TEST(FabricTiming, StalledReceiverLosesNothingAndBackpressuresTheSender) {
  const ChipParams c = wse2_16();
  Rig rig(c, route_p2p_xy({0, 0}, {4, 0}, Color(2)));
  rig.probe.hold_until = 300;
  rig.probe.send(c.node({0, 0}), test::stream(Color(2), 40));
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 40u);
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(rig.probe.got[i].w.data, i);
  // The receiver's queue holds colour_buffer_depth wavelets, the path buffers the rest it can;
  // the sender had to wait for the stall to clear.
  const auto& inj = rig.probe.injected_at[c.node({0, 0}).value()];
  ASSERT_EQ(inj.size(), 40u);
  EXPECT_GT(inj.back(), 300);
  std::size_t before = 0;
  for (const auto& d : rig.probe.got) before += d.t < 300;
  EXPECT_EQ(before, static_cast<std::size_t>(c.noc.colour_buffer_depth));
  // After the release the stream flows again at one wavelet per cycle, with the credit loop.
  EXPECT_EQ(rig.probe.got[4].t, 300 + c.noc.credit_latency.count() + c.noc.ramp_latency.count());
}

TEST(FabricTiming, ColourBlockedDownstreamNeverBlocksAnotherColour) {
  const ChipParams c = wse2_16();
  auto routes = route_p2p_xy({0, 0}, {3, 0}, Color(0));
  auto b = route_p2p_xy({1, 0}, {2, 0}, Color(1));  // shares link (1,0)->(2,0)
  routes.insert(routes.end(), b.begin(), b.end());
  Rig rig(c, routes);
  rig.probe.hold_until = 500;
  rig.probe.hold_node = c.node({3, 0}).value();  // colour 0's receiver stalls
  rig.probe.send(c.node({0, 0}), test::stream(Color(0), 30, 0));
  rig.probe.send(c.node({1, 0}), test::stream(Color(1), 30, 1000), 20);
  test::run_to_end(rig.fabric);
  int b_before = 0, a_after = 0;
  std::int64_t b_last = 0;
  for (const auto& d : rig.probe.got) {
    if (d.w.colour == Color(1)) {
      b_before += d.t < 500;
      b_last = std::max(b_last, d.t);
    } else {
      a_after += d.t >= 500;
    }
  }
  EXPECT_EQ(b_before, 30);  // colour 1 flowed past the stalled colour 0 on the shared links
  EXPECT_GT(a_after, 0);
  // Colour 0's wavelets are all parked (its buffers full) by the time colour 1 starts, so colour
  // 1 streams at full rate: first at 20 + 2 + 1 + 2, then one per cycle.
  EXPECT_EQ(b_last, 20 + modelled(c, 1, 0) + 29);
}

TEST(FabricTiming, RowBroadcastForkReachesEveryPe) {
  const ChipParams c = wse2_16();
  Rig rig(c, route_row_broadcast(5, 0, 9, 3, Color(6)));
  rig.probe.send(c.node({3, 5}), {test::data(Color(6), 7)});
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 9u);  // everyone but the source
  for (const auto& d : rig.probe.got) {
    const Coord at = c.coord(d.node);
    EXPECT_NE(at.x, 3);
    EXPECT_EQ(d.t, modelled(c, std::abs(at.x - 3), 0)) << to_string(at);
  }
}

TEST(FabricTiming, ControlWaveletAdvancesSwitchAfterPassing) {
  const ChipParams c = wse2_16();
  std::vector<RouteSpec> routes;
  auto add = [&](Coord at, DirSet rx, DirSet tx) {
    routes.push_back(route_at(at, Color(4), rx, tx));
  };
  add({0, 0}, {Dir::Ramp}, {Dir::E});
  add({1, 0}, {Dir::W}, {Dir::E});
  routes.back().route.positions = {SwitchPosition{{}, DirSet{Dir::S}}};
  add({2, 0}, {Dir::W}, {Dir::Ramp});
  add({1, 1}, {Dir::N}, {Dir::Ramp});
  Rig rig(c, routes);
  rig.probe.send(c.node({0, 0}),
                 {test::data(Color(4), 1),
                  test::data(Color(4), control_word({SwitchCommand::Advance}), kControl),
                  test::data(Color(4), 2)});
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 3u);
  EXPECT_EQ(rig.probe.got[0].node, c.node({2, 0}));
  EXPECT_EQ(rig.probe.got[1].node, c.node({2, 0}));  // routed with the old position
  EXPECT_TRUE(rig.probe.got[1].w.control());
  EXPECT_EQ(rig.probe.got[2].node, c.node({1, 1}));  // switch moved after it passed
  EXPECT_EQ(rig.probe.got[2].w.data, 2u);
  EXPECT_EQ(rig.tables.find(c.node({1, 0}), Color(4))->current, 1);
  EXPECT_EQ(rig.fabric.counters().control_wavelets, 3u);  // counted at each router it crossed
}

TEST(FabricTiming, PopModeConsumesTheFirstCommand) {
  const ChipParams c = wse2_16();
  auto routes = route_p2p_xy({0, 0}, {2, 0}, Color(1));
  routes[1].route.pop_mode = PopMode::AlwaysPop;
  Rig rig(c, routes);
  rig.probe.send(
      c.node({0, 0}),
      {test::data(Color(1), control_word({SwitchCommand::Nop, SwitchCommand::Advance}), kControl)});
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 1u);
  EXPECT_EQ(rig.probe.got[0].w.data, static_cast<std::uint32_t>(SwitchCommand::Advance));
}

TEST(FabricTiming, PopOnAdvanceOrNopPopsANopButNotAReset) {
  const ChipParams c = wse2_16();
  const std::uint32_t nop_first = control_word({SwitchCommand::Nop, SwitchCommand::Reset});
  const std::uint32_t reset_first = control_word({SwitchCommand::Reset, SwitchCommand::Nop});
  // NOP first: popped at (1,0), so RESET arrives first. RESET first: not popped, word unchanged.
  for (auto [sent, received] :
       {std::pair{nop_first, nop_first >> 2}, std::pair{reset_first, reset_first}}) {
    auto routes = route_p2p_xy({0, 0}, {2, 0}, Color(1));
    routes[1].route.pop_mode = PopMode::PopOnAdvanceOrNop;
    Rig rig(c, routes);
    rig.probe.send(c.node({0, 0}), {test::data(Color(1), sent, kControl)});
    test::run_to_end(rig.fabric);
    ASSERT_EQ(rig.probe.got.size(), 1u);
    EXPECT_EQ(rig.probe.got[0].w.data, received);
  }
}

TEST(FabricTiming, TeardownHoldsTrafficUntilFirmwareExitsIt) {
  const ChipParams c = wse2_16();
  auto routes = route_p2p_xy({0, 0}, {2, 0}, Color(1));
  routes[1].route.teardown = true;
  Rig rig(c, routes);
  rig.probe.send(c.node({0, 0}), test::stream(Color(1), 2));
  while (!rig.fabric.idle()) rig.fabric.step();
  EXPECT_TRUE(rig.probe.got.empty());
  EXPECT_EQ(rig.fabric.in_flight(), 2u);  // parked at (1,0), nothing lost
  rig.fabric.exit_teardown(c.node({1, 0}), Color(1), Cycles(50));
  test::run_to_end(rig.fabric);
  ASSERT_EQ(rig.probe.got.size(), 2u);
  const std::int64_t resume = 50 + c.noc.route_update_latency.count();  // grant at (1,0)
  EXPECT_EQ(rig.probe.got[0].t, resume + 1 + 2);                        // one hop, then the ramp
  EXPECT_EQ(rig.probe.got[1].t, resume + 2 + 2);
}

// A ring of four routers on one colour, filled beyond its buffers: a routing deadlock.
std::vector<RouteSpec> ring_2x2() {
  std::vector<RouteSpec> r;
  auto add = [&](Coord at, Dir from, Dir to) {
    r.push_back(route_at(at, Color(0), DirSet{from, Dir::Ramp}, DirSet{to}));
  };
  add({0, 0}, Dir::S, Dir::E);
  add({1, 0}, Dir::W, Dir::S);
  add({1, 1}, Dir::N, Dir::W);
  add({0, 1}, Dir::E, Dir::N);
  return r;
}

TEST(FabricDeadlock, ReportsStuckRoutersPortsAndColours) {
  ChipParams c = wse2_16();
  RouteTables tables(c);
  tables.install(ring_2x2());
  EXPECT_FALSE(tables.validate().empty());  // the validator already flags the RAMP + ring rx
  Probe probe;
  EXPECT_THROW(WaveletFabric(c, FabricOptions{}, &tables, probe),
               ConfigError);  // refused by default
  FabricOptions unchecked;
  unchecked.validate_routes = false;  // build it anyway, to watch the deadlock happen
  WaveletFabric f(c, unchecked, &tables, probe);
  probe.fabric = &f;
  for (Coord at : {Coord{0, 0}, Coord{1, 0}, Coord{1, 1}, Coord{0, 1}})
    probe.send(c.node(at), test::stream(Color(0), 8));
  try {
    test::run_to_end(f);
    FAIL() << "expected a deadlock";
  } catch (const SimulationError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("deadlock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("router (1,0) in W colour 0: 4 wavelet(s), wants {S} (no credit for S)"),
              std::string::npos)
        << msg;
  }
}

TEST(FabricDeadlock, StallLimitStopsARunThatKeepsOtherEventsGoing) {
  ChipParams c = wse2_16();
  RouteTables tables(c);
  tables.install(ring_2x2());
  Probe probe;
  FabricOptions opts;
  opts.stall_limit = 50;
  opts.validate_routes = false;
  WaveletFabric f(c, opts, &tables, probe);
  probe.fabric = &f;
  for (Coord at : {Coord{0, 0}, Coord{1, 0}, Coord{1, 1}, Coord{0, 1}})
    probe.send(c.node(at), test::stream(Color(0), 8));
  for (int t = 0; t < 400; t += 10)
    f.wake_client(c.node({5, 5}), 7, Cycles(t));  // unrelated activity
  EXPECT_THROW(test::run_to_end(f), SimulationError);
}

}  // namespace
}  // namespace wse
