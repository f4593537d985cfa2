#include "noc/wavelet_fabric.h"

#include <algorithm>

#include "hw/core/error.h"

namespace wse {
namespace {

constexpr std::uint8_t bit(Dir d) {
  return static_cast<std::uint8_t>(1u << static_cast<int>(d));
}
constexpr std::uint8_t kHorizontal = bit(Dir::E) | bit(Dir::W);
constexpr std::uint8_t kVertical = bit(Dir::N) | bit(Dir::S);

// A wavelet turns when it leaves on the other axis than the one it arrived on.
bool turns(std::uint8_t in_port, std::uint8_t mask) {
  const Dir in = static_cast<Dir>(in_port);
  if (in == Dir::Ramp) return false;
  const bool in_horizontal = in == Dir::E || in == Dir::W;
  return (mask & (in_horizontal ? kVertical : kHorizontal)) != 0;
}

}  // namespace

WaveletFabric::WaveletFabric(const ChipParams& chip, const FabricOptions& opts, RouteTables* tables,
                             FabricClient& client)
    : chip_(chip),
      opts_(opts),
      tables_(tables),
      client_(client),
      hop_(chip.noc.hop_latency.count()),
      router_lat_(chip.noc.router_latency.count()),
      ramp_(chip.noc.ramp_latency.count()),
      turn_(chip.noc.turn_penalty.count()),
      credit_lat_(chip.noc.credit_latency.count()),
      period_(chip.link_period().count()),
      depth_(chip.noc.colour_buffer_depth),
      routers_(static_cast<std::size_t>(chip.num_nodes())) {
  if (opts_.routing == RoutingMode::Table) {
    const auto problems = opts_.validate_routes ? tables_->validate() : std::vector<std::string>{};
    if (!problems.empty()) {
      std::string more =
          problems.size() > 1 ? " (and " + std::to_string(problems.size() - 1) + " more)" : "";
      throw ConfigError(Location{"", 0, 0, "colour routes"}, "", problems.front() + more);
    }
    build_table_channels();
  } else {
    build_dest_channels();
  }
}

void WaveletFabric::add(ChannelPlan& plan, bool input, Dir port, Color c) const {
  auto& list = input ? plan.in : plan.out;
  for (const auto& e : list)
    if (e.first == port && e.second == c) return;
  list.emplace_back(port, c);
}

void WaveletFabric::allocate(const std::vector<ChannelPlan>& plans) {
  // RAMP input channels hold a CE output queue, which may be deeper than a colour buffer.
  int out_queue = 0;
  for (int d : chip_.pe.output_queue_depths) out_queue = std::max(out_queue, d);
  const int ramp_slots =
      std::min(254, std::max(depth_, out_queue + static_cast<int>(ramp_ + credit_lat_)));
  auto slots_of = [&](Dir port) { return port == Dir::Ramp ? ramp_slots : depth_; };
  std::size_t n_in = 0, n_out = 0, n_slots = 0;
  for (const auto& p : plans) {
    n_in += p.in.size();
    n_out += p.out.size();
    for (const auto& [port, colour] : p.in) n_slots += static_cast<std::size_t>(slots_of(port));
  }
  in_arena_.resize(n_in);
  slot_arena_.resize(n_slots);
  out_arena_.resize(n_out);
  std::size_t i = 0, o = 0, sl = 0;
  for (std::size_t n = 0; n < plans.size(); ++n) {
    Router& r = routers_[n];
    const Coord at = chip_.coord(NodeId(static_cast<std::uint32_t>(n)));
    r.x = static_cast<std::uint16_t>(at.x);
    r.y = static_cast<std::uint16_t>(at.y);
    r.in = in_arena_.data() + i;
    r.slots = slot_arena_.data() + sl;
    r.out = out_arena_.data() + o;
    r.n_in = static_cast<std::uint8_t>(plans[n].in.size());
    r.n_out = static_cast<std::uint8_t>(plans[n].out.size());
    std::uint32_t base = 0;
    for (std::size_t k = 0; k < plans[n].in.size(); ++k) {
      InChannel& ch = r.in[k];
      const Dir port = plans[n].in[k].first;
      ch.port = static_cast<std::uint8_t>(port);
      ch.colour = plans[n].in[k].second;
      ch.cap = static_cast<std::uint8_t>(slots_of(port));
      ch.ramp_credits = port == Dir::Ramp ? static_cast<std::uint8_t>(depth_) : 0;
      ch.slot_base = base;
      base += ch.cap;
    }
    for (std::size_t k = 0; k < plans[n].out.size(); ++k) {
      const Dir port = plans[n].out[k].first;
      const bool unlimited = port == Dir::Ramp && opts_.infinite_ejection;
      r.out[k] = OutChannel{static_cast<std::uint8_t>(port), plans[n].out[k].second,
                            static_cast<std::uint8_t>(unlimited ? 0xFF : depth_)};
    }
    i += plans[n].in.size();
    o += plans[n].out.size();
    sl += base;
  }
}

std::uint8_t WaveletFabric::find_in(const Router& r, Dir port, Color c) {
  for (std::uint8_t k = 0; k < r.n_in; ++k)
    if (r.in[k].colour == c && r.in[k].port == static_cast<std::uint8_t>(port)) return k;
  return kNoIndex;
}

std::uint8_t WaveletFabric::find_out(const Router& r, Dir port, Color c) {
  for (std::uint8_t k = 0; k < r.n_out; ++k)
    if (r.out[k].colour == c && r.out[k].port == static_cast<std::uint8_t>(port)) return k;
  return kNoIndex;
}

void WaveletFabric::build_table_channels() {
  std::vector<ChannelPlan> plans(routers_.size());
  for (std::uint32_t n = 0; n < routers_.size(); ++n) {
    for (Color c : tables_->colours_at(NodeId(n))) {
      const ColourRoute* route = tables_->find(NodeId(n), c);
      for (int d = 0; d < kNumDirs; ++d) {
        if (route->rx_any().has(static_cast<Dir>(d))) add(plans[n], true, static_cast<Dir>(d), c);
        if (route->tx_any().has(static_cast<Dir>(d))) add(plans[n], false, static_cast<Dir>(d), c);
      }
    }
  }
  allocate(plans);
}

void WaveletFabric::build_dest_channels() {
  const int w = chip_.mesh.width, h = chip_.mesh.height;
  std::vector<ChannelPlan> plans(routers_.size());
  for (std::uint32_t n = 0; n < routers_.size(); ++n) {
    const Coord at = chip_.coord(NodeId(n));
    const bool exists[kNumDirs] = {at.y > 0, at.x < w - 1, at.y<h - 1, at.x> 0, true};
    for (int k = 0; k < opts_.dest_colours; ++k) {
      const Color c(static_cast<std::uint8_t>(k));
      for (int d = 0; d < kNumDirs; ++d) {
        if (!exists[d]) continue;
        add(plans[n], true, static_cast<Dir>(d), c);
        add(plans[n], false, static_cast<Dir>(d), c);
      }
    }
  }
  allocate(plans);
}

std::uint32_t WaveletFabric::neighbour(std::uint32_t node, Dir d) const {
  const auto w = static_cast<std::uint32_t>(chip_.mesh.width);
  switch (d) {
    case Dir::N:
      return node - w;
    case Dir::S:
      return node + w;
    case Dir::E:
      return node + 1;
    case Dir::W:
      return node - 1;
    case Dir::Ramp:
      return node;
  }
  return node;
}

bool WaveletFabric::can_inject(NodeId node, Color c, Cycles t) const {
  const Router& r = routers_[node.value()];
  const auto idx = find_in(r, Dir::Ramp, c);
  return idx != kNoIndex && r.in[idx].ramp_credits > 0 && r.ramp_next_free <= t.count();
}

bool WaveletFabric::ramp_has_credit(NodeId node, Color c) const {
  const Router& r = routers_[node.value()];
  const auto idx = find_in(r, Dir::Ramp, c);
  return idx != kNoIndex && r.in[idx].ramp_credits > 0;
}

void WaveletFabric::inject(NodeId node, const Wavelet& w, Cycles t) {
  Router& r = routers_[node.value()];
  const auto idx = find_in(r, Dir::Ramp, w.colour);
  if (idx == kNoIndex) {
    throw SimulationError("PE " + to_string(chip_.coord(node)) + " sends on colour " +
                          std::to_string(w.colour.value()) +
                          " but its router does not receive that colour from RAMP");
  }
  InChannel& ch = r.in[idx];
  if (ch.ramp_credits == 0 || r.ramp_next_free > t.count()) {
    throw SimulationError("PE " + to_string(chip_.coord(node)) + " injected on colour " +
                          std::to_string(w.colour.value()) +
                          " without a free ramp slot (call can_inject first)");
  }
  --ch.ramp_credits;
  r.ramp_next_free = t.count() + period_;
  ++in_flight_;
  ++counters_.ramp_injections;
  calendar_.schedule(t.count() + ramp_,
                     Event{node.value(), Kind::Arrival, static_cast<std::uint8_t>(Dir::Ramp), w});
}

void WaveletFabric::release_delivery(NodeId node, Color c, Cycles t) {
  if (opts_.infinite_ejection) return;
  calendar_.schedule(t.count() + credit_lat_, Event{node.value(), Kind::Credit,
                                                    static_cast<std::uint8_t>(Dir::Ramp), tag(c)});
}

void WaveletFabric::set_delivery_capacity(NodeId node, Color c, int wavelets) {
  Router& r = routers_[node.value()];
  const auto k = find_out(r, Dir::Ramp, c);
  if (k == kNoIndex || opts_.infinite_ejection) return;
  r.out[k].credits = static_cast<std::uint8_t>(std::clamp(wavelets, 1, 254));
}

void WaveletFabric::set_injection_capacity(NodeId node, Color c, int wavelets) {
  Router& r = routers_[node.value()];
  const auto k = find_in(r, Dir::Ramp, c);
  if (k == kNoIndex) return;
  InChannel& ch = r.in[k];
  ch.ramp_credits = static_cast<std::uint8_t>(std::clamp(wavelets, 1, static_cast<int>(ch.cap)));
}

void WaveletFabric::exit_teardown(NodeId node, Color c, Cycles t) {
  calendar_.schedule(t.count() + chip_.noc.route_update_latency.count(),
                     Event{node.value(), Kind::TeardownExit, 0, tag(c)});
}

void WaveletFabric::rewrite_route(NodeId node, Color c, DirSet rx, DirSet tx, Cycles t) {
  const std::uint32_t word =
      static_cast<std::uint32_t>(rx.bits()) | (static_cast<std::uint32_t>(tx.bits()) << 8);
  calendar_.schedule(t.count() + chip_.noc.route_update_latency.count(),
                     Event{node.value(), Kind::RouteRewrite, 0, tag(c, word)});
}

void WaveletFabric::wake_client(NodeId node, std::uint32_t token, Cycles t) {
  calendar_.schedule(t.count(), Event{node.value(), Kind::ClientWake, 0, tag(Color(), token)});
}

void WaveletFabric::schedule_eval(std::uint32_t node, std::int64_t t) {
  Router& r = routers_[node];
  const std::int64_t now = calendar_.now();
  if (t == now) {
    if (r.listed != now) {
      r.listed = now;
      wake_list_.push_back(node);
    }
    return;
  }
  if (r.wake_at > now && r.wake_at <= t) return;  // an earlier evaluation will look again
  r.wake_at = t;
  calendar_.schedule(t, Event{node, Kind::Evaluate, 0, Wavelet{}});
}

Cycles WaveletFabric::step() {
  const std::int64_t t = calendar_.next_time();
  auto& events = calendar_.open(t);
  ++counters_.busy_cycles;
  // Large cycles are sorted by router; then a router's evaluation cannot be affected by events
  // further down the list, so it runs as soon as the list moves past that router.
  const bool sorted = events.size() >= 4096 && events.size() * 8 >= routers_.size();
  if (sorted) sort_by_node(events);
  const std::size_t sorted_count = events.size();
  // Phase A: state changes that land this cycle (arrivals, credits) and client callbacks. Any
  // effect they schedule lands at t + 1 or later, except client wake-ups, which join this loop.
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event e = events[i];
    if (sorted && i > 0 && i <= sorted_count && e.node != events[i - 1].node) {
      for (std::uint32_t node : wake_list_) evaluate(node, t);
      wake_list_.clear();
    }
    Router& r = routers_[e.node];
    switch (e.kind) {
      case Kind::Arrival: {
        const auto idx = find_in(r, static_cast<Dir>(e.port), e.w.colour);
        if (idx == kNoIndex) {
          throw SimulationError("wavelet on colour " + std::to_string(e.w.colour.value()) +
                                " arrived at router " + to_string(chip_.coord(NodeId(e.node))) +
                                " from " + dir_name(static_cast<Dir>(e.port)) +
                                ", which its routes do not receive");
        }
        InChannel& ch = r.in[idx];
        const std::uint32_t pos = (ch.head + ch.count) % ch.cap;
        r.slots[ch.slot_base + pos] = Slot{e.w, t + router_lat_};
        ++ch.count;
        ++r.buffered;
        if (r.observed)
          observer_->on_occupancy(NodeId(e.node), static_cast<Dir>(e.port),
                                  buffered(NodeId(e.node), static_cast<Dir>(e.port)), t);
        schedule_eval(e.node, t + router_lat_);
        break;
      }
      case Kind::Credit: {
        OutChannel& oc = r.out[find_out(r, static_cast<Dir>(e.port), e.w.colour)];
        ++oc.credits;
        if (r.buffered > 0) schedule_eval(e.node, t);
        break;
      }
      case Kind::RampCredit: {
        InChannel& ch = r.in[find_in(r, Dir::Ramp, e.w.colour)];
        ++ch.ramp_credits;
        client_.on_ramp_credit(NodeId(e.node), e.w.colour, Cycles(t));
        break;
      }
      case Kind::Deliver:
        --in_flight_;
        ++counters_.ramp_deliveries;
        client_.on_deliver(NodeId(e.node), e.w, Cycles(t));
        break;
      case Kind::ClientWake:
        client_.on_wake(NodeId(e.node), e.w.data, Cycles(t));
        break;
      case Kind::TeardownExit:
        if (ColourRoute* route = tables_ ? tables_->find(NodeId(e.node), e.w.colour) : nullptr)
          route->teardown = false;
        if (r.buffered > 0) schedule_eval(e.node, t);
        break;
      case Kind::RouteRewrite: {
        ColourRoute* route = tables_ ? tables_->find(NodeId(e.node), e.w.colour) : nullptr;
        const DirSet rx(static_cast<std::uint8_t>(e.w.data & 0xFFu)),
            tx(static_cast<std::uint8_t>(e.w.data >> 8));
        if (!route || (rx.bits() & ~route->rx_any().bits()) ||
            (tx.bits() & ~route->tx_any().bits())) {
          throw SimulationError(
              "PE " + to_string(chip_.coord(NodeId(e.node))) + " rewrote colour " +
              std::to_string(e.w.colour.value()) + " to rx " + rx.to_string() + " tx " +
              tx.to_string() + ", outside the directions its layout declared (" +
              (route ? "rx " + route->rx_any().to_string() + " tx " + route->tx_any().to_string()
                     : std::string("unconfigured")) +
              "); declare them as rewrite_rx/rewrite_tx of the route");
        }
        route->rx = rx;
        route->tx = tx;
        route->current = 0;
        if (r.buffered > 0) schedule_eval(e.node, t);
        break;
      }
      case Kind::Evaluate:
        if (r.wake_at == t) {
          r.wake_at = -1;
          schedule_eval(e.node, t);
        }
        break;
    }
  }
  // Phase B: routers with work arbitrate (those not yet done above). Everything a grant causes
  // lands at t + 1 or later, so the order of evaluation within a cycle cannot change the outcome.
  for (std::uint32_t node : wake_list_) evaluate(node, t);
  wake_list_.clear();
  calendar_.close(t);
  if (in_flight_ > 0 && opts_.stall_limit > 0 && t - last_progress_ > opts_.stall_limit) {
    throw SimulationError("deadlock: no wavelet moved for " + std::to_string(t - last_progress_) +
                          " cycles (until cycle " + std::to_string(t) + ") with " +
                          std::to_string(in_flight_) + " wavelets in the fabric\n" +
                          stuck_report());
  }
  return Cycles(t);
}

