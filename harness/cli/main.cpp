// dream-eval: evaluation and benchmarking harness for Dream-family diffusion language models.
#include <cstdio>
#include <exception>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"dream-eval: evaluate and benchmark Dream diffusion language models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dream-eval 0.1.0");

  // The registry of subcommands: one line each.
  dream::cli::add_generate_command(app);
  dream::cli::add_make_model_command(app);
  dream::cli::add_bench_command(app);
  dream::cli::add_report_command(app);
  dream::cli::add_compare_command(app);
  dream::cli::add_train_command(app);
  dream::cli::add_tokenize_command(app);
  dream::cli::add_detokenize_command(app);
  dream::cli::add_run_command(app);
  dream::cli::add_score_command(app);
  dream::cli::add_list_command(app);
  dream::cli::add_datasets_command(app);
  dream::cli::add_merge_command(app);
  dream::cli::add_sandbox_command(app);
  dream::cli::add_doctor_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // One clear line on stderr; the command has already written whatever it finished.
    std::fprintf(stderr, "dream-eval: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
