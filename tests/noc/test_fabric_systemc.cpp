// The SystemC shell: wakes only for work, and maps cycles onto simulated time exactly.
#include <gtest/gtest.h>

#include "noc/fabric.h"
#include "noc/route_builder.h"
#include "tests/noc/fabric_probe.h"

namespace wse {
namespace {

TEST(FabricShell, IdleFabricCostsZeroActivations) {
  const ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  tables.install(route_row_broadcast(0, 0, 15, 0, Color(0)));
  test::Probe probe;
  Fabric fabric("fabric", chip, FabricOptions{}, &tables, probe, Cycles(1000000000));
  probe.fabric = &fabric.engine();
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  EXPECT_EQ(fabric.activations(), 0u);
  EXPECT_EQ(fabric.engine().counters().router_evaluations, 0u);
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::sc_time(1, sc_core::SC_MS));
}

struct TimedProbe : test::Probe {
  std::vector<sc_core::sc_time> when;
  void on_deliver(NodeId node, const Wavelet& w, Cycles t) override {
    when.push_back(sc_core::sc_time_stamp());
    Probe::on_deliver(node, w, t);
  }
};

TEST(FabricShell, DeliveryHappensAtCyclesTimesClockPeriod) {
  const ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  tables.install(route_p2p_xy({0, 0}, {6, 3}, Color(1)));
  TimedProbe probe;
  Fabric fabric("fabric", chip, FabricOptions{}, &tables, probe, Cycles(1000000000));
  probe.fabric = &fabric.engine();
  probe.send(chip.node({0, 0}), test::stream(Color(1), 3), 10);
  sc_core::sc_start();
  fabric.rethrow_if_failed();
  ASSERT_EQ(probe.got.size(), 3u);
  EXPECT_EQ(probe.got[0].t, 10 + 2 + 9 + 2);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(probe.when[i], fabric.cycle_time() * static_cast<double>(probe.got[i].t));
  // One activation per busy cycle, none for the idle ones in between.
  EXPECT_EQ(fabric.activations(), fabric.engine().counters().busy_cycles);
  EXPECT_LE(fabric.activations(), static_cast<std::uint64_t>(probe.got.back().t - 10 + 2));
}

TEST(FabricShell, TimeLimitStopsTheRunWithAnError) {
  const ChipParams chip = resolve_preset("test16x16").params;
  RouteTables tables(chip);
  tables.install(route_p2p_xy({0, 0}, {15, 15}, Color(1)));
  test::Probe probe;
  Fabric fabric("fabric", chip, FabricOptions{}, &tables, probe, Cycles(20));
  probe.fabric = &fabric.engine();
  probe.send(chip.node({0, 0}), {test::data(Color(1), 1)});
  sc_core::sc_start();
  EXPECT_THROW(fabric.rethrow_if_failed(), SimulationError);
  EXPECT_TRUE(probe.got.empty());
}

}  // namespace
}  // namespace wse
