#include "noc/traffic.h"

#include <algorithm>
#include <cmath>

#include "hw/core/error.h"

namespace wse {

TrafficClient::TrafficClient(const ChipParams& chip, const TrafficParams& params,
                             std::uint64_t seed)
    : chip_(chip),
      p_(params),
      measure_begin_(params.warmup.count()),
      measure_end_(params.warmup.count() + params.measure.count()) {
  nodes_.resize(static_cast<std::size_t>(chip.num_nodes()));
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) nodes_[n].rng = SplitMix64::stream(seed, n);
}

void TrafficClient::attach(WaveletFabric& fabric) {
  fabric_ = &fabric;
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) schedule_generation(n, -1);
}

void TrafficClient::schedule_generation(std::uint32_t node, std::int64_t after) {
  // Bernoulli trials every cycle are equivalent to a geometric gap: one event per packet.
  const std::int64_t t = after + 1 + nodes_[node].rng.geometric(p_.injection_rate);
  fabric_->wake_client(NodeId(node), kGenerate, Cycles(t));
}

bool TrafficClient::measuring_done(std::int64_t t) const {
  return t >= measure_end_ && measured_outstanding_ == 0;
}

std::uint32_t TrafficClient::pick_destination(std::uint32_t src, SplitMix64& rng) const {
  const auto w = static_cast<std::uint32_t>(chip_.mesh.width),
             h = static_cast<std::uint32_t>(chip_.mesh.height);
  const std::uint32_t n = w * h;
  const std::uint32_t x = src % w, y = src / w;
  auto uniform = [&]() {
    const auto d = static_cast<std::uint32_t>(rng.below(n - 1));
    return d >= src ? d + 1 : d;  // anyone but the source
  };
  switch (p_.pattern) {
    case TrafficPattern::Uniform:
      return uniform();
    case TrafficPattern::Transpose:
      return x * w + y;
    case TrafficPattern::BitComplement:
      return (h - 1 - y) * w + (w - 1 - x);
    case TrafficPattern::Hotspot: {
      if (rng.uniform() < p_.hotspot_fraction) {
        const auto k = rng.below(p_.hotspots.size() / 2);
        return static_cast<std::uint32_t>(p_.hotspots[2 * k + 1]) * w +
               static_cast<std::uint32_t>(p_.hotspots[2 * k]);
      }
      return uniform();
    }
    case TrafficPattern::Neighbor: {
      std::uint32_t options[4];
      int k = 0;
      if (y > 0) options[k++] = src - w;
      if (x + 1 < w) options[k++] = src + 1;
      if (y + 1 < h) options[k++] = src + w;
      if (x > 0) options[k++] = src - 1;
      return options[rng.below(static_cast<std::uint64_t>(k))];
    }
  }
  return uniform();
}

std::uint32_t TrafficClient::new_packet() {
  if (free_ != kNone) {
    const std::uint32_t id = free_;
    free_ = packets_[id].next;
    return id;
  }
  packets_.push_back(Packet{});
  return static_cast<std::uint32_t>(packets_.size() - 1);
}

void TrafficClient::on_wake(NodeId node_id, std::uint32_t token, Cycles now) {
  const std::uint32_t n = node_id.value();
  const std::int64_t t = now.count();
  Node& node = nodes_[n];
  if (token == kInject) {
    if (node.inject_wake == t) node.inject_wake = -1;
    try_inject(n, t);
    return;
  }
  if (!node.generating || measuring_done(t)) {
    node.generating = false;
    return;
  }
  const std::uint32_t dest = pick_destination(n, node.rng);
  if (dest != n) {  // patterns that map a node onto itself (transpose diagonal) send nothing
    const std::uint32_t id = new_packet();
    Packet& p = packets_[id];
    p.created = t;
    p.injected = -1;
    p.dest = dest;
    p.src = n;
    p.next = kNone;
    p.received = 0;
    p.colour = static_cast<std::uint8_t>(
        p_.colours > 1 ? node.rng.below(static_cast<std::uint64_t>(p_.colours)) : 0);
    p.measured = t >= measure_begin_ && t < measure_end_;
    ++created_;
    if (p.measured) {
      ++measured_;
      ++measured_outstanding_;
    }
    const bool was_empty = node.queue_head == kNone;
    if (was_empty) {
      node.queue_head = node.queue_tail = id;
    } else {
      packets_[node.queue_tail].next = id;
      node.queue_tail = id;
    }
    if (was_empty) try_inject(n, t);
  }
  schedule_generation(n, t);
}

