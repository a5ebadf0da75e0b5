#pragma once
// safetensors files: memory-mapped reading with a hostile-header validator, and writing.
// Format: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data; offsets are
// relative to the end of the header. No LibTorch here: model/checkpoint binds the views to tensors.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dream::model {

enum class DType { F32, BF16, F16, F64, I64, I32, I16, I8, U8, BOOL };

// "F32" -> DType::F32 ...; throws naming the value for an unknown dtype.
DType dtype_from_name(const std::string& name);
const char* dtype_name(DType d);
size_t dtype_size(DType d);

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;  // points into the mapped file (read-only)
  size_t nbytes = 0;

  int64_t numel() const;
};

// A read-only memory map of one safetensors file; every tensor view stays valid while the file lives.
class SafetensorsFile {
 public:
  // Maps and validates the file: header length within the file, JSON well formed, each entry with a known
  // dtype, a non-negative shape, offsets in range, byte count = numel x dtype size, no two tensors overlapping.
  // Throws std::runtime_error naming the file, the tensor and the offending value.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Throws naming the file and the tensor when absent.
  const TensorView& at(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// One tensor to write: the bytes are copied as given (little-endian, row-major).
struct TensorToWrite {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  size_t nbytes = 0;
};

// Writes a safetensors file atomically (temporary file, then rename). Tensors are laid out in name order
// and the header is padded to a multiple of 8 bytes so every tensor is aligned for its element type.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace dream::model
