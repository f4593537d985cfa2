// A cache hint that survives optimisation. GCC 12 drops __builtin_prefetch when its address is
// loaded from memory in the same inline context (seen in PeArray::prefetch: the op prefetch was
// compiled to nothing), so on x86 the instruction is written out; elsewhere the builtin.
#pragma once

#include <cstdint>

namespace wse {

inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// Every 64-byte line that [p, p + bytes) overlaps (an object not aligned to a line spans one
// more line than bytes / 64).
inline void prefetch_lines(const void* p, unsigned long bytes) {
  if (bytes == 0) return;
  const auto first = reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{63};
  const auto last = (reinterpret_cast<std::uintptr_t>(p) + bytes - 1) & ~std::uintptr_t{63};
  for (std::uintptr_t a = first; a <= last; a += 64)
    prefetch_line(reinterpret_cast<const void*>(a));
}

}  // namespace wse
