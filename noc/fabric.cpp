#include "noc/fabric.h"

#include <chrono>
#include <cstdio>

#include "hw/core/error.h"

namespace wse {

FabricShell::FabricShell(const sc_core::sc_module_name& name, const ChipParams& chip,
                         bool progress, Cycles max_cycles)
    : sc_core::sc_module(name),
      period_(sc_core::sc_time(1.0 / chip.clock_hz, sc_core::SC_SEC)),
      max_cycles_(max_cycles),
      progress_(progress) {
  SC_HAS_PROCESS(FabricShell);
  SC_METHOD(process);
  sensitive << wake_;
  dont_initialize();
}

Fabric::Fabric(const sc_core::sc_module_name& name, const ChipParams& chip,
               const FabricOptions& opts, RouteTables* tables, FabricClient& client,
               Cycles max_cycles)
    : FabricShell(name, chip, opts.progress, max_cycles), engine_(chip, opts, tables, client) {
  bind(engine_);
}

StreamFabricModule::StreamFabricModule(const sc_core::sc_module_name& name,
                                       const ChipParams& chip, RouteTables& tables,
                                       StreamClient& client, bool progress, Cycles max_cycles)
    : FabricShell(name, chip, progress, max_cycles), engine_(chip, tables, client) {
  bind(engine_);
}

void FabricShell::rearm() {
  if (engine_->idle()) return;
  const auto now = static_cast<std::int64_t>(sc_core::sc_time_stamp() / period_ + 0.5);
  const std::int64_t next = engine_->next_time().count();
  wake_.notify(period_ * static_cast<double>(std::max<std::int64_t>(0, next - now)));
}

void FabricShell::process() {
  ++activations_;
  try {
    last_cycle_ = engine_->step();
    if (progress_ && (activations_ & 0x3FF) == 0) report_progress();
    if (engine_->idle()) {
      engine_->check_drained();
      return;
    }
    const Cycles next = engine_->next_time();
    if (next > max_cycles_) {
      throw SimulationError(
          "reached run.max_cycles (" + std::to_string(max_cycles_.count()) + " cycles) with " +
          std::to_string(engine_->in_flight()) +
          " wavelets in the fabric; raise run.max_cycles or shorten the workload");
    }
    wake_.notify(period_ * static_cast<double>((next - last_cycle_).count()));
  } catch (const SimulationError& e) {
    error_ = e.what();
    sc_core::sc_stop();
  }
}

void FabricShell::report_progress() {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_report_ < 1.0) return;
  last_report_ = now;
  std::fprintf(stderr, "[wafersim] cycle %lld, %llu wavelets in the fabric, %llu wavelet-hops\n",
               static_cast<long long>(last_cycle_.count()),
               static_cast<unsigned long long>(engine_->in_flight()),
               static_cast<unsigned long long>(engine_->counters().wavelet_hops));
}

void FabricShell::rethrow_if_failed() const {
  if (!error_.empty()) throw SimulationError(error_);
}

}  // namespace wse
