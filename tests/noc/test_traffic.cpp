#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "noc/traffic.h"

namespace wse {
namespace {

TrafficResults simulate(const ChipParams& chip, const TrafficParams& p, std::uint64_t seed,
                        std::uint64_t* hops = nullptr) {
  TrafficClient client(chip, p, seed);
  FabricOptions opts;
  opts.routing = p.routing;
  opts.dest_colours = p.colours;
  opts.infinite_ejection = true;
  WaveletFabric fabric(chip, opts, nullptr, client);
  client.attach(fabric);
  while (!fabric.idle()) fabric.step();
  fabric.check_drained();
  if (hops) *hops = fabric.counters().wavelet_hops;
  return client.results();
}

TrafficParams params(TrafficPattern pattern, double rate) {
  TrafficParams p;
  p.pattern = pattern;
  p.injection_rate = rate;
  p.packet_size = 4;
  p.warmup = Cycles(200);
  p.measure = Cycles(1000);
  p.hotspots = {4, 4};
  return p;
}

TEST(Traffic, ZeroLoadLatencyIsRampsPlusHopsPlusSerialisation) {
  const ChipParams chip = resolve_preset("test8x8").params;
  const TrafficResults r = simulate(chip, params(TrafficPattern::Uniform, 0.0002), 3);
  ASSERT_GT(r.measured_packets, 5u);
  // Without contention every packet takes 2 ramps + its hops + (size - 1) cycles; contention
  // can only add to it, and at this load it is absent.
  EXPECT_DOUBLE_EQ(r.avg_latency, 2 * 2 + r.avg_hops + 3);
  EXPECT_DOUBLE_EQ(r.avg_network_latency, r.avg_latency);
}

TEST(Traffic, EveryPatternDeliversEveryPacketExactlyOnce) {
  const ChipParams chip = resolve_preset("test8x8").params;
  for (auto pat :
       {TrafficPattern::Uniform, TrafficPattern::Transpose, TrafficPattern::BitComplement,
        TrafficPattern::Hotspot, TrafficPattern::Neighbor}) {
    for (auto routing : {RoutingMode::DestXY, RoutingMode::DestYX}) {
      TrafficParams p = params(pat, 0.03);
      p.routing = routing;
      p.colours = 2;
      std::uint64_t hops = 0;
      const TrafficResults r = simulate(chip, p, 11, &hops);
      EXPECT_EQ(r.packets_created, r.packets_delivered);
      EXPECT_GT(r.measured_packets, 100u);
      EXPECT_GE(r.avg_latency, 4 + r.avg_hops + 3);
      EXPECT_GT(hops, 0u);
    }
  }
}

TEST(Traffic, NeighborPatternTravelsOneHop) {
  const ChipParams chip = resolve_preset("test8x8").params;
  const TrafficResults r = simulate(chip, params(TrafficPattern::Neighbor, 0.01), 5);
  EXPECT_DOUBLE_EQ(r.avg_hops, 1.0);
}

TEST(Traffic, SameSeedSameResultsOtherSeedOtherResults) {
  const ChipParams chip = resolve_preset("test8x8").params;
  const auto p = params(TrafficPattern::Uniform, 0.05);
  const TrafficResults a = simulate(chip, p, 42), b = simulate(chip, p, 42),
                       c = simulate(chip, p, 43);
  EXPECT_EQ(a.packets_created, b.packets_created);
  EXPECT_EQ(a.avg_latency, b.avg_latency);
  EXPECT_EQ(a.p99_latency, b.p99_latency);
  EXPECT_EQ(a.last_cycle, b.last_cycle);
  EXPECT_NE(a.packets_created, c.packets_created);
}

TEST(Traffic, AcceptedThroughputFollowsOfferedLoadBelowSaturation) {
  const ChipParams chip = resolve_preset("test8x8").params;
  TrafficParams p = params(TrafficPattern::Uniform, 0.02);
  p.measure = Cycles(5000);
  const TrafficResults r = simulate(chip, p, 9);
  EXPECT_NEAR(r.accepted_wavelets_per_node_cycle, r.offered_wavelets_per_node_cycle,
              0.05 * r.offered_wavelets_per_node_cycle);
}

}  // namespace
}  // namespace wse
