#include "random_checkpoint.h"

#include <ATen/ATen.h>

#include "checkpoint.h"
#include "torch_compat.h"

namespace dream::model {

DreamConfig small_config(int64_t vocab_size, int64_t hidden_size, int64_t intermediate_size, int64_t layers,
                         int64_t heads, int64_t kv_heads, double rope_theta) {
  DreamConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = hidden_size;
  c.intermediate_size = intermediate_size;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv_heads;
  c.head_dim = hidden_size / heads;
  c.rope_theta = rope_theta;
  c.max_position_embeddings = 4096;
  c.mask_token_id = vocab_size - 1;
  c.eos_token_id = c.pad_token_id = vocab_size - 2;
  c.bos_token_id = vocab_size - 3;
  return c;
}

void write_random_checkpoint(const std::filesystem::path& dir, const DreamConfig& config,
                             const RandomCheckpointOptions& options) {
  at::Generator gen = compat::make_cpu_generator(options.seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, shape] : expected_tensors(config)) {
    at::Tensor t = at::normal(0.0, options.init_std, shape, gen, at::TensorOptions().dtype(at::kFloat));
    if (shape.size() == 1 && name.find("norm") != std::string::npos) t = t + 1.0;
    tensors.emplace_back(name, t);
  }
  write_checkpoint(dir, config, tensors, {options.dtype, options.shards});
}

}  // namespace dream::model
