// A cache hint that survives optimisation. GCC 12 drops __builtin_prefetch when its address is
// loaded from memory in the same inline context (seen in PeArray::prefetch: the op prefetch was
// compiled to nothing), so on x86 the instruction is written out; elsewhere the builtin.
#pragma once

namespace wse {

inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// Every 64-byte line of [p, p + bytes).
inline void prefetch_lines(const void* p, unsigned long bytes) {
  const char* c = static_cast<const char*>(p);
  for (unsigned long off = 0; off < bytes; off += 64) prefetch_line(c + off);
}

}  // namespace wse
