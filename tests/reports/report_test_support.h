#pragma once
// Shared by the reports tests: the fixture run, and running the dream-eval program.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../support/test_paths.h"

namespace dream::reports::test {

// A small run with two tasks, five settings, 50 samples with hostile strings, code results and traces.
inline std::filesystem::path fixture_run() { return dream::test::source_dir() / "tests/reports/fixtures/small_run"; }

// A scratch folder under the build tree, emptied first.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::path(DREAM_BINARY_DIR) / "tests_tmp" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Single-quotes an argument for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string dream_eval() { return shell_quote(dream::test::dream_eval_bin().string()); }

}  // namespace dream::reports::test
