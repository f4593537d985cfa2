#include <gtest/gtest.h>

#include "hw/core/error.h"
#include "llm/model_spec.h"

namespace wse {
namespace {

TEST(ModelSpec, BundledShapesMatchTheReference) {
  const ModelSpec l3 = bundled_model("llama3-8b");
  EXPECT_EQ(l3.layers, 32);
  EXPECT_EQ(l3.hidden, 4096);
  EXPECT_EQ(l3.heads, 32);
  EXPECT_EQ(l3.kv_heads, 8);
  EXPECT_EQ(l3.head_dim, 128);
  EXPECT_EQ(l3.ffn, 14336);
  EXPECT_EQ(l3.vocab, 128256);
  EXPECT_DOUBLE_EQ(l3.rope_theta, 500000.0);
  // 8.03 billion parameters, as published for LLaMA3-8B.
  EXPECT_EQ(l3.total_params(), 8030261248LL);
  EXPECT_EQ(l3.kv_elements_per_token_layer(), 2 * 8 * 128);
  const ModelSpec l2 = bundled_model("llama2-13b");
  EXPECT_EQ(l2.kv_heads, 40);
  EXPECT_EQ(l2.total_params(), 13015864320LL);
  const ModelSpec c34 = bundled_model("codellama-34b");
  EXPECT_EQ(c34.layers, 48);
  EXPECT_EQ(c34.ffn, 22016);
  const ModelSpec q72 = bundled_model("qwen2-72b");
  EXPECT_EQ(q72.layers, 80);
  EXPECT_EQ(q72.ffn, 29568);
  EXPECT_EQ(q72.vocab, 152064);
  EXPECT_TRUE(q72.qkv_bias);
  EXPECT_EQ(bundled_model("tiny-llama").kv_heads, 2);
}

std::string error_of(const std::string& text) {
  try {
    parse_model_config(text, "config.json", "m");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelSpec, ClearErrors) {
  const std::string base =
      R"("architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100)";
  EXPECT_EQ(error_of("{" + base + "}"), "");
  EXPECT_NE(error_of(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64})")
                .find("config.json: error: num_hidden_layers: missing"),
            std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "num_key_value_heads": 3})")
                .find("num_key_value_heads: 3 KV heads do not divide 4 attention heads"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"architectures": ["GPT2LMHeadModel"]})")
          .find("'GPT2LMHeadModel' is not supported; valid: LlamaForCausalLM, Qwen2ForCausalLM"),
      std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "torch_dtype": "int8"})")
                .find("torch_dtype: 'int8' is not supported"),
            std::string::npos);
  EXPECT_NE(error_of("{" + base + R"(, "hidden_size": -5})")
                .find("hidden_size: '-5' is not a positive integer"),
            std::string::npos);
  const std::string malformed = error_of("{\n  \"hidden_size\": 64,\n  oops\n}");
  EXPECT_EQ(malformed.rfind("config.json:3:3: error: malformed JSON", 0), 0u) << malformed;
  try {
    bundled_model("llama3-7b");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("Did you mean 'llama3-8b'?"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace wse
