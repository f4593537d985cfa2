// The decode layer program: functional results against the plain reference layer (GQA, MHA,
// Qwen2-style biases, the proxy), in both fidelities, on square grids with idle columns; the KV
// placement policies; layout errors.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "firmware/decode_layer.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"
#include "layer_shapes.h"

namespace wse {
namespace {

LayerShape tiny(int heads = 4, int kv_heads = 2) {
  return testing::tiny_layer(heads, kv_heads);
}

struct LayerRun {
  PlainRun result;
  nlohmann::ordered_json config;
};

LayerRun run(const DecodeLayerSpec& base, Fidelity fidelity, std::uint64_t seed = 7) {
  DecodeLayerSpec spec = base;
  const LayerShape shape = spec.proxy ? spec.shape.proxy() : spec.shape;
  spec.weights = std::make_shared<LayerWeights>(random_layer_weights(shape, seed));
  spec.inputs.clear();
  for (int q = 0; q < std::max(1, spec.batch); ++q)
    spec.inputs.push_back(std::make_shared<DecodeInputs>(
        random_decode_inputs(shape, spec.context(), seed + static_cast<std::uint64_t>(q) * 1000)));
  const auto program = make_decode_layer_program(spec);
  const ChipParams chip = resolve_preset("test16x16").params;
  LayerRun r;
  r.result = run_program_plain(chip, *program, Rect{1, 1, spec.grid, spec.grid}, fidelity, true);
  r.config = program->config_json();
  return r;
}

DecodeLayerSpec spec_of(LayerShape shape, int grid, int prompt, int generated,
                        KvPolicy kv = KvPolicy::Shift) {
  DecodeLayerSpec s;
  s.shape = shape;
  s.grid = grid;
  s.prompt = prompt;
  s.generated = generated;
  s.kv = kv;
  return s;
}

class DecodeLayer : public ::testing::TestWithParam<Fidelity> {};

TEST_P(DecodeLayer, GroupedQueryAttentionMatchesTheReference) {
  const LayerRun r = run(spec_of(tiny(4, 2), 4, 9, 2), GetParam());
  EXPECT_GT(r.result.check["compared"].get<int>(), 0);
  EXPECT_GT(r.result.cycles_max, 0);
  EXPECT_EQ(r.config["attention_columns"], 4);  // 2 KV heads x 2 columns of 4 pairs
}

TEST_P(DecodeLayer, IdleColumnsAndUnevenTilesOnAnOddGrid) {
  // 5 columns, 2 KV heads: 2 columns per head, the fifth holds no head; 64 / 5 pads.
  const LayerRun r = run(spec_of(tiny(4, 2), 5, 6, 1), GetParam());
  EXPECT_EQ(r.config["attention_columns"], 4);
}

TEST_P(DecodeLayer, MultiHeadAttentionAndBiasesOnSixBySix) {
  LayerShape s = tiny(4, 4);
  s.qkv_bias = true;
  run(spec_of(s, 6, 13, 4), GetParam());
}

TEST_P(DecodeLayer, RowsWithoutTokensEarlyInDecode) {
  run(spec_of(tiny(4, 2), 4, 1, 0), GetParam());  // rows 0-2 hold nothing yet
}

TEST_P(DecodeLayer, ConcatPolicyKeepsNewTokensInTheBottomRow) {
  const LayerRun r = run(spec_of(tiny(4, 2), 4, 4, 5, KvPolicy::Concat), GetParam());
  EXPECT_EQ(r.config["tokens_per_row_max"], 1 + 5 + 1);
}

TEST_P(DecodeLayer, BatchOfRequestsEachMatchesItsReference) {
  // Three requests with their own inputs and caches, decoded together: one allreduce per step
  // carries all three; every request's output, attention and new k, v are checked.
  DecodeLayerSpec s = spec_of(tiny(4, 2), 4, 9, 3);
  s.batch = 3;
  const LayerRun three = run(s, GetParam());
  EXPECT_EQ(three.result.check["compared"].get<int>() % 3, 0);
  const LayerRun one = run(spec_of(tiny(4, 2), 4, 9, 3), GetParam());
  EXPECT_GT(three.result.cycles_max, one.result.cycles_max);
  EXPECT_LT(three.result.cycles_max, 3 * one.result.cycles_max);  // allreduce latency is shared
}

TEST_P(DecodeLayer, ProxyReproducesTheSingleHeadStaticCacheKernel) {
  DecodeLayerSpec s = spec_of(tiny(4, 2), 4, 8, 0);
  s.proxy = true;
  const LayerRun r = run(s, GetParam());
  EXPECT_EQ(r.config["mode"], "proxy");
  EXPECT_EQ(r.config["tokens_per_row_max"], 2);
}

INSTANTIATE_TEST_SUITE_P(Fidelities, DecodeLayer,
                         ::testing::Values(Fidelity::Wavelet, Fidelity::Stream),
                         [](const auto& info) {
                           return std::string(info.param == Fidelity::Wavelet ? "Wavelet"
                                                                              : "Stream");
                         });

TEST(DecodeLayerLayout, ColoursMatchTheReferenceDesign) {
  // y trees 1-10, x trees 11-20, KV shift 21-22; the proxy has no shift (static cache): 20.
  // A tree uses all ten of its colours once groups and chains are long enough on both sides of
  // the roots: 25 x 25 with 5 groups of 5 (layout only, on a wafer-sized mesh).
  const ChipParams chip = resolve_preset("wse2").params;
  for (const bool proxy : {false, true}) {
    DecodeLayerSpec s = spec_of(tiny(4, 2), 25, 40, 3);
    s.proxy = proxy;
    s.groups = 5;
    RouteTables tables(chip);
    make_decode_layer_program(s)->layout(Rect{0, 0, 25, 25}, tables);
    EXPECT_TRUE(tables.validate().empty());
    std::set<int> used;
    for (int y = 0; y < 25; ++y)
      for (int x = 0; x < 25; ++x)
        for (const Color c : tables.colours_at(chip.node({x, y}))) used.insert(c.value());
    EXPECT_EQ(static_cast<int>(used.size()), proxy ? kDecodeLayerColours - 2 : kDecodeLayerColours);
    EXPECT_LE(static_cast<int>(used.size()), chip.noc.colours);
  }
}

TEST(DecodeLayerFidelity, StreamCyclesWithinOnePercentOfWavelet) {
  const DecodeLayerSpec s = spec_of(tiny(4, 2), 8, 40, 3);
  const LayerRun w = run(s, Fidelity::Wavelet), st = run(s, Fidelity::Stream);
  const double gap = std::fabs(static_cast<double>(st.result.cycles_max - w.result.cycles_max)) /
                     static_cast<double>(w.result.cycles_max);
  EXPECT_LT(gap, 0.01) << w.result.cycles_max << " vs " << st.result.cycles_max;
}

TEST(KvPlacement, ShiftKeepsRowsWithinOneTokenAndInOrder) {
  for (int generated = 0; generated < 40; ++generated) {
    const KvStep k = kv_step(KvPolicy::Shift, 5, 7, generated);
    int total = 0, lo = 1 << 30, hi = 0;
    for (int c : k.count) {
      total += c;
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    EXPECT_EQ(total, 7 + generated);
    EXPECT_LE(hi - lo, 1) << generated;
  }
  // 3 rows from empty: 1 token -> (0,0,1), the bottom row exceeds the others: rows 1..2 shift.
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 0, 0).shift_top, 1);
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 0, 1).count, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 0, 1).shift_top, 0);
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 3, 0).count, (std::vector<int>{1, 1, 1}));
  // Prefill spreads 2 tokens as (0,1,1); + 1 -> (0,1,2): rows 1..2 pass a token up to row 0.
  // (1,1,1) + 1 -> (1,1,2): row 2 only. Prefill's (1,1,2) + 1 -> (1,1,3): row 2 only, to row 1.
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 2, 0).shift_top, 0);
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 3, 0).shift_top, 1);
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 4, 0).count, (std::vector<int>{1, 1, 2}));
  EXPECT_EQ(kv_step(KvPolicy::Shift, 3, 4, 0).shift_top, 1);
}

TEST(KvPlacement, ConcatGrowsOnlyTheBottomRow) {
  const KvStep k = kv_step(KvPolicy::Concat, 4, 8, 10);
  EXPECT_EQ(k.count, (std::vector<int>{2, 2, 2, 12}));
  EXPECT_EQ(k.shift_top, -1);
}

TEST(DecodeLayerErrors, ShapesThatDoNotFitTheGridAreExplained) {
  LayerShape s = tiny(8, 8);
  s.head_dim = 8;
  try {
    make_decode_layer_program(spec_of(s, 4, 4, 0));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fewer columns than the model's 8 KV heads"),
              std::string::npos);
  }
  LayerShape bad = tiny(4, 3);
  EXPECT_THROW(make_decode_layer_program(spec_of(bad, 4, 4, 0)), std::invalid_argument);
}

}  // namespace
}  // namespace wse
