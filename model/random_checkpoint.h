#pragma once
// Random Dream weights: small checkpoints in the Hugging Face layout for tests and demos (they load through
// exactly the same code as a real Dream folder), and in-memory weights of any config, made directly on the
// device in the compute dtype, for benchmarks (Dream-7B's 15.2 GB in bf16 never touch the CPU or a disk).
#include <cstdint>
#include <filesystem>
#include <string>

#include <ATen/ATen.h>

#include "checkpoint.h"
#include "config.h"
#include "dream_model.h"

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

// The shape and special ids of Dream-v0-7B (Base and Instruct share them): V 152064, H 3584, I 18944,
// 28 layers, 28 heads / 4 kv heads, rope theta 1e6, mask 151666, bos = eos = pad 151643, bf16.
DreamConfig dream_7b_config();

// Writes config.json and the weights into `dir` (created if needed). Norm weights are 1 + N(0, init_std)
// so a wrong norm shows in tests.
void write_random_checkpoint(const std::filesystem::path& dir, const DreamConfig& config, const RandomCheckpointOptions& options);

// The same recipe in memory: every tensor drawn on `device` in `dtype` from one generator of that device
// seeded with `seed`. On the CPU in float32 the weights equal those write_random_checkpoint writes with the
// same seed and init_std; other devices draw another (still seeded, reproducible) stream.
DreamWeights random_weights(const DreamConfig& config, at::ScalarType dtype, at::Device device, uint64_t seed,
                            double init_std = 0.02);

// A DreamModel over random_weights. Its fingerprint hashes the config and the recipe (seed, init_std, dtype,
// generator device) instead of the weight bytes; source() reads "random weights (seed S)".
DreamModel random_model(const DreamConfig& config, at::ScalarType dtype, at::Device device, uint64_t seed,
                        double init_std = 0.02);

}  // namespace dream::model