void WaveletFabric::check_drained() const {
  if (in_flight_ == 0) return;
  throw SimulationError("deadlock: nothing left to happen but " + std::to_string(in_flight_) +
                        " wavelets are stuck in the fabric\n" + stuck_report());
}

void WaveletFabric::sort_by_node(std::vector<Event>& events) {
  // A stable counting sort by router: on a large mesh the events of one cycle then touch router
  // state in memory order instead of at random, and each router can arbitrate right after its
  // own events while its state is still in cache. Stable, so the order stays a pure function of
  // the schedule calls (deterministic).
  node_start_.assign(routers_.size() + 1, 0);
  for (const Event& e : events) ++node_start_[e.node + 1];
  for (std::size_t b = 1; b <= routers_.size(); ++b) node_start_[b] += node_start_[b - 1];
  sort_scratch_.resize(events.size());
  for (const Event& e : events) sort_scratch_[node_start_[e.node]++] = e;
  events.swap(sort_scratch_);
}

std::uint8_t WaveletFabric::route_of(std::uint32_t node, const InChannel& ch,
                                     const Wavelet& w) const {
  if (opts_.routing == RoutingMode::Table) {
    const ColourRoute* route = tables_->find(NodeId(node), ch.colour);
    if (!route || route->teardown) return 0;
    return route->tx_now().bits();
  }
  if (!w.head()) return ch.route;
  const Router& r = routers_[node];
  const int x = r.x, y = r.y;
  const int dx = static_cast<int>(w.data & 0xFFFFu), dy = static_cast<int>(w.data >> 16);
  auto horizontal = [&]() -> std::uint8_t {
    return dx > x ? bit(Dir::E) : dx < x ? bit(Dir::W) : 0;
  };
  auto vertical = [&]() -> std::uint8_t { return dy > y ? bit(Dir::S) : dy < y ? bit(Dir::N) : 0; };
  std::uint8_t m = opts_.routing == RoutingMode::DestXY ? horizontal() : vertical();
  if (!m) m = opts_.routing == RoutingMode::DestXY ? vertical() : horizontal();
  return m ? m : bit(Dir::Ramp);
}

