// dream-eval run: evaluate a model on tasks over a grid of decoding settings (harness/run.h).
#include <iostream>
#include <optional>

#include "code_execution_options.h"
#include "commands.h"
#include "datasets/data_dir.h"
#include "harness/build_info.h"
#include "harness/run.h"
#include "tasks/registry.h"

namespace dream::cli {

namespace {

struct RunFlags {
  harness::BackendOptions backend;
  std::vector<std::string> backend_options;
  std::optional<int> threads;
  std::vector<std::string> tasks;
  std::vector<int> steps, max_new_tokens, mc_num;
  std::vector<std::string> alg, policy, top_p, top_k, alg_temp;
  std::vector<double> temperature;
  std::vector<uint64_t> seeds;
  std::optional<int64_t> limit;
  int batch_size = 1;
  harness::LikelihoodSettings likelihood;
  std::string data_dir, output, progress = "auto";
  std::optional<std::string> shard;
  std::optional<int> num_shards;
  int bootstrap_iterations = 10000;
  bool no_traces = false;
  harness::CodeExecutionOptions code_execution;
};

void run(const RunFlags& f) {
  harness::RunOptions o;
  o.tasks = tasks::expand_task_names(f.tasks);
  o.grid.steps = f.steps;
  o.grid.max_new_tokens = f.max_new_tokens;
  o.grid.alg = f.alg;
  o.grid.policy = f.policy;
  o.grid.temperature = f.temperature;
  o.grid.seeds = f.seeds;
  o.grid.mc_num = f.mc_num;
  o.likelihood = f.likelihood;
  for (const auto& v : f.top_p) o.grid.top_p.push_back(harness::parse_optional_double("--top-p", v));
  for (const auto& v : f.top_k) o.grid.top_k.push_back(harness::parse_optional_int("--top-k", v));
  for (const auto& v : f.alg_temp) o.grid.alg_temp.push_back(harness::parse_optional_double("--alg-temp", v));
  o.limit = f.limit;
  o.batch_size = f.batch_size;
  o.data_dir = datasets::data_dir_or_default(f.data_dir);
  o.output_dir = f.output;
  o.shard = harness::resolve_shard(f.shard, f.num_shards);
  o.aggregate.bootstrap_iterations = f.bootstrap_iterations;
  o.progress = f.progress == "always" ? harness::ProgressMode::always
               : f.progress == "never" ? harness::ProgressMode::never
                                       : harness::ProgressMode::automatic;
  o.keep_traces = !f.no_traces;
  o.code_execution = f.code_execution;
  o.command_line = harness::process_command_line();
  harness::BackendOptions b = f.backend;
  b.data_dir = o.data_dir;
  for (const auto& kv : f.backend_options) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--backend-option: expected key=value, got '" + kv + "'");
    b.extra[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (f.threads) {
    if (b.extra.count("threads"))
      throw std::invalid_argument("--threads " + std::to_string(*f.threads) + " and --backend-option threads=" +
                                  b.extra.at("threads") + ": give one of them");
    b.extra["threads"] = std::to_string(*f.threads);
  }
  auto backend = harness::open_backend(b);
  harness::run_evaluation(*backend, o, std::cerr);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Evaluate a model on tasks over a grid of decoding settings (resumable)");
  cmd->add_option("--model", flags->backend.model, "Checkpoint folder, or fake[:accuracy=0.5,delay_ms=0,fail_on=TEXT]")->required();
  cmd->add_option("--tasks", flags->tasks, "Comma-separated task names or patterns such as bbh_* (dream-eval list tasks)")->required()->delimiter(',');
  cmd->add_option("--steps", flags->steps, "Denoising steps (list; default: the task's, = max new tokens)")->delimiter(',');
  cmd->add_option("--alg", flags->alg, "Remasking algorithm: origin, maskgit_plus, topk_margin, entropy (list)")->delimiter(',');
  cmd->add_option("--temperature", flags->temperature, "Sampling temperature (list)")->delimiter(',');
  cmd->add_option("--top-p", flags->top_p, "Nucleus sampling p, or none (list)")->delimiter(',');
  cmd->add_option("--top-k", flags->top_k, "Top-k sampling k, or none (list)")->delimiter(',');
  cmd->add_option("--alg-temp", flags->alg_temp, "Randomness of the unmasking order, or none (list)")->delimiter(',');
  cmd->add_option("--max-new-tokens", flags->max_new_tokens, "Generation length (list; default: the task's)")->delimiter(',');
  cmd->add_option("--policy", flags->policy, std::string(kPolicyHelp) + " (list)")->delimiter(',');
  cmd->add_option("--seed", flags->seeds, "Sampling seed (list; default 1234)")->delimiter(',');
  cmd->add_option("--mc-num", flags->mc_num, "Multiple-choice tasks: Monte Carlo samples per option (list; default 128)")->delimiter(',');
  cmd->add_option("--mc-batch-size", flags->likelihood.mc_batch_size, "Multiple-choice tasks: Monte Carlo samples per forward pass (default 32)");
  cmd->add_option("--sampling-eps", flags->likelihood.sampling_eps, "Multiple-choice tasks: lowest masking probability (default 0.001)");
  cmd->add_option("--limit", flags->limit, "Evaluate only the first N documents of each task");
  cmd->add_option("--batch-size", flags->batch_size, "Requests per generate call (grouped by prompt length)");
  cmd->add_option("--data-dir", flags->data_dir, "Data folder (default: $DREAM_EVAL_DATA_DIR or ~/.cache/dream-eval/data)");
  cmd->add_option("--output", flags->output, "Output folder: results.json, samples.jsonl, cache.sqlite")->required();
  cmd->add_option("--shard", flags->shard, "Evaluate shard i of N (i/N); also from Slurm arrays and JOB_COMPLETION_INDEX");
  cmd->add_option("--num-shards", flags->num_shards, "Shard count for Kubernetes indexed Jobs (JOB_COMPLETION_INDEX)");
  cmd->add_option("--device", flags->backend.device, "Device: auto, cpu, cuda, cuda:N");
  cmd->add_option("--dtype", flags->backend.dtype, "Compute dtype: auto, bfloat16, float32");
  cmd->add_option("--threads", flags->threads, kThreadsHelp);
  cmd->add_option("--backend-option", flags->backend_options, "Backend-specific key=value (repeatable)");
  cmd->add_option("--bootstrap-iterations", flags->bootstrap_iterations, "Resamples for standard errors and paired tests");
  cmd->add_option("--progress", flags->progress, "Progress bar: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--no-traces", flags->no_traces, "Do not store per-token reveal steps in samples.jsonl");
  add_code_execution_options(*cmd, flags->code_execution);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace dream::cli
