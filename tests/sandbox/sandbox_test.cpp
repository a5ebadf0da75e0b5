// The sandbox's ordinary behaviour: statuses and messages, arguments, input files, the view, limits
// validation, the worker pool and the unsafe mode's warning.
#include <fstream>

#include "sandbox/classify.h"
#include "sandbox_test_support.h"

namespace dream::test {
namespace {

using sandbox::Status;

TEST(Sandbox, PassingProgram) {
  const auto r = shared_sandbox().run(python("print('hello')\n"));
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "hello\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.warning.empty());
}

TEST(Sandbox, FailureCarriesTheExceptionsLastLine) {
  const auto r = shared_sandbox().run(python("def f():\n    raise ValueError('bad input 42')\nf()\n"));
  EXPECT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.message, "ValueError: bad input 42");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find("Traceback"), std::string::npos);
}

TEST(Sandbox, FailedAssertionAndExitCodes) {
  EXPECT_EQ(shared_sandbox().run(python("assert 1 == 2\n")).message, "AssertionError");
  const auto r = shared_sandbox().run(python("import sys\nsys.exit(3)\n"));
  EXPECT_EQ(r.status, Status::failed);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.message, "exit code 3");
  EXPECT_EQ(shared_sandbox().run(python("syntax error here\n")).message.rfind("SyntaxError", 0), 0u);
}

TEST(Sandbox, KilledBySignal) {
  const auto r = shared_sandbox().run(python("import ctypes\nctypes.string_at(0)\n"));
  EXPECT_EQ(r.status, Status::killed_by_signal) << r.message << r.stderr_text;
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.message, "killed by SIGSEGV");
}

TEST(Sandbox, ArgumentsScratchAndIdentity) {
  auto p = python(R"(
import os, sys
print(sys.argv[1:], os.getcwd(), sys.executable)
with open("scratch.txt", "w") as f:
    f.write("ok")
print(open("/tmp/scratch.txt").read(), os.getpid())
)");
  p.args = {"a", "b c"};
  const auto r = shared_sandbox().run(p);
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "['a', 'b c'] /tmp /usr/bin/python3\nok 1\n") << "the program is pid 1 of its own namespace";
}

TEST(Sandbox, OomKillerPrefersSandboxedPrograms) {
  const auto r = shared_sandbox().run(python(R"(
print(open("/proc/self/oom_score_adj").read().strip())
try:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("-1000")
except OSError as e:
    print("cannot lower it:", type(e).__name__)
print(open("/proc/self/oom_score_adj").read().strip())
)"));
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "1000\ncannot lower it: PermissionError\n1000\n");
}

TEST(Sandbox, InputFilesAreVisibleReadOnly) {
  const auto dir = std::filesystem::temp_directory_path() / unique_token("inputs");
  std::filesystem::create_directories(dir / "data");
  std::ofstream(dir / "helper.py") << "VALUE = 41\n";
  std::ofstream(dir / "data" / "numbers.txt") << "1 2 3\n";
  auto p = python(R"(
import helper
print(helper.VALUE + 1, open("data/numbers.txt").read().split())
try:
    open("helper.py", "w")
except OSError as e:
    print("read-only", type(e).__name__)
)");
  p.input_files = {dir / "helper.py", dir / "data"};
  const auto r = shared_sandbox().run(p);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "42 ['1', '2', '3']\nread-only OSError\n");
}

TEST(Sandbox, StandardLibraryAndMultiprocessingWork) {
  const auto r = shared_sandbox().run(python(R"(
import collections, heapq, itertools, json, math, re, hashlib, decimal, fractions, datetime, random, string
import multiprocessing, threading, tempfile
# The main guard: Python 3.14 starts pool workers through a forkserver, which imports this file again.
if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(pool.map(math.factorial, [3, 4]))
    with tempfile.NamedTemporaryFile() as f:
        print(f.name.startswith("/tmp/"))
)"));
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "[6, 24]\nTrue\n");
}

TEST(Sandbox, ViewIsOnlyTheInterpreterAndItsLibraries) {
  const auto r = shared_sandbox().run(python(R"(
import os
top = set(os.listdir('/'))
etc = set(os.listdir('/etc')) if os.path.isdir('/etc') else set()
print(sorted(top & {'home', 'root', 'work', 'var', 'opt', 'srv', 'mnt', 'boot'}), sorted(etc - {'alternatives'}),
      'include' in os.listdir('/usr'))
)"));
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  // /etc holds at most the alternatives symlinks of shared libraries and the interpreter's own config.
  EXPECT_TRUE(r.stdout_text == "[] [] False\n" || r.stdout_text.rfind("[] ['python3", 0) == 0) << r.stdout_text;
  for (const auto& line : shared_sandbox().view_description()) {
    const bool library_or_interpreter = line.rfind("/usr/", 0) == 0 || line.rfind("/lib", 0) == 0 ||
                                        line.rfind("/etc/alternatives/", 0) == 0 || line.rfind("/etc/python3", 0) == 0;
    EXPECT_TRUE(library_or_interpreter) << line;
  }
}

TEST(Sandbox, NumpyFromDistPackagesImports) {
  const auto r = shared_sandbox().run(python("import numpy\nprint(int(numpy.arange(5).sum()))\n"));
  if (r.stderr_text.find("No module named 'numpy'") != std::string::npos) GTEST_SKIP() << "numpy is not installed";
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "10\n");
}