void WaveletFabric::evaluate(std::uint32_t node, std::int64_t t) {
  Router& r = routers_[node];
  if (r.buffered == 0) return;
  ++counters_.router_evaluations;
  const std::uint32_t n = r.n_in;
  // The head of each channel: its output mask and the cycle it may leave (route computed once).
  std::array<std::uint8_t, kNumDirs * kMaxColours> mask;
  std::array<std::int64_t, kNumDirs * kMaxColours> eligible;
  auto look = [&](std::uint32_t c) {
    const InChannel& ch = r.in[c];
    if (ch.count == 0) {
      mask[c] = 0;
      return;
    }
    const Slot& s = r.slots[ch.slot_base + ch.head];
    mask[c] = route_of(node, ch, s.w);
    eligible[c] = s.eligible + (turns(ch.port, mask[c]) ? turn_ : 0);
  };
  for (std::uint32_t c = 0; c < n; ++c) look(c);

  // Why a ready head cannot go: 0 = it can, 1 = an output port is busy, 2 = no credit,
  // 3 = another packet owns the output (destination routing).
  // Output channels of the colour last asked for, one scan per colour (most routers carry one).
  Color memo_colour(0xFF);
  std::array<std::uint8_t, kNumDirs> memo_out{};
  auto out_of = [&](Color colour, int p) -> const OutChannel& {
    if (colour != memo_colour) {
      memo_colour = colour;
      memo_out.fill(kNoIndex);
      for (std::uint8_t k = 0; k < r.n_out; ++k)
        if (r.out[k].colour == colour) memo_out[r.out[k].port] = k;
    }
    return r.out[memo_out[static_cast<std::size_t>(p)]];
  };
  auto blocked = [&](std::uint32_t c) -> int {
    const Color colour = r.in[c].colour;
    int why = 0;
    for (int p = 0; p < kNumDirs; ++p) {
      if (!(mask[c] & (1u << p))) continue;
      const OutChannel& oc = out_of(colour, p);
      if (oc.credits == 0) return 2;
      if (oc.owner != kNoIndex && oc.owner != c) return 3;
      if (r.next_free[p] > t) why = 1;
    }
    return why;
  };

  // Output ports some ready head wants; the others need no arbitration.
  std::uint8_t wanted = 0;
  for (std::uint32_t c = 0; c < n; ++c)
    if (mask[c] && eligible[c] <= t) wanted |= mask[c];
  bool any = false;
  for (int o = 0; o < kNumDirs; ++o) {
    if (!(wanted & (1u << o)) || r.next_free[o] > t) continue;
    std::uint32_t c = r.rr[o];
    for (std::uint32_t k = 0; k < n; ++k) {
      if (++c == n) c = 0;
      // A granted channel has mask 0 for the rest of the cycle: one buffer read per cycle.
      if (!(mask[c] & (1u << o)) || eligible[c] > t || blocked(c) != 0) continue;
      grant(node, static_cast<std::uint8_t>(c), mask[c], t);
      mask[c] = 0;
      any = true;
      break;
    }
  }

  // When must this router look again? Heads held by credits are woken by the credit event;
  // heads held by a packet owning their output by that packet's progress here.
  std::int64_t next = INT64_MAX;
  for (std::uint32_t c = 0; c < n && r.buffered > 0; ++c) {
    if (r.in[c].count == 0) continue;
    if (mask[c] == 0) look(c);   // granted this cycle: its new head
    if (mask[c] == 0) continue;  // torn down: firmware wakes it
    if (eligible[c] > t) {
      next = std::min(next, eligible[c]);
      continue;
    }
    const int why = blocked(c);
    if (why == 2) {
      ++counters_.credit_stalls;
      continue;
    }
    if (why == 3) {
      if (any) next = std::min(next, t + 1);  // the owner may have just released it
      continue;
    }
    std::int64_t busy_until = t + 1;
    for (int p = 0; p < kNumDirs; ++p)
      if (mask[c] & (1u << p)) busy_until = std::max(busy_until, r.next_free[p]);
    next = std::min(next, busy_until);
  }
  if (next != INT64_MAX) schedule_eval(node, next);
}

