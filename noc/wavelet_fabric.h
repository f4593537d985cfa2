// The wavelet-fidelity fabric engine (plain C++; noc/fabric.h is its SystemC shell).
//
// Every wavelet hop is modelled: per-(input port, colour) buffers with credit flow control,
// round-robin arbitration among colours for each output port, multicast forks, switch positions
// advanced by control wavelets, and backpressure up to the sending client's ramp. Work happens
// only at cycles that hold events, and only for routers that have something to do.
//
// Timing of a wavelet sent by a client at cycle t0 to a client h hops away:
//   t0 + ramp + h * hop + (h + 1) * router_latency + turns * turn_penalty + ramp
// and a stream of n wavelets arrives one every link period after the first.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "hw/params/chip_params.h"
#include "noc/calendar.h"
#include "noc/fabric_client.h"
#include "noc/fabric_engine.h"
#include "noc/route_table.h"
#include "noc/wavelet.h"

namespace wse {

// How routers choose output ports: the colour tables (the chip's real mechanism), or a
// destination-based dimension-order function for synthetic traffic (the head wavelet's data
// holds the destination, dest_word(); the rest of the packet follows it, wormhole style).
enum class RoutingMode : std::uint8_t { Table, DestXY, DestYX };

// Receives per-cycle activity of the routers chosen with WaveletFabric::observe() (for VCD).
class FabricObserver {
 public:
  virtual ~FabricObserver() = default;
  // A wavelet of colour c left through output port `out` at cycle t.
  virtual void on_send(NodeId node, Dir out, Color c, std::int64_t t) = 0;
  // The wavelets buffered at input port `in` (all colours) changed to `occupancy` at cycle t.
  virtual void on_occupancy(NodeId node, Dir in, int occupancy, std::int64_t t) = 0;
};

// Head-wavelet payload naming a destination router, as (y << 16) | x (no division per hop).
inline std::uint32_t dest_word(Coord c) {
  return (static_cast<std::uint32_t>(c.y) << 16) | static_cast<std::uint32_t>(c.x);
}

struct FabricOptions {
  RoutingMode routing = RoutingMode::Table;
  int dest_colours = 1;               // colours available to destination-routed traffic
  bool infinite_ejection = false;     // ramp output never backpressures (traffic sinks)
  std::int64_t stall_limit = 100000;  // cycles without any wavelet moving = deadlock
  bool progress = false;              // the SystemC shell prints a progress line every second
  bool validate_routes = true;        // refuse colour tables that break the PLMR limits
};


class WaveletFabric : public FabricEngine {
 public:
  // `tables` is required for RoutingMode::Table and must outlive the fabric (routers read switch
  // state from it, so firmware rewrites are seen immediately). Tables that fail
  // RouteTables::validate() are refused with a ConfigError before anything runs.
  WaveletFabric(const ChipParams& chip, const FabricOptions& opts, RouteTables* tables,
                FabricClient& client);

  // --- Client side (call from FabricClient callbacks or before running) -----------------------
  // True if the ramp of `node` can take a wavelet on colour c at cycle t.
  bool can_inject(NodeId node, Color c, Cycles t) const;
  // True if the ramp buffer of colour c has a free slot (the ramp link may still be busy).
  bool ramp_has_credit(NodeId node, Color c) const;
  // Sends a wavelet into the ramp at cycle t; requires can_inject(). Throws SimulationError when
  // the router does not receive colour c from its ramp.
  void inject(NodeId node, const Wavelet& w, Cycles t);
  // The client took a delivered wavelet of colour c out of its input queue at cycle t: the slot
  // returns to the router as a credit (not needed with infinite_ejection).
  void release_delivery(NodeId node, Color c, Cycles t);
  // Sets how many wavelets of colour c the router may have handed to its CE and not yet had
  // released (the CE's input queue); call before running. Ignored for colours with no ramp
  // output at that router.
  void set_delivery_capacity(NodeId node, Color c, int wavelets);
  // Sets how many wavelets of colour c the CE may have sent into its ramp and not yet had
  // forwarded (the CE's output queue); call before running. At most the ramp channel's slots.
  void set_injection_capacity(NodeId node, Color c, int wavelets);
  // Firmware leaves teardown mode on colour c at cycle t; traffic resumes after the chip's
  // route_update_latency (table routing only).
  void exit_teardown(NodeId node, Color c, Cycles t);
  // Firmware rewrites the route of colour c at `node` (base position) at cycle t; it takes
  // effect after route_update_latency. Directions outside the route's declared rewrite set are a
  // SimulationError (the router has no buffers for them).
  void rewrite_route(NodeId node, Color c, DirSet rx, DirSet tx, Cycles t);
  // Asks for on_wake(node, token) at cycle t (t >= the current cycle).
  void wake_client(NodeId node, std::uint32_t token, Cycles t);

  // --- Running ---------------------------------------------------------------------------------
  bool idle() const override { return calendar_.empty(); }
  Cycles next_time() override { return Cycles(calendar_.next_time()); }
  // Processes every event of the next busy cycle and returns that cycle. Throws SimulationError
  // on deadlock.
  Cycles step() override;
  // Wavelets inside routers or on links.
  std::uint64_t in_flight() const override { return in_flight_; }
  // Call when the calendar is empty: throws SimulationError with a report of stuck wavelets.
  void check_drained() const override;

