#pragma once
// The subcommands of the `dream-eval` program. Each lives in its own <name>_command.cpp and adds itself
// to the app; main.cpp lists them all in one place (an explicit registry, see the architecture doc).
#include <CLI/CLI.hpp>

namespace dream::cli {

void add_generate_command(CLI::App& app);     // diffusion generation from ids or text (model/)
void add_make_model_command(CLI::App& app);   // writes a random Dream checkpoint (model/)
void add_sandbox_command(CLI::App& app);      // runs one Python program in the code-task sandbox (sandbox/)

}  // namespace dream::cli
