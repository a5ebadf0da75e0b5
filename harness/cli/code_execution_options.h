#pragma once
// The code-execution flags `run` and `score` share (code tasks run generated programs in the sandbox).
#include <CLI/CLI.hpp>

#include "harness/task_results.h"

namespace dream::cli {

inline void add_code_execution_options(CLI::App& cmd, harness::CodeExecutionOptions& options) {
  cmd.add_flag("--unsafe-no-sandbox", options.unsafe_no_sandbox,
               "Code tasks: run generated code WITHOUT isolation where bubblewrap or user namespaces are unavailable "
               "(rlimits, seccomp and timeouts still apply; every result carries a warning)");
  cmd.add_option("--sandbox-workers", options.sandbox_workers,
                 "Code tasks: programs run at once (default 0 = one per hardware thread)");
}

}  // namespace dream::cli
