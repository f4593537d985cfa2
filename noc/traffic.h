// Synthetic traffic for comparison with BookSim 2 and Noxim: Bernoulli packet sources with
// source queues outside the network, classic destination patterns, and latency/throughput
// statistics over a measurement window. Plain C++; drives a WaveletFabric as its client.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/core/random.h"
#include "noc/wavelet_fabric.h"

namespace wse {

enum class TrafficPattern { Uniform, Transpose, BitComplement, Hotspot, Neighbor };

struct TrafficParams {
  TrafficPattern pattern = TrafficPattern::Uniform;
  double injection_rate = 0.01;  // packets per node per cycle
  int packet_size = 4;           // wavelets
  Cycles warmup;
  Cycles measure;
  RoutingMode routing = RoutingMode::DestXY;
  int colours = 1;
  std::vector<int> hotspots;      // flattened x, y pairs
  double hotspot_fraction = 0.1;  // share of packets sent to a hotspot
  Cycles deadlock_cycles;
};

struct TrafficResults {
  std::uint64_t packets_created = 0;
  std::uint64_t packets_delivered = 0;
  std::uint64_t measured_packets = 0;
  double avg_latency = 0, avg_network_latency = 0, avg_hops = 0;
  std::int64_t p50_latency = 0, p99_latency = 0, max_latency = 0;
  double accepted_wavelets_per_node_cycle = 0;
  double offered_wavelets_per_node_cycle = 0;
  std::int64_t last_cycle = 0;
};

class TrafficClient : public FabricClient {
 public:
  TrafficClient(const ChipParams& chip, const TrafficParams& params, std::uint64_t seed);
  // Must be called once the fabric exists and before it runs: schedules the first packets.
  void attach(WaveletFabric& fabric);

  void on_deliver(NodeId node, const Wavelet& w, Cycles t) override;
  void on_ramp_credit(NodeId node, Color c, Cycles t) override;
  void on_wake(NodeId node, std::uint32_t token, Cycles t) override;

  // Final figures; throws SimulationError if a packet was lost or delivered twice.
  TrafficResults results() const;

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  enum Token : std::uint32_t { kGenerate = 0, kInject = 1 };
  struct Packet {
    std::int64_t created;
    std::int64_t injected;
    std::uint32_t src;
    std::uint32_t dest;
    std::uint32_t next;  // source queue link, or free-list link
    std::uint16_t received;
    std::uint8_t colour;
    bool measured;
  };
  struct Node {
    SplitMix64 rng;
    std::int64_t inject_wake = -1;  // pending injection wake-up
    std::uint32_t queue_head = kNone, queue_tail = kNone;
    std::uint16_t sent = 0;  // wavelets of the head packet already injected
    bool generating = true;
  };

  std::uint32_t pick_destination(std::uint32_t src, SplitMix64& rng) const;
  std::uint32_t new_packet();
  void try_inject(std::uint32_t node, std::int64_t t);
  void schedule_generation(std::uint32_t node, std::int64_t after);
  bool measuring_done(std::int64_t t) const;

  const ChipParams& chip_;
  TrafficParams p_;
  WaveletFabric* fabric_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<Packet> packets_;
  std::uint32_t free_ = kNone;
  std::int64_t measure_begin_, measure_end_;
  std::uint64_t measured_outstanding_ = 0;
  std::uint64_t created_ = 0, delivered_ = 0, measured_ = 0;
  std::uint64_t window_wavelets_ = 0;
  std::uint64_t errors_ = 0;
  std::string first_error_;
  std::vector<std::int32_t> latencies_;
  double network_latency_sum_ = 0, hops_sum_ = 0;
  std::int64_t last_cycle_ = 0;
};

}  // namespace wse
