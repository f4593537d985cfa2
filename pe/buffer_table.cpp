#include "pe/buffer_table.h"

#include <cstdint>
#include <stdexcept>

namespace wse {
namespace {

// FNV-1a over a whole declaration: names, types and sizes in order.
std::uint64_t declaration_key(const std::vector<BufferRequest>& requests) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::uint64_t byte) { h = (h ^ byte) * 1099511628211ull; };
  for (const BufferRequest& r : requests) {
    for (const char ch : r.name) mix(static_cast<unsigned char>(ch));
    mix(0x100);  // ends the name
    mix(static_cast<std::uint64_t>(r.type));
    for (int k = 0; k < 64; k += 8) mix(static_cast<std::uint64_t>(r.elements) >> k & 0xFFu);
  }
  return h;
}

}  // namespace

BufferTable::BufferTable(std::vector<BufferRequest> requests, std::vector<Buffer> laid)
    : buffers_(std::move(laid)), requests_(std::move(requests)) {
  if (requests_.size() > static_cast<std::size_t>(INT16_MAX))
    throw std::length_error("a PE declares more than 32767 buffers");
  std::size_t slots = 8;
  while (slots < 2 * requests_.size()) slots *= 2;
  slots_.assign(slots, -1);
  keys_.reserve(requests_.size());
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    keys_.push_back(key_of(requests_[i].name));
    bytes_used_ += (requests_[i].bytes() + 3) / 4 * 4;
    // In declaration order: a name declared twice finds its first declaration.
    std::size_t s = keys_[i] & (slots - 1);
    while (slots_[s] >= 0) s = (s + 1) & (slots - 1);
    slots_[s] = static_cast<std::int16_t>(i);
  }
}

const Buffer* BufferTable::find(std::string_view name, std::uint32_t key) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = key & mask;; s = (s + 1) & mask) {
    const int i = slots_[s];
    if (i < 0) return nullptr;
    const auto u = static_cast<std::size_t>(i);
    if (keys_[u] == key && requests_[u].name == name) return &buffers_[u];
  }
}

bool BufferTable::declares(const std::vector<BufferRequest>& requests) const {
  if (requests.size() != requests_.size()) return false;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const BufferRequest &a = requests[i], &b = requests_[i];
    if (a.name != b.name || a.type != b.type || a.elements != b.elements) return false;
  }
  return true;
}

const BufferTable& BufferTables::intern(const PeParams& pe, Coord at, const std::string& program,
                                        std::vector<BufferRequest> requests) {
  auto& same_key = tables_[declaration_key(requests)];
  for (const auto& t : same_key)
    if (t->declares(requests)) return *t;  // laid out before: it fits
  std::vector<Buffer> laid = layout_buffers(pe, at, program, requests);
  same_key.push_back(std::make_unique<BufferTable>(std::move(requests), std::move(laid)));
  ++count_;
  return *same_key.back();
}

}  // namespace wse
