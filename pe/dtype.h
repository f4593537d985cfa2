// Element types held in PE SRAM. fp16 arithmetic uses the compiler's IEEE binary16 (_Float16,
// GCC >= 12 on x86-64), so functional results round exactly as 16-bit hardware would store them.
#pragma once

#include <cstdint>
#include <cstring>

namespace wse {

enum class DType : std::uint8_t { F16, F32 };

constexpr int dtype_bytes(DType t) {
  return t == DType::F16 ? 2 : 4;
}
constexpr const char* dtype_name(DType t) {
  return t == DType::F16 ? "f16" : "f32";
}

using f16 = _Float16;

inline std::uint16_t f16_bits(float v) {
  const f16 h = static_cast<f16>(v);
  std::uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
inline float f16_value(std::uint16_t bits) {
  f16 h;
  std::memcpy(&h, &bits, 2);
  return static_cast<float>(h);
}
// fp16 multiply-accumulate with one rounding of the exact a*b + c (products of two halves are
// exact in double, and the sum is exact except for extreme exponent gaps).
inline std::uint16_t f16_fma(std::uint16_t a, std::uint16_t b, std::uint16_t c) {
  const double r = static_cast<double>(f16_value(a)) * f16_value(b) + f16_value(c);
  return f16_bits(static_cast<float>(r));
}

}  // namespace wse
