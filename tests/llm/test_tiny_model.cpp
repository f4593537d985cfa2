// The tiny model end to end: config.json and random fp16 weights written by
// scripts/make_tiny_model.py into safetensors, loaded for real; the prompt through every layer
// on the prefill layer program (5 x 5 grid), then decode steps on the decode layer program
// (4 x 4), in functional mode, against the plain reference transformer: the same logits within
// the fp16 bound and the same greedy tokens, for the first token (from prefill) and every decode
// token. Every key and value the decode steps attend to comes from the wafer's own runs
// (prefill's cache read out of its PEs and handed to the decode grid by the host: the remap's
// data path; its time is the llm workload's model), and the logits from a MeshGEMV LM head on the
// wafer (the final RMSNorm runs on the host).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "firmware/decode_layer.h"
#include "firmware/kernels.h"
#include "firmware/prefill_layer.h"
#include "hw/chip/program_run.h"
#include "hw/config/scenario.h"
#include "llm/model_weights.h"
#include "llm/safetensors.h"
#include "pe/dtype.h"

namespace wse {
namespace {

const std::string kDir = TINY_MODEL_DIR;

TEST(TinyModel, SafetensorsLoadWithHuggingFaceNamesAndShapes) {
  const ModelSpec m = load_model_config(kDir + "/config.json");
  const SafetensorsFile f(kDir + "/model.safetensors");
  EXPECT_EQ(f.tensors().size(), 3u + 9u * static_cast<std::size_t>(m.layers));
  EXPECT_EQ(f.tensors().at("model.layers.1.self_attn.k_proj.weight").shape,
            (std::vector<std::int64_t>{m.kv_heads * m.head_dim, m.hidden}));
  const ModelWeights w = load_model_weights(m, kDir + "/model.safetensors");
  ASSERT_EQ(w.layers.size(), 2u);
  // [out][in] in the file, [in][out] in memory.
  const std::vector<float> q = f.read("model.layers.0.self_attn.q_proj.weight");
  const auto Q = static_cast<std::size_t>(m.heads * m.head_dim);
  EXPECT_EQ(w.layers[0].wq[3 * Q + 5], q[5 * static_cast<std::size_t>(m.hidden) + 3]);
}

TEST(TinyModel, BrokenFilesAreExplained) {
  const std::string bad = ::testing::TempDir() + "/broken.safetensors";
  std::ofstream(bad, std::ios::binary) << "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":";
  EXPECT_THROW(SafetensorsFile f(bad), ConfigError);
  const SafetensorsFile f(kDir + "/model.safetensors");
  try {
    f.read("model.norm.weight", {1, 2});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.norm.weight"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("expected [1, 2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(f.read("model.layers.9.mlp.up_proj.weight"), ConfigError);
}

int argmax(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST(TinyModel, WaferPrefillAndDecodeGiveTheReferenceLogitsAndGreedyTokens) {
  const ModelSpec m = load_model_config(kDir + "/config.json");
  const ModelWeights w = load_model_weights(m, kDir + "/model.safetensors");
  const LayerShape shape = layer_shape_of(m);
  const ChipParams chip = resolve_preset("test16x16").params;
  const int grid = 4, prefill_grid = 5, steps = 4;
  const std::vector<int> prompt{5, 17, 42, 3, 99, 120, 7};
  const int L = static_cast<int>(prompt.size());

  ReferenceModel ref(m, w);
  std::vector<double> ref_logits;
  for (int t : prompt) ref_logits = ref.step(t);
  std::vector<std::shared_ptr<LayerWeights>> layers;
  for (const auto& lw : w.layers) layers.push_back(std::make_shared<LayerWeights>(lw));
  // Tolerance: the layer programs' own bound (6 sqrt(n) u of the output's RMS) per layer crossed.
  const double u = std::ldexp(1.0, -11);
  const double per_layer =
      6.0 * std::sqrt(m.hidden + m.ffn + static_cast<double>(prompt.size() + steps)) * u;
  const auto lm_head_matrix = std::make_shared<TestMatrix>(m.hidden, m.vocab, w.lm_head);
  // LM head on the wafer: MeshGEMV of the final-normed state (norm on the host, rounded to fp16
  // as the PEs store it) with the model's lm_head weights.
  auto wafer_logits = [&](const std::vector<float>& x) {
    std::vector<float> xn(x.size());
    double ss = 0;
    for (float e : x) ss += static_cast<double>(e) * e;
    const double r = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + m.rms_norm_eps);
    for (std::size_t e = 0; e < x.size(); ++e)
      xn[e] = f16_value(f16_bits(static_cast<float>(x[e] * r * w.final_norm[e])));
    GemvSpec head;
    head.m = m.hidden;
    head.n = m.vocab;
    head.grid = grid;
    head.groups = 2;
    head.x = std::make_shared<TestMatrix>(1, m.hidden, xn);
    head.w = lm_head_matrix;
    const auto head_program = make_gemv_program(head);
    std::vector<float> y;
    run_program_plain(chip, *head_program, Rect{2, 2, grid, grid}, Fidelity::Stream, true, false,
                      [&](PeArray& pes) {
                        y = read_gemv_output(*head_program, pes, Rect{2, 2, grid, grid});
                      });
    return std::vector<double>(y.begin(), y.end());
  };
  auto compare = [&](const std::vector<double>& wafer, const std::vector<double>& want,
                     const std::string& what) {
    double rms = 0, err = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      rms += want[i] * want[i];
      err = std::max(err, std::fabs(wafer[i] - want[i]));
    }
    rms = std::sqrt(rms / static_cast<double>(want.size()));
    const double bound = per_layer * static_cast<double>(m.layers) * rms;
    EXPECT_LE(err, bound) << what;
    EXPECT_EQ(argmax(wafer), argmax(want)) << what;
    std::printf("%s: token %d, max logit error %.5f (bound %.5f, logits rms %.3f)\n", what.c_str(),
                argmax(want), err, bound, rms);
  };

  // Prefill: the whole prompt through each layer's prefill program; its KV cache stays.
  std::vector<std::vector<float>> k(w.layers.size()), v(w.layers.size());
  std::vector<float> xs;
  for (int t : prompt)
    xs.insert(xs.end(), w.embed.begin() + t * m.hidden, w.embed.begin() + (t + 1) * m.hidden);
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    PrefillLayerSpec spec;
    spec.shape = shape;
    spec.grid = prefill_grid;
    spec.tokens = L;
    spec.weights = layers[l];
    spec.input = std::make_shared<std::vector<float>>(xs);
    const auto program = make_prefill_layer_program(spec);
    PrefillOutputs out;
    const Rect rect{1, 1, prefill_grid, prefill_grid};
    run_program_plain(chip, *program, rect, Fidelity::Stream, true, false,
                      [&](PeArray& pes) { out = read_prefill_outputs(*program, pes, rect); });
    xs = out.x;
    k[l] = out.k;
    v[l] = out.v;
  }
  compare(wafer_logits(std::vector<float>(xs.end() - m.hidden, xs.end())), ref_logits,
          "first token (prefill)");
  int token = argmax(ref_logits);
  for (int g = 0; g < steps; ++g) {
    std::vector<float> x(w.embed.begin() + token * m.hidden,
                         w.embed.begin() + (token + 1) * m.hidden);
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
      DecodeLayerSpec spec;
      spec.shape = shape;
      spec.grid = grid;
      spec.prompt = static_cast<int>(prompt.size());
      spec.generated = g;
      spec.weights = layers[l];
      auto in = std::make_shared<DecodeInputs>();
      in->x = x;
      in->k_cache = k[l];
      in->v_cache = v[l];
      in->position = static_cast<int>(prompt.size()) + g;
      spec.inputs = {in};
      const auto program = make_decode_layer_program(spec);
      DecodeOutputs out;
      run_program_plain(chip, *program, Rect{2, 2, grid, grid}, Fidelity::Stream, true, false,
                        [&](PeArray& pes) {
                          out = read_decode_outputs(*program, pes, Rect{2, 2, grid, grid}).front();
                        });
      x = out.x;
      k[l].insert(k[l].end(), out.k.begin(), out.k.end());
      v[l].insert(v[l].end(), out.v.begin(), out.v.end());
    }
    const std::vector<double> want = ref.step(token);
    compare(wafer_logits(x), want, "decode step " + std::to_string(g));
    token = argmax(want);
  }
}

}  // namespace
}  // namespace wse
