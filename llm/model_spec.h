// Model shapes read from a Hugging Face config.json (LLaMA and Qwen2 architectures), with the
// derived sizes the placement planner and the KV-cache accounting need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wse {

struct ModelSpec {
  std::string name;
  std::string architecture;  // LlamaForCausalLM | Qwen2ForCausalLM
  int hidden = 0;            // hidden_size
  int layers = 0;            // num_hidden_layers
  int heads = 0;             // num_attention_heads
  int kv_heads = 0;          // num_key_value_heads (GQA when < heads)
  int head_dim = 0;          // head_dim, default hidden / heads
  int ffn = 0;               // intermediate_size
  int vocab = 0;             // vocab_size
  int max_positions = 0;     // max_position_embeddings
  double rope_theta = 10000;
  double rms_norm_eps = 1e-5;
  int dtype_bytes = 2;  // torch_dtype: float16/bfloat16 = 2, float32 = 4
  bool tie_embeddings = false;
  bool qkv_bias = false;  // Qwen2 has biases on the q, k, v projections

  // Weights of one decoder layer (attention + MLP + two norms), in elements.
  std::int64_t layer_params() const;
  // All weights including embeddings and the LM head.
  std::int64_t total_params() const;
  // K and V of one token in one layer, in elements.
  std::int64_t kv_elements_per_token_layer() const { return 2LL * kv_heads * head_dim; }
};

// Parses config.json text; `file` names it in errors. Throws ConfigError (FILE:LINE:COL for
// malformed JSON; the field, the problem and valid values for bad or missing fields).
ModelSpec parse_model_config(const std::string& text, const std::string& file,
                             const std::string& name);
ModelSpec load_model_config(const std::string& path);

struct BundledModel {
  std::string name;  // e.g. "llama3-8b"
  std::string path;  // e.g. "scenarios/models/llama3-8b.json"
  std::string text;
};
const std::vector<BundledModel>& bundled_models();
std::vector<std::string> bundled_model_names();
// A bundled model by name; throws ConfigError listing the bundled names when unknown.
ModelSpec bundled_model(const std::string& name);

}  // namespace wse