void TrafficClient::try_inject(std::uint32_t n, std::int64_t t) {
  Node& node = nodes_[n];
  if (node.queue_head == kNone) return;
  const std::uint32_t id = node.queue_head;
  Packet& p = packets_[id];
  const Color c(p.colour);
  if (!fabric_->can_inject(NodeId(n), c, Cycles(t))) {
    // Either the ramp link is busy this cycle (try next cycle) or the ramp buffer is full (the
    // credit callback will retry).
    if (fabric_->ramp_has_credit(NodeId(n), c) && node.inject_wake < t) {
      node.inject_wake = t + 1;
      fabric_->wake_client(NodeId(n), kInject, Cycles(t + 1));
    }
    return;
  }
  Wavelet w;
  w.colour = c;
  w.packet = id;
  if (node.sent == 0) {
    w.flags |= kHead;
    w.data = dest_word(chip_.coord(NodeId(p.dest)));  // the head carries the destination
    p.injected = t;
  }
  if (node.sent + 1 == p_.packet_size) w.flags |= kTail;
  fabric_->inject(NodeId(n), w, Cycles(t));
  if (++node.sent == p_.packet_size) {
    node.sent = 0;
    node.queue_head = p.next;
    if (node.queue_head == kNone) node.queue_tail = kNone;
  }
  if (node.queue_head != kNone && node.inject_wake < t) {
    const std::int64_t next = t + chip_.link_period().count();
    node.inject_wake = next;
    fabric_->wake_client(NodeId(n), kInject, Cycles(next));
  }
}

void TrafficClient::on_ramp_credit(NodeId node, Color, Cycles t) {
  try_inject(node.value(), t.count());
}

void TrafficClient::on_deliver(NodeId node, const Wavelet& w, Cycles now) {
  const std::int64_t t = now.count();
  last_cycle_ = std::max(last_cycle_, t);
  if (w.packet >= packets_.size() || packets_[w.packet].dest != node.value() ||
      packets_[w.packet].injected < 0) {
    if (errors_++ == 0) {
      first_error_ = "wavelet of packet " + std::to_string(w.packet) + " reached the wrong node " +
                     to_string(chip_.coord(node)) + " or belongs to no live packet";
    }
    return;
  }
  Packet& p = packets_[w.packet];
  if (t >= measure_begin_ && t < measure_end_) ++window_wavelets_;
  if (++p.received < p_.packet_size) return;
  if (!w.tail()) {
    if (errors_++ == 0)
      first_error_ = "packet " + std::to_string(w.packet) + " completed without its tail";
  }
  ++delivered_;
  if (p.measured) {
    --measured_outstanding_;
    latencies_.push_back(static_cast<std::int32_t>(t - p.created));
    network_latency_sum_ += static_cast<double>(t - p.injected);
    const Coord a = chip_.coord(NodeId(p.src)), b = chip_.coord(node);
    hops_sum_ += std::abs(a.x - b.x) + std::abs(a.y - b.y);
  }
  // Free the record so memory tracks the packets in flight, not all packets ever made.
  p.dest = 0xFFFFFFFF;
  p.next = free_;
  free_ = w.packet;
}

TrafficResults TrafficClient::results() const {
  if (errors_ > 0)
    throw SimulationError(std::to_string(errors_) + " delivery errors; first: " + first_error_);
  if (delivered_ != created_) {
    throw SimulationError("packets created " + std::to_string(created_) + " but delivered " +
                          std::to_string(delivered_));
  }
  TrafficResults r;
  r.packets_created = created_;
  r.packets_delivered = delivered_;
  r.measured_packets = measured_;
  r.last_cycle = last_cycle_;
  const double nodes = static_cast<double>(nodes_.size());
  r.accepted_wavelets_per_node_cycle =
      static_cast<double>(window_wavelets_) / (nodes * static_cast<double>(p_.measure.count()));
  r.offered_wavelets_per_node_cycle = p_.injection_rate * p_.packet_size;
  if (!latencies_.empty()) {
    std::vector<std::int32_t> v = latencies_;
    double sum = 0;
    for (auto x : v) sum += x;
    r.avg_latency = sum / static_cast<double>(v.size());
    r.avg_network_latency = network_latency_sum_ / static_cast<double>(v.size());
    r.avg_hops = hops_sum_ / static_cast<double>(v.size());
    auto pct = [&](double q) {
      const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
      return static_cast<std::int64_t>(v[k]);
    };
    r.p50_latency = pct(0.50);
    r.p99_latency = pct(0.99);
    r.max_latency = *std::max_element(v.begin(), v.end());
  }
  return r;
}

}  // namespace wse
