// The laid-out buffers of a PE, looked up by name as firmware issues ops. PEs of one program
// mostly declare the same buffers, so an array keeps one table per distinct declaration and the
// PEs share it: a lookup reads a table that stays in cache, and a 420 x 420 grid holds a few
// tables instead of 176,400 copies of the names.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pe/sram.h"

namespace wse {

class BufferTable {
 public:
  BufferTable(std::vector<BufferRequest> requests, std::vector<Buffer> laid);
  // FNV-1a of a name. Inline: where firmware names a buffer with a literal the key folds to a
  // constant (lookups run as ops are issued, dozens per PE and layer).
  static constexpr std::uint32_t key_of(std::string_view name) {
    std::uint32_t h = 2166136261u;
    for (const char ch : name) h = (h ^ static_cast<unsigned char>(ch)) * 16777619u;
    return h;
  }
  // The buffer declared as `name` (whose key_of is `key`), or null.
  const Buffer* find(std::string_view name) const { return find(name, key_of(name)); }
  const Buffer* find(std::string_view name, std::uint32_t key) const;
  // SRAM bytes the buffers occupy after the reserved area (each 4-byte aligned, as laid out).
  std::int64_t bytes_used() const { return bytes_used_; }
  bool declares(const std::vector<BufferRequest>& requests) const;

 private:
  std::vector<std::uint32_t> keys_;  // a hash per name: a lookup compares one name, not all
  // Open addressing over keys_ (indices, -1 empty; at least twice as many slots as names):
  // firmware looks names up as it issues ops, so a lookup probes a slot or two instead of
  // scanning every key.
  std::vector<std::int16_t> slots_;
  std::vector<Buffer> buffers_;
  std::vector<BufferRequest> requests_;
  std::int64_t bytes_used_ = 0;
};

class BufferTables {
 public:
  // The table of `requests` laid out for `pe`: the one already made for the same declaration,
  // or a new one. Throws ConfigError naming `at` and `program` when the buffers do not fit.
  const BufferTable& intern(const PeParams& pe, Coord at, const std::string& program,
                            std::vector<BufferRequest> requests);
  std::size_t size() const { return count_; }

 private:
  std::unordered_map<std::uint64_t, std::vector<std::unique_ptr<BufferTable>>> tables_;
  std::size_t count_ = 0;
};

}  // namespace wse
