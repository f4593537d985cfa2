#include "llm/model_spec.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "hw/core/error.h"

namespace wse {
namespace {

const std::vector<std::string> kArchitectures = {"LlamaForCausalLM", "Qwen2ForCausalLM"};

Location at_byte(const std::string& file, const std::string& text, std::size_t byte) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return Location{file, line, col, {}};
}

int positive_int(const nlohmann::json& j, const std::string& key, const Location& loc,
                 bool required, int fallback) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required)
      throw ConfigError(loc, key, "missing", "a positive integer",
                        "Every LLaMA/Qwen2 config.json has it");
    return fallback;
  }
  const auto& v = j[key];
  if (!v.is_number_integer() || v.get<long long>() <= 0 || v.get<long long>() > 100000000) {
    throw ConfigError(loc, key, "'" + v.dump() + "' is not a positive integer");
  }
  return static_cast<int>(v.get<long long>());
}

double positive_real(const nlohmann::json& j, const std::string& key, const Location& loc,
                     double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  const auto& v = j[key];
  if (!v.is_number() || v.get<double>() <= 0)
    throw ConfigError(loc, key, "'" + v.dump() + "' is not a positive number");
  return v.get<double>();
}

}  // namespace

std::int64_t ModelSpec::layer_params() const {
  const std::int64_t h = hidden, q = static_cast<std::int64_t>(heads) * head_dim,
                     kv = static_cast<std::int64_t>(kv_heads) * head_dim;
  std::int64_t attention = h * q + 2 * h * kv + q * h;
  if (qkv_bias) attention += q + 2 * kv;
  return attention + 3 * h * ffn + 2 * h;
}

std::int64_t ModelSpec::total_params() const {
  const std::int64_t embed = static_cast<std::int64_t>(vocab) * hidden;
  return layers * layer_params() + hidden + embed * (tie_embeddings ? 1 : 2);
}

ModelSpec parse_model_config(const std::string& text, const std::string& file,
                             const std::string& name) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(at_byte(file, text, e.byte), "", std::string("malformed JSON: ") + e.what());
  }
  const Location loc{file, 0, 0, {}};
  if (!j.is_object()) throw ConfigError(loc, "", "a config.json must be a JSON object");
  ModelSpec m;
  m.name = name;
  if (!j.contains("architectures") || !j["architectures"].is_array() ||
      j["architectures"].empty() || !j["architectures"][0].is_string()) {
    throw ConfigError(loc, "architectures", "missing or not a list of names", join(kArchitectures));
  }
  m.architecture = j["architectures"][0].get<std::string>();
  if (std::find(kArchitectures.begin(), kArchitectures.end(), m.architecture) ==
      kArchitectures.end()) {
    throw ConfigError(loc, "architectures", "'" + m.architecture + "' is not supported",
                      join(kArchitectures),
                      "Other decoder-only models need their layer program first");
  }
  m.hidden = positive_int(j, "hidden_size", loc, true, 0);
  m.layers = positive_int(j, "num_hidden_layers", loc, true, 0);
  m.heads = positive_int(j, "num_attention_heads", loc, true, 0);
  m.kv_heads = positive_int(j, "num_key_value_heads", loc, false, m.heads);
  m.ffn = positive_int(j, "intermediate_size", loc, true, 0);
  m.vocab = positive_int(j, "vocab_size", loc, true, 0);
  m.max_positions = positive_int(j, "max_position_embeddings", loc, false, 2048);
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    m.head_dim = positive_int(j, "head_dim", loc, true, 0);
  } else {
    if (m.hidden % m.heads != 0) {
      throw ConfigError(
          loc, "num_attention_heads",
          std::to_string(m.heads) + " heads do not divide hidden_size " + std::to_string(m.hidden),
          "", "Give head_dim explicitly");
    }
    m.head_dim = m.hidden / m.heads;
  }
  if (m.heads % m.kv_heads != 0) {
    throw ConfigError(loc, "num_key_value_heads",
                      std::to_string(m.kv_heads) + " KV heads do not divide " +
                          std::to_string(m.heads) + " attention heads");
  }
  m.rope_theta = positive_real(j, "rope_theta", loc, 10000.0);
  m.rms_norm_eps = positive_real(j, "rms_norm_eps", loc, 1e-6);
  if (j.contains("tie_word_embeddings") && j["tie_word_embeddings"].is_boolean())
    m.tie_embeddings = j["tie_word_embeddings"].get<bool>();
  m.qkv_bias = m.architecture == "Qwen2ForCausalLM";
  if (j.contains("torch_dtype") && !j["torch_dtype"].is_null()) {
    const std::string dt = j["torch_dtype"].is_string() ? j["torch_dtype"].get<std::string>()
                                                        : j["torch_dtype"].dump();
    if (dt == "float16" || dt == "bfloat16") {
      m.dtype_bytes = 2;
    } else if (dt == "float32") {
      m.dtype_bytes = 4;
    } else {
      throw ConfigError(loc, "torch_dtype", "'" + dt + "' is not supported",
                        "float16, bfloat16, float32");
    }
  }
  return m;
}

ModelSpec load_model_config(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw ConfigError(Location{path, 0, 0, {}}, "",
                      "cannot open model config (does it exist and is it readable?)");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string name = path;
  const auto slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  return parse_model_config(ss.str(), path, name);
}

std::vector<std::string> bundled_model_names() {
  std::vector<std::string> n;
  for (const auto& m : bundled_models()) n.push_back(m.name);
  return n;
}

ModelSpec bundled_model(const std::string& name) {
  for (const auto& m : bundled_models())
    if (m.name == name) return parse_model_config(m.text, m.path, m.name);
  const std::string near = closest_match(name, bundled_model_names());
  throw ConfigError(
      Location{"", 0, 0, "model"}, "", "unknown bundled model '" + name + "'",
      join(bundled_model_names()),
      near.empty() ? "Or give the path of a config.json" : "Did you mean '" + near + "'?");
}

}  // namespace wse
