#include "llm/safetensors.h"

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hw/core/error.h"
#include "pe/dtype.h"

namespace wse {
namespace {

ConfigError bad(const std::string& path, const std::string& problem) {
  return ConfigError(Location{path, 0, 0, {}}, "", problem, "",
                     "Write it with safetensors (or scripts/make_tiny_model.py)");
}

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad(path, "cannot open the safetensors file");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char len_bytes[8];
  if (size < 8 || !in.read(reinterpret_cast<char*>(len_bytes), 8))
    throw bad(path, "too short for a safetensors header");
  std::uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | len_bytes[i];
  if (len > size - 8)
    throw bad(path, "header length " + std::to_string(len) + " runs past the end");
  std::string header(len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(len));
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(header);
  } catch (const std::exception& e) {
    throw bad(path, std::string("malformed JSON header: ") + e.what());
  }
  data_.resize(size - 8 - len);
  in.read(data_.data(), static_cast<std::streamsize>(data_.size()));
  for (auto it = h.begin(); it != h.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto& v = it.value();
    TensorInfo t;
    try {
      t.dtype = v.at("dtype").get<std::string>();
      t.shape = v.at("shape").get<std::vector<std::int64_t>>();
      const auto off = v.at("data_offsets").get<std::vector<std::uint64_t>>();
      if (off.size() != 2) throw std::runtime_error("data_offsets needs two numbers");
      t.begin = off[0];
      t.end = off[1];
    } catch (const std::exception& e) {
      throw bad(path, "tensor '" + it.key() + "': " + e.what());
    }
    if (t.end < t.begin || t.end > data_.size())
      throw bad(path, "tensor '" + it.key() + "' lies outside the data (offsets " +
                          std::to_string(t.begin) + ".." + std::to_string(t.end) + ")");
    tensors_[it.key()] = t;
  }
}

std::vector<float> SafetensorsFile::read(const std::string& name,
                                         const std::vector<std::int64_t>& shape) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) throw bad(path_, "no tensor '" + name + "'");
  const TensorInfo& t = it->second;
  if (!shape.empty() && shape != t.shape)
    throw bad(path_, "tensor '" + name + "' has shape " + shape_text(t.shape) + ", expected " +
                         shape_text(shape));
  std::int64_t count = 1;
  for (auto d : t.shape) count *= d;
  const int width = t.dtype == "F32" ? 4 : (t.dtype == "F16" || t.dtype == "BF16") ? 2 : 0;
  if (width == 0)
    throw bad(path_, "tensor '" + name + "' has dtype " + t.dtype + " (F16, BF16 or F32 only)");
  if (static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(width) != t.end - t.begin)
    throw bad(path_, "tensor '" + name + "' holds " + std::to_string(t.end - t.begin) +
                         " bytes, not " + std::to_string(count * width));
  std::vector<float> out(static_cast<std::size_t>(count));
  const char* p = data_.data() + t.begin;
  for (std::int64_t i = 0; i < count; ++i) {
    if (width == 4) {
      std::memcpy(&out[static_cast<std::size_t>(i)], p + i * 4, 4);
    } else {
      std::uint16_t h;
      std::memcpy(&h, p + i * 2, 2);  // little-endian hosts (x86, Arm Linux)
      if (t.dtype == "F16") {
        out[static_cast<std::size_t>(i)] = f16_value(h);
      } else {
        const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
        std::memcpy(&out[static_cast<std::size_t>(i)], &bits, 4);
      }
    }
  }
  return out;
}

}  // namespace wse
