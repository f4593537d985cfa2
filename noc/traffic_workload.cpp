#include "noc/traffic_workload.h"

#include "noc/fabric.h"
#include "noc/link_stats.h"
#include "noc/traffic.h"
#include "noc/vcd_trace.h"

namespace wse {
namespace {

const ParamTable<TrafficParams>& traffic_table() {
  static const ParamTable<TrafficParams> t = [] {
    ParamTable<TrafficParams> t;
    t.choice<TrafficPattern>(
        "pattern",
        {{"uniform", TrafficPattern::Uniform},
         {"transpose", TrafficPattern::Transpose},
         {"bitcomp", TrafficPattern::BitComplement},
         {"hotspot", TrafficPattern::Hotspot},
         {"neighbor", TrafficPattern::Neighbor}},
        "uniform",
        "destinations: uniform random, transpose (x,y)->(y,x), bit complement, hotspot, a random "
        "mesh neighbour",
        [](TrafficParams & p) -> auto& { return p.pattern; });
    t.real(
        "injection_rate", UnitKind::None, "0.01", 1e-6, 1,
        "Bernoulli packet injection rate per node per cycle",
        [](TrafficParams & p) -> auto& { return p.injection_rate; });
    t.integer(
        "packet_size", UnitKind::Wavelets, "4wavelets", 1, 1024, "wavelets per packet",
        [](TrafficParams & p) -> auto& { return p.packet_size; });
    t.integer(
        "warmup", UnitKind::Cycles, "1000cycles", 0, 1e12, "cycles before measurement starts",
        [](TrafficParams & p) -> auto& { return p.warmup; });
    t.integer(
        "measure", UnitKind::Cycles, "2000cycles", 1, 1e12,
        "measurement window; packets created in it are measured and the run drains them all",
        [](TrafficParams & p) -> auto& { return p.measure; });
    t.choice<RoutingMode>(
        "routing", {{"xy", RoutingMode::DestXY}, {"yx", RoutingMode::DestYX}}, "xy",
        "destination-based dimension-order routing function",
        [](TrafficParams & p) -> auto& { return p.routing; });
    t.integer(
        "colours", UnitKind::None, "1", 1, 32,
        "colours (virtual channels) packets are spread over at random",
        [](TrafficParams & p) -> auto& { return p.colours; });
    t.int_list(
        "hotspots", UnitKind::None, "[]", 0, 4095,
        "hotspot coordinates as x, y pairs (default: the mesh centre)",
        [](TrafficParams & p) -> auto& { return p.hotspots; });
    t.real(
        "hotspot_fraction", UnitKind::None, "0.1", 0, 1, "share of packets sent to a hotspot",
        [](TrafficParams & p) -> auto& { return p.hotspot_fraction; });
    t.integer(
        "deadlock_cycles", UnitKind::Cycles, "100000cycles", 1, 1e12,
        "the run fails as deadlocked when no wavelet moves for this long",
        [](TrafficParams & p) -> auto& { return p.deadlock_cycles; });
    return t;
  }();
  return t;
}

class TrafficWorkload : public Workload {
 public:
  TrafficWorkload(const Scenario& s, TrafficParams p)
      : chip_(s.chip.params), run_(s.run), p_(std::move(p)) {}

  nlohmann::ordered_json config_json() const override { return traffic_table().to_json(p_); }