void WaveletFabric::grant(std::uint32_t node, std::uint8_t c, std::uint8_t mask, std::int64_t t) {
  Router& r = routers_[node];
  InChannel& ch = r.in[c];
  Wavelet w = r.slots[ch.slot_base + ch.head].w;
  ch.head = static_cast<std::uint8_t>((ch.head + 1) % ch.cap);
  --ch.count;
  --r.buffered;
  --in_flight_;
  last_progress_ = t;
  if (r.observed)
    observer_->on_occupancy(NodeId(node), static_cast<Dir>(ch.port),
                            buffered(NodeId(node), static_cast<Dir>(ch.port)), t);

  if (w.control() && opts_.routing == RoutingMode::Table) {
    // The control wavelet is routed with the old position; the switch moves after it passed.
    ++counters_.control_wavelets;
    ColourRoute* route = tables_->find(NodeId(node), ch.colour);
    const auto cmd = static_cast<SwitchCommand>(w.data & 3u);
    const bool advanced = route->apply(cmd);
    const bool pop =
        route->pop_mode == PopMode::AlwaysPop ||
        (route->pop_mode == PopMode::PopOnAdvance && advanced) ||
        (route->pop_mode == PopMode::PopOnAdvanceOrNop && (advanced || cmd == SwitchCommand::Nop));
    if (pop) {  // only the command field shifts; the control-task entry above it stays
      w.data = (w.data & ~0xFFFFu) | ((w.data & 0xFFFFu) >> 2);
    }
  }
  if (opts_.routing != RoutingMode::Table) {
    if (w.head()) ch.route = mask;
  }

  for (int p = 0; p < kNumDirs; ++p) {
    if (!(mask & (1u << p))) continue;
    const Dir d = static_cast<Dir>(p);
    OutChannel& oc = r.out[find_out(r, static_cast<Dir>(p), ch.colour)];
    if (!(d == Dir::Ramp && opts_.infinite_ejection)) --oc.credits;
    if (opts_.routing != RoutingMode::Table) oc.owner = w.tail() ? kNoIndex : c;
    r.next_free[p] = t + period_;
    r.rr[p] = c;
    ++r.sent[p];
    if (r.observed) observer_->on_send(NodeId(node), d, ch.colour, t);
    ++in_flight_;
    if (d == Dir::Ramp) {
      calendar_.schedule(t + ramp_, Event{node, Kind::Deliver, 0, w});
    } else {
      ++counters_.wavelet_hops;
      calendar_.schedule(t + hop_, Event{neighbour(node, d), Kind::Arrival,
                                         static_cast<std::uint8_t>(opposite(d)), w});
    }
  }
  // The freed buffer slot becomes a credit upstream (or at the client, for the ramp).
  if (static_cast<Dir>(ch.port) == Dir::Ramp) {
    calendar_.schedule(t + credit_lat_, Event{node, Kind::RampCredit, 0, tag(ch.colour)});
  } else {
    const Dir from = static_cast<Dir>(ch.port);
    calendar_.schedule(t + credit_lat_,
                       Event{neighbour(node, from), Kind::Credit,
                             static_cast<std::uint8_t>(opposite(from)), tag(ch.colour)});
  }
}

