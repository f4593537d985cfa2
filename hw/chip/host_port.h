// Host I/O into the wafer over TLM-2.0: a target socket through which a host initiator writes
// weights and inputs into PE SRAM and reads results back, timed like the memcpy path of
// wafer-fabric.md section 3, plus transport_dbg for zero-time inspection of any PE's SRAM.
//
// Address map: PE n (= y * width + x) owns the window [n * W, n * W + sram) with W the SRAM size
// rounded up to a power of two; bytes between sram and W do not exist (address error).
// Timing of one transaction: host.transfer_overhead + bytes / (host.channel_bandwidth * k),
// with k = min(host.channels, PE windows the transaction touches): one PE's bytes arrive through
// one channel; a transaction over several PEs spreads over up to all channels.
#pragma once

#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "hw/params/chip_params.h"
#include "pe/sram.h"

namespace wse {

class HostPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostPort> socket{"socket"};

  // `srams` holds one SramModel per PE in node order and must outlive the port.
  HostPort(const sc_core::sc_module_name& name, const ChipParams& chip,
           std::vector<SramModel>& srams);

  std::uint64_t window() const { return window_; }
  std::uint64_t address(Coord pe, std::uint32_t offset) const {
    return static_cast<std::uint64_t>(chip_.node(pe).value()) * window_ + offset;
  }
  // Host-side time one transaction of `bytes` over `windows` PE windows takes.
  sc_core::sc_time transfer_time(std::uint64_t bytes, std::uint64_t windows) const;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& tx);
  // Checks the whole range; returns the number of PE windows touched or 0 on an address error.
  std::uint64_t check_range(std::uint64_t address, std::uint64_t length) const;
  void copy(tlm::tlm_generic_payload& tx, bool counted);

  const ChipParams& chip_;
  std::vector<SramModel>& srams_;
  std::uint64_t window_;
};

}  // namespace wse