  RunResult run() override {
    TrafficClient client(chip_, p_, static_cast<std::uint64_t>(run_.seed));
    FabricOptions opts;
    opts.routing = p_.routing;
    opts.dest_colours = p_.colours;
    opts.infinite_ejection = true;  // sinks outside the network always accept, as in BookSim
    opts.stall_limit = p_.deadlock_cycles.count();
    opts.progress = run_.progress;
    Fabric fabric("fabric", chip_, opts, nullptr, client, run_.max_cycles);
    client.attach(fabric.engine());
    std::vector<Coord> traced;
    for (std::size_t i = 0; i + 1 < run_.vcd_routers.size(); i += 2)
      traced.push_back({run_.vcd_routers[i], run_.vcd_routers[i + 1]});
    std::unique_ptr<VcdTrace> vcd;
    if (!traced.empty()) vcd = std::make_unique<VcdTrace>(fabric.engine(), traced);
    sc_core::sc_start();
    fabric.rethrow_if_failed();
    const TrafficResults r = client.results();

    RunResult out;
    auto& m = out.metrics;
    // The run ends with the last delivery; generation events still pending after the drain (one
    // per node, up to ~1/rate cycles away) do no work and are not counted.
    m["simulated_cycles"] = r.last_cycle;
    m["simulated_us"] = static_cast<double>(r.last_cycle) / chip_.clock_hz * 1e6;
    m["packets_created"] = r.packets_created;
    m["packets_delivered"] = r.packets_delivered;
    m["measured_packets"] = r.measured_packets;
    m["avg_packet_latency_cycles"] = r.avg_latency;
    m["p50_packet_latency_cycles"] = r.p50_latency;
    m["p99_packet_latency_cycles"] = r.p99_latency;
    m["max_packet_latency_cycles"] = r.max_latency;
    m["avg_network_latency_cycles"] = r.avg_network_latency;
    m["avg_hops"] = r.avg_hops;
    m["offered_wavelets_per_node_cycle"] = r.offered_wavelets_per_node_cycle;
    m["accepted_wavelets_per_node_cycle"] = r.accepted_wavelets_per_node_cycle;
    m["wavelet_hops"] = fabric.engine().counters().wavelet_hops;
    m["fabric_activations"] = fabric.activations();

    out.stats["fabric"] = fabric_counters_json(fabric.engine());
    out.stats["fabric"]["activations"] = fabric.activations();
    out.stats["links"] = link_utilisation_json(fabric.engine(), Cycles(r.last_cycle));
    if (vcd) out.files.emplace_back("trace.vcd", vcd->text());
    return out;
  }

 private:
  ChipParams chip_;
  RunParams run_;
  TrafficParams p_;
};

std::unique_ptr<Workload> create(const Scenario& s) {
  TrafficParams p = resolve_workload_params(traffic_table(), s);
  require_wavelet_fidelity(s, "the traffic workload runs");
  const ChipParams& chip = s.chip.params;
  if (chip.num_nodes() < 2) {
    throw ConfigError(workload_location(s, "pattern"), "chip.mesh", "traffic needs at least 2 PEs",
                      "", "Use a larger mesh");
  }
  if (p.pattern == TrafficPattern::Transpose && chip.mesh.width != chip.mesh.height) {
    throw ConfigError(workload_location(s, "pattern"), "workload.pattern",
                      "transpose needs a square mesh, not " + std::to_string(chip.mesh.width) +
                          "x" + std::to_string(chip.mesh.height),
                      "uniform, bitcomp, hotspot, neighbor");
  }
  if (p.colours > chip.noc.colours) {
    throw ConfigError(workload_location(s, "colours"), "workload.colours",
                      std::to_string(p.colours) + " colours exceed the chip's " +
                          std::to_string(chip.noc.colours),
                      "1.." + std::to_string(chip.noc.colours));
  }
  if (p.hotspots.size() % 2 != 0) {
    throw ConfigError(workload_location(s, "hotspots"), "workload.hotspots",
                      "needs x, y pairs (an even count of numbers)");
  }
  for (std::size_t i = 0; i + 1 < p.hotspots.size(); i += 2) {
    if (!chip.contains({p.hotspots[i], p.hotspots[i + 1]})) {
      throw ConfigError(
          workload_location(s, "hotspots"), "workload.hotspots",
          "hotspot " + to_string(Coord{p.hotspots[i], p.hotspots[i + 1]}) + " is outside the mesh",
          "x in 0.." + std::to_string(chip.mesh.width - 1) + ", y in 0.." +
              std::to_string(chip.mesh.height - 1));
    }
  }
  if (p.hotspots.empty()) p.hotspots = {chip.mesh.width / 2, chip.mesh.height / 2};
  if ((p.warmup + p.measure) >= s.run.max_cycles) {
    throw ConfigError(workload_location(s, "measure"), "workload.measure",
                      "warm-up plus measurement reach run.max_cycles (" +
                          std::to_string(s.run.max_cycles.count()) + " cycles)",
                      "", "Raise run.max_cycles");
  }
  return std::make_unique<TrafficWorkload>(s, std::move(p));
}

}  // namespace

void register_traffic_workload(WorkloadRegistry& registry) {
  registry.add(WorkloadKind{"traffic",
                            "synthetic NoC traffic (uniform, transpose, bitcomp, hotspot, "
                            "neighbor) on the wavelet fabric",
                            param_infos(traffic_table()), create});
}

}  // namespace wse
