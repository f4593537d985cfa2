#include "hw/chip/energy.h"

#include "firmware/program.h"
#include "noc/fabric_engine.h"
#include "pe/pe_engine.h"

namespace wse {

EnergyCounters& EnergyCounters::operator+=(const EnergyCounters& o) {
  fma_elements += o.fma_elements;
  alu_elements += o.alu_elements;
  sram_read_bytes += o.sram_read_bytes;
  sram_write_bytes += o.sram_write_bytes;
  router_traversals += o.router_traversals;
  link_traversals += o.link_traversals;
  return *this;
}

EnergyCounters EnergyCounters::scaled(double k) const {
  EnergyCounters c = *this;
  c.fma_elements *= k;
  c.alu_elements *= k;
  c.sram_read_bytes *= k;
  c.sram_write_bytes *= k;
  c.router_traversals *= k;
  c.link_traversals *= k;
  return c;
}

EnergyCounters energy_counters(PeArray& pes, const Rect& rect, const FabricEngine& fabric) {
  EnergyCounters c;
  for (int y = rect.y; y < rect.y + rect.height; ++y)
    for (int x = rect.x; x < rect.x + rect.width; ++x) {
      PeEngine& pe = *pes.at({x, y});
      c.fma_elements += static_cast<double>(pe.counters().fma_elements);
      c.alu_elements += static_cast<double>(pe.counters().alu_elements);
      c.sram_read_bytes += static_cast<double>(pe.sram().counters().bytes_read);
      c.sram_write_bytes += static_cast<double>(pe.sram().counters().bytes_written);
    }
  const FabricCounters& f = fabric.counters();
  c.link_traversals = static_cast<double>(f.wavelet_hops);
  c.router_traversals = static_cast<double>(f.wavelet_hops + f.ramp_injections);
  return c;
}

void EnergyBreakdown::to_metrics(nlohmann::ordered_json& m, const std::string& prefix,
                                 double unit_scale) const {
  m[prefix + "total"] = total() * unit_scale;
  m[prefix + "compute"] = compute * unit_scale;
  m[prefix + "sram"] = sram * unit_scale;
  m[prefix + "router"] = router * unit_scale;
  m[prefix + "wire"] = wire * unit_scale;
  m[prefix + "static"] = static_energy * unit_scale;
}

EnergyBreakdown energy_of(const EnergyParams& e, const EnergyCounters& c, double pe_seconds) {
  EnergyBreakdown b;
  b.compute = c.fma_elements * e.fma_f16 + c.alu_elements * e.alu_f16;
  b.sram = c.sram_read_bytes / 8 * e.sram_read + c.sram_write_bytes / 8 * e.sram_write;
  b.router = c.router_traversals * e.router_hop;
  b.wire = c.link_traversals * e.wire_hop;
  b.static_energy = pe_seconds * e.static_power;
  return b;
}

}  // namespace wse
