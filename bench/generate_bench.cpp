// ms per denoising step on CPU, with the forward / sampling breakdown, for the golden tiny model and a
// ~100M-parameter random checkpoint, at batch 1 and 8. Run: build/bench/dream_bench_generate
// Counters: ms_per_step (wall time of diffusion_generate / steps), forward_ms_per_step, sampling_ms_per_step,
// new_tok_per_s (batch * new tokens / wall seconds: every generated position counts, EOS or not).
#include <chrono>
#include <filesystem>
#include <map>
#include <string_view>

#include <benchmark/benchmark.h>

#include "model/cpu_threads.h"
#include "model/generate.h"
#include "model/random_checkpoint.h"

namespace {

namespace fs = std::filesystem;
using namespace dream::model;

struct BenchModel {
  const char* name;
  int64_t prompt, new_tokens, steps;
};

// A string_view: GCC 13+'s -Wdangling-reference flags a call whose string argument is a temporary (made from a
// const char*) though the result lives in the cache; it exempts view types.
const DreamModel& model_named(std::string_view name) {
  static std::map<std::string, std::unique_ptr<DreamModel>> cache;
  auto& slot = cache[std::string(name)];
  if (!slot) {
    if (name == "tiny") {
      // The golden dream-tiny-a shape (vocab 320, hidden 64, 2 layers, 4 heads / 2 kv heads).
      const fs::path golden = fs::path(DREAM_DEFAULT_SHARED_DIR) / "golden" / "dream-tiny-a";
      if (fs::exists(golden)) {
        slot = std::make_unique<DreamModel>(DreamModel::load(golden));
      } else {
        const fs::path dir = fs::temp_directory_path() / "dream-bench-tiny";
        write_random_checkpoint(dir, small_config(320, 64, 160, 2, 4, 2), {});
        slot = std::make_unique<DreamModel>(DreamModel::load(dir));
      }
    } else {
      // ~100M parameters: vocab 16384, hidden 768, 12 layers, 12 heads / 4 kv heads, MLP 2048.
      const fs::path dir = fs::temp_directory_path() / "dream-bench-100m";
      const DreamConfig c = small_config(16384, 768, 2048, 12, 12, 4, 1e6);
      if (!fs::exists(dir / "model.safetensors")) write_random_checkpoint(dir, c, {.seed = 1});
      slot = std::make_unique<DreamModel>(DreamModel::load(dir));
    }
  }
  return *slot;
}

void BM_GenerateStep(benchmark::State& state, BenchModel spec) {
  const DreamModel& m = model_named(spec.name);
  const int64_t B = state.range(0);
  const at::Tensor prompt = at::randint(0, m.config().vocab_size - 3, {B, spec.prompt}, at::kLong);
  GenerationParams p;
  p.alg = Alg::Entropy;
  p.top_p = 0.95;
  p.max_new_tokens = spec.new_tokens;
  p.steps = spec.steps;
  diffusion_generate(m, prompt, {}, p);  // warm-up (allocator, thread pool)
  double forward = 0, sampling = 0, wall = 0;
  int64_t runs = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const GenerationOutput out = diffusion_generate(m, prompt, {}, p);
    wall += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    forward += out.timing.forward_ms;
    sampling += out.timing.sampling_ms;
    ++runs;
  }
  const double steps = static_cast<double>(runs * spec.steps);
  state.counters["ms_per_step"] = wall / steps;
  state.counters["forward_ms_per_step"] = forward / steps;
  state.counters["sampling_ms_per_step"] = sampling / steps;
  state.counters["new_tok_per_s"] = 1000.0 * static_cast<double>(B * spec.new_tokens * runs) / wall;
  state.counters["params_M"] = static_cast<double>(m.config().parameter_count()) / 1e6;
  state.counters["threads"] = dream::model::cpu_threads().cores();
}

BENCHMARK_CAPTURE(BM_GenerateStep, tiny_p9_n16_s16, BenchModel{"tiny", 9, 16, 16})
    ->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GenerateStep, m100_p64_n64_s8, BenchModel{"100m", 64, 64, 8})
    ->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace

int main(int argc, char** argv) {
  dream::model::set_cpu_threads(0);  // every CPU this process may use
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