  const FabricCounters& counters() const override { return counters_; }
  // Wavelets sent by a router on each output port (N, E, S, W, RAMP), for link utilisation.
  std::array<std::uint32_t, kNumDirs> link_wavelets(NodeId node) const override {
    return routers_[node.value()].sent;
  }
  // Wavelets buffered at a router's input port (all colours), for traces.
  int buffered(NodeId node, Dir in_port) const;
  std::size_t router_bytes() const override;  // heap + inline state of all routers, for the benchmark
  const ChipParams& chip() const override { return chip_; }
  // Reports the activity of `node` to `observer` (which must outlive the fabric).
  void observe(NodeId node, FabricObserver* observer);

 private:
  static constexpr std::uint8_t kNoIndex = 0xFF;
  static constexpr int kMaxColours = 32;

  struct Slot {
    Wavelet w;
    std::int64_t eligible;
  };
  struct InChannel {
    std::uint8_t port;
    Color colour;
    std::uint8_t head = 0;
    std::uint8_t count = 0;
    std::uint8_t route = 0;         // dest routing: output mask of the packet in progress
    std::uint8_t ramp_credits = 0;  // RAMP channels: free slots as seen by the client
    std::uint8_t cap = 0;           // buffer slots of this channel
    std::uint32_t slot_base = 0;
  };
  struct OutChannel {
    std::uint8_t port;
    Color colour;
    std::uint8_t credits;
    std::uint8_t owner = kNoIndex;  // dest routing: input channel holding this (port, colour)
  };
  // Channels and buffer slots of all routers live in three arenas, in node order, so that a
  // router's state is contiguous and neighbours along x are close in memory.
  struct Router {
    InChannel* in = nullptr;
    Slot* slots = nullptr;
    OutChannel* out = nullptr;
    std::uint8_t n_in = 0;
    std::uint8_t n_out = 0;
    std::array<std::int64_t, kNumDirs> next_free{};  // output port busy until
    std::array<std::uint8_t, kNumDirs> rr{};         // last channel granted per output port
    std::array<std::uint32_t, kNumDirs> sent{};
    std::int64_t ramp_next_free = 0;
    std::int64_t wake_at = -1;  // cycle of the pending Evaluate event, -1 = none
    std::int64_t listed = -1;   // cycle whose wake list holds this router
    std::uint32_t buffered = 0;
    std::uint16_t x = 0, y = 0;  // coordinates, so routing needs no division
    bool observed = false;
  };
  enum class Kind : std::uint8_t {
    Arrival,
    Credit,
    RampCredit,
    Deliver,
    ClientWake,
    Evaluate,
    TeardownExit,
    RouteRewrite
  };
  // 20 bytes: the colour of credits and the token of client wake-ups travel in w.
  struct Event {
    std::uint32_t node;
    Kind kind;
    std::uint8_t port;
    Wavelet w;
  };
  static Wavelet tag(Color c, std::uint32_t data = 0) {
    Wavelet w;
    w.colour = c;
    w.data = data;
    return w;
  }

  void build_table_channels();
  void build_dest_channels();
  struct ChannelPlan {
    std::vector<std::pair<Dir, Color>> in, out;
  };
  void add(ChannelPlan& plan, bool input, Dir port, Color c) const;
  void allocate(const std::vector<ChannelPlan>& plans);
  // Index of the channel for (port, colour) at a router, or kNoIndex (few channels: a scan).
  static std::uint8_t find_in(const Router& r, Dir port, Color c);
  static std::uint8_t find_out(const Router& r, Dir port, Color c);
  void schedule_eval(std::uint32_t node, std::int64_t t);
  void evaluate(std::uint32_t node, std::int64_t t);
  std::uint8_t route_of(std::uint32_t node, const InChannel& ch, const Wavelet& w) const;
  void grant(std::uint32_t node, std::uint8_t c, std::uint8_t mask, std::int64_t t);
  std::uint32_t neighbour(std::uint32_t node, Dir d) const;
  std::string stuck_report() const;
  void sort_by_node(std::vector<Event>& events);

  const ChipParams& chip_;
  FabricOptions opts_;
  RouteTables* tables_;
  FabricClient& client_;
  std::int64_t hop_, router_lat_, ramp_, turn_, credit_lat_, period_;
  int depth_;
  std::vector<Router> routers_;
  std::vector<InChannel> in_arena_;
  std::vector<Slot> slot_arena_;
  std::vector<OutChannel> out_arena_;
  Calendar<Event> calendar_;
  std::vector<std::uint32_t> wake_list_;
  std::vector<Event> sort_scratch_;
  std::vector<std::uint32_t> node_start_;
  std::uint64_t in_flight_ = 0;
  std::int64_t last_progress_ = 0;
  FabricCounters counters_;
  FabricObserver* observer_ = nullptr;
};

}  // namespace wse
