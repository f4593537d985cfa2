// Energy of a run from its counters and the chip's energy table (hw/config/energy_table.h):
// compute (FMA and other datapath elements), SRAM (64-bit accesses), routers (a wavelet entering
// a router from a ramp or a link), wires (a wavelet over a link) and static power (per PE for
// the time the PEs are held).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "hw/params/chip_params.h"

namespace wse {

class PeArray;
class FabricEngine;
struct Rect;

struct EnergyCounters {
  double fma_elements = 0, alu_elements = 0;
  double sram_read_bytes = 0, sram_write_bytes = 0;
  double router_traversals = 0, link_traversals = 0;
  EnergyCounters& operator+=(const EnergyCounters& o);
  EnergyCounters scaled(double k) const;
};

// Sums the PEs of `rect` and the fabric.
EnergyCounters energy_counters(PeArray& pes, const Rect& rect, const FabricEngine& fabric);

struct EnergyBreakdown {  // joules
  double compute = 0, sram = 0, router = 0, wire = 0, static_energy = 0;
  double total() const { return compute + sram + router + wire + static_energy; }
  // {prefix}total, {prefix}compute, ... in `unit_scale` units (1e6 for microjoules).
  void to_metrics(nlohmann::ordered_json& m, const std::string& prefix, double unit_scale) const;
};

// `pe_seconds`: PEs held x seconds, for static power.
EnergyBreakdown energy_of(const EnergyParams& e, const EnergyCounters& c, double pe_seconds);

}  // namespace wse
