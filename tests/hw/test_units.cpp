#include <gtest/gtest.h>

#include "hw/core/units.h"

namespace wse {
namespace {

TEST(Units, ParsesEachKind) {
  EXPECT_DOUBLE_EQ(parse_quantity("1.1GHz", UnitKind::Frequency).value, 1.1e9);
  EXPECT_DOUBLE_EQ(parse_quantity("850 MHz", UnitKind::Frequency).value, 850e6);
  EXPECT_DOUBLE_EQ(parse_quantity("48KiB", UnitKind::Bytes).value, 49152);
  EXPECT_DOUBLE_EQ(parse_quantity("2cycles", UnitKind::Cycles).value, 2);
  EXPECT_DOUBLE_EQ(parse_quantity("1cycle", UnitKind::Cycles).value, 1);
  EXPECT_NEAR(parse_quantity("0.15pJ", UnitKind::Energy).value, 0.15e-12, 1e-27);
  EXPECT_NEAR(parse_quantity("30mW", UnitKind::Power).value, 0.03, 1e-15);
  EXPECT_DOUBLE_EQ(parse_quantity("7Gbit/s", UnitKind::Bandwidth).value, 875e6);
  EXPECT_NEAR(parse_quantity("200us", UnitKind::Time).value, 200e-6, 1e-18);
  EXPECT_DOUBLE_EQ(parse_quantity("0.5elem/cycle", UnitKind::ElemsPerCycle).value, 0.5);
  EXPECT_DOUBLE_EQ(parse_quantity("12", UnitKind::None).value, 12);
}

TEST(Units, RejectsMissingWrongAndUnknownUnits) {
  const auto missing = parse_quantity("2", UnitKind::Cycles);
  EXPECT_NE(missing.error.find("has no unit"), std::string::npos) << missing.error;
  EXPECT_NE(missing.error.find("2cycles"), std::string::npos) << missing.error;
  const auto wrong = parse_quantity("1.1GHz", UnitKind::Bytes);
  EXPECT_NE(wrong.error.find("not a size unit"), std::string::npos) << wrong.error;
  EXPECT_NE(wrong.error.find("KiB"), std::string::npos) << wrong.error;
  EXPECT_FALSE(parse_quantity("abc", UnitKind::Frequency).error.empty());
  EXPECT_FALSE(parse_quantity("4 wavelets", UnitKind::None).error.empty());
  EXPECT_FALSE(parse_quantity("nanGHz", UnitKind::Frequency).error.empty());
}

TEST(Units, FormatsCanonically) {
  EXPECT_EQ(format_quantity(1.1e9, UnitKind::Frequency), "1.1GHz");
  EXPECT_EQ(format_quantity(49152, UnitKind::Bytes), "48KiB");
  EXPECT_EQ(format_quantity(1e9, UnitKind::Bytes), "1GB");
  EXPECT_EQ(format_quantity(2, UnitKind::Cycles), "2cycles");
  EXPECT_EQ(format_quantity(0.15e-12, UnitKind::Energy), "150fJ");
  EXPECT_EQ(format_quantity(875e6, UnitKind::Bandwidth), "875MB/s");
}

TEST(Units, FormatThenParseRoundTrips) {
  for (double v : {1.1e9, 850e6, 3.3e3}) {
    EXPECT_DOUBLE_EQ(
        parse_quantity(format_quantity(v, UnitKind::Frequency), UnitKind::Frequency).value, v);
  }
  for (double v : {49152.0, 1e9, 6144.0, 7.0}) {
    EXPECT_DOUBLE_EQ(parse_quantity(format_quantity(v, UnitKind::Bytes), UnitKind::Bytes).value, v);
  }
}

}  // namespace
}  // namespace wse
