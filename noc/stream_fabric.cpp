#include "noc/stream_fabric.h"

#include <algorithm>

#include "hw/core/error.h"
#include "hw/core/prefetch.h"

namespace wse {

StreamFabric::StreamFabric(const ChipParams& chip, RouteTables& tables, StreamClient& client)
    : chip_(chip),
      tables_(tables),
      client_(client),
      routers_(static_cast<std::size_t>(chip.mesh.width) * chip.mesh.height),
      hops_(routers_.size() * static_cast<std::size_t>(chip.noc.colours), 0) {
  tables_.for_each([&](NodeId node, Color c, const ColourRoute& r) { set_hop(node, c, r); });
}

namespace {
std::uint16_t hop_of(const ColourRoute& r) {
  return static_cast<std::uint16_t>(r.rx_now().bits() | (r.tx_now().bits() << 8));
}
}  // namespace

void StreamFabric::set_hop(NodeId node, Color c, const ColourRoute& r) {
  if (c.value() < chip_.noc.colours)
    hops_[node.value() * static_cast<std::size_t>(chip_.noc.colours) + c.value()] = hop_of(r);
}

std::uint16_t StreamFabric::hop_bits(NodeId node, Color c) const {
  if (c.value() < chip_.noc.colours)
    return hops_[node.value() * static_cast<std::size_t>(chip_.noc.colours) + c.value()];
  const ColourRoute* r = tables_.find(node, c);  // beyond the budget: validate() rejects these
  return r ? hop_of(*r) : 0;
}

std::uint32_t StreamFabric::alloc_message() {
  if (!free_.empty()) {
    const std::uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }
  messages_.emplace_back();
  return static_cast<std::uint32_t>(messages_.size() - 1);
}

std::uint32_t StreamFabric::send(NodeId node, Color c, std::uint32_t n, std::int64_t first,
                                 std::int64_t last, std::vector<std::uint32_t> payload) {
  if (!DirSet(static_cast<std::uint8_t>(hop_bits(node, c) & 0xFFu)).has(Dir::Ramp)) {
    throw SimulationError("PE " + to_string(chip_.coord(node)) + " sent on colour " +
                          std::to_string(c.value()) +
                          ", which its router does not receive from the ramp");
  }
  const std::uint32_t id = alloc_message();
  Message& m = messages_[id];
  m = Message{};
  m.payload = std::move(payload);
  m.sender = node;
  m.colour = c;
  m.src_last = std::max(last, first + static_cast<std::int64_t>(n) - 1);
  m.live = true;
  ++live_messages_;
  ++counters_.messages;
  counters_.ramp_injections += n;
  const std::int64_t ramp = chip_.noc.ramp_latency.count();
  walk(id, node, Dir::Ramp, c, n, first + ramp, m.src_last + ramp, 0, 0, 0);
  return id;
}

void StreamFabric::walk(std::uint32_t message, NodeId node, Dir from, Color c, std::uint32_t n,
                        std::int64_t head, std::int64_t tail, std::uint32_t hops,
                        std::uint32_t buffering, std::uint32_t depth) {
  const std::uint16_t hop = hop_bits(node, c);
  const DirSet rx(static_cast<std::uint8_t>(hop & 0xFFu)), tx(static_cast<std::uint8_t>(hop >> 8));
  if (!rx.has(from)) {
    throw SimulationError("colour " + std::to_string(c.value()) + " reaches router " +
                          to_string(chip_.coord(node)) + " from " + dir_name(from) +
                          ", which does not receive it from there");
  }
  if (depth > static_cast<std::uint32_t>(chip_.mesh.width * chip_.mesh.height)) {
    throw SimulationError("colour " + std::to_string(c.value()) + " loops through router " +
                          to_string(chip_.coord(node)));
  }
  if (from != Dir::Ramp) buffering += static_cast<std::uint32_t>(chip_.noc.colour_buffer_depth);
  const std::int64_t router = chip_.noc.router_latency.count(),
                     period = chip_.link_period().count(),
                     span = (static_cast<std::int64_t>(n) - 1) * period;
  const Coord at = chip_.coord(node);
  for (int k = 0; k < kNumDirs; ++k) {
    const Dir d = static_cast<Dir>(k);
    if (!tx.has(d)) continue;
    const bool turn = from != Dir::Ramp && d != Dir::Ramp && d != opposite(from);
    const std::int64_t ready = router + (turn ? chip_.noc.turn_penalty.count() : 0);
    Router& router_state = routers_[node.value()];
    std::int64_t& free_at = router_state.link_free[static_cast<std::size_t>(k)];
    const std::int64_t h = std::max(head + ready, free_at);
    const std::int64_t tl = std::max(tail + ready, h + span);
    const std::uint32_t capacity = d == Dir::Ramp ? client_.queue_capacity(node, c) : 0;
    if (d == Dir::Ramp) {
      // The ramp into the CE carries every colour, but a colour whose input queue is full stops
      // using it (each colour has its own queue): a message occupies the ramp only for the
      // wavelets its queue can take ahead of the CE; the rest follow as the CE consumes them.
      const std::int64_t held = std::min<std::int64_t>(n, capacity);
      free_at = h + std::max<std::int64_t>(0, held - 1) * period + period;
    } else {
      free_at = tl + period;
    }
    router_state.sent[static_cast<std::size_t>(k)] += n;
    if (d == Dir::Ramp) {
      const std::int64_t ramp = chip_.noc.ramp_latency.count();
      StreamDelivery dl;
      dl.message = message;
      dl.node = node.value();
      dl.colour = c;
      dl.wavelets = n;
      dl.first = h + ramp;
      dl.last = tl + ramp;
      dl.path_buffering = buffering;
      dl.hops = hops;
      Message& m = messages_[message];
      ++m.copies;
      if (n > capacity + buffering) ++m.unknown;
      counters_.ramp_deliveries += n;
      std::uint32_t slot;
      if (pool_free_.empty()) {
        slot = static_cast<std::uint32_t>(pool_.size());
        pool_.push_back(dl);
      } else {
        slot = pool_free_.back();
        pool_free_.pop_back();
        pool_[slot] = dl;
      }
      calendar_.schedule(dl.first, Event{Kind::Deliver, c, node.value(), slot});
      continue;
    }
    Coord next = at;
    if (d == Dir::N) --next.y;
    if (d == Dir::S) ++next.y;
    if (d == Dir::E) ++next.x;
    if (d == Dir::W) --next.x;
    if (next.x < 0 || next.y < 0 || next.x >= chip_.mesh.width || next.y >= chip_.mesh.height) {
      throw SimulationError("colour " + std::to_string(c.value()) + " leaves the mesh at router " +
                            to_string(at) + " towards " + dir_name(d));
    }
    counters_.wavelet_hops += n;
    const std::int64_t hop = chip_.noc.hop_latency.count();
    walk(message, chip_.node(next), opposite(d), c, n, h + hop, tl + hop, hops + 1, buffering,
         depth + 1);
  }
}

void StreamFabric::consume(const StreamDelivery& d, std::int64_t start, std::int64_t now) {
  Message& m = messages_[d.message];
  --m.copies;
  const std::uint32_t cap = client_.queue_capacity(NodeId(d.node), d.colour) + d.path_buffering;
  if (d.wavelets > cap) {
    // Wavelet k cannot leave the source before wavelet k - cap was consumed and its credit
    // travelled back: the last one not before start + (n - 1 - cap) + credit return.
    const std::int64_t need =
        start + static_cast<std::int64_t>(d.wavelets - 1 - cap) +
        static_cast<std::int64_t>(d.hops + 1) * chip_.noc.credit_latency.count();
    m.required = std::max(m.required, need);
    if (--m.unknown == 0 && m.sender_waiting) {
      m.sender_waiting = false;
      wake_client(m.sender, 0, Cycles(std::max(now, std::max(m.src_last, m.required) + 1)));
    }
  }
  release_if_done(d.message);
}

std::int64_t StreamFabric::sender_done(std::uint32_t message) {
  Message& m = messages_[message];
  if (m.unknown > 0) {
    m.sender_waiting = true;
    return -1;
  }
  return std::max(m.src_last, m.required) + 1;
}

void StreamFabric::sender_finished(std::uint32_t message) {
  messages_[message].sender_done = true;
  release_if_done(message);
}

void StreamFabric::release_if_done(std::uint32_t message) {
  Message& m = messages_[message];
  if (!m.live || !m.sender_done || m.copies > 0) return;
  m.live = false;
  std::vector<std::uint32_t>().swap(m.payload);
  free_.push_back(message);
  --live_messages_;
}

void StreamFabric::rewrite_route(NodeId node, Color c, DirSet rx, DirSet tx, Cycles t) {
  const Event e{
      Kind::RouteRewrite, c, node.value(),
      static_cast<std::uint32_t>(rx.bits()) | (static_cast<std::uint32_t>(tx.bits()) << 8)};
  calendar_.schedule(t.count() + chip_.noc.route_update_latency.count(), e);
}

void StreamFabric::wake_client(NodeId node, std::uint32_t token, Cycles t) {
  calendar_.schedule(t.count(), Event{Kind::Wake, Color(), node.value(), token});
}

Cycles StreamFabric::step() {
  const std::int64_t t = calendar_.next_time();
  auto& events = calendar_.open(t);
  ++counters_.busy_cycles;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i + 16 < events.size()) {
      const std::size_t n = events.size();
      const Event& ahead = events[i + 16];
      client_.prefetch(i + 48 < n ? events[i + 48].node : StreamClient::kNoNode,
                       i + 32 < n ? events[i + 32].node : StreamClient::kNoNode, ahead.node);
      if (ahead.kind == Kind::Deliver) prefetch_line(&pool_[ahead.token]);
    }
    const Event e = events[i];  // a copy: handlers may schedule into this same bucket
    switch (e.kind) {
      case Kind::Deliver: {
        const StreamDelivery d = pool_[e.token];
        pool_free_.push_back(e.token);
        client_.on_message(NodeId(e.node), d, Cycles(t));
        break;
      }
      case Kind::Wake:
        client_.on_wake(NodeId(e.node), e.token, Cycles(t));
        break;
      case Kind::RouteRewrite: {
        ColourRoute* route = tables_.find(NodeId(e.node), e.colour);
        const DirSet rx(static_cast<std::uint8_t>(e.token & 0xFFu)),
            tx(static_cast<std::uint8_t>(e.token >> 8));
        if (!route || (rx.bits() & ~route->rx_any().bits()) ||
            (tx.bits() & ~route->tx_any().bits())) {
          throw SimulationError("PE " + to_string(chip_.coord(NodeId(e.node))) +
                                " rewrote colour " + std::to_string(e.colour.value()) +
                                " outside the directions its layout declared");
        }
        route->rx = rx;
        route->tx = tx;
        set_hop(NodeId(e.node), e.colour, *route);
        break;
      }
    }
  }
  calendar_.close(t);
  return Cycles(t);
}

void StreamFabric::check_drained() const {
  if (live_messages_ == 0) return;
  std::string report;
  int listed = 0;
  for (const Message& m : messages_) {
    if (!m.live || listed == 8) continue;
    ++listed;
    report += "\n  message from PE " + to_string(chip_.coord(m.sender)) + " on colour " +
              std::to_string(m.colour.value()) + ": " + std::to_string(m.copies) +
              " deliveries not received" + (m.sender_done ? "" : ", sender not finished");
  }
  throw SimulationError("deadlock: nothing left to happen but " + std::to_string(live_messages_) +
                        " messages are unfinished (stream fidelity)" + report);
}

std::size_t StreamFabric::router_bytes() const {
  return routers_.size() * sizeof(Router) + hops_.size() * sizeof(hops_[0]);
}

}  // namespace wse
