// The Monte Carlo ELBO log-likelihood on CPU: one request (mc_num 128, batch 32: 4 forwards) and one batch's loss
// with the lm_head on the masked rows only vs on full [b, l, V] logits (the official way), for the golden-tiny
// shape and a ~100M-parameter random model (fp32, in memory: the weights `dream-eval make-model` writes for the
// same shape and seed), with the backend's automatic CPU threads (set_cpu_threads: every CPU this process may
// use). Run: build/bench/dream_bench_likelihood
// Counters: ms_per_request (wall time of mc_loglikelihood), ms_per_forward (that / forwards),
// ms_per_batch (wall time of one batch's loss), masked (masked positions in that batch).
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "model/cpu_threads.h"
#include "model/likelihood.h"
#include "model/random_checkpoint.h"
#include "model/torch_compat.h"

namespace {

using namespace dream::model;

// "tiny": the golden dream-tiny-a shape (V 320, H 64, 2 layers, 4/2 heads); "100m": V 16384, H 768, 12 layers,
// 12/4 heads, MLP 2048 (the generation benchmark's ~100M model).
// A string_view: GCC 13+'s -Wdangling-reference flags a call whose string argument is a temporary (made from a
// const char*) though the result lives in the cache; it exempts view types.
const DreamModel& model_named(std::string_view name) {
  static std::map<std::string, std::unique_ptr<DreamModel>> cache;
  auto& slot = cache[std::string(name)];
  if (!slot) {
    const DreamConfig c = name == "tiny" ? small_config(320, 64, 160, 2, 4, 2) : small_config(16384, 768, 2048, 12, 12, 4, 1e6);
    slot = std::make_unique<DreamModel>(random_model(c, at::kFloat, at::kCPU, 1));
  }
  set_cpu_threads(0);
  return *slot;
}

struct Shape {
  const char* model;
  int64_t context, continuation;  // continuation ids include the end-of-text
};

// Random ids below the special ones (the last three ids are bos, eos/pad and mask).
std::vector<int64_t> random_ids(const DreamModel& m, int64_t n) {
  const at::Tensor t = at::randint(0, m.config().vocab_size - 3, {n}, at::kLong);
  return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + n};
}

void BM_Loglikelihood(benchmark::State& state, Shape shape) {
  const DreamModel& m = model_named(shape.model);
  const std::vector<int64_t> context = random_ids(m, shape.context), continuation = random_ids(m, shape.continuation);
  const McLikelihoodParams params{.mc_num = 128, .mc_batch_size = 32, .seed = 1};
  mc_loglikelihood(m, context, continuation, params);  // warm-up (allocator, thread pool)
  double wall = 0;
  int64_t runs = 0, forwards = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const McLikelihood r = mc_loglikelihood(m, context, continuation, params);
    wall += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    forwards += r.forward_passes;
    ++runs;
  }
  state.counters["ms_per_request"] = wall / static_cast<double>(runs);
  state.counters["ms_per_forward"] = wall / static_cast<double>(forwards);
  state.counters["params_M"] = static_cast<double>(m.config().parameter_count()) / 1e6;
  state.counters["threads"] = dream::model::cpu_threads().cores();
}

// One batch's loss on the same masks: range(0) = 1 for the masked rows only, 0 for full logits.
void BM_BatchLoss(benchmark::State& state, Shape shape) {
  const DreamModel& m = model_named(shape.model);
  const at::Tensor seq = at::tensor(random_ids(m, shape.context + shape.continuation), at::kLong);
  at::Generator gen = compat::make_cpu_generator(3);
  const McMasks masks = draw_mc_masks(32, seq.size(0), shape.context, 1e-3, gen, at::kCPU);
  auto loss = state.range(0) ? mc_batch_loss : mc_batch_loss_full_logits;
  loss(m, seq, masks);  // warm-up
  double wall = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(loss(m, seq, masks).item<float>());
    wall += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++runs;
  }
  state.counters["ms_per_batch"] = wall / static_cast<double>(runs);
  state.counters["masked"] = masks.masked.sum().item<double>();
  state.SetLabel(state.range(0) ? "masked rows only" : "full logits");
}

BENCHMARK_CAPTURE(BM_Loglikelihood, tiny_c64_n8, Shape{"tiny", 64, 8})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Loglikelihood, m100_c64_n8, Shape{"100m", 64, 8})
    ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_BatchLoss, tiny_c64_n8, Shape{"tiny", 64, 8})->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_BatchLoss, m100_c64_n8, Shape{"100m", 64, 8})
    ->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
