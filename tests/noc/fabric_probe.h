// Test client for the fabric: sends scripted wavelets as soon as the ramp allows, records every
// delivery with its cycle, and can hold deliveries (a stalled receiver) until a given cycle.
#pragma once

#include <deque>
#include <map>
#include <vector>

#include "hw/config/scenario.h"
#include "noc/wavelet_fabric.h"

namespace wse::test {

struct Delivery {
  NodeId node;
  Wavelet w;
  std::int64_t t;
};

class Probe : public FabricClient {
 public:
  WaveletFabric* fabric = nullptr;
  std::vector<Delivery> got;
  std::map<std::uint32_t, std::vector<std::int64_t>> injected_at;  // per node
  std::int64_t hold_until = -1;                                    // stalled receiver ...
  std::int64_t hold_node = -1;                                     // ... at this node (-1: all)
  std::vector<std::pair<NodeId, Color>> held;

  // Queues wavelets at a node, to be injected from cycle t on, one per cycle when possible.
  void send(NodeId node, std::vector<Wavelet> ws, std::int64_t t = 0) {
    auto& q = queues_[node.value()];
    for (auto& w : ws) q.push_back(w);
    fabric->wake_client(node, 0, Cycles(t));
  }
  void on_deliver(NodeId node, const Wavelet& w, Cycles t) override {
    got.push_back({node, w, t.count()});
    if (t.count() < hold_until &&
        (hold_node < 0 || hold_node == static_cast<std::int64_t>(node.value()))) {
      if (held.empty()) fabric->wake_client(node, 1, Cycles(hold_until));
      held.emplace_back(node, w.colour);
    } else {
      fabric->release_delivery(node, w.colour, t);
    }
  }
  void on_ramp_credit(NodeId node, Color, Cycles t) override { pump(node, t.count()); }
  void on_wake(NodeId node, std::uint32_t token, Cycles t) override {
    if (token == 1) {
      for (auto& [n, c] : held) fabric->release_delivery(n, c, t);
      held.clear();
      return;
    }
    pump(node, t.count());
  }

 private:
  void pump(NodeId node, std::int64_t t) {
    auto& q = queues_[node.value()];
    if (q.empty()) return;
    if (fabric->can_inject(node, q.front().colour, Cycles(t))) {
      fabric->inject(node, q.front(), Cycles(t));
      injected_at[node.value()].push_back(t);
      q.pop_front();
      if (!q.empty()) fabric->wake_client(node, 0, Cycles(t + 1));
    } else if (fabric->ramp_has_credit(node, q.front().colour)) {
      fabric->wake_client(node, 0, Cycles(t + 1));
    }
  }
  std::map<std::uint32_t, std::deque<Wavelet>> queues_;
};

inline Wavelet data(Color c, std::uint32_t value, std::uint8_t flags = 0) {
  Wavelet w;
  w.colour = c;
  w.data = value;
  w.flags = flags;
  return w;
}

inline std::vector<Wavelet> stream(Color c, int n, std::uint32_t first = 0) {
  std::vector<Wavelet> v;
  for (int i = 0; i < n; ++i) v.push_back(data(c, first + static_cast<std::uint32_t>(i)));
  return v;
}

inline void run_to_end(WaveletFabric& f) {
  while (!f.idle()) f.step();
  f.check_drained();
}

}  // namespace wse::test
