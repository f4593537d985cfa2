// The stream-fidelity fabric engine (DESIGN.md decision 3): a message of n wavelets along its
// route is one event chain instead of n x hops wavelet events. It reads the same colour tables
// (rx/tx sets, forks, pass-through, current switch positions) as the wavelet fabric.
//
// Timing model, per message (first and last wavelet times; wavelets between them at link rate):
// - Wavelets enter the source ramp at [first, last]. At each router the head leaves through an
//   output link at max(arrival + router_latency (+ turn_penalty on a turn), link free) and the
//   tail no earlier than head + n - 1; the link is then reserved until the tail has passed
//   (busy-until reservations: contention and pipelining, no per-wavelet events). Each hop adds
//   hop_latency, the ramps ramp_latency, as in the wavelet fabric's formula.
// - Backpressure is a rendezvous: a destination whose buffering (its CE input queue plus
//   colour_buffer_depth per router on the path) holds the whole message never slows the sender.
//   Otherwise the sender's last wavelet cannot leave before the receiver has consumed all but
//   `buffering` of them plus the credit return time, which is known once the receiver starts
//   consuming (StreamFabric::consume); the sender is then woken.
// What it leaves out (the wavelet fabric models these): a message stalled by backpressure does
// not hold its links longer; control wavelets and data tasks are not supported (SimulationError).
#pragma once

#include <cstdint>
#include <vector>

#include "noc/calendar.h"
#include "noc/fabric_engine.h"
#include "noc/route_table.h"

namespace wse {

// One destination's copy of a message, handed to the receiving client at its first wavelet.
struct StreamDelivery {
  std::uint32_t message = 0;
  std::uint32_t node = 0;  // the receiving router
  Color colour;
  std::uint32_t wavelets = 0;
  std::int64_t first = 0;            // cycle the first wavelet reaches the CE
  std::int64_t last = 0;             // cycle the last wavelet reaches the CE
  std::uint32_t path_buffering = 0;  // wavelets the routers on the path can hold
  std::uint32_t hops = 0;
};

class StreamClient {
 public:
  virtual ~StreamClient() = default;
  virtual void on_message(NodeId node, const StreamDelivery& d, Cycles t) = 0;
  virtual void on_wake(NodeId node, std::uint32_t token, Cycles t) = 0;
  // Wavelets of colour c the CE at `node` can hold before its router must stop delivering.
  virtual std::uint32_t queue_capacity(NodeId node, Color c) const = 0;
  // Hints that nodes are handled soon, one per stage (kNoNode: none): `far` is furthest ahead
  // (fetch where its state is), `mid` nearer (its state), `near` nearest (what its state points
  // to). Large meshes are bound by cache misses on per-PE state; each stage only reads what an
  // earlier stage fetched. One call per event for all three stages: this runs for every event.
  static constexpr std::uint32_t kNoNode = 0xFFFFFFFFu;
  virtual void prefetch(std::uint32_t /*far*/, std::uint32_t /*mid*/,
                        std::uint32_t /*near*/) const {}
};

class StreamFabric : public FabricEngine {
 public:
  // `tables` must have passed RouteTables::validate() and outlive the fabric.
  StreamFabric(const ChipParams& chip, RouteTables& tables, StreamClient& client);

  // Sends n wavelets from the CE of `node` on colour c; they may enter the ramp from `first`
  // on and the last not before `last` (>= first + n - 1). `payload` holds the 32-bit words in
  // functional mode (empty in timing mode). Returns the message id. Throws SimulationError when
  // the colour's route is broken (not received from the ramp, leaves the mesh, not received
  // by the next router, or never reaches a CE).
  std::uint32_t send(NodeId node, Color c, std::uint32_t n, std::int64_t first, std::int64_t last,
                     std::vector<std::uint32_t> payload);
  const std::vector<std::uint32_t>& payload(std::uint32_t message) const {
    return messages_[message].payload;
  }
  // The receiver starts consuming delivery d at cycle `start` (one wavelet per cycle); `now` is
  // the current cycle. May wake the sender.
  void consume(const StreamDelivery& d, std::int64_t start, std::int64_t now);
  // Cycle after the sender's last wavelet entered the ramp, or -1 while a receiver's start is
  // still unknown (the sender is woken with on_wake when it is known).
  std::int64_t sender_done(std::uint32_t message);
  // The sender has its completion; the message is freed once every copy is consumed.
  void sender_finished(std::uint32_t message);

