#pragma once
// Small random Dream checkpoints in the Hugging Face layout, for tests, demos and benchmarks: they load
// through exactly the same code as a real Dream folder.
#include <cstdint>
#include <filesystem>
#include <string>

#include "config.h"

namespace dream::model {

struct RandomCheckpointOptions {
  uint64_t seed = 0;          // weights are N(0, init_std) from a generator seeded with this
  double init_std = 0.02;     // the Hugging Face initializer_range of Qwen2
  std::string dtype = "float32";  // float32, bfloat16 or float16 (stored dtype; also written as torch_dtype)
  int shards = 1;             // 1: model.safetensors; > 1: model-0000K-of-0000N + model.safetensors.index.json
};

// A config of the given size with Dream's conventions (mask = last id, pad = eos = last - 1, bos = last - 2).
DreamConfig small_config(int64_t vocab_size, int64_t hidden_size, int64_t intermediate_size, int64_t layers,
                         int64_t heads, int64_t kv_heads, double rope_theta = 10000.0);

// Writes config.json and the weights into `dir` (created if needed). Norm weights are 1 + N(0, init_std)
// so a wrong norm shows in tests.
void write_random_checkpoint(const std::filesystem::path& dir, const DreamConfig& config, const RandomCheckpointOptions& options);

}  // namespace dream::model
