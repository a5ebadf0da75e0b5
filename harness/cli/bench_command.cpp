// `dream-eval bench`: speed of the inference core over a grid (harness/model_bench.h, docs/benchmarks.md).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "harness/grid.h"
#include "harness/model_bench.h"
#include "reports/result_schema.h"

namespace dream::cli {
namespace {

struct BenchFlags {
  harness::BenchOptions options;
  std::string mode = "both";
  std::vector<std::string> top_p = {"0.95"};  // numbers or none
  std::string output_json, output_md;
};

void run_bench(BenchFlags& f, bool dtype_given) {
  harness::BenchOptions& o = f.options;
  o.mode = harness::bench_mode_from_name(f.mode);
  o.grid.top_p.clear();
  for (const auto& v : f.top_p) o.grid.top_p.push_back(harness::parse_optional_double("--top-p", v));
  // bf16 is what a GPU serves Dream in; the CPU default stays fp32 (bf16 matmuls are slow on most CPUs).
  if (!dtype_given) o.grid.dtype = {o.device == "cpu" ? "float32" : "bfloat16"};
  harness::validate(o);  // before any model is built: bad options fail at once
  const nlohmann::json result = harness::run_model_bench(o, [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  });
  const std::string md = harness::bench_markdown(result);
  if (!f.output_json.empty()) reports::write_file_atomically(f.output_json, result.dump(2) + "\n");
  if (!f.output_md.empty()) reports::write_file_atomically(f.output_md, md);
  std::printf("%s", md.c_str());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  harness::BenchOptions& o = f->options;
  CLI::App* cmd = app.add_subcommand(
      "bench", "Speed of the inference core over a grid of batch, prompt, new tokens, steps, dtype (llama-bench style)");
  auto* model = cmd->add_option("--model", o.model_dir, "A checkpoint folder to benchmark (instead of random weights)");
  cmd->add_option("--config", o.config, "Random weights of: 7b (Dream-v0-7B), tiny, 100m, or a config.json file")
      ->capture_default_str()
      ->excludes(model);
  cmd->add_option("--seed", o.seed, "Seed of the random weights, prompt ids and sampler")->capture_default_str();
  cmd->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  auto* dtype = cmd->add_option("--dtype", o.grid.dtype, "Compute dtypes: float32, bfloat16 (list; default: bfloat16 on CUDA, float32 on CPU)")
                    ->delimiter(',');
  cmd->add_option("--batch", o.grid.batch, "Batch sizes (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--prompt", o.grid.prompt, "Prompt lengths in tokens (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--new", o.grid.new_tokens, "New (answer) tokens (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--steps", o.grid.steps, "Denoising steps (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--alg", o.grid.alg, "origin, maskgit_plus, topk_margin, entropy (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--policy", o.grid.policy, std::string(kPolicyHelp) + " (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--temperature", o.grid.temperature, "Token sampling temperature (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--top-p", f->top_p, "Nucleus filter p or none (list)")->delimiter(',')->capture_default_str();
  cmd->add_option("--mode", f->mode, "forward (one forward of B x (prompt + new)), generate, both, or likelihood (one Monte Carlo ELBO batch of B samples: context = prompt, continuation = new)")->capture_default_str();
  cmd->add_option("--repetitions", o.repetitions, "Timed runs per point")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Untimed runs before them")->capture_default_str();
  cmd->add_option("--threads", o.threads, kThreadsHelp)->capture_default_str();
  cmd->add_option("--gemm-size", o.gemm_size, "n of the n^3 GEMM rate measurement (0 = 8192 on CUDA, 1024 on CPU)")->capture_default_str();
  cmd->add_option("--gemm-repetitions", o.gemm_repetitions, "Timed samples of that GEMM")->capture_default_str();
  cmd->add_flag("!--no-cuda-graphs", o.cuda_graphs, "Run every generation step's forward eagerly (default: CUDA graph replay)");
  cmd->add_flag("--sync-timing", o.sync_timing,
                "Synchronise between forward and sampling so their split is device time (adds two synchronisations per step)");
  cmd->add_option("--output-json", f->output_json, "Write the result document (schema dream-eval.bench/1) here");
  cmd->add_option("--output-md", f->output_md, "Write the Markdown table here too (it always goes to stdout)");
  cmd->callback([f, dtype] { run_bench(*f, dtype->count() > 0); });
}

}  // namespace dream::cli
