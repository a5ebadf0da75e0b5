#pragma once
// The Dream network: a bidirectional Qwen2 transformer (reference section 2).
#include <filesystem>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "checkpoint.h"
#include "config.h"

namespace dream::model {

// Keys and values of every layer from one full forward, after RoPE: per layer [B, nKV, N, D]. Kept so that
// later forwards of a few positions can attend to the rest without recomputing it (hidden_states_window).
struct KvCache {
  std::vector<at::Tensor> k, v;
};

class DreamModel {
 public:
  // Loads config.json and the weights of a Hugging Face model folder.
  static DreamModel load(const std::filesystem::path& dir, const LoadOptions& options = {});
  DreamModel(DreamConfig config, DreamWeights weights, std::string source);
  // For weights made from a recipe rather than read from files (random benchmark weights): the fingerprint
  // hashes the config and `weights_id` (which must name everything the weights depend on, e.g. seed, dtype,
  // generator device) instead of every weight byte, which for Dream-7B on a GPU would be a 15 GB copy to the
  // host. weights_id must not be empty.
  DreamModel(DreamConfig config, DreamWeights weights, std::string source, const std::string& weights_id);

  const DreamConfig& config() const { return config_; }
  const DreamWeights& weights() const { return weights_; }
  at::ScalarType dtype() const { return weights_.embed_tokens.scalar_type(); }
  at::Device device() const { return weights_.embed_tokens.device(); }
  const std::string& source() const { return source_; }
  // A 64-bit content hash of config and every weight byte (hex), for caches and provenance.
  const std::string& fingerprint() const { return fingerprint_; }

  // Last hidden states before the final norm.
  // ids: [B, N] int64. positions: [B, N] int64, or undefined for 0..N-1. mask: bool [B, 1, N, N] (true =
  // may attend), or undefined for full attention. Returns [B, N, H] in the model dtype. With `fill`, every
  // layer's keys and values (after RoPE) are kept there for hidden_states_window.
  at::Tensor hidden_states(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask,
                           KvCache* fill = nullptr) const;

  // Hidden states [B, W, H] of W positions per row, the rest of each row coming from `cache` (filled by
  // hidden_states over the same [B, N] layout): window [B, W] int64 holds the positions (0..N-1), ids and
  // positions [B, W] their tokens and RoPE positions (undefined: the window itself), mask bool [B, 1, W, N] or
  // undefined. The window's keys and
  // values replace the cache's at its positions (so the cache follows the tokens the window saw) and its queries
  // attend to all N. Exactly hidden_states' rows when the cache came from the same tokens (up to the rounding of
  // other GEMM shapes); an approximation otherwise: the cached positions do not see the window's new tokens
  // (Fast-dLLM's dual cache; decoding policy dual_cache).
  at::Tensor hidden_states_window(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask,
                                  const at::Tensor& window, KvCache& cache) const;

  // Final norm + lm_head over hidden states [..., H] -> logits [..., V] (UNshifted: row i predicts token i+1).
  at::Tensor logits_from_hidden(const at::Tensor& hidden) const;

  // Full forward: logits [B, N, V], unshifted, in the model dtype.
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& positions = {}, const at::Tensor& mask = {}) const;

 private:
  at::Tensor run_layers(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask, KvCache* cache,
                        const at::Tensor& window) const;

  DreamConfig config_;
  DreamWeights weights_;
  std::string source_;
  std::string fingerprint_;
};

// Left-padding helpers shared by generation and likelihood scoring (reference section 2, "Positions and padding").
struct PaddingLayout {
  at::Tensor positions;  // [B, N] int64 = cumsum(mask) - 1 with padded slots set to 1; undefined when no padding
  at::Tensor mask;       // bool [B, 1, N, N] = (m_i AND m_j) OR NOT m_i (padded query rows see all keys, so they
                         // stay finite; real rows see real keys only); undefined when no padding
};
// attention_mask: [B, N] (1 = real token). Without any zero, both outputs are undefined (full attention).
PaddingLayout padding_layout(const at::Tensor& attention_mask);

}  // namespace dream::model
