// The fused CUDA kernels against the plain LibTorch ops they replace, at Dream-7B shapes (CUDA builds only).
// Run: build/bench/dream_bench_kernels [--benchmark_format=json]
// Each iteration is timed with CUDA events around the op on the current stream (warm-up excluded, inputs
// rotate over 4 sets so L2 cannot hold them across iterations); 5 repetitions, median reported.
// Counters: bytes_per_second = the op's minimum bytes moved through device memory (each input read once, each
// output written once: the same floor for fused and plain, so it reads as "effective GB/s"), us = median time.
#include <array>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include "model/ops/fused_sampling.h"
#include "model/ops/rms_norm.h"
#include "model/ops/rope.h"
#include "model/ops/swiglu.h"

namespace {

using namespace dream::model;

constexpr int kSets = 4;

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

// Times `op(set)` with CUDA events, rotating over the input sets; reports bytes per second over `bytes`.
void run_timed(benchmark::State& state, double bytes, const std::function<void(int)>& op) {
  if (!at::hasCUDA()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  for (int i = 0; i < 3 * kSets; ++i) op(i % kSets);  // warm-up: allocator, module load, handles
  check(cudaDeviceSynchronize(), "warm-up");
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "event");
  check(cudaEventCreate(&stop), "event");
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  int set = 0;
  for (auto _ : state) {
    check(cudaEventRecord(start, stream), "record");
    op(set);
    check(cudaEventRecord(stop, stream), "record");
    check(cudaEventSynchronize(stop), "sync");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start, stop), "elapsed");
    state.SetIterationTime(ms * 1e-3);
    set = (set + 1) % kSets;
  }
  check(cudaGetLastError(), "op");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["MB_moved"] = bytes / 1e6;
}

at::Tensor randn_bf16(at::IntArrayRef sizes) {
  return at::randn(sizes, at::TensorOptions().dtype(at::kFloat).device(at::kCUDA)).to(at::kBFloat16);
}

void set_fused(bool on) {
  if (on) {
    unsetenv("DREAM_EVAL_FUSED");
  } else {
    setenv("DREAM_EVAL_FUSED", "0", 1);
  }
}

// RMSNorm [B*N = 4096, H = 3584] bf16. Floor: read x, write y (+ the weight).
void BM_RmsNorm(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  if (!at::hasCUDA()) return state.SkipWithError("no CUDA device");
  const int64_t rows = 4096, H = 3584;
  std::array<at::Tensor, kSets> x;
  for (auto& t : x) t = randn_bf16({rows, H});
  const at::Tensor w = randn_bf16({H});
  set_fused(fused);
  run_timed(state, 2.0 * rows * H * 2 + H * 2, [&](int s) { benchmark::DoNotOptimize(ops::rms_norm(x[s], w, 1e-6)); });
  set_fused(true);
  state.SetLabel(fused ? "fused" : "plain");
}

// Residual add + RMSNorm [4096, 3584] bf16. Floor: read x and the residual, write the sum and the norm.
void BM_AddRmsNorm(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  if (!at::hasCUDA()) return state.SkipWithError("no CUDA device");
  const int64_t rows = 4096, H = 3584;
  std::array<at::Tensor, kSets> x, r;
  for (int i = 0; i < kSets; ++i) {
    x[i] = randn_bf16({rows, H});
    r[i] = randn_bf16({rows, H});
  }
  const at::Tensor w = randn_bf16({H});
  set_fused(fused);
  run_timed(state, 4.0 * rows * H * 2 + H * 2, [&](int s) { benchmark::DoNotOptimize(ops::add_rms_norm(x[s], r[s], w, 1e-6)); });
  set_fused(true);
  state.SetLabel(fused ? "fused" : "plain");
}

// RoPE on q and k at Dream-7B: B 8, N 512, nH 28, nKV 4, D 128, bf16, output [B, heads, N, D]. Floor: read q,
// k, cos, sin; write q, k.
void BM_RopeQK(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  if (!at::hasCUDA()) return state.SkipWithError("no CUDA device");
  const int64_t B = 8, N = 512, nH = 28, nKV = 4, D = 128;
  std::array<at::Tensor, kSets> q, k;
  for (int i = 0; i < kSets; ++i) {
    q[i] = randn_bf16({B, N, nH * D});
    k[i] = randn_bf16({B, N, nKV * D});
  }
  const at::Tensor positions = at::arange(N, at::TensorOptions().dtype(at::kLong).device(at::kCUDA)).unsqueeze(0).expand({B, N});
  const ops::RopeTables tables = ops::rope_tables(positions, D, 1e6, at::kBFloat16);
  set_fused(fused);
  const double bytes = 2.0 * (2.0 * B * N * (nH + nKV) * D) + 2.0 * (2.0 * B * N * D);
  run_timed(state, bytes, [&](int s) { benchmark::DoNotOptimize(ops::apply_rope_qk(q[s], k[s], tables, nH, nKV, D)); });
  set_fused(true);
  state.SetLabel(fused ? "fused" : "plain");
}

// SwiGLU [4096, 18944] bf16 from one fused gate_up output [4096, 2 * 18944]. Floor: read gate and up, write out.
void BM_Swiglu(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  if (!at::hasCUDA()) return state.SkipWithError("no CUDA device");
  const int64_t rows = 4096, I = 18944;
  std::array<at::Tensor, 2> gu;  // 2 sets of 310 MB already exceed L2 many times over
  for (auto& t : gu) t = randn_bf16({rows, 2 * I});
  set_fused(fused);
  run_timed(state, 3.0 * rows * I * 2, [&](int s) {
    const at::Tensor& t = gu[s % 2];
    benchmark::DoNotOptimize(ops::swiglu(t.narrow(-1, 0, I), t.narrow(-1, I, I)));
  });
  set_fused(true);
  state.SetLabel(fused ? "fused" : "plain");
}

// Sampling stage [M = 256, V = 152064] bf16, alg entropy, top_p 0.95, temperature 0 (the generation
// setting). Floor: one read of the logits.
void BM_Sampling(benchmark::State& state) {
  const bool fused = state.range(0) == 1;
  if (!at::hasCUDA()) return state.SkipWithError("no CUDA device");
  const int64_t M = 256, V = 152064;
  std::array<at::Tensor, kSets> logits;
  for (auto& t : logits) t = (randn_bf16({M, V}).to(at::kFloat) * 3.0).to(at::kBFloat16);
  TokenSamplingParams p;
  p.top_p = 0.95;
  run_timed(state, 2.0 * M * V, [&](int s) {
    benchmark::DoNotOptimize(fused ? ops::sample_masked_rows_fused(logits[s], p, Alg::Entropy, at::Tensor()).sample
                                   : ops::sample_masked_rows_reference(logits[s], p, Alg::Entropy, at::Tensor()));
  });
  state.SetLabel(fused ? "fused" : "plain");
}

}  // namespace

#define DREAM_KERNEL_BENCH(fn) \
  BENCHMARK(fn)->Arg(1)->Arg(0)->UseManualTime()->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true)
DREAM_KERNEL_BENCH(BM_RmsNorm);
DREAM_KERNEL_BENCH(BM_AddRmsNorm);
DREAM_KERNEL_BENCH(BM_RopeQK);
DREAM_KERNEL_BENCH(BM_Swiglu);
DREAM_KERNEL_BENCH(BM_Sampling);

BENCHMARK_MAIN();
