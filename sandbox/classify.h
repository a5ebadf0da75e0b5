#pragma once
// Turning how a run ended into a Status and a one-line message. Pure functions, tested on their own.
#include <string>
#include <string_view>

#include "sandbox/sandbox.h"

namespace dream::sandbox {

// How the run ended, as the monitor saw it.
struct Outcome {
  enum class Killed { no, wall_time, output_limit };
  Killed killed = Killed::no;  // the monitor killed the run, and why
  int exit_code = -1;          // exit code of the process the monitor waited for; -1 if it was signalled
  int signal = 0;              // signal that ended it (bwrap reports the program's signal as 128 + n)
  bool sandboxed = true;       // the exit code came through bubblewrap
  double wall_limit = 0, cpu_limit = 0;
};

// The last non-empty line of a program's stderr: for an uncaught exception, "Type: message".
std::string last_line(std::string_view text);

// Fills status, message, exit_code and signal of `result` from the outcome, result.stderr_text and
// result.cpu_seconds.
void classify(const Outcome& outcome, RunResult& result);

// "SIGKILL" for 9, "signal 77" for unknown numbers.
std::string signal_name(int signal);

}  // namespace dream::sandbox
