// One PE's SRAM: named buffers laid out after the reserved runtime area, a capacity check that
// names every buffer, byte counters, and (in functional mode only) the stored 16-bit words.
// Timing mode keeps no payload, so a full wafer of SramModels stays small.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/params/chip_params.h"
#include "pe/dtype.h"

namespace wse {

struct BufferRequest {
  std::string name;
  DType type = DType::F16;
  std::int64_t elements = 0;
  std::int64_t bytes() const { return elements * dtype_bytes(type); }
};

struct Buffer {
  std::uint32_t offset = 0;  // bytes from the start of SRAM
  std::uint32_t elements = 0;
  DType type = DType::F16;
};

// Lays out `requests` (4-byte aligned, in order) after the reserved area. Throws ConfigError
// naming the PE, the program, each buffer with its size, the total and the capacity when they do
// not fit.
std::vector<Buffer> layout_buffers(const PeParams& pe, Coord at, const std::string& program,
                                   const std::vector<BufferRequest>& requests);

struct SramCounters {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
};

class SramModel {
 public:
  SramModel(const PeParams& pe, bool functional);

  bool functional() const { return !words_.empty(); }
  std::int64_t capacity() const { return capacity_; }

  // Element access for functional mode; counts bytes. Timing mode: counts bytes, holds nothing
  // (reads return 0).
  float read(const Buffer& b, std::uint32_t i);
  void write(const Buffer& b, std::uint32_t i, float v);
  // Raw fp16 access (bit patterns), counted.
  std::uint16_t read_f16(const Buffer& b, std::uint32_t i);
  void write_f16(const Buffer& b, std::uint32_t i, std::uint16_t bits);
  // Accounting only, for operations whose data the model does not carry (timing mode, or bulk).
  void count(std::uint64_t read_bytes, std::uint64_t written_bytes) {
    counters_.bytes_read += read_bytes;
    counters_.bytes_written += written_bytes;
  }
  // Debug access that neither advances time nor counts (host inspection, tests).
  std::uint8_t peek_byte(std::uint32_t address) const;
  void poke_byte(std::uint32_t address, std::uint8_t v);

  const SramCounters& counters() const { return counters_; }

 private:
  std::uint32_t word_index(const Buffer& b, std::uint32_t i, int word) const;
  std::int64_t capacity_;
  std::vector<std::uint16_t> words_;  // functional mode only
  SramCounters counters_;
};

}  // namespace wse
