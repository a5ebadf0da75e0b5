#include "dream_model.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <ATen/Parallel.h>

#include <nlohmann/json.hpp>

#include "ops/attention.h"
#include "ops/rms_norm.h"
#include "ops/rope.h"

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

at::Tensor DreamModel::hidden_states(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask) const {
  const int64_t B = ids.size(0), N = ids.size(1), nH = config_.num_attention_heads,
                nKV = config_.num_key_value_heads, D = config_.head_dim;
  const at::Tensor pos = positions.defined()
                             ? positions
                             : at::arange(N, at::TensorOptions().dtype(at::kLong).device(ids.device())).unsqueeze(0).expand({B, N});
  const ops::RopeTables rope = ops::rope_tables(pos, D, config_.rope_theta, dtype());

  at::Tensor x = at::embedding(weights_.embed_tokens, ids);
  for (const LayerWeights& l : weights_.layers) {
    const at::Tensor n1 = ops::rms_norm(x, l.input_norm, config_.rms_norm_eps);
    const at::Tensor q = at::linear(n1, l.q_proj, l.q_bias).view({B, N, nH, D}).transpose(1, 2);
    const at::Tensor k = at::linear(n1, l.k_proj, l.k_bias).view({B, N, nKV, D}).transpose(1, 2);
    const at::Tensor v = at::linear(n1, l.v_proj, l.v_bias).view({B, N, nKV, D}).transpose(1, 2);
    const at::Tensor attn = ops::attention(ops::apply_rope(q, rope), ops::apply_rope(k, rope), v.contiguous(), mask);
    const at::Tensor h = x + at::linear(attn.transpose(1, 2).reshape({B, N, nH * D}), l.o_proj);
    const at::Tensor n2 = ops::rms_norm(h, l.post_attention_norm, config_.rms_norm_eps);
    x = h + at::linear(at::silu(at::linear(n2, l.gate_proj)) * at::linear(n2, l.up_proj), l.down_proj);
  }
  return x;
}

at::Tensor DreamModel::logits_from_hidden(const at::Tensor& hidden) const {
  return at::linear(ops::rms_norm(hidden, weights_.final_norm, config_.rms_norm_eps), weights_.lm_head);
}

at::Tensor DreamModel::forward(const at::Tensor& ids, const at::Tensor& positions, const at::Tensor& mask) const {
  return logits_from_hidden(hidden_states(ids, positions, mask));
}

void set_cpu_threads(int threads, const DreamConfig& config) {
  constexpr int64_t kSmallModelParameters = 20'000'000;
  const unsigned hw = std::thread::hardware_concurrency();
  if (threads <= 0) threads = config.parameter_count() < kSmallModelParameters ? 1 : static_cast<int>(hw ? hw : 1);
  at::set_num_threads(threads);
}

PaddingLayout padding_layout(const at::Tensor& attention_mask) {
  PaddingLayout out;
  if (!(attention_mask == 0).any().item<bool>()) return out;
  const at::Tensor m = attention_mask.to(at::kLong);
  out.positions = (m.cumsum(-1) - 1).masked_fill(m == 0, 1);
  const at::Tensor b = m.to(at::kBool);
  out.mask = at::logical_and(b.unsqueeze(1).unsqueeze(-2), b.unsqueeze(1).unsqueeze(-1));
  return out;
}

}  // namespace dream::model
