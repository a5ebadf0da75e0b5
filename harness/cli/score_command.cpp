// dream-eval score: score generations made elsewhere with a task's filters and metrics.
#include <iostream>

#include "code_execution_options.h"
#include "commands.h"
#include "datasets/data_dir.h"
#include "harness/build_info.h"
#include "harness/score_responses.h"

namespace dream::cli {

void add_score_command(CLI::App& app) {
  auto o = std::make_shared<harness::ScoreOptions>();
  auto data_dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("score", "Score external generations ({\"doc_id\", \"response\"} per line) of one task (code tasks: in the sandbox)");
  cmd->add_option("--task", o->task, "Task name (dream-eval list tasks)")->required();
  cmd->add_option("--responses", o->responses, "JSON Lines file: {\"doc_id\": ..., \"response\": \"...\"} per line")->required();
  cmd->add_option("--output", o->output_dir, "Output folder for results.json and samples.jsonl")->required();
  cmd->add_option("--data-dir", *data_dir, "Data folder (default: $DREAM_EVAL_DATA_DIR or ~/.cache/dream-eval/data)");
  cmd->add_option("--bootstrap-iterations", o->aggregate.bootstrap_iterations, "Resamples for standard errors");
  add_code_execution_options(*cmd, o->code_execution);
  cmd->callback([o, data_dir] {
    o->data_dir = datasets::data_dir_or_default(*data_dir);
    o->command_line = harness::process_command_line();
    const auto results = harness::score_responses(*o, std::cerr);
    for (const auto& row : results.results) {
      std::cout << row.task << ": " << row.n_samples_effective << " of " << row.n_samples_original << " documents scored\n";
      for (const auto& [name, m] : row.metrics)
        std::cout << "  " << name << " = " << m.value << " (stderr " << m.std_error.value_or(0) << ")\n";
    }
  });
}

}  // namespace dream::cli
