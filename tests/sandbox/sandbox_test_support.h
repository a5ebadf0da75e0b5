#pragma once
// Helpers for the sandbox tests: one Sandbox per test binary, unique tokens to recognise a run's processes
// and files on the host, and checks that nothing of a run survives it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

namespace dream::test {

// Built once; a sandbox that does not work here is a test failure, not a skip (setup.sh installs
// bubblewrap and the machines allow user namespaces).
inline const sandbox::Sandbox& shared_sandbox() {
  static const sandbox::Sandbox box{sandbox::SandboxOptions{}};
  return box;
}

inline std::string unique_token(const std::string& what) {
  std::random_device rd;
  std::ostringstream s;
  s << "dreamtok-" << what << "-" << ::getpid() << "-" << std::hex << rd() << rd();
  return s.str();
}

inline sandbox::Program python(std::string source, double wall_seconds = 5.0) {
  sandbox::Program p;
  p.source = std::move(source);
  p.limits.wall_seconds = wall_seconds;
  return p;
}

// Live (not zombie) processes whose command line contains `token`. Forks inherit the command line, so
// passing the token as an argument marks every process of a run.
inline std::vector<pid_t> live_processes_with(const std::string& token) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(cmdline)), {});
    if (text.find(token) == std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    bool zombie = false;
    while (std::getline(status, line))
      if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
    if (!zombie) found.push_back(std::stoi(name));
  }
  return found;
}

// Host places a hostile program might try to leave a file in.
inline std::vector<std::filesystem::path> host_places() {
  return {"/", "/tmp", "/var/tmp", "/dev/shm", "/usr", "/usr/lib", "/etc", "/root", "/home", "/work",
          std::filesystem::current_path(), std::filesystem::temp_directory_path()};
}

inline std::vector<std::filesystem::path> host_files_named(const std::string& token) {
  std::vector<std::filesystem::path> found;
  for (const auto& dir : host_places()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().filename().string().find(token) != std::string::npos) found.push_back(entry.path());
  }
  return found;
}

// Nothing of the run marked with `token` may outlive it: no process, no file on the host.
inline void expect_nothing_left(const std::string& token) {
  EXPECT_EQ(live_processes_with(token), std::vector<pid_t>{}) << "processes of the run survived it";
  EXPECT_EQ(host_files_named(token), std::vector<std::filesystem::path>{}) << "the run left files on the host";
}

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace dream::test
