#pragma once
// Starting one child process with a prepared identity, limits and descriptors, and watching it: output
// capture with a byte cap, a wall-clock deadline, and killing on either. Used by Sandbox::run for the
// bubblewrap process (or, in unsafe mode, for the interpreter itself).
#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/classify.h"

namespace dream::sandbox {

struct SpawnPlan {
  std::string executable;                 // absolute path
  std::vector<std::string> args;          // argv[1:]
  std::vector<int> inherited_fds;         // descriptors (opened CLOEXEC by the caller) the child keeps open
  bool switch_uid = false;                // become uid and gid `uid` with no supplementary groups (root only)
  std::uint32_t uid = 0;
  // RLIMIT_NPROC to set (0: none). The kernel compares it with ALL tasks of the uid, so it is
  // max_processes for a leased uid, or the caller's current task count + max_processes otherwise.
  long process_limit = 0;
  std::string working_directory;          // empty = inherit
  const std::vector<std::uint8_t>* seccomp_bpf = nullptr;  // load this filter in the child before exec
  // Index of the argument (after bwrap's --info-fd) to replace with the write end of a pipe on which
  // bubblewrap reports the host pid of the sandbox's pid 1; -1 when the child is not bubblewrap.
  int info_fd_arg = -1;
  Limits limits;
};

struct Watched {
  Outcome outcome;
  double wall_seconds = 0, cpu_seconds = 0;
  std::string stdout_text, stderr_text;
  bool output_truncated = false;
  std::string spawn_error;  // non-empty if the child could not be started or set up
};

// Starts the plan's child through Boost.Process (with vfork, so a parent holding a large model does not
// copy its page tables) with an empty environment, stdin from /dev/null, its own session and SIGKILL on
// the death of the spawning thread, then watches it until it exits. At the deadline, or when the output
// passes the cap, it kills the sandbox's pid 1 (and so its whole pid namespace) if bubblewrap reported
// it, else the child's process group.
Watched spawn_and_watch(const SpawnPlan& plan);

}  // namespace dream::sandbox
