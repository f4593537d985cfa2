// What the SystemC shell, the statistics and the application need from a fabric engine, whatever
// its fidelity: the calendar-driven stepping, counters and per-link traffic.
#pragma once

#include <array>
#include <cstdint>

#include "hw/params/chip_params.h"

namespace wse {

struct FabricCounters {
  std::uint64_t wavelet_hops = 0;     // link traversals between routers
  std::uint64_t ramp_injections = 0;  // wavelets entering from clients
  std::uint64_t ramp_deliveries = 0;  // wavelets leaving to clients
  std::uint64_t router_evaluations = 0;
  std::uint64_t busy_cycles = 0;  // cycles that held at least one event
  std::uint64_t control_wavelets = 0;
  std::uint64_t credit_stalls = 0;  // head wavelets held back for lack of credit
  std::uint64_t messages = 0;       // stream fidelity: messages sent (one event chain each)
};

class FabricEngine {
 public:
  virtual ~FabricEngine() = default;
  virtual bool idle() const = 0;
  virtual Cycles next_time() = 0;
  // Processes every event of the next busy cycle and returns that cycle.
  virtual Cycles step() = 0;
  // Call when the calendar is empty: throws SimulationError if traffic is stuck.
  virtual void check_drained() const = 0;
  virtual std::uint64_t in_flight() const = 0;
  virtual const FabricCounters& counters() const = 0;
  // Wavelets sent by a router on each output port (N, E, S, W, RAMP).
  virtual std::array<std::uint32_t, kNumDirs> link_wavelets(NodeId node) const = 0;
  virtual std::size_t router_bytes() const = 0;
  virtual const ChipParams& chip() const = 0;
};

}  // namespace wse
