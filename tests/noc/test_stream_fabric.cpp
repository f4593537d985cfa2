// The stream fabric on its own: exact head and tail times of a message, multicast forks, link
// contention between messages, and the backpressure rendezvous with a late receiver.
#include <gtest/gtest.h>

#include <map>

#include "hw/config/scenario.h"
#include "noc/route_builder.h"
#include "noc/stream_fabric.h"

namespace wse {
namespace {

struct Sink : StreamClient {
  std::vector<std::pair<NodeId, StreamDelivery>> got;
  std::uint32_t capacity = 9;
  void on_message(NodeId node, const StreamDelivery& d, Cycles) override {
    got.push_back({node, d});
  }
  void on_wake(NodeId, std::uint32_t, Cycles t) override { woken.push_back(t.count()); }
  std::uint32_t queue_capacity(NodeId, Color) const override { return capacity; }
  std::vector<std::int64_t> woken;
};

struct World {
  ChipParams chip = resolve_preset("test16x16").params;  // WSE-2 timing: hop 1, ramp 2
  RouteTables tables{chip};
  Sink sink;
  std::unique_ptr<StreamFabric> fabric;
  void start() { fabric = std::make_unique<StreamFabric>(chip, tables, sink); }
  void run() {
    while (!fabric->idle()) fabric->step();
  }
};

TEST(StreamFabric, MessageTimesFollowTheWaveletFormula) {
  World w;
  w.tables.install(route_p2p_xy({0, 0}, {3, 2}, Color(0)));  // 5 hops, one turn (0 cycles)
  w.start();
  const std::uint32_t m = w.fabric->send(w.chip.node({0, 0}), Color(0), 10, 100, 109, {});
  w.run();
  ASSERT_EQ(w.sink.got.size(), 1u);
  const StreamDelivery& d = w.sink.got[0].second;
  EXPECT_EQ(w.sink.got[0].first, w.chip.node({3, 2}));
  // 100 + ramp 2 + 5 hops x 1 + 6 routers x 0 + ramp 2 = 109; the tail 9 cycles later.
  EXPECT_EQ(d.first, 109);
  EXPECT_EQ(d.last, 118);
  EXPECT_EQ(d.hops, 5u);
  EXPECT_EQ(w.fabric->counters().wavelet_hops, 50u);
  // 10 wavelets fit the receiver's queue (9) plus 5 routers x 4: the sender is never held back.
  EXPECT_EQ(w.fabric->sender_done(m), 110);
}

TEST(StreamFabric, ForkDeliversToEveryCeOnTheWay) {
  World w;
  w.tables.install(route_row_broadcast(0, 0, 4, 0, Color(1)));
  w.start();
  w.fabric->send(w.chip.node({0, 0}), Color(1), 4, 0, 3, {});
  w.run();
  ASSERT_EQ(w.sink.got.size(), 4u);
  for (const auto& [node, d] : w.sink.got) {
    const int x = w.chip.coord(node).x;
    EXPECT_EQ(d.first, 2 + x + 2) << x;  // ramp, x hops, ramp
    EXPECT_EQ(d.last, d.first + 3);
  }
}

TEST(StreamFabric, TwoMessagesOnOneLinkQueueBehindEachOther) {
  World w;
  // Colours 0 and 1 both use the link (1,0) -> (2,0).
  w.tables.install(route_p2p_xy({0, 0}, {2, 0}, Color(0)));
  w.tables.install(route_p2p_xy({1, 0}, {3, 0}, Color(1)));
  w.start();
  w.fabric->send(w.chip.node({0, 0}), Color(0), 8, 0, 7, {});
  w.fabric->send(w.chip.node({1, 0}), Color(1), 8, 0, 7, {});
  w.run();
  ASSERT_EQ(w.sink.got.size(), 2u);
  std::map<int, StreamDelivery> by_colour;
  for (const auto& g : w.sink.got) by_colour[g.second.colour.value()] = g.second;
  // Colour 0: head at (1,0)'s east output at 2 + 1 = 3, link busy until 3 + 7 + 1 = 11.
  EXPECT_EQ(by_colour[0].first, 3 + 1 + 2);
  // Colour 1: ready at (1,0) at 2, waits for the link until 11: arrives 11 + 1 + 1 + 2 = 15.
  EXPECT_EQ(by_colour[1].first, 15);
  EXPECT_EQ(by_colour[1].last, 22);
}

// A message longer than the path can buffer waits for its receiver: the sender learns its
// completion when the receiver starts consuming, and is woken then.
TEST(StreamFabric, LateReceiverHoldsTheSenderBack) {
  World w;
  w.sink.capacity = 9;
  w.tables.install(route_p2p_xy({0, 0}, {1, 0}, Color(0)));  // 1 hop: buffering 9 + 4 = 13
  w.start();
  const std::uint32_t m = w.fabric->send(w.chip.node({0, 0}), Color(0), 40, 0, 39, {});
  w.run();
  EXPECT_EQ(w.fabric->sender_done(m), -1);  // unknown until the receiver starts
  ASSERT_EQ(w.sink.got.size(), 1u);
  // The receiver starts at 200: the last wavelet leaves the source at 200 + (40 - 1 - 13) +
  // (1 hop + 1) x credit 1 = 228, so the sender is done at 229.
  w.fabric->consume(w.sink.got[0].second, 200, 200);
  EXPECT_EQ(w.fabric->sender_done(m), 229);
  w.run();
  ASSERT_EQ(w.sink.woken.size(), 1u);
  EXPECT_EQ(w.sink.woken[0], 229);
  w.fabric->sender_finished(m);
  EXPECT_EQ(w.fabric->in_flight(), 0u);
  w.fabric->check_drained();
}

// Both sides of the boundary: 13 wavelets fit the 1-hop path (queue 9 + router buffer 4), 14 do not.
TEST(StreamFabric, BufferingBoundaryDecidesWhetherTheSenderWaits) {
  World w;
  w.tables.install(route_p2p_xy({0, 0}, {1, 0}, Color(0)));
  w.tables.install(route_p2p_xy({0, 1}, {1, 1}, Color(0)));
  w.start();
  const std::uint32_t fits = w.fabric->send(w.chip.node({0, 0}), Color(0), 13, 0, 12, {});
  const std::uint32_t over = w.fabric->send(w.chip.node({0, 1}), Color(0), 14, 0, 13, {});
  EXPECT_EQ(w.fabric->sender_done(fits), 13);
  EXPECT_EQ(w.fabric->sender_done(over), -1);
}

TEST(StreamFabric, BrokenRouteIsAnError) {
  World w;
  w.tables.install(route_at({0, 0}, Color(2), {Dir::Ramp}, {Dir::E}));  // (1,0) not configured
  w.start();
  EXPECT_THROW(w.fabric->send(w.chip.node({0, 0}), Color(2), 1, 0, 0, {}), SimulationError);
}

}  // namespace
}  // namespace wse
