#include "dream_model.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "ops/attention.h"
#include "ops/rms_norm.h"
#include "ops/rope.h"
#include "ops/swiglu.h"

namespace dream::model {
namespace {

std::string hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// A 64-bit hash of the config text and every weight byte (8 bytes at a time, so a 15 GB checkpoint hashes in
// seconds). Caches and provenance key on it: two checkpoints differing anywhere get different fingerprints.
// With a non-empty `weights_id` the id stands for the weights and no weight byte is read (see the constructor).
std::string compute_fingerprint(const DreamConfig& config, const DreamWeights& w, const std::string& weights_id) {
  uint64_t h = 1469598103934665603ull;
  auto mix_word = [&](uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 1099511628211ull;
  };
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t v;
      std::memcpy(&v, b + i, 8);
      mix_word(v);
    }
    for (; i < n; ++i) mix_word(b[i]);
    mix_word(n);
  };
  const std::string cfg = config_to_json(config).dump();
  mix(cfg.data(), cfg.size());
  if (!weights_id.empty()) {
    mix(weights_id.data(), weights_id.size());
    return hex(h);
  }
  auto mix_tensor = [&](const at::Tensor& t) {
    const at::Tensor c = t.to(at::kCPU).contiguous();
    mix(c.data_ptr(), c.numel() * c.element_size());
  };
  mix_tensor(w.embed_tokens);
  for (const auto& l : w.layers)
    for (const at::Tensor* t : {&l.input_norm, &l.q_proj, &l.q_bias, &l.k_proj, &l.k_bias, &l.v_proj, &l.v_bias,
                                &l.o_proj, &l.post_attention_norm, &l.gate_proj, &l.up_proj, &l.down_proj})
      mix_tensor(*t);
  mix_tensor(w.final_norm);
  mix_tensor(w.lm_head);
  return hex(h);
}

}  // namespace

DreamModel DreamModel::load(const std::filesystem::path& dir, const LoadOptions& options) {
  DreamConfig config = load_config(dir);
  DreamWeights weights = load_weights(dir, config, options);
  if (options.fuse_projections.value_or(fuse_projections_by_default(options.device))) fuse_projections(weights);
  return DreamModel(std::move(config), std::move(weights), dir.string());
}

DreamModel::DreamModel(DreamConfig config, DreamWeights weights, std::string source)
    : config_(std::move(config)), weights_(std::move(weights)), source_(std::move(source)) {
  fingerprint_ = compute_fingerprint(config_, weights_, "");
}

DreamModel::DreamModel(DreamConfig config, DreamWeights weights, std::string source, const std::string& weights_id)
    : config_(std::move(config)), weights_(std::move(weights)), source_(std::move(source)) {
  if (weights_id.empty()) throw std::invalid_argument("DreamModel: an empty weights_id would not identify the weights");
  fingerprint_ = compute_fingerprint(config_, weights_, weights_id);
}

at::Tensor DreamModel::hidden_states(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask,
                                     KvCache* fill) const {
  if (fill) *fill = {};
  return run_layers(ids, positions, mask, fill, {});
}

at::Tensor DreamModel::hidden_states_window(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask,
                                            const at::Tensor& window, KvCache& cache) const {
  if (cache.k.size() != weights_.layers.size() || cache.v.size() != weights_.layers.size())
    throw std::invalid_argument("hidden_states_window: the cache holds " + std::to_string(cache.k.size()) + " layers, the model " +
                                std::to_string(weights_.layers.size()) + " (fill it with hidden_states first)");
  if (window.sizes() != ids.sizes()) throw std::invalid_argument("hidden_states_window: window and ids must both be [B, W]");
  return run_layers(ids, positions.defined() ? positions : window, mask, &cache, window);
}

