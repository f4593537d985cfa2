// Host I/O through the TLM-2.0 target socket: timed loads into PE SRAM, zero-time debug access.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include "hw/chip/host_port.h"
#include "hw/config/scenario.h"

namespace wse {
namespace {

struct Host : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Host> socket{"socket"};
  std::function<void(Host&)> script;
  SC_HAS_PROCESS(Host);
  explicit Host(const sc_core::sc_module_name& n) : sc_core::sc_module(n) { SC_THREAD(run); }
  void run() { script(*this); }
  tlm::tlm_response_status transfer(tlm::tlm_command cmd, std::uint64_t address,
                                    std::vector<unsigned char>& data) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(address);
    tx.set_data_ptr(data.data());
    tx.set_data_length(static_cast<unsigned>(data.size()));
    tx.set_streaming_width(static_cast<unsigned>(data.size()));
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(tx, delay);
    wait(delay);
    return tx.get_response_status();
  }
  unsigned debug(tlm::tlm_command cmd, std::uint64_t address, std::vector<unsigned char>& data) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(address);
    tx.set_data_ptr(data.data());
    tx.set_data_length(static_cast<unsigned>(data.size()));
    return socket->transport_dbg(tx);
  }
};

struct Rig {
  ChipParams chip = resolve_preset("test4x4").params;
  std::vector<SramModel> srams;
  explicit Rig(bool functional) {
    for (int i = 0; i < chip.num_nodes(); ++i) srams.emplace_back(chip.pe, functional);
  }
};

TEST(HostPort, WriteThenReadBackTimedLikeTheMemcpyPath) {
  Rig rig(true);
  HostPort port("port", rig.chip, rig.srams);
  Host host("host");
  host.socket.bind(port.socket);
  const Buffer buf = layout_buffers(rig.chip.pe, {2, 1}, "weights", {{"w", DType::F32, 4}})[0];
  sc_core::sc_time after_write, after_read;
  std::vector<unsigned char> back(16);
  host.script = [&](Host& h) {
    std::vector<unsigned char> data(16);
    for (int i = 0; i < 16; ++i) data[static_cast<size_t>(i)] = static_cast<unsigned char>(i + 1);
    EXPECT_EQ(h.transfer(tlm::TLM_WRITE_COMMAND, port.address({2, 1}, buf.offset), data),
              tlm::TLM_OK_RESPONSE);
    after_write = sc_core::sc_time_stamp();
    EXPECT_EQ(h.transfer(tlm::TLM_READ_COMMAND, port.address({2, 1}, buf.offset), back),
              tlm::TLM_OK_RESPONSE);
    after_read = sc_core::sc_time_stamp();
  };
  sc_core::sc_start();
  // 200 us + 16 B / 875 MB/s, through one channel.
  const sc_core::sc_time one = sc_core::sc_time(200e-6 + 16.0 / 875e6, sc_core::SC_SEC);
  EXPECT_EQ(after_write, one);
  EXPECT_EQ(after_read, one + one);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(back[static_cast<size_t>(i)], i + 1);
  // The PE sees the value the host wrote (little-endian f32 bytes 01 02 03 04).
  std::uint32_t bits = 0x04030201;
  float expect;
  std::memcpy(&expect, &bits, 4);
  EXPECT_EQ(rig.srams[rig.chip.node({2, 1}).value()].read(buf, 0), expect);
  EXPECT_EQ(rig.srams[rig.chip.node({2, 1}).value()].counters().bytes_written, 16u);
}

TEST(HostPort, TransactionOverSeveralPesSpreadsOverChannels) {
  Rig rig(false);
  HostPort port("port", rig.chip, rig.srams);
  // 3 windows -> 3 channels in parallel.
  EXPECT_EQ(port.transfer_time(3 * 1000, 3),
            sc_core::sc_time(200e-6 + 3000.0 / (3 * 875e6), sc_core::SC_SEC));
  EXPECT_EQ(port.transfer_time(100, 40),
            sc_core::sc_time(200e-6 + 100.0 / (16 * 875e6), sc_core::SC_SEC));
}

TEST(HostPort, DebugAccessTakesNoTimeAndAddressErrorsAreReported) {
  Rig rig(true);
  HostPort port("port", rig.chip, rig.srams);
  Host host("host");
  host.socket.bind(port.socket);
  host.script = [&](Host& h) {
    std::vector<unsigned char> data{9, 8, 7};
    EXPECT_EQ(h.debug(tlm::TLM_WRITE_COMMAND, port.address({3, 3}, 100), data), 3u);
    std::vector<unsigned char> back(3);
    EXPECT_EQ(h.debug(tlm::TLM_READ_COMMAND, port.address({3, 3}, 100), back), 3u);
    EXPECT_EQ(back, data);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    // Past the end of a PE's SRAM (inside its window) and past the last PE: errors, no time.
    std::vector<unsigned char> one(1);
    EXPECT_EQ(
        h.transfer(tlm::TLM_WRITE_COMMAND,
                   port.address({0, 0}, static_cast<std::uint32_t>(rig.chip.pe.sram_bytes)), one),
        tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.transfer(tlm::TLM_READ_COMMAND, port.window() * 16, one),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.debug(tlm::TLM_READ_COMMAND, port.window() * 16, one), 0u);
    EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::SC_ZERO_TIME);
    // The last byte of a PE's SRAM is fine.
    EXPECT_EQ(
        h.transfer(tlm::TLM_WRITE_COMMAND,
                   port.address({0, 0}, static_cast<std::uint32_t>(rig.chip.pe.sram_bytes - 1)),
                   one),
        tlm::TLM_OK_RESPONSE);
  };
  sc_core::sc_start();
  EXPECT_EQ(rig.srams[rig.chip.node({3, 3}).value()].counters().bytes_written,
            0u);  // debug is not counted
}

}  // namespace
}  // namespace wse
