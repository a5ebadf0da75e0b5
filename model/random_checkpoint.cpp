#include "random_checkpoint.h"

#include <fstream>
#include <map>
#include <stdexcept>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "safetensors.h"
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

void write_random_checkpoint(const std::filesystem::path& dir, const DreamConfig& config_in,
                             const RandomCheckpointOptions& options) {
  DreamConfig config = config_in;
  config.torch_dtype = options.dtype;
  // Round-trip through the validator so a generator bug cannot write a checkpoint the loader refuses.
  config = parse_config(config_to_json(config), "generated config");
  if (options.shards < 1) throw std::invalid_argument("shards must be at least 1, got " + std::to_string(options.shards));
  const at::ScalarType dtype = scalar_type_from_name(options.dtype);
  const DType file_dtype = dtype == at::kFloat ? DType::F32 : dtype == at::kBFloat16 ? DType::BF16 : DType::F16;

  std::filesystem::create_directories(dir);
  at::Generator gen = compat::make_cpu_generator(options.seed);
  const auto names = expected_tensors(config);
  std::vector<at::Tensor> values;
  for (const auto& [name, shape] : names) {
    at::Tensor t = at::normal(0.0, options.init_std, shape, gen, at::TensorOptions().dtype(at::kFloat));
    if (shape.size() == 1 && name.find("norm") != std::string::npos) t = t + 1.0;
    values.push_back(t.to(dtype).contiguous());
  }

  // Split the tensors into `shards` files of similar byte size, in name-list order.
  int64_t total = 0;
  for (const auto& v : values) total += v.numel() * v.element_size();
  const int shards = options.shards;
  std::vector<std::vector<TensorToWrite>> files(shards);
  nlohmann::json weight_map = nlohmann::json::object();
  int64_t running = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const int64_t bytes = values[i].numel() * values[i].element_size();
    const int shard = std::min<int64_t>(shards - 1, running * shards / std::max<int64_t>(total, 1));
    running += bytes;
    files[shard].push_back({names[i].first, file_dtype, names[i].second, values[i].data_ptr(), static_cast<size_t>(bytes)});
  }
  auto shard_name = [&](int k) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05d-of-%05d.safetensors", k + 1, shards);
    return std::string(buf);
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (shards == 1) {
    write_safetensors(dir / "model.safetensors", files[0], metadata);
  } else {
    for (int k = 0; k < shards; ++k) {
      write_safetensors(dir / shard_name(k), files[k], metadata);
      for (const auto& t : files[k]) weight_map[t.name] = shard_name(k);
    }
    std::ofstream(dir / "model.safetensors.index.json")
        << nlohmann::json{{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}}.dump(2);
  }
  std::ofstream(dir / "config.json") << config_to_json(config).dump(2) << "\n";
}

}  // namespace dream::model
