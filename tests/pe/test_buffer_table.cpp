// Buffer tables: PEs that declare the same buffers share one laid-out table; any difference in
// name, type, size or order makes a table of its own; a declaration that does not fit is
// rejected naming the PE, even after other PEs' tables exist.
#include <gtest/gtest.h>

#include "hw/config/scenario.h"
#include "pe/buffer_table.h"

namespace wse {
namespace {

PeParams wse2_pe() {
  return resolve_preset("wse2").params.pe;
}

std::vector<BufferRequest> decl(std::int64_t b_elements = 2, DType b_type = DType::F32) {
  return {{"a", DType::F16, 3}, {"b", b_type, b_elements}, {"c", DType::F16, 1}};
}

TEST(BufferTable, SameDeclarationSharesOneTableAndLooksUpEachName) {
  const PeParams pe = wse2_pe();
  BufferTables tables;
  const BufferTable& t1 = tables.intern(pe, {0, 0}, "p", decl());
  const BufferTable& t2 = tables.intern(pe, {5, 3}, "p", decl());
  EXPECT_EQ(&t1, &t2);
  EXPECT_EQ(tables.size(), 1u);
  ASSERT_NE(t1.find("b"), nullptr);
  EXPECT_EQ(t1.find("a")->offset, 4176u);
  EXPECT_EQ(t1.find("b")->offset, 4176u + 8u);
  EXPECT_EQ(t1.find("b")->type, DType::F32);
  EXPECT_EQ(t1.find("c")->offset, 4176u + 16u);
  EXPECT_EQ(t1.find("d"), nullptr);
  EXPECT_EQ(t1.find("ab"), nullptr);
  EXPECT_EQ(t1.bytes_used(), 8 + 8 + 4);
}

TEST(BufferTable, AnyDifferenceMakesItsOwnTable) {
  const PeParams pe = wse2_pe();
  BufferTables tables;
  const BufferTable* base = &tables.intern(pe, {0, 0}, "p", decl());
  EXPECT_NE(&tables.intern(pe, {0, 0}, "p", decl(3)), base);              // size
  EXPECT_NE(&tables.intern(pe, {0, 0}, "p", decl(2, DType::F16)), base);  // type
  auto renamed = decl();
  renamed[2].name = "d";
  EXPECT_NE(&tables.intern(pe, {0, 0}, "p", renamed), base);  // name
  auto reordered = decl();
  std::swap(reordered[0], reordered[2]);
  const BufferTable& r = tables.intern(pe, {0, 0}, "p", reordered);  // order: another layout
  EXPECT_NE(&r, base);
  EXPECT_EQ(r.find("c")->offset, 4176u);
  EXPECT_EQ(tables.size(), 5u);
}

TEST(BufferTable, ADeclarationThatDoesNotFitNamesItsPe) {
  const PeParams pe = wse2_pe();
  BufferTables tables;
  tables.intern(pe, {0, 0}, "p", decl());
  const std::int64_t room = (pe.sram_bytes - pe.sram_reserved) / 2;
  try {
    tables.intern(pe, {4, 9}, "p", {{"x", DType::F16, room + 1}});
    FAIL() << "expected an SRAM error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("PE (4,9) needs"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tables.size(), 1u);
}

// The lookup index: every one of many names (probe chains wrap around the slots) finds its own
// buffer, a name declared twice finds its first declaration, and absent names find nothing.
TEST(BufferTable, ManyNamesAndRepeatedNamesLookUpAsDeclared) {
  const PeParams pe = wse2_pe();
  BufferTables tables;
  std::vector<BufferRequest> many;
  for (int i = 0; i < 300; ++i) many.push_back({"buf" + std::to_string(i), DType::F16, 2});
  many.push_back({"buf7", DType::F32, 1});  // again: the first declaration wins
  const BufferTable& t = tables.intern(pe, {0, 0}, "p", many);
  for (int i = 0; i < 300; ++i) {
    const Buffer* b = t.find("buf" + std::to_string(i));
    ASSERT_NE(b, nullptr) << i;
    EXPECT_EQ(b->offset, 4176u + 4u * static_cast<std::uint32_t>(i)) << i;
    EXPECT_EQ(b->type, DType::F16) << i;
  }
  EXPECT_EQ(t.find("buf300"), nullptr);
  EXPECT_EQ(t.find(""), nullptr);
  const BufferTable& empty = tables.intern(pe, {0, 0}, "p", {});
  EXPECT_EQ(empty.find("buf0"), nullptr);
}

}  // namespace
}  // namespace wse
