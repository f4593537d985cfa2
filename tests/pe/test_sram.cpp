#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "pe/sram.h"

namespace wse {
namespace {

PeParams wse2_pe() {
  return resolve_preset("wse2").params.pe;
}

TEST(Sram, LayoutStartsAfterTheReservedAreaAligned) {
  const PeParams pe = wse2_pe();
  const auto b = layout_buffers(pe, {1, 2}, "p",
                                {{"a", DType::F16, 3}, {"b", DType::F32, 2}, {"c", DType::F16, 1}});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].offset, 4176u);
  EXPECT_EQ(b[1].offset, 4176u + 8u);  // 6 bytes rounded up to 4-byte alignment
  EXPECT_EQ(b[2].offset, 4176u + 8u + 8u);
}

TEST(Sram, ExactFitPassesOneMoreElementFailsNamingEveryBuffer) {
  const PeParams pe = wse2_pe();
  const std::int64_t room = (pe.sram_bytes - pe.sram_reserved) / 2;  // f16 elements that fit
  EXPECT_NO_THROW(layout_buffers(pe, {0, 0}, "p", {{"x", DType::F16, room}}));
  try {
    layout_buffers(pe, {3, 7}, "meshgemm", {{"A", DType::F16, room - 10}, {"B", DType::F16, 11}});
    FAIL() << "expected an SRAM error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("program 'meshgemm': error: PE (3,7) needs 49154 B of SRAM (4176 B reserved + "
                     "A 22478 x f16 = 44956 B, B 11 x f16 = 22 B) but has 49152 B (48KiB)"),
              std::string::npos)
        << m;
  }
}

TEST(Sram, FunctionalModeStoresValuesTimingModeOnlyCounts) {
  const PeParams pe = wse2_pe();
  const auto b = layout_buffers(pe, {0, 0}, "p", {{"h", DType::F16, 4}, {"s", DType::F32, 2}});
  SramModel f(pe, true);
  f.write(b[0], 1, 1.5f);
  f.write(b[1], 1, 3.25f);
  EXPECT_EQ(f.read(b[0], 1), 1.5f);
  EXPECT_EQ(f.read(b[1], 1), 3.25f);
  EXPECT_EQ(f.read(b[0], 0), 0.0f);
  EXPECT_EQ(f.read(b[0], 2), 0.0f);  // f32 next door did not spill into it
  f.write(b[0], 3, 0.1f);
  EXPECT_EQ(f.read(b[0], 3), static_cast<float>(static_cast<f16>(0.1f)));  // rounded to fp16
  EXPECT_EQ(f.counters().bytes_written, 2u + 4u + 2u);
  EXPECT_EQ(f.counters().bytes_read, 2u + 4u + 2u + 2u + 2u);
  EXPECT_THROW(f.read(b[0], 4), std::out_of_range);

  SramModel t(pe, false);
  t.write(b[1], 0, 7.0f);
  EXPECT_EQ(t.read(b[1], 0), 0.0f);  // no payload in timing mode
  EXPECT_EQ(t.counters().bytes_written, 4u);
  EXPECT_FALSE(t.functional());
}

TEST(Sram, DebugAccessSeesBytesWithoutCounting) {
  const PeParams pe = wse2_pe();
  const auto b = layout_buffers(pe, {0, 0}, "p", {{"s", DType::F32, 1}});
  SramModel f(pe, true);
  f.write(b[0], 0, 1.0f);  // 0x3F800000, little endian
  const auto before = f.counters();
  EXPECT_EQ(f.peek_byte(b[0].offset + 3), 0x3F);
  EXPECT_EQ(f.peek_byte(b[0].offset + 2), 0x80);
  f.poke_byte(b[0].offset + 3, 0x40);  // 0x40800000 = 4.0f
  EXPECT_EQ(f.counters().bytes_read, before.bytes_read);
  EXPECT_EQ(f.read(b[0], 0), 4.0f);
}

TEST(Fp16, FmaRoundsTheExactResultToNearestEven) {
  const std::uint16_t a = f16_bits(1.0f + 1.0f / 1024), c = f16_bits(-1.0f);
  // (1 + 2^-10)^2 - 1 = 2^-9 + 2^-20 exactly: half an fp16 ulp above 2^-9, a tie -> 2^-9 (even).
  EXPECT_EQ(f16_value(f16_fma(a, a, c)), 0.001953125f);
  const std::uint16_t b = f16_bits(1.0f + 3.0f / 1024);
  // (1 + 3*2^-10)^2 - 1 = 6*2^-10 + 9*2^-20, not a tie: the correctly rounded exact value.
  const double exact = (1.0 + 3.0 / 1024) * (1.0 + 3.0 / 1024) - 1.0;
  EXPECT_EQ(f16_value(f16_fma(b, b, c)),
            static_cast<float>(static_cast<f16>(static_cast<float>(exact))));
  EXPECT_EQ(f16_value(f16_bits(65504.0f)), 65504.0f);
}

}  // namespace
}  // namespace wse
