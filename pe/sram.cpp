#include "pe/sram.h"

#include <stdexcept>

#include "hw/core/error.h"
#include "hw/core/units.h"

namespace wse {

std::vector<Buffer> layout_buffers(const PeParams& pe, Coord at, const std::string& program,
                                   const std::vector<BufferRequest>& requests) {
  std::vector<Buffer> out;
  std::int64_t next = pe.sram_reserved;
  out.reserve(requests.size());
  for (const auto& r : requests) {
    next = (next + 3) / 4 * 4;
    out.push_back(
        Buffer{static_cast<std::uint32_t>(next), static_cast<std::uint32_t>(r.elements), r.type});
    next += r.bytes();
  }
  if (next > pe.sram_bytes) {
    std::string listing;  // only for the error: this runs once per PE
    for (const auto& r : requests)
      listing += (listing.empty() ? "" : ", ") + r.name + " " + std::to_string(r.elements) + " x " +
                 dtype_name(r.type) + " = " + std::to_string(r.bytes()) + " B";
    throw ConfigError(Location{"", 0, 0, "program '" + program + "'"}, "",
                      "PE " + to_string(at) + " needs " + std::to_string(next) + " B of SRAM (" +
                          std::to_string(pe.sram_reserved) + " B reserved + " + listing +
                          ") but has " + std::to_string(pe.sram_bytes) + " B (" +
                          format_quantity(double(pe.sram_bytes), UnitKind::Bytes) + ")",
                      "", "Use a larger grid (smaller tiles) or fewer buffers");
  }
  return out;
}

SramModel::SramModel(const PeParams& pe, bool functional) : capacity_(pe.sram_bytes) {
  if (functional) words_.assign(static_cast<std::size_t>(pe.sram_bytes / 2), 0);
}

std::uint32_t SramModel::word_index(const Buffer& b, std::uint32_t i, int word) const {
  if (i >= b.elements)
    throw std::out_of_range("SRAM buffer index " + std::to_string(i) +
                            " >= " + std::to_string(b.elements));
  return (b.offset + i * static_cast<std::uint32_t>(dtype_bytes(b.type))) / 2 +
         static_cast<std::uint32_t>(word);
}

std::uint16_t SramModel::read_f16(const Buffer& b, std::uint32_t i) {
  counters_.bytes_read += 2;
  return words_.empty() ? 0 : words_[word_index(b, i, 0)];
}

void SramModel::write_f16(const Buffer& b, std::uint32_t i, std::uint16_t bits) {
  counters_.bytes_written += 2;
  if (!words_.empty()) words_[word_index(b, i, 0)] = bits;
}

float SramModel::read(const Buffer& b, std::uint32_t i) {
  if (b.type == DType::F16) return f16_value(read_f16(b, i));
  counters_.bytes_read += 4;
  if (words_.empty()) return 0;
  const std::uint32_t lo = words_[word_index(b, i, 0)], hi = words_[word_index(b, i, 1)];
  const std::uint32_t bits = lo | (hi << 16);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

void SramModel::write(const Buffer& b, std::uint32_t i, float v) {
  if (b.type == DType::F16) {
    write_f16(b, i, f16_bits(v));
    return;
  }
  counters_.bytes_written += 4;
  if (words_.empty()) return;
  std::uint32_t bits;
  std::memcpy(&bits, &v, 4);
  words_[word_index(b, i, 0)] = static_cast<std::uint16_t>(bits & 0xFFFFu);
  words_[word_index(b, i, 1)] = static_cast<std::uint16_t>(bits >> 16);
}

std::uint8_t SramModel::peek_byte(std::uint32_t address) const {
  if (words_.empty() || address / 2 >= words_.size()) return 0;
  return static_cast<std::uint8_t>(words_[address / 2] >> (8 * (address % 2)));
}

void SramModel::poke_byte(std::uint32_t address, std::uint8_t v) {
  if (words_.empty() || address / 2 >= words_.size()) return;
  std::uint16_t& w = words_[address / 2];
  const int shift = 8 * static_cast<int>(address % 2);
  w = static_cast<std::uint16_t>((w & ~(0xFFu << shift)) | (static_cast<unsigned>(v) << shift));
}

}  // namespace wse
