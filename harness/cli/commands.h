#pragma once
// The subcommands of the `dream-eval` program. Each lives in its own <name>_command.cpp and adds itself
// to the app; main.cpp lists them all in one place (an explicit registry, see the architecture doc).
#include <CLI/CLI.hpp>

namespace dream::cli {

// Help of every --threads option (model::set_cpu_threads decides where the threads go).
inline constexpr const char* kThreadsHelp = "CPU threads (0 = OMP_NUM_THREADS if set, else every CPU this process may use; docs/benchmarks.md)";
inline constexpr const char* kPolicyHelp =
    "Decoding policy: dream (the official algorithm; default), blocks:L (semi-autoregressive blocks of L tokens), "
    "threshold:T (also reveal every position whose confidence reaches T; steps become a budget, stops early), "
    "blocks:L+threshold:T, and +dual_cache on any of them (Fast-dLLM's cache, an approximation; "
    "docs/inference-core.md)";

void add_generate_command(CLI::App& app);     // diffusion generation from ids or text (model/)
void add_make_model_command(CLI::App& app);   // writes a random Dream checkpoint (model/)
void add_bench_command(CLI::App& app);        // speed of the inference core over a grid (harness/model_bench.h)
void add_report_command(CLI::App& app);       // Markdown, CSV and HTML reports of a results folder (reports/)
void add_compare_command(CLI::App& app);      // paired comparison of two runs (reports/)
void add_train_command(CLI::App& app);        // trains the project's small planning model (train/)
void add_tokenize_command(CLI::App& app);     // JSONL text -> ids (model/tokenizer)
void add_detokenize_command(CLI::App& app);   // JSONL ids -> text (model/tokenizer)
void add_run_command(CLI::App& app);          // evaluate tasks over a grid of decoding settings (harness/)
void add_score_command(CLI::App& app);        // score external generations of one task (harness/)
void add_list_command(CLI::App& app);         // list tasks or datasets (tasks/, datasets/)
void add_datasets_command(CLI::App& app);     // datasets list|verify|fetch|generate (datasets/)
void add_merge_command(CLI::App& app);        // merge the shards of one run (harness/)
void add_sandbox_command(CLI::App& app);      // runs one Python program in the code-task sandbox (sandbox/)
void add_doctor_command(CLI::App& app);       // checks the machine: build, CPU, GPU, sandbox, data, a model folder

}  // namespace dream::cli
