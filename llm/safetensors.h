// Reads Hugging Face safetensors files: an 8-byte little-endian header length, a JSON header
// (tensor name -> dtype, shape, data_offsets) and the raw data. F16, BF16 and F32 tensors are
// read as floats. Errors name the file and the tensor.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wse {

struct TensorInfo {
  std::string dtype;                 // F16, BF16, F32
  std::vector<std::int64_t> shape;   // row-major
  std::uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

class SafetensorsFile {
 public:
  // Reads the header and keeps the data; throws ConfigError (file, problem, remedy).
  explicit SafetensorsFile(const std::string& path);
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // The tensor as floats; `shape` (if not empty) must match exactly.
  std::vector<float> read(const std::string& name,
                          const std::vector<std::int64_t>& shape = {}) const;

 private:
  std::string path_;
  std::map<std::string, TensorInfo> tensors_;
  std::vector<char> data_;
};

}  // namespace wse
