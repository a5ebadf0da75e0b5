#pragma once
// Running untrusted (model-written) Python programs.
//
// Each run gets fresh user, pid, network, ipc, uts and mount namespaces from bubblewrap, a read-only view
// of the interpreter and its libraries only, a private size-limited writable /tmp (the scratch directory;
// the program is /tmp/program.py and the working directory), an empty environment, a seccomp filter that
// denies what test code never needs, rlimits, a wall-clock timeout that kills the whole process tree, and
// an output cap. When dream-eval runs as root every run also drops to its own unprivileged uid (leased per
// run) so that the process limit holds and strays can be swept. docs/sandbox.md explains each layer.
//
// Thread-safe: one Sandbox serves any number of threads; WorkerPool runs many programs at once.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dream::sandbox {

// Resource limits of one run. The defaults suit HumanEval/MBPP test programs.
struct Limits {
  double wall_seconds = 10.0;          // wall-clock time before the whole process tree is killed (status timeout)
  double cpu_seconds = 0.0;            // CPU time per process (RLIMIT_CPU); 0 = same as wall_seconds
  std::size_t memory_mb = 1024;        // address space per process (RLIMIT_AS); exceeding it raises MemoryError
  int max_processes = 32;              // processes + threads the run may add (RLIMIT_NPROC; see docs/sandbox.md)
  std::size_t file_size_mb = 16;       // largest file the program may write (RLIMIT_FSIZE)
  int open_files = 128;                // open file descriptors per process (RLIMIT_NOFILE)
  std::size_t scratch_mb = 64;         // size of the writable tmpfs at /tmp (and of the one at /dev/shm)
  std::size_t output_bytes = 1 << 20;  // stdout + stderr bytes kept; more kills the run (status output_limit)
};

struct SandboxOptions {
  std::filesystem::path interpreter = "/usr/bin/python3";  // Debian's python3, not a pyenv shim on PATH
  std::filesystem::path bwrap = "/usr/bin/bwrap";          // bubblewrap, unprivileged (not setuid)
  // Run programs WITHOUT namespaces (no filesystem or network isolation) when bubblewrap or user namespaces
  // are unavailable. Rlimits, seccomp, the empty environment and the timeout still apply; every result
  // carries a warning.
  bool unsafe_no_sandbox = false;
  bool site_packages = true;                                // make the interpreter's site/dist-packages visible
  std::vector<std::filesystem::path> extra_read_only_paths; // more host paths visible read-only at the same place
  // As root: runs use uids [first_uid, first_uid + uid_count), each leased by flock on a file in uid_lock_dir
  // for the duration of one run, so concurrent runs (also from other processes) never share a uid.
  std::uint32_t first_uid = 2'000'000'000;
  std::uint32_t uid_count = 4096;
  std::filesystem::path uid_lock_dir = "/run/dream-sandbox";  // root-only /run: no planted-directory tricks
  // Unsafe mode only: where per-run host scratch directories are created (removed after each run).
  std::filesystem::path unsafe_scratch_root = std::filesystem::temp_directory_path();
};

enum class Status {
  passed,            // exit code 0
  failed,            // non-zero exit; message = the exception's last line
  timeout,           // wall-clock or CPU time limit
  out_of_memory,     // MemoryError (address-space limit)
  output_limit,      // wrote more than Limits::output_bytes
  killed_by_signal,  // terminated by a signal (message names it)
  sandbox_error,     // the sandbox itself could not run the program
};
std::string_view status_name(Status status);

struct Program {
  std::string source;                               // Python source; runs as /tmp/program.py
  std::vector<std::string> args;                    // sys.argv[1:]
  std::vector<std::filesystem::path> input_files;   // host files/dirs, visible read-only as /tmp/<filename>
  Limits limits;
};

struct RunResult {
  Status status = Status::sandbox_error;
  std::string message;            // failed: exception's last line; timeout/signal/error: what happened
  int exit_code = -1;             // exit code of the program (bwrap passes it through); -1 if none
  int signal = 0;                 // the signal that ended the program, 0 if none
  double wall_seconds = 0.0;      // from spawn to reap, including the sandbox setup
  double cpu_seconds = 0.0;       // user + system time of the program and the children it reaped
  std::string stdout_text;        // captured output (first Limits::output_bytes bytes in total)
  std::string stderr_text;
  bool output_truncated = false;
  std::string warning;            // non-empty when the program ran without isolation
  bool passed() const { return status == Status::passed; }
};

// Thrown when bubblewrap or user namespaces do not work here; the message explains --unsafe-no-sandbox.
class SandboxUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Sandbox {
 public:
  // Resolves the interpreter's read-only view and checks (by running a trivial program) that the sandbox
  // works. Throws SandboxUnavailable if it does not (and unsafe_no_sandbox is off), std::runtime_error for
  // a missing interpreter.
  explicit Sandbox(SandboxOptions options = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs one program to completion (or its limits). Never throws for anything the program does; a failure
  // of the machinery itself is a sandbox_error result. Thread-safe.
  RunResult run(const Program& program) const;

  const SandboxOptions& options() const;
  // The host paths the programs see read-only (for docs and the CLI's --verbose).
  std::vector<std::string> view_description() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs programs on `workers` threads (0 = one per hardware thread) through one Sandbox.
class WorkerPool {
 public:
  WorkerPool(const Sandbox& sandbox, unsigned workers = 0);
  ~WorkerPool();  // finishes queued runs
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  std::future<RunResult> submit(Program program);
  // Runs all and returns the results in the order of `programs`.
  std::vector<RunResult> run_all(std::vector<Program> programs);
  unsigned size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dream::sandbox
