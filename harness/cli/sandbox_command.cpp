// `dream-eval sandbox`: runs one Python program under the same sandbox the code tasks use and prints how
// it ended as JSON. For debugging a sample and for the sandbox tests.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "commands.h"
#include "sandbox/sandbox.h"

namespace dream::cli {
namespace fs = std::filesystem;

namespace {

struct SandboxArgs {
  sandbox::SandboxOptions options;
  sandbox::Limits limits;
  std::string files_dir;
  std::vector<std::string> command;  // python3 FILE.py [ARGS...]
  bool show_view = false;
};

nlohmann::json limits_json(const sandbox::Limits& l) {
  return {{"wall_seconds", l.wall_seconds}, {"cpu_seconds", l.cpu_seconds},   {"memory_mb", l.memory_mb},
          {"max_processes", l.max_processes}, {"file_size_mb", l.file_size_mb}, {"open_files", l.open_files},
          {"scratch_mb", l.scratch_mb},     {"output_bytes", l.output_bytes}};
}

void run_sandbox_command(const SandboxArgs& args) {
  const auto& cmd = args.command;
  const std::string launcher = cmd.empty() ? "" : cmd[0];
  const bool is_python = launcher == "python3" || launcher == "python" || launcher == args.options.interpreter.string();
  if (cmd.size() < 2 || !is_python)
    throw std::runtime_error("sandbox: expected `-- python3 FILE.py [ARGS...]` after the options, got '" + launcher +
                             "' (only Python programs run here; --interpreter picks the interpreter)");
  std::ifstream file(cmd[1], std::ios::binary);
  if (!file) throw std::runtime_error("sandbox: cannot read program file '" + cmd[1] + "'");
  std::ostringstream source;
  source << file.rdbuf();

  sandbox::Program program;
  program.source = source.str();
  program.args.assign(cmd.begin() + 2, cmd.end());
  program.limits = args.limits;
  if (!args.files_dir.empty()) {
    if (!fs::is_directory(args.files_dir)) throw std::runtime_error("sandbox: --files '" + args.files_dir + "' is not a directory");
    for (const auto& entry : fs::directory_iterator(args.files_dir)) program.input_files.push_back(entry.path());
    std::sort(program.input_files.begin(), program.input_files.end());
  }

  const sandbox::Sandbox box(args.options);  // throws SandboxUnavailable with the --unsafe-no-sandbox hint
  const sandbox::RunResult r = box.run(program);
  nlohmann::json out = {
      {"status", sandbox::status_name(r.status)}, {"message", r.message},
      {"exit_code", r.exit_code},                  {"signal", r.signal},
      {"wall_seconds", r.wall_seconds},            {"cpu_seconds", r.cpu_seconds},
      {"stdout", r.stdout_text},                   {"stderr", r.stderr_text},
      {"output_truncated", r.output_truncated},    {"sandboxed", !args.options.unsafe_no_sandbox},
      {"warning", r.warning},                      {"interpreter", args.options.interpreter.string()},
      {"limits", limits_json(args.limits)},
  };
  if (args.show_view) out["view"] = box.view_description();
  // Program output need not be UTF-8; replace what is not rather than fail.
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!r.warning.empty()) std::cerr << "dream-eval: warning: " << r.warning << "\n";
}

}  // namespace

void add_sandbox_command(CLI::App& app) {
  auto args = std::make_shared<SandboxArgs>();
  auto* cmd = app.add_subcommand("sandbox", "Run one Python program in the code-task sandbox and print how it ended as JSON");
  cmd->add_option("--timeout", args->limits.wall_seconds, "Wall-clock limit in seconds")->capture_default_str();
  cmd->add_option("--memory", args->limits.memory_mb, "Address space per process in MB")->capture_default_str();
  cmd->add_option("--files", args->files_dir, "Directory whose entries are visible read-only in the program's /tmp");
  cmd->add_option("--output-limit", args->limits.output_bytes, "Bytes of stdout+stderr kept before the run is killed")
      ->capture_default_str();
  cmd->add_option("--interpreter", args->options.interpreter, "Python interpreter (absolute path)")->capture_default_str();
  cmd->add_flag("--unsafe-no-sandbox", args->options.unsafe_no_sandbox,
                "Run WITHOUT isolation when bubblewrap/user namespaces are unavailable (the program can read your "
                "files and use the network; every result carries a warning)");
  cmd->add_flag("--show-view", args->show_view, "Also print the host paths the program sees read-only");
  cmd->add_option("command", args->command, "-- python3 FILE.py [ARGS...]")->required();
  cmd->callback([args] { run_sandbox_command(*args); });
}

}  // namespace dream::cli
