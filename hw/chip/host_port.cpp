#include "hw/chip/host_port.h"

#include <algorithm>

namespace wse {

HostPort::HostPort(const sc_core::sc_module_name& name, const ChipParams& chip,
                   std::vector<SramModel>& srams)
    : sc_core::sc_module(name), chip_(chip), srams_(srams), window_(1) {
  while (window_ < static_cast<std::uint64_t>(chip.pe.sram_bytes)) window_ <<= 1;
  socket.register_b_transport(this, &HostPort::b_transport);
  socket.register_transport_dbg(this, &HostPort::transport_dbg);
}

sc_core::sc_time HostPort::transfer_time(std::uint64_t bytes, std::uint64_t windows) const {
  const double channels = static_cast<double>(std::min<std::uint64_t>(
      static_cast<std::uint64_t>(chip_.host.channels), std::max<std::uint64_t>(1, windows)));
  const double seconds = chip_.host.transfer_overhead +
                         static_cast<double>(bytes) / (chip_.host.channel_bandwidth * channels);
  return sc_core::sc_time(seconds, sc_core::SC_SEC);
}

std::uint64_t HostPort::check_range(std::uint64_t address, std::uint64_t length) const {
  if (length == 0) return 0;
  const std::uint64_t first = address / window_, last = (address + length - 1) / window_;
  if (last >= static_cast<std::uint64_t>(chip_.num_nodes())) return 0;
  for (std::uint64_t n = first; n <= last; ++n) {
    // The part of [address, address + length) inside window n must lie within the SRAM.
    const std::uint64_t lo = std::max(address, n * window_),
                        hi = std::min(address + length, (n + 1) * window_);
    if (hi - n * window_ > static_cast<std::uint64_t>(chip_.pe.sram_bytes) || lo >= hi) return 0;
  }
  return last - first + 1;
}

void HostPort::copy(tlm::tlm_generic_payload& tx, bool counted) {
  const std::uint64_t a = tx.get_address();
  unsigned char* data = tx.get_data_ptr();
  const bool write = tx.is_write();
  for (std::uint64_t i = 0; i < tx.get_data_length(); ++i) {
    SramModel& sram = srams_[static_cast<std::size_t>((a + i) / window_)];
    const auto offset = static_cast<std::uint32_t>((a + i) % window_);
    if (write) {
      sram.poke_byte(offset, data[i]);
    } else {
      data[i] = sram.peek_byte(offset);
    }
    if (counted) sram.count(write ? 0 : 1, write ? 1 : 0);
  }
}

void HostPort::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  if (tx.get_byte_enable_ptr() || tx.get_streaming_width() < tx.get_data_length()) {
    tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (!tx.is_read() && !tx.is_write()) {
    tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const std::uint64_t windows = check_range(tx.get_address(), tx.get_data_length());
  if (windows == 0) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  copy(tx, true);
  delay += transfer_time(tx.get_data_length(), windows);
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int HostPort::transport_dbg(tlm::tlm_generic_payload& tx) {
  if ((!tx.is_read() && !tx.is_write()) || check_range(tx.get_address(), tx.get_data_length()) == 0)
    return 0;
  copy(tx, false);
  return tx.get_data_length();
}

}  // namespace wse
