#pragma once
// `dream-eval bench`: the speed of the Dream inference core over a grid of shapes and decoding settings, in
// the spirit of llama.cpp's llama-bench (a grid of parameters, repetitions, median and spread, Markdown and
// JSON). Random weights of any config (Dream-7B's shape without its checkpoint) or a checkpoint folder.
// Every figure and its definition: docs/benchmarks.md.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/sampler.h"

namespace dream::harness {

inline constexpr const char* kBenchSchema = "dream-eval.bench/1";

enum class BenchMode {
  Forward,   // one forward pass of B x (prompt + new) tokens, full logits
  Generate,  // one diffusion generation: prompt P, new tokens, steps, alg ...
  Both,        // Forward and Generate
  Likelihood,  // one Monte Carlo ELBO batch of the multiple-choice tasks: B samples of prompt (context) + new
               // (continuation) tokens, the lm_head on the masked rows only (model/likelihood.h)
};
BenchMode bench_mode_from_name(const std::string& name);  // forward, generate, both, likelihood; others list the known
std::string bench_mode_name(BenchMode mode);

// Lists of values; every combination is a point, nested in the order declared (dtype outermost, so one
// model per dtype is built once). The generation axes are left out of forward-only grids.
struct BenchGrid {
  std::vector<std::string> dtype = {"float32"};       // compute dtype: float32, bfloat16
  std::vector<int64_t> batch = {1};                   // B: sequences per call
  std::vector<int64_t> prompt = {256};                // P: prompt tokens (random ids, no padding)
  std::vector<int64_t> new_tokens = {256};            // answer tokens, all of them start masked
  std::vector<int64_t> steps = {64};                  // denoising steps (forward passes per generation under dream)
  std::vector<std::string> alg = {"entropy"};         // origin, maskgit_plus, topk_margin, entropy
  std::vector<std::string> policy = {"dream"};        // decoding policies (model/decoding_policy.h)
  std::vector<double> temperature = {0.0};            // token sampling temperature (0 = argmax)
  std::vector<std::optional<double>> top_p = {0.95};  // nucleus filter; nullopt = off
};

struct BenchPoint {
  std::string dtype;
  int64_t batch = 1, prompt = 0, new_tokens = 0;
  // Generation settings (unset in forward-only grids).
  std::optional<int64_t> steps;
  std::optional<std::string> alg;
  std::optional<std::string> policy;  // canonical spelling
  std::optional<double> temperature;
  std::optional<double> top_p;
  int64_t tokens() const { return prompt + new_tokens; }  // N of every forward pass
};

std::vector<BenchPoint> expand_bench_grid(const BenchGrid& grid, BenchMode mode);

struct BenchOptions {
  std::string model_dir;         // a checkpoint folder; empty: random weights of `config`
  std::string config = "tiny";   // random weights of: 7b, tiny, 100m, or a config.json file (see bench_config)
  uint64_t seed = 0;             // seeds the random weights, the prompt ids and the sampler
  std::string device = "cpu";    // cpu, cuda, cuda:N
  BenchGrid grid;
  BenchMode mode = BenchMode::Both;
  int repetitions = 5;           // timed runs per point and figure
  int warmup = 1;                // untimed runs before them (allocator, thread pool, cuBLAS heuristics)
  int threads = 0;               // CPU threads; 0 = automatic (model::set_cpu_threads)
  int64_t gemm_size = 0;         // n of the n x n x n GEMM of the rate measurement; 0 = 8192 on CUDA, 1024 on CPU
  int gemm_repetitions = 5;      // timed samples of that GEMM (median reported)
  bool cuda_graphs = true;       // generation replays a CUDA graph of the forward (GenerationParams::cuda_graphs)
  bool sync_timing = false;      // synchronise between forward and sampling so their split is device time (adds
                                 // two synchronisations per step to the wall figures)
};

// Throws std::invalid_argument naming the option and the value of the first bad setting.
void validate(const BenchOptions& options);

// Configs for random weights, one registry: "7b" (Dream-v0-7B), "tiny" (the shape of golden/dream-tiny-a),
// "100m" (~100M parameters, a CPU-sized stand-in); a path ending in .json is read as a config.json.
// Unknown names are an error listing the known ones.
model::DreamConfig bench_config(const std::string& name);

// Runs the grid and returns the result document (schema dream-eval.bench/1: environment, model, GEMM rate
// per dtype, definitions, one entry per point). `progress` receives one line per point.
nlohmann::json run_model_bench(const BenchOptions& options,
                               const std::function<void(const std::string&)>& progress = {});

// A llama-bench-like Markdown report of a result document: the environment, then one table row per point.
std::string bench_markdown(const nlohmann::json& result);

// Median, mean, extremes and sample standard deviation (n - 1; 0 for one value) of repeated measurements.
struct Summary {
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0;
  int64_t n = 0;
};
Summary summarize(std::vector<double> values);

}  // namespace dream::harness
