#include "random_checkpoint.h"

#include <map>

#include "torch_compat.h"

namespace dream::model {
namespace {

// One tensor of the random recipe: N(0, init_std), norm weights 1 + N(0, init_std) (a wrong norm then shows).
at::Tensor random_tensor(const std::string& name, const std::vector<int64_t>& shape, double init_std, at::Generator& gen,
                         const at::TensorOptions& options) {
  at::Tensor t = at::normal(0.0, init_std, shape, gen, options);
  if (shape.size() == 1 && name.find("norm") != std::string::npos) t.add_(1.0);
  return t;
}

}  // namespace

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

DreamConfig dream_7b_config() {
  // Values of Dream-org/Dream-v0-Instruct-7B's config.json (tests compare against the shared copy).
  DreamConfig c = small_config(152064, 3584, 18944, 28, 28, 4, 1e6);
  c.rms_norm_eps = 1e-6;
  c.max_position_embeddings = 131072;
  c.tie_word_embeddings = false;
  c.torch_dtype = "bfloat16";
  c.mask_token_id = 151666;
  c.bos_token_id = c.eos_token_id = c.pad_token_id = 151643;
  return c;
}

void write_random_checkpoint(const std::filesystem::path& dir, const DreamConfig& config,
                             const RandomCheckpointOptions& options) {
  at::Generator gen = compat::make_cpu_generator(options.seed);
  const at::TensorOptions fp32 = at::TensorOptions().dtype(at::kFloat);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, shape] : expected_tensors(config))
    tensors.emplace_back(name, random_tensor(name, shape, options.init_std, gen, fp32));
  write_checkpoint(dir, config, tensors, {options.dtype, options.shards});
}

DreamWeights random_weights(const DreamConfig& config, at::ScalarType dtype, at::Device device, uint64_t seed,
                            double init_std) {
  at::Generator gen = compat::make_generator(seed, device);
  const at::TensorOptions options = at::TensorOptions().dtype(dtype).device(device);
  std::map<std::string, at::Tensor> named;
  for (const auto& [name, shape] : expected_tensors(config)) named.emplace(name, random_tensor(name, shape, init_std, gen, options));
  return bind_weights(config, named);
}

DreamModel random_model(const DreamConfig& config, at::ScalarType dtype, at::Device device, uint64_t seed,
                        double init_std) {
  const std::string recipe = "random:seed=" + std::to_string(seed) + ":init_std=" + std::to_string(init_std) +
                             ":dtype=" + scalar_type_name(dtype) + ":generator=" + c10::DeviceTypeName(device.type(), true);
  DreamWeights weights = random_weights(config, dtype, device, seed, init_std);
  if (fuse_projections_by_default(device)) fuse_projections(weights);  // the layout DreamModel::load gives there
  return DreamModel(config, std::move(weights), "random weights (seed " + std::to_string(seed) + ")", recipe);
}

}  // namespace dream::model