void WaveletFabric::observe(NodeId node, FabricObserver* observer) {
  observer_ = observer;
  routers_[node.value()].observed = true;
}

int WaveletFabric::buffered(NodeId node, Dir in_port) const {
  int total = 0;
  const Router& r = routers_[node.value()];
  for (std::uint32_t k = 0; k < r.n_in; ++k)
    if (r.in[k].port == static_cast<std::uint8_t>(in_port)) total += r.in[k].count;
  return total;
}

std::size_t WaveletFabric::router_bytes() const {
  return routers_.size() * sizeof(Router) + in_arena_.size() * sizeof(InChannel) +
         slot_arena_.size() * sizeof(Slot) + out_arena_.size() * sizeof(OutChannel);
}

std::string WaveletFabric::stuck_report() const {
  std::string out;
  int shown = 0, total = 0;
  for (std::uint32_t n = 0; n < routers_.size(); ++n) {
    const Router& r = routers_[n];
    if (r.buffered == 0) continue;
    ++total;
    if (shown >= 16) continue;
    ++shown;
    for (std::uint32_t c = 0; c < r.n_in; ++c) {
      const InChannel& ch = r.in[c];
      if (ch.count == 0) continue;
      const Slot& s = r.slots[ch.slot_base + ch.head];
      const std::uint8_t mask = route_of(n, ch, s.w);
      std::string why;
      if (mask == 0) {
        why = "colour is torn down or unrouted";
      } else {
        for (int p = 0; p < kNumDirs; ++p) {
          if (!(mask & (1u << p))) continue;
          const OutChannel& oc = r.out[find_out(r, static_cast<Dir>(p), ch.colour)];
          if (oc.credits == 0)
            why += std::string(why.empty() ? "" : ", ") + "no credit for " +
                   dir_name(static_cast<Dir>(p));
          if (oc.owner != kNoIndex && oc.owner != c)
            why += std::string(why.empty() ? "" : ", ") + dir_name(static_cast<Dir>(p)) +
                   " held by another packet";
        }
        if (why.empty()) why = "waiting";
      }
      out += "  router " + to_string(chip_.coord(NodeId(n))) + " in " +
             dir_name(static_cast<Dir>(ch.port)) + " colour " + std::to_string(ch.colour.value()) +
             ": " + std::to_string(ch.count) + " wavelet(s), wants " + DirSet(mask).to_string() +
             " (" + why + ")\n";
    }
  }
  if (total > shown)
    out += "  ... and " + std::to_string(total - shown) + " more routers with stuck wavelets\n";
  return out;
}

}  // namespace wse
