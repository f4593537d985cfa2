#include "hw/params/chip_params.h"

#include <cmath>

namespace wse {
namespace {

ParamTable<ChipParams> build() {
  using U = UnitKind;
  ParamTable<ChipParams> t;
  t.real(
      "clock", U::Frequency, "1.1GHz", 1e6, 1e10,
      "chip clock; every cycle count converts to time at this rate",
      [](ChipParams & c) -> auto& { return c.clock_hz; });
  t.integer(
      "mesh.width", U::None, "757", 1, 4096, "PEs along x (east); the fabric width the SDK targets",
      [](ChipParams & c) -> auto& { return c.mesh.width; });
  t.integer(
      "mesh.height", U::None, "996", 1, 4096, "PEs along y (south)",
      [](ChipParams & c) -> auto& { return c.mesh.height; });

  t.integer(
      "noc.colours", U::None, "24", 1, 32,
      "routable colours (virtual channels) per router; the wire tag has 5 bits",
      [](ChipParams & c) -> auto& { return c.noc.colours; });
  t.real(
      "noc.link_rate", U::WaveletsPerCycle, "1wavelets/cycle", 0.0625, 1,
      "wavelets per cycle per link direction (32-bit wavelets); 1/rate must be a whole number of "
      "cycles",
      [](ChipParams & c) -> auto& { return c.noc.link_rate; });
  t.integer(
      "noc.hop_latency", U::Cycles, "1cycles", 1, 1000,
      "cycles for a wavelet to cross one link going straight",
      [](ChipParams & c) -> auto& { return c.noc.hop_latency; });
  t.integer(
      "noc.router_latency", U::Cycles, "0cycles", 0, 1000,
      "extra router pipeline cycles per hop, on top of hop_latency (to match BookSim-style "
      "routers)",
      [](ChipParams & c) -> auto& { return c.noc.router_latency; });
  t.integer(
      "noc.ramp_latency", U::Cycles, "2cycles", 1, 1000,
      "cycles between a router and its own compute element, each way",
      [](ChipParams & c) -> auto& { return c.noc.ramp_latency; });
  t.integer(
      "noc.turn_penalty", U::Cycles, "0cycles", 0, 1000,
      "extra cycles when a wavelet changes between the x and y axis",
      [](ChipParams & c) -> auto& { return c.noc.turn_penalty; });
  t.integer(
      "noc.colour_buffer_depth", U::Wavelets, "4wavelets", 1, 64,
      "input buffer per (input port, colour), credit flow controlled",
      [](ChipParams & c) -> auto& { return c.noc.colour_buffer_depth; });
  t.integer(
      "noc.credit_latency", U::Cycles, "1cycles", 1, 1000,
      "cycles for a freed buffer slot to become a credit upstream",
      [](ChipParams & c) -> auto& { return c.noc.credit_latency; });
  t.integer(
      "noc.switch_positions", U::None, "3", 0, 3,
      "alternative route positions per colour, advanced by control wavelets",
      [](ChipParams & c) -> auto& { return c.noc.switch_positions; });
  t.integer(
      "noc.route_update_latency", U::Cycles, "4cycles", 0, 1000,
      "cycles before a firmware route rewrite takes effect",
      [](ChipParams & c) -> auto& { return c.noc.route_update_latency; });

  t.integer(
      "pe.sram", U::Bytes, "48KiB", 1024, 1 << 30, "SRAM per PE (code, data and task tables)",
      [](ChipParams & c) -> auto& { return c.pe.sram_bytes; });
  t.integer(
      "pe.sram_reserved", U::Bytes, "4176B", 0, 1 << 30,
      "SRAM taken by code, task table and runtime before any program buffer",
      [](ChipParams & c) -> auto& { return c.pe.sram_reserved; });
  t.integer(
      "pe.sram_banks", U::None, "8", 1, 64,
      "SRAM banks per PE; successive 16-bit words go to successive banks",
      [](ChipParams & c) -> auto& { return c.pe.sram_banks; });
  t.int_list(
      "pe.input_queue_depths", U::None, "[6, 6, 4, 4, 2, 2, 2, 2]", 1, 64,
      "depth in wavelets of each router->CE input queue; the list length is the queue count",
      [](ChipParams & c) -> auto& { return c.pe.input_queue_depths; });
  t.int_list(
      "pe.output_queue_depths", U::None, "[2, 2, 6, 6, 2, 2]", 1, 64,
      "depth in wavelets of each CE->router output queue; the list length is the queue count",
      [](ChipParams & c) -> auto& { return c.pe.output_queue_depths; });
  t.integer(
      "pe.microthreads", U::None, "8", 1, 64,
      "hardware microthreads for asynchronous fabric operations",
      [](ChipParams & c) -> auto& { return c.pe.microthreads; });
  t.integer(
      "pe.task_ids", U::None, "64", 1, 256, "task table entries (data, local and control tasks)",
      [](ChipParams & c) -> auto& { return c.pe.task_ids; });
  t.real(
      "pe.lanes.f16_fma", U::ElemsPerCycle, "4elem/cycle", 0.01, 64,
      "f16 multiply-accumulate elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f16_fma; });
  t.real(
      "pe.lanes.f16_add", U::ElemsPerCycle, "4elem/cycle", 0.01, 64,
      "f16 add/sub/mul elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f16_add; });
  t.real(
      "pe.lanes.f16_copy", U::ElemsPerCycle, "4elem/cycle", 0.01, 64,
      "f16 move/fill elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f16_copy; });
  t.real(
      "pe.lanes.f16_max", U::ElemsPerCycle, "1elem/cycle", 0.01, 64, "f16 max elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f16_max; });
  t.real(
      "pe.lanes.f32_fma", U::ElemsPerCycle, "0.5elem/cycle", 0.01, 64,
      "f32 multiply-accumulate elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f32_fma; });
  t.real(
      "pe.lanes.f32_add", U::ElemsPerCycle, "2elem/cycle", 0.01, 64,
      "f32 add/sub/mul elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f32_add; });
  t.real(
      "pe.lanes.f32_copy", U::ElemsPerCycle, "2elem/cycle", 0.01, 64,
      "f32 move/fill elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f32_copy; });
  t.real(
      "pe.lanes.f32_max", U::ElemsPerCycle, "1elem/cycle", 0.01, 64, "f32 max elements per cycle",
      [](ChipParams & c) -> auto& { return c.pe.lanes.f32_max; });
  t.integer(
      "pe.vector_setup", U::Cycles, "16cycles", 0, 1000,
      "fixed cycles of every vector (DSD) operation",
      [](ChipParams & c) -> auto& { return c.pe.vector_setup; });
  t.integer(
      "pe.task_switch", U::Cycles, "3cycles", 0, 1000,
      "cycles from a task being picked to its first instruction",
      [](ChipParams & c) -> auto& { return c.pe.task_switch; });
  t.integer(
      "pe.send_dispatch", U::Cycles, "7cycles", 0, 1000,
      "cycles from a send instruction to its first wavelet on the ramp",
      [](ChipParams & c) -> auto& { return c.pe.send_dispatch; });
  t.integer(
      "pe.scalar_op", U::Cycles, "1cycles", 0, 1000, "cycles per scalar instruction",
      [](ChipParams & c) -> auto& { return c.pe.scalar_op; });
  t.integer(
      "pe.reduce_scalar", U::Cycles, "2cycles", 0, 1000,
      "cycles per element of a reduction into a scalar register",
      [](ChipParams & c) -> auto& { return c.pe.reduce_scalar; });
  t.integer(
      "pe.math_element", U::Cycles, "20cycles", 1, 10000,
      "cycles per element of a software math routine (exp, reciprocal, rsqrt, sigmoid)",
      [](ChipParams & c) -> auto& { return c.pe.math_element; });

  t.integer(
      "host.channels", U::None, "16", 1, 1024, "host I/O channels into the wafer edge",
      [](ChipParams & c) -> auto& { return c.host.channels; });
  t.real(
      "host.channel_bandwidth", U::Bandwidth, "875MB/s", 1, 1e15,
      "bandwidth of one host I/O channel",
      [](ChipParams & c) -> auto& { return c.host.channel_bandwidth; });
  t.real(
      "host.transfer_overhead", U::Time, "200us", 0, 10,
      "fixed host-side cost of each transfer command",
      [](ChipParams & c) -> auto& { return c.host.transfer_overhead; });

  t.text(
      "energy.table", "7nm",
      "energy table: a bundled technology node (7nm, 5nm: scenarios/energy/) or the path of a "
      "table file; every entry has value, unit, node, voltage and source",
      [](ChipParams & c) -> auto& { return c.energy.table; });
  return t;
}

}  // namespace

const ParamTable<ChipParams>& chip_param_table() {
  static const ParamTable<ChipParams> table = build();
  return table;
}

ChipProblem check_chip(const ChipParams& c) {
  const double period = 1.0 / c.noc.link_rate;
  if (std::fabs(period - std::round(period)) > 1e-9) {
    return {"noc.link_rate",
            "1/link_rate = " + format_number(period) + " is not a whole number of cycles",
            "Use a rate such as 1, 0.5 or 0.25 wavelets/cycle"};
  }
  if (c.pe.sram_bytes % c.pe.sram_banks != 0) {
    return {"pe.sram_banks",
            std::to_string(c.pe.sram_banks) + " banks do not divide " +
                format_quantity(double(c.pe.sram_bytes), UnitKind::Bytes) + " of SRAM",
            "Choose a bank count that divides pe.sram"};
  }
  if (c.pe.sram_reserved >= c.pe.sram_bytes) {
    return {"pe.sram_reserved",
            "reserved " + format_quantity(double(c.pe.sram_reserved), UnitKind::Bytes) +
                " leaves no room in " + format_quantity(double(c.pe.sram_bytes), UnitKind::Bytes) +
                " of SRAM",
            ""};
  }
  if (c.pe.sram_bytes % 4 != 0) {
    return {"pe.sram", "SRAM size must be a multiple of 4 bytes (one wavelet)", ""};
  }
  if (c.pe.input_queue_depths.empty() || c.pe.input_queue_depths.size() > 16) {
    return {"pe.input_queue_depths",
            "needs 1 to 16 queues, got " + std::to_string(c.pe.input_queue_depths.size()), ""};
  }
  if (c.pe.output_queue_depths.empty() || c.pe.output_queue_depths.size() > 16) {
    return {"pe.output_queue_depths",
            "needs 1 to 16 queues, got " + std::to_string(c.pe.output_queue_depths.size()), ""};
  }
  if (static_cast<std::int64_t>(c.mesh.width) * c.mesh.height > 4'000'000) {
    return {"mesh.width",
            "mesh of " + std::to_string(c.mesh.width) + "x" + std::to_string(c.mesh.height) +
                " PEs exceeds 4 million",
            "A full wafer is under 1 million PEs"};
  }
  return {};
}

}  // namespace wse
