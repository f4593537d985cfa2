#include "llm/model_weights.h"

#include <cmath>

#include "llm/safetensors.h"

namespace wse {
namespace {

// HF linear weights are [out][in]; the layer programs want [in][out].
std::vector<float> transposed(const std::vector<float>& w, std::int64_t out, std::int64_t in) {
  std::vector<float> t(w.size());
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t i = 0; i < in; ++i)
      t[static_cast<std::size_t>(i * out + o)] = w[static_cast<std::size_t>(o * in + i)];
  return t;
}

}  // namespace

LayerShape layer_shape_of(const ModelSpec& m) {
  LayerShape s;
  s.hidden = m.hidden;
  s.heads = m.heads;
  s.kv_heads = m.kv_heads;
  s.head_dim = m.head_dim;
  s.ffn = m.ffn;
  s.rms_eps = m.rms_norm_eps;
  s.rope_theta = m.rope_theta;
  s.qkv_bias = m.qkv_bias;
  return s;
}

ModelWeights load_model_weights(const ModelSpec& m, const std::string& path) {
  const SafetensorsFile f(path);
  const std::int64_t E = m.hidden, Q = static_cast<std::int64_t>(m.heads) * m.head_dim,
                     K = static_cast<std::int64_t>(m.kv_heads) * m.head_dim, F = m.ffn, V = m.vocab;
  ModelWeights w;
  w.embed = f.read("model.embed_tokens.weight", {V, E});
  for (int l = 0; l < m.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights L;
    L.attn_norm = f.read(p + "input_layernorm.weight", {E});
    L.ffn_norm = f.read(p + "post_attention_layernorm.weight", {E});
    L.wq = transposed(f.read(p + "self_attn.q_proj.weight", {Q, E}), Q, E);
    L.wk = transposed(f.read(p + "self_attn.k_proj.weight", {K, E}), K, E);
    L.wv = transposed(f.read(p + "self_attn.v_proj.weight", {K, E}), K, E);
    if (m.qkv_bias) {
      L.bq = f.read(p + "self_attn.q_proj.bias", {Q});
      L.bk = f.read(p + "self_attn.k_proj.bias", {K});
      L.bv = f.read(p + "self_attn.v_proj.bias", {K});
    }
    L.wo = transposed(f.read(p + "self_attn.o_proj.weight", {E, Q}), E, Q);
    L.wgate = transposed(f.read(p + "mlp.gate_proj.weight", {F, E}), F, E);
    L.wup = transposed(f.read(p + "mlp.up_proj.weight", {F, E}), F, E);
    L.wdown = transposed(f.read(p + "mlp.down_proj.weight", {E, F}), E, F);
    w.layers.push_back(std::move(L));
  }
  w.final_norm = f.read("model.norm.weight", {E});
  const bool tied = m.tie_embeddings && !f.has("lm_head.weight");
  w.lm_head = transposed(tied ? w.embed : f.read("lm_head.weight", {V, E}), V, E);
  return w;
}

std::vector<double> lm_logits(const ModelSpec& m, const ModelWeights& w,
                              const std::vector<float>& x) {
  double ss = 0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double r = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + m.rms_norm_eps);
  std::vector<double> logits(static_cast<std::size_t>(m.vocab), 0.0);
  for (int e = 0; e < m.hidden; ++e) {
    const double xn =
        x[static_cast<std::size_t>(e)] * r * w.final_norm[static_cast<std::size_t>(e)];
    for (int t = 0; t < m.vocab; ++t)
      logits[static_cast<std::size_t>(t)] +=
          xn * w.lm_head[static_cast<std::size_t>(e) * static_cast<std::size_t>(m.vocab) +
                         static_cast<std::size_t>(t)];
  }
  return logits;
}

std::vector<double> ReferenceModel::step(int token) {
  const LayerShape shape = layer_shape_of(m_);
  const auto E = static_cast<std::size_t>(m_.hidden);
  std::vector<float> x(
      w_.embed.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(token) * E),
      w_.embed.begin() + static_cast<std::ptrdiff_t>((static_cast<std::size_t>(token) + 1) * E));
  for (std::size_t l = 0; l < w_.layers.size(); ++l) {
    DecodeInputs in;
    in.x = x;
    in.k_cache = k_[l];
    in.v_cache = v_[l];
    in.position = position_;
    const DecodeOutputs out = reference_decode_layer(shape, w_.layers[l], in, false, false);
    x = out.x;
    k_[l].insert(k_[l].end(), out.k.begin(), out.k.end());
    v_[l].insert(v_[l].end(), out.v.begin(), out.v.end());
  }
  ++position_;
  return lm_logits(m_, w_, x);
}

}  // namespace wse
