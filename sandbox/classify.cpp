#include "sandbox/classify.h"

#include <signal.h>

#include <cstdio>

namespace dream::sandbox {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::passed: return "passed";
    case Status::failed: return "failed";
    case Status::timeout: return "timeout";
    case Status::out_of_memory: return "out_of_memory";
    case Status::output_limit: return "output_limit";
    case Status::killed_by_signal: return "killed_by_signal";
    case Status::sandbox_error: return "sandbox_error";
  }
  return "unknown";
}

std::string last_line(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    const std::size_t start = text.rfind('\n', end - 1);
    const std::size_t begin = start == std::string_view::npos ? 0 : start + 1;
    std::string_view line = text.substr(begin, end - begin);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (!line.empty()) return std::string(line);
    if (start == std::string_view::npos) break;
    end = start;
  }
  return {};
}

std::string signal_name(int signal) {
  static const struct { int number; const char* name; } names[] = {
      {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"},
      {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"},
      {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"}, {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
      {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"},
  };
  for (const auto& n : names)
    if (n.number == signal) return n.name;
  return "signal " + std::to_string(signal);
}

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

}  // namespace

void classify(const Outcome& outcome, RunResult& result) {
  result.exit_code = outcome.exit_code;
  result.signal = outcome.signal;
  // bwrap exits with 128 + n when the program died of signal n (like a shell).
  if (outcome.sandboxed && outcome.signal == 0 && outcome.exit_code > 128 && outcome.exit_code < 128 + 65) {
    result.signal = outcome.exit_code - 128;
    result.exit_code = -1;
  }
  const std::string last = last_line(result.stderr_text);

  if (outcome.killed == Outcome::Killed::wall_time) {
    result.status = Status::timeout;
    result.message = "wall time limit of " + seconds(outcome.wall_limit) + " exceeded";
  } else if (outcome.killed == Outcome::Killed::output_limit) {
    result.status = Status::output_limit;
    result.message = "output limit exceeded";
  } else if (result.signal == SIGXCPU || (result.signal == SIGKILL && outcome.cpu_limit > 0 &&
                                           result.cpu_seconds >= outcome.cpu_limit)) {
    // SIGXCPU at the soft CPU limit; SIGKILL at the hard limit one second later if SIGXCPU was ignored.
    result.status = Status::timeout;
    result.message = "CPU time limit of " + seconds(outcome.cpu_limit) + " exceeded";
  } else if (outcome.sandboxed && result.exit_code == 1 && result.stderr_text.rfind("bwrap: ", 0) == 0) {
    // bubblewrap's own setup errors; a program could only fake this to turn its "failed" into a
    // "sandbox_error", which counts as not passed just the same.
    result.status = Status::sandbox_error;
    result.message = last;
  } else if (result.signal == 0 && result.exit_code == 0) {
    result.status = Status::passed;
    result.message.clear();
  } else if (last.rfind("MemoryError", 0) == 0) {
    result.status = Status::out_of_memory;
    result.message = last;
  } else if (result.signal != 0) {
    result.status = Status::killed_by_signal;
    result.message = "killed by " + signal_name(result.signal);
  } else {
    result.status = Status::failed;
    result.message = last.empty() ? "exit code " + std::to_string(result.exit_code) : last;
  }
}

}  // namespace dream::sandbox
