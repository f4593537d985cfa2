// SystemC shells around the fabric engines: one SC_METHOD that runs the busy cycles of the
// engine's calendar, re-armed for the next busy cycle. An idle fabric is never activated.
// FabricShell drives any FabricEngine; Fabric owns a WaveletFabric, StreamFabricModule a
// StreamFabric.
#pragma once

#include <memory>
#include <string>

#include <systemc>

#include "noc/stream_fabric.h"
#include "noc/wavelet_fabric.h"

namespace wse {

class FabricShell : public sc_core::sc_module {
 public:
  // Wakes the process for work scheduled from outside it (before or during simulation).
  void rearm();
  // Number of times the SystemC process ran: zero for a fabric that never had work.
  std::uint64_t activations() const { return activations_; }
  // Last cycle that held an event.
  Cycles last_cycle() const { return last_cycle_; }
  // Rethrows the SimulationError that stopped the run, if any.
  void rethrow_if_failed() const;
  sc_core::sc_time cycle_time() const { return period_; }
  FabricEngine& base_engine() { return *engine_; }

 protected:
  FabricShell(const sc_core::sc_module_name& name, const ChipParams& chip, bool progress,
              Cycles max_cycles);
  // Called by the owning subclass once its engine exists.
  void bind(FabricEngine& engine) { engine_ = &engine; }

 private:
  void process();
  void report_progress();
  void start_of_simulation() override { rearm(); }

  FabricEngine* engine_ = nullptr;
  sc_core::sc_event wake_;
  sc_core::sc_time period_;
  Cycles max_cycles_;
  Cycles last_cycle_;
  std::uint64_t activations_ = 0;
  std::string error_;
  bool progress_;
  double last_report_ = 0;
};

class Fabric : public FabricShell {
 public:
  Fabric(const sc_core::sc_module_name& name, const ChipParams& chip, const FabricOptions& opts,
         RouteTables* tables, FabricClient& client, Cycles max_cycles);
  WaveletFabric& engine() { return engine_; }
  const WaveletFabric& engine() const { return engine_; }

 private:
  WaveletFabric engine_;
};

class StreamFabricModule : public FabricShell {
 public:
  StreamFabricModule(const sc_core::sc_module_name& name, const ChipParams& chip,
                     RouteTables& tables, StreamClient& client, bool progress,
                     Cycles max_cycles);
  StreamFabric& engine() { return engine_; }

 private:
  StreamFabric engine_;
};

}  // namespace wse