at::Tensor DreamModel::run_layers(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask, KvCache* cache,
                                  const at::Tensor& window) const {
  const int64_t B = ids.size(0), N = ids.size(1), nH = config_.num_attention_heads,
                nKV = config_.num_key_value_heads, D = config_.head_dim;
  const at::Tensor pos = positions.defined()
                             ? positions
                             : at::arange(N, at::TensorOptions().dtype(at::kLong).device(ids.device())).unsqueeze(0).expand({B, N});
  const ops::RopeTables rope = ops::rope_tables(pos, D, config_.rope_theta, dtype());
  const at::Tensor attention_mask = ops::prepare_attention_mask(mask, nH / nKV, dtype());

  at::Tensor x = at::embedding(weights_.embed_tokens, ids);
  const double eps = config_.rms_norm_eps;
  const int64_t I = config_.intermediate_size;
  const size_t L = weights_.layers.size();
  // Each residual add is fused with the norm that follows it (one pass on CUDA): n1 is the current layer's
  // normalised input, carried over from the previous layer's MLP add.
  at::Tensor n1 = ops::rms_norm(x, weights_.layers.front().input_norm, eps);
  for (size_t i = 0; i < L; ++i) {
    const LayerWeights& l = weights_.layers[i];
    at::Tensor q_lin, k_lin, v_lin;  // [B, N, heads * D]
    if (l.qkv_proj.defined()) {
      const at::Tensor qkv = at::linear(n1, l.qkv_proj, l.qkv_bias);
      q_lin = qkv.narrow(-1, 0, nH * D);
      k_lin = qkv.narrow(-1, nH * D, nKV * D);
      v_lin = qkv.narrow(-1, (nH + nKV) * D, nKV * D);
    } else {
      q_lin = at::linear(n1, l.q_proj, l.q_bias);
      k_lin = at::linear(n1, l.k_proj, l.k_bias);
      v_lin = at::linear(n1, l.v_proj, l.v_bias);
    }
    const ops::RopeQK qk = ops::apply_rope_qk(q_lin, k_lin, rope, nH, nKV, D);
    const at::Tensor v = v_lin.view({B, N, nKV, D}).transpose(1, 2).contiguous();
    at::Tensor keys = qk.k, values = v;
    if (window.defined()) {
      // The window's fresh keys and values replace the cached ones at its positions; its queries see them all.
      const at::Tensor at_window = window.unsqueeze(1).unsqueeze(-1).expand({B, nKV, N, D});
      cache->k[i].scatter_(2, at_window, qk.k);
      cache->v[i].scatter_(2, at_window, v);
      keys = cache->k[i];
      values = cache->v[i];
    } else if (cache) {
      cache->k.push_back(qk.k.contiguous());
      cache->v.push_back(v);
    }
    const at::Tensor attn = ops::attention(qk.q, keys, values, attention_mask);
    const ops::AddRmsNorm post = ops::add_rms_norm(x, at::linear(attn.transpose(1, 2).reshape({B, N, nH * D}), l.o_proj),
                                                   l.post_attention_norm, eps);
    at::Tensor gate, up;  // [B, N, I]
    if (l.gate_up_proj.defined()) {
      const at::Tensor gate_up = at::linear(post.normed, l.gate_up_proj);
      gate = gate_up.narrow(-1, 0, I);
      up = gate_up.narrow(-1, I, I);
    } else {
      gate = at::linear(post.normed, l.gate_proj);
      up = at::linear(post.normed, l.up_proj);
    }
    const at::Tensor mlp = at::linear(ops::swiglu(gate, up), l.down_proj);
    if (i + 1 < L) {
      const ops::AddRmsNorm next = ops::add_rms_norm(post.sum, mlp, weights_.layers[i + 1].input_norm, eps);
      x = next.sum;
      n1 = next.normed;
    } else {
      x = post.sum + mlp;  // the final norm runs in logits_from_hidden, on the rows that need logits
    }
  }
  return x;
}

at::Tensor DreamModel::logits_from_hidden(const at::Tensor& hidden) const {
  return at::linear(ops::rms_norm(hidden, weights_.final_norm, config_.rms_norm_eps), weights_.lm_head);
}

at::Tensor DreamModel::forward(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask) const {
  return logits_from_hidden(hidden_states(ids, positions, mask));
}

PaddingLayout padding_layout(const at::Tensor& attention_mask) {
  PaddingLayout out;
  if (!(attention_mask == 0).any().item<bool>()) return out;
  const at::Tensor m = attention_mask.to(at::kLong);
  out.positions = (m.cumsum(-1) - 1).masked_fill(m == 0, 1);
  const at::Tensor b = m.to(at::kBool);
  // Real query rows see the real keys. A padded query row sees every key: its output is never read, but it
  // must stay finite (a row with no allowed key is NaN, and the NaN reaches real rows through the next layer's
  // values, since 0 * NaN = NaN).
  out.mask = at::logical_or(at::logical_and(b.unsqueeze(1).unsqueeze(-2), b.unsqueeze(1).unsqueeze(-1)),
                            b.logical_not().unsqueeze(1).unsqueeze(-1));
  return out;
}

}  // namespace dream::model
