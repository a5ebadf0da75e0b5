#pragma once
// Binding a Dream checkpoint's safetensors (single file or shards) to tensors, by name, with validation.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "config.h"
#include "safetensors.h"

namespace dream::model {

struct LayerWeights {
  at::Tensor input_norm;            // [H]
  at::Tensor q_proj, q_bias;        // [nH*D, H], [nH*D]
  at::Tensor k_proj, k_bias;        // [nKV*D, H], [nKV*D]
  at::Tensor v_proj, v_bias;        // [nKV*D, H], [nKV*D]
  at::Tensor o_proj;                // [H, nH*D]
  at::Tensor post_attention_norm;   // [H]
  at::Tensor gate_proj, up_proj;    // [I, H]
  at::Tensor down_proj;             // [H, I]
};

struct DreamWeights {
  at::Tensor embed_tokens;  // [V, H]
  std::vector<LayerWeights> layers;
  at::Tensor final_norm;    // [H]
  at::Tensor lm_head;       // [V, H] (the embedding itself when tie_word_embeddings)
  // The mapped files: tensors bound without a copy point into them, so they live as long as the weights.
  std::vector<std::shared_ptr<SafetensorsFile>> files;
};

struct LoadOptions {
  std::optional<at::ScalarType> dtype;  // compute dtype; default: the checkpoint's torch_dtype
  at::Device device = at::kCPU;         // where the weights live
};

// Every tensor a checkpoint of this config must hold, with its shape, in a fixed order.
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const DreamConfig& config);

// Reads DIR/model.safetensors or DIR/model.safetensors.index.json + shards. Every expected tensor must be
// present exactly once with its shape and a float dtype; anything missing, extra, misshapen or of another
// dtype is an error naming the tensor and the file. On CPU with a matching dtype the tensors alias the
// memory-mapped files (no copy).
DreamWeights load_weights(const std::filesystem::path& dir, const DreamConfig& config, const LoadOptions& options);

at::ScalarType scalar_type_from_name(const std::string& torch_dtype);  // "bfloat16" -> at::kBFloat16 ...
std::string scalar_type_name(at::ScalarType t);                        // at::kBFloat16 -> "bfloat16" ...

}  // namespace dream::model
