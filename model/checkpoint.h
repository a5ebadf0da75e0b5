#pragma once
// Binding a Dream checkpoint's safetensors (single file or shards) to tensors, by name, with validation.
#include <filesystem>
#include <map>
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
  // Set by fuse_projections (undefined otherwise): q, k, v stacked, [(nH + 2 nKV) * D, H] and its bias, and gate,
  // up stacked, [2I, H]; the separate tensors above then become views into them (no second copy).
  at::Tensor qkv_proj, qkv_bias;
  at::Tensor gate_up_proj;
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
  std::optional<bool> fuse_projections; // stack q/k/v and gate/up weights (fewer, larger GEMMs); default:
                                        // fuse_projections_by_default(device)
};

// Every tensor a checkpoint of this config must hold, with its shape, in a fixed order.
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const DreamConfig& config);

// Reads DIR/model.safetensors or DIR/model.safetensors.index.json + shards. Every expected tensor must be
// present exactly once with its shape and a float dtype; anything missing, extra, misshapen or of another
// dtype is an error naming the tensor and the file. On CPU with a matching dtype the tensors alias the
// memory-mapped files (no copy).
DreamWeights load_weights(const std::filesystem::path& dir, const DreamConfig& config, const LoadOptions& options);

// Stacks each layer's q/k/v projections (and biases) and its gate/up projections into one tensor each, so a
// layer runs 4 GEMMs instead of 7, and re-points the separate fields at views of the stacked tensors. Not for
// weights that are trained (the views would not be the parameters).
void fuse_projections(DreamWeights& weights);
// Whether loading onto `device` stacks the projections unless told otherwise: off the CPU only (on the CPU it
// would copy the zero-copy mapped weights).
inline bool fuse_projections_by_default(const at::Device& device) { return !device.is_cpu(); }

// Binds tensors named as in the checkpoint files (see expected_tensors) to the model's slots; a missing name
// is an error naming it. The tensors are used as given (no copy), so a trainer can bind its parameters.
DreamWeights bind_weights(const DreamConfig& config, const std::map<std::string, at::Tensor>& named);

// The weights as (checkpoint name, tensor) pairs in expected_tensors order (lm_head left out when tied).
std::vector<std::pair<std::string, at::Tensor>> named_tensors(const DreamConfig& config, const DreamWeights& weights);

struct WriteOptions {
  std::string dtype = "float32";  // stored dtype (float32, bfloat16, float16), also written as torch_dtype
  int shards = 1;                 // 1: model.safetensors; > 1: model-0000K-of-0000N + model.safetensors.index.json
};

// Writes config.json and the weights of a checkpoint in the Hugging Face layout into `dir` (created if
// needed). `tensors` must be exactly expected_tensors(config), in that order, with those shapes (an error
// names the first that is not); they are cast to options.dtype on the CPU.
void write_checkpoint(const std::filesystem::path& dir, const DreamConfig& config,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors, const WriteOptions& options = {});

at::ScalarType scalar_type_from_name(const std::string& torch_dtype);  // "bfloat16" -> at::kBFloat16 ...
std::string scalar_type_name(at::ScalarType t);                        // at::kBFloat16 -> "bfloat16" ...

}  // namespace dream::model