TEST(Sandbox, InvalidLimitsAreRejected) {
  auto p = python("pass\n");
  p.limits.wall_seconds = 0;
  EXPECT_THROW(shared_sandbox().run(p), std::invalid_argument);
  p = python("pass\n");
  p.input_files = {"/tmp/a/x.py", "/tmp/b/x.py"};
  EXPECT_THROW(shared_sandbox().run(p), std::invalid_argument);
}

TEST(Sandbox, MissingBubblewrapExplainsTheUnsafeOverride) {
  sandbox::SandboxOptions options;
  options.bwrap = "/nonexistent/bwrap";
  try {
    sandbox::Sandbox box(options);
    FAIL() << "expected SandboxUnavailable";
  } catch (const sandbox::SandboxUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("--unsafe-no-sandbox"), std::string::npos) << e.what();
  }
}

TEST(Sandbox, MissingInterpreterIsAnError) {
  sandbox::SandboxOptions options;
  options.interpreter = "/nonexistent/python3";
  EXPECT_THROW(sandbox::Sandbox box(options), std::runtime_error);
}

TEST(Sandbox, UnsafeModeWarnsInEveryResultAndStillLimits) {
  sandbox::SandboxOptions options;
  options.unsafe_no_sandbox = true;
  const sandbox::Sandbox box(options);
  const auto ok = box.run(python("print('hi')\n"));
  EXPECT_EQ(ok.status, Status::passed) << ok.message << ok.stderr_text;
  EXPECT_NE(ok.warning.find("UNSAFE"), std::string::npos);
  const auto slow = box.run(python("while True:\n    pass\n", 1.0));
  EXPECT_EQ(slow.status, Status::timeout);
  EXPECT_NE(slow.warning.find("UNSAFE"), std::string::npos);
  const auto net = box.run(python("import socket\nsocket.socket(socket.AF_INET)\n"));
  EXPECT_EQ(net.status, Status::failed) << "the seccomp filter applies in unsafe mode too";
}

TEST(Sandbox, WorkerPoolReturnsResultsInOrder) {
  sandbox::WorkerPool pool(shared_sandbox(), 2);
  std::vector<sandbox::Program> programs;
  for (int i = 0; i < 8; ++i) programs.push_back(python("print(" + std::to_string(i) + " * 2)\n"));
  const auto results = pool.run_all(programs);
  ASSERT_EQ(results.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(results[i].status, Status::passed);
    EXPECT_EQ(results[i].stdout_text, std::to_string(i * 2) + "\n");
  }
}

TEST(Classify, LastLineSkipsBlankLines) {
  EXPECT_EQ(sandbox::last_line("Traceback\n  x\nKeyError: 'a'\n\n  \n"), "KeyError: 'a'");
  EXPECT_EQ(sandbox::last_line(""), "");
  EXPECT_EQ(sandbox::last_line("only\r\n"), "only");
}

TEST(Classify, StatusFromOutcome) {
  using Outcome = sandbox::Outcome;
  auto classify = [](Outcome o, std::string err = "", double cpu = 0) {
    sandbox::RunResult r;
    r.stderr_text = std::move(err);
    r.cpu_seconds = cpu;
    sandbox::classify(o, r);
    return r;
  };
  EXPECT_EQ(classify({.exit_code = 0}).status, Status::passed);
  EXPECT_EQ(classify({.exit_code = 1}, "E\nTypeError: x\n").message, "TypeError: x");
  EXPECT_EQ(classify({.exit_code = 128 + SIGXCPU, .cpu_limit = 3}).status, Status::timeout);
  EXPECT_EQ(classify({.exit_code = 137, .cpu_limit = 3}, "", 3.5).status, Status::timeout);
  EXPECT_EQ(classify({.exit_code = 137, .cpu_limit = 3}, "", 0.1).status, Status::killed_by_signal);
  EXPECT_EQ(classify({.exit_code = 1}, "bwrap: Can't mount proc\n").status, Status::sandbox_error);
  EXPECT_EQ(classify({.exit_code = 1}, "Traceback\nMemoryError\n").status, Status::out_of_memory);
  EXPECT_EQ(classify({.exit_code = 0}, "MemoryError caught and reported\n").status, Status::passed);
  EXPECT_EQ(classify({.killed = Outcome::Killed::output_limit, .exit_code = 137}).status, Status::output_limit);
  EXPECT_EQ(classify({.killed = Outcome::Killed::wall_time, .exit_code = 137}).status, Status::timeout);
  // Unsandboxed, an exit code above 128 is just an exit code.
  EXPECT_EQ(classify({.exit_code = 139, .sandboxed = false}).status, Status::failed);
  EXPECT_EQ(classify({.signal = SIGSEGV, .sandboxed = false}).status, Status::killed_by_signal);
}

}  // namespace
}  // namespace dream::test
