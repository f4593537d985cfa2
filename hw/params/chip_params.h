// Resolved, validated hardware description of a wafer. Built from a chip YAML (preset, file or
// inline overrides) by hw/config; passed by const reference into every model constructor.
#pragma once

#include <string>
#include <vector>

#include "hw/core/types.h"
#include "hw/params/param_table.h"

namespace wse {

struct MeshParams {
  int width = 0;   // PEs along x (east)
  int height = 0;  // PEs along y (south)
};

struct NocParams {
  int colours = 0;              // routable colours per router
  double link_rate = 0;         // wavelets per cycle per direction
  Cycles hop_latency;           // link traversal, straight through a router
  Cycles router_latency;        // extra router pipeline cycles per hop
  Cycles ramp_latency;          // router <-> compute element
  Cycles turn_penalty;          // extra cycles when a wavelet changes axis
  int colour_buffer_depth = 0;  // wavelets per (input port, colour)
  Cycles credit_latency;        // credit return to the upstream router
  int switch_positions = 0;     // alternative route positions per colour
  Cycles route_update_latency;  // firmware route rewrite becomes visible after this
};

struct SimdLanes {  // elements per cycle with memory operands
  double f16_fma = 0, f16_add = 0, f16_copy = 0, f16_max = 0;
  double f32_fma = 0, f32_add = 0, f32_copy = 0, f32_max = 0;
};

struct PeParams {
  std::int64_t sram_bytes = 0;
  std::int64_t sram_reserved = 0;  // code, task table and runtime: not available to buffers
  int sram_banks = 0;
  std::vector<int> input_queue_depths;   // one entry per input queue (router -> CE), wavelets
  std::vector<int> output_queue_depths;  // one entry per output queue (CE -> router), wavelets
  int microthreads = 0;
  int task_ids = 0;
  SimdLanes lanes;
  Cycles vector_setup;   // fixed cost of a vector (DSD) operation
  Cycles task_switch;    // picker + entry cost of starting a task
  Cycles send_dispatch;  // send instruction to first wavelet on the ramp
  Cycles scalar_op;      // one scalar instruction
  Cycles reduce_scalar;  // per element of a reduction into a scalar register
  Cycles math_element;   // per element of exp/reciprocal/rsqrt/sigmoid (software routines)
};

struct HostParams {
  int channels = 0;
  double channel_bandwidth = 0;  // bytes/s per I/O channel
  double transfer_overhead = 0;  // seconds per host command
};

struct EnergyParams {  // joules; watts for static power (from the energy table)
  std::string table;   // the energy table's name or path (the declared parameter)
  int table_version = 0;
  double fma_f16 = 0;       // per f16 multiply-accumulate element
  double alu_f16 = 0;       // per f16 add/mul/max element
  double sram_read = 0;     // per 64-bit SRAM read
  double sram_write = 0;    // per 64-bit SRAM write
  double router_hop = 0;    // per wavelet through a router
  double wire_hop = 0;      // per wavelet over one link
  double static_power = 0;  // per PE
};

struct ChipParams {
  std::string name;
  double clock_hz = 0;
  MeshParams mesh;
  NocParams noc;
  PeParams pe;
  HostParams host;
  EnergyParams energy;

  int num_nodes() const { return mesh.width * mesh.height; }
  NodeId node(Coord c) const { return NodeId(static_cast<std::uint32_t>(c.y * mesh.width + c.x)); }
  Coord coord(NodeId n) const {
    return Coord{static_cast<int>(n.value() % static_cast<unsigned>(mesh.width)),
                 static_cast<int>(n.value() / static_cast<unsigned>(mesh.width))};
  }
  bool contains(Coord c) const {
    return c.x >= 0 && c.y >= 0 && c.x < mesh.width && c.y < mesh.height;
  }
  // Link period in cycles: a link carries one wavelet every link_period() cycles.
  Cycles link_period() const {
    return Cycles(static_cast<std::int64_t>(1.0 / noc.link_rate + 0.5));
  }
};

// The single declaration of every chip parameter (key, type, unit, default, description).
const ParamTable<ChipParams>& chip_param_table();

// Cross-field checks that a single declaration cannot express. Returns the first problem as
// (key, message, remedy), or an empty key when the chip is consistent.
struct ChipProblem {
  std::string key;
  std::string problem;
  std::string remedy;
};
ChipProblem check_chip(const ChipParams& chip);

}  // namespace wse