  void rewrite_route(NodeId node, Color c, DirSet rx, DirSet tx, Cycles t);
  void wake_client(NodeId node, std::uint32_t token, Cycles t);

  bool idle() const override { return calendar_.empty(); }
  Cycles next_time() override { return Cycles(calendar_.next_time()); }
  Cycles step() override;
  void check_drained() const override;
  std::uint64_t in_flight() const override { return live_messages_; }
  const FabricCounters& counters() const override { return counters_; }
  std::array<std::uint32_t, kNumDirs> link_wavelets(NodeId node) const override {
    return routers_[node.value()].sent;
  }
  std::size_t router_bytes() const override;
  const ChipParams& chip() const override { return chip_; }

 private:
  struct Message {
    std::vector<std::uint32_t> payload;
    NodeId sender;
    Color colour;
    std::int64_t src_last = 0;    // last wavelet enters the source ramp
    std::int64_t required = -1;   // latest constraint from receivers on the sender's last wavelet
    std::uint32_t unknown = 0;    // constrained receivers that have not started consuming
    std::uint32_t copies = 0;     // deliveries not yet consumed
    bool sender_waiting = false;  // the sender asked while unknown > 0
    bool sender_done = false;
    bool live = false;
  };
  enum class Kind : std::uint8_t { Deliver, Wake, RouteRewrite };
  // 12 bytes: a cycle may hold an event for every PE of a 720 x 720 grid, and the calendar's
  // buckets keep their capacity, so deliveries wait in a pool and the event names them.
  struct Event {
    Kind kind;
    Color colour;  // RouteRewrite
    std::uint32_t node;
    std::uint32_t token;  // Wake: token; Deliver: pool index; RouteRewrite: rx | tx << 8
  };
  // Walks colour c from `node` (entered from `from`) with head/tail times at the router input.
  void walk(std::uint32_t message, NodeId node, Dir from, Color c, std::uint32_t n,
            std::int64_t head, std::int64_t tail, std::uint32_t hops, std::uint32_t buffering,
            std::uint32_t depth);
  std::uint32_t alloc_message();
  void release_if_done(std::uint32_t message);

  const ChipParams& chip_;
  RouteTables& tables_;
  StreamClient& client_;
  // 4096 cycles: a message's delivery and a long compute op's wake-up land hundreds to
  // thousands of cycles ahead; with the old 32-cycle wheel most events went through the heap
  // (LLaMA3-8B decode at 420 x 420: 11 % faster; the wavelet fabric, whose events are mostly a
  // hop ahead, gained nothing from a longer wheel).
  static constexpr std::size_t kWheelBits = 12;
  Calendar<Event> calendar_{kWheelBits};
  // A router's output ports in one cache line: a walk down a column meets a new router per hop.
  struct alignas(64) Router {
    std::array<std::int64_t, kNumDirs> link_free{};  // cycle each output link is free again
    std::array<std::uint32_t, kNumDirs> sent{};      // wavelets through each output
  };
  std::vector<Router> routers_;
  // Per router and colour below chip.noc.colours: the route's current rx bits | tx bits << 8
  // (0: none), kept in step with route rewrites - a hop reads 2 bytes next to its neighbours'
  // instead of searching the router's table.
  std::vector<std::uint16_t> hops_;
  std::uint16_t hop_bits(NodeId node, Color c) const;
  void set_hop(NodeId node, Color c, const ColourRoute& r);
  std::vector<Message> messages_;
  std::vector<std::uint32_t> free_;
  std::vector<StreamDelivery> pool_;  // deliveries scheduled but not yet handed over
  std::vector<std::uint32_t> pool_free_;
  std::uint64_t live_messages_ = 0;
  FabricCounters counters_;
};

}  // namespace wse
