// A model's weights loaded from safetensors (Hugging Face LLaMA/Qwen2 names and [out, in]
// layouts), converted to the y = x W layouts the layer programs and the reference use; and the
// plain reference transformer that runs them token by token.
#pragma once

#include <string>
#include <vector>

#include "firmware/decode_layer.h"
#include "llm/model_spec.h"

namespace wse {

struct ModelWeights {
  std::vector<float> embed;  // [vocab][hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // [hidden]
  std::vector<float> lm_head;     // [hidden][vocab]
};

// Throws ConfigError naming the file and the tensor when one is missing or mis-shaped.
ModelWeights load_model_weights(const ModelSpec& model, const std::string& safetensors_path);

LayerShape layer_shape_of(const ModelSpec& m);

// Logits of a final hidden state: RMSNorm with the final norm, then the LM head.
std::vector<double> lm_logits(const ModelSpec& m, const ModelWeights& w,
                              const std::vector<float>& x);

// The plain reference: one token at a time through every layer (reference_decode_layer) with a
// growing KV cache per layer.
class ReferenceModel {
 public:
  ReferenceModel(const ModelSpec& m, const ModelWeights& w)
      : m_(m), w_(w), k_(w.layers.size()), v_(w.layers.size()) {}
  // Feeds `token` at the next position; returns its logits.
  std::vector<double> step(int token);
  int position() const { return position_; }
  // Keys (after RoPE) and values cached by layer l: [tokens][kv_dim].
  const std::vector<float>& keys(std::size_t l) const { return k_[l]; }
  const std::vector<float>& values(std::size_t l) const { return v_[l]; }

 private:
  const ModelSpec& m_;
  const ModelWeights& w_;
  std::vector<std::vector<float>> k_, v_;
  int position_ = 0;
};

}  // namespace wse
