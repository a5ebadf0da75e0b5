// Hostile programs must be contained and classified, with the test process (standing in for the harness)
// and the host unaffected, and nothing of them may remain afterwards. Each program gets a unique token as
// its first argument: it marks all its processes (forks keep the command line) and names every file it
// tries to leave on the host.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "sandbox_test_support.h"

namespace dream::test {
namespace {

using sandbox::Status;

sandbox::RunResult run_marked(sandbox::Program program, const std::string& token, std::vector<std::string> more_args = {}) {
  program.args = {token};
  program.args.insert(program.args.end(), more_args.begin(), more_args.end());
  return shared_sandbox().run(program);
}

// The host can still start processes (a fork bomb must not have exhausted anything of ours).
bool host_can_spawn() {
  pid_t pid = -1;
  char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
  if (posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The containment checks below must be able to fail: a marked process outside any sandbox is seen.
TEST(HostilePrograms, StrayProcessCheckSeesAMarkedHostProcess) {
  const std::string token = unique_token("selfcheck");
  pid_t pid = -1;
  char* argv[] = {const_cast<char*>("/usr/bin/python3"), const_cast<char*>("-c"),
                  const_cast<char*>("import time; time.sleep(30)"), const_cast<char*>(token.c_str()), nullptr};
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ), 0);
  for (int i = 0; i < 100 && live_processes_with(token).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(live_processes_with(token), std::vector<pid_t>{pid});
  ::kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(live_processes_with(token).empty());
}

TEST(HostilePrograms, ForkBombTimesOutAndLeavesNothing) {
  const std::string token = unique_token("forkbomb");
  const auto r = run_marked(python(R"(
import os, resource, sys
# Guard for the test machine: without a process limit this would fork until the host stalls.
if resource.getrlimit(resource.RLIMIT_NPROC)[0] == resource.RLIM_INFINITY:
    sys.exit("no RLIMIT_NPROC in the sandbox: refusing to fork-bomb the host")
while True:
    try:
        os.fork()
    except OSError:
        pass
)", 2.0), token);
  EXPECT_EQ(r.status, Status::timeout) << r.message << r.stderr_text;
  expect_nothing_left(token);
  EXPECT_TRUE(host_can_spawn());
}

// As root each run has its own uid and max_processes tasks; as another user the limit is the user's
// task count at the start of the run plus max_processes (RLIMIT_NPROC counts all tasks of a uid).
TEST(HostilePrograms, ProcessLimitBoundsForks) {
  const std::string token = unique_token("nproc");
  auto program = python(R"(
import os, sys, time
n = 0
try:
    while n < 500:  # a safety stop in case the limit is missing
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    pass
print(n, flush=True)
)");
  program.limits.max_processes = 16;
  const auto r = run_marked(program, token);
  ASSERT_EQ(r.status, Status::passed) << r.message;
  const int forks = std::atoi(r.stdout_text.c_str());
  EXPECT_GT(forks, 0);
  EXPECT_LT(forks, 16) << "more processes than RLIMIT_NPROC allows";
  expect_nothing_left(token);
}

TEST(HostilePrograms, MemoryBombIsOutOfMemory) {
  const std::string token = unique_token("membomb");
  const auto r = run_marked(python(R"(
chunks = []
while True:
    chunks.append(bytearray(64 * 1024 * 1024))
)"), token);
  EXPECT_EQ(r.status, Status::out_of_memory) << r.message << r.stderr_text;
  EXPECT_EQ(r.message, "MemoryError");
  expect_nothing_left(token);
}

TEST(HostilePrograms, InfiniteLoopTimesOut) {
  const std::string token = unique_token("loop");
  const auto r = run_marked(python("while True:\n    pass\n", 1.5), token);
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_NE(r.message.find("wall time"), std::string::npos) << r.message;
  expect_nothing_left(token);
}

TEST(HostilePrograms, CpuLimitStopsALoopBeforeTheWallClock) {
  const std::string token = unique_token("cpu");
  auto program = python("while True:\n    pass\n", 60.0);
  program.limits.cpu_seconds = 1;
  const auto r = run_marked(program, token);
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_NE(r.message.find("CPU time"), std::string::npos) << r.message;
  EXPECT_LT(r.wall_seconds, 60.0);
  expect_nothing_left(token);
}

TEST(HostilePrograms, BusyChildrenLeftBehindAreKilled) {
  const std::string token = unique_token("children");
  const auto r = run_marked(python(R"(
import os
for _ in range(4):
    if os.fork() == 0:
        while True:
            pass
print("parent done")
)"), token);
  EXPECT_EQ(r.status, Status::passed) << r.message;
  expect_nothing_left(token);
}

TEST(HostilePrograms, DoubleForkedDaemonDoesNotOutliveTheTimeout) {
  const std::string token = unique_token("daemon");
  const auto r = run_marked(python(R"(
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
        open("/tmp/" + sys.argv[1] + "-daemon-was-here", "w").close()
        os._exit(0)
    os._exit(0)
time.sleep(30)
)", 1.5), token);
  EXPECT_EQ(r.status, Status::timeout);
  expect_nothing_left(token);
}

TEST(HostilePrograms, DaemonOfAProgramThatExitsIsKilledToo) {
  const std::string token = unique_token("daemon-exit");
  const auto r = run_marked(python(R"(
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
    os._exit(0)
)"), token);
  EXPECT_EQ(r.status, Status::passed) << r.message;
  expect_nothing_left(token);
}

TEST(HostilePrograms, DiskFillingStopsAtTheScratchSize) {
  const std::string token = unique_token("disk");
  auto program = python(R"(
import sys
written = 0
try:
    for i in range(1000):
        with open("/tmp/%s-%d" % (sys.argv[1], i), "wb") as f:
            f.write(b"x" * (4 * 1024 * 1024))
        written += 4
finally:
    print(written, flush=True)
)");
  program.limits.scratch_mb = 32;
  const auto r = run_marked(program, token);
  EXPECT_EQ(r.status, Status::failed);
  EXPECT_NE(r.message.find("No space left on device"), std::string::npos) << r.message;
  EXPECT_LE(std::atoi(r.stdout_text.c_str()), 32);
  expect_nothing_left(token);
}

TEST(HostilePrograms, OneHugeFileStopsAtTheFileSizeLimit) {
  const std::string token = unique_token("fsize");
  auto program = python(R"(
with open("/tmp/big", "wb") as f:
    for _ in range(64):
        f.write(b"x" * (1024 * 1024))
)");
  program.limits.file_size_mb = 8;
  const auto r = run_marked(program, token);
  EXPECT_EQ(r.status, Status::failed);
  EXPECT_NE(r.message.find("File too large"), std::string::npos) << r.message;
  expect_nothing_left(token);
}

TEST(HostilePrograms, OutputFloodHitsTheOutputLimit) {
  const std::string token = unique_token("flood");
  auto program = python("while True:\n    print('x' * 1000)\n");
  program.limits.output_bytes = 100'000;
  const auto r = run_marked(program, token);
  EXPECT_EQ(r.status, Status::output_limit);
  EXPECT_TRUE(r.output_truncated);
  EXPECT_EQ(r.stdout_text.size() + r.stderr_text.size(), 100'000u);
  expect_nothing_left(token);
}

TEST(HostilePrograms, CannotConnectToALoopbackListener) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 8), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const std::string token = unique_token("net");
  const auto r = run_marked(python(R"(
import socket, sys
port = int(sys.argv[2])
reached = []
for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET, socket.SOCK_DGRAM),
                     (socket.AF_INET6, socket.SOCK_STREAM), (socket.AF_PACKET, socket.SOCK_RAW),
                     (socket.AF_NETLINK, socket.SOCK_RAW)):
    try:
        s = socket.socket(family, kind)
        if family == socket.AF_INET:
            s.settimeout(1)
            s.connect(("127.0.0.1", port))
            s.sendall(b"hello from the sandbox")
        reached.append((family, kind))
    except OSError as e:
        print("blocked", family, kind, e)
if reached:
    print("REACHED", reached)
socket.create_connection(("127.0.0.1", port), timeout=1)
)"), token, {port});
  EXPECT_EQ(r.status, Status::failed);
  EXPECT_NE(r.message.find("PermissionError"), std::string::npos) << r.message;
  EXPECT_EQ(r.stdout_text.find("REACHED"), std::string::npos) << r.stdout_text;
  const int accepted = ::accept(listener, nullptr, nullptr);
  EXPECT_LT(accepted, 0) << "the sandboxed program connected to the host's loopback listener";
  if (accepted >= 0) ::close(accepted);
  ::close(listener);
  expect_nothing_left(token);
}

TEST(HostilePrograms, CannotReadFilesOutsideTheView) {
  const std::string token = unique_token("read");
  const auto secret = std::filesystem::temp_directory_path() / (token + "-secret");
  std::ofstream(secret) << "SECRET-" << token << "\n";
  const auto r = run_marked(python(R"(
import os, sys
leaked = []
for path in sys.argv[2:] + ["/etc/passwd", "/etc/shadow", "/root/.bash_history", "/work/shared/README.md",
                            "/proc/1/root/etc/passwd", "/usr/include/stdio.h", "/home"]:
    try:
        if os.path.isdir(path):
            leaked.append((path, os.listdir(path)))
        else:
            with open(path) as f:
                leaked.append((path, f.read()))
    except OSError as e:
        print("denied", path, type(e).__name__)
print("LEAKED", leaked)
)"), token, {secret.string()});
  std::filesystem::remove(secret);
  EXPECT_EQ(r.status, Status::passed) << r.message;
  EXPECT_NE(r.stdout_text.find("LEAKED []"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("SECRET-"), std::string::npos);
  expect_nothing_left(token);
}

// The test's working directory, as one more place to try; the host's /tmp itself is no such place,
// since inside the sandbox /tmp is the private scratch.
std::string the_working_directory_unless_tmp() {
  const auto cwd = std::filesystem::current_path().string();
  return cwd == "/tmp" || cwd.rfind("/tmp/", 0) == 0 ? "/usr/local" : cwd;
}

TEST(HostilePrograms, CannotWriteOutsideScratch) {
  const std::string token = unique_token("write");
  const auto r = run_marked(python(R"(
import os, sys
token = sys.argv[1]
written = []
for d in ["/", "/usr", "/usr/lib", "/usr/lib/python3.11", "/etc", "/var/tmp", "/dev", "/proc", "/root",
          "/home", "/work", "/lib", "/usr/bin"] + sys.argv[2:]:
    path = os.path.join(d, token)
    try:
        with open(path, "w") as f:
            f.write("escaped")
        written.append(path)
    except OSError as e:
        print("denied", path, type(e).__name__)
with open(os.path.join("/tmp", token), "w") as f:
    f.write("scratch is writable")
with open(os.path.join("/dev/shm", token), "w") as f:
    f.write("so is /dev/shm")
print("WRITTEN", written)
)"), token, {the_working_directory_unless_tmp()});
  EXPECT_EQ(r.status, Status::passed) << r.message << r.stderr_text;
  EXPECT_NE(r.stdout_text.find("WRITTEN []"), std::string::npos) << r.stdout_text;
  // The scratch files lived in the sandbox's own tmpfs (its /tmp is not the host's) and are gone with it.
  expect_nothing_left(token);
}

TEST(HostilePrograms, CannotSignalTheHarnessOrOtherHostProcesses) {
  // A bystander process of ours that the program will try to kill.
  pid_t bystander = -1;
  char* argv[] = {const_cast<char*>("/bin/sleep"), const_cast<char*>("30"), nullptr};
  ASSERT_EQ(posix_spawn(&bystander, "/bin/sleep", nullptr, nullptr, argv, environ), 0);

  const std::string token = unique_token("signal");
  const auto r = run_marked(python(R"(
import os, signal, sys
for pid in [int(p) for p in sys.argv[2:]] + [os.getppid()]:
    for sig in (signal.SIGKILL, signal.SIGTERM):
        try:
            os.kill(pid, sig)
            print("signalled", pid)
        except OSError as e:
            print("denied", pid, type(e).__name__)
os.kill(-1, signal.SIGKILL)
print("still here")
)"), token, {std::to_string(::getpid()), std::to_string(bystander), "1"});
  // This test process (the harness) is evidently alive; the bystander must be too.
  EXPECT_EQ(::kill(bystander, 0), 0) << "the sandboxed program killed a host process";
  EXPECT_EQ(waitpid(bystander, nullptr, WNOHANG), 0) << "the bystander exited";
  ::kill(bystander, SIGKILL);
  waitpid(bystander, nullptr, 0);
  EXPECT_NE(r.status, Status::sandbox_error) << r.message;
  expect_nothing_left(token);
}

TEST(HostilePrograms, CannotReadTheHarnessEnvironment) {
  const std::string token = unique_token("env");
  ::setenv("DREAM_SANDBOX_TEST_SECRET", token.c_str(), 1);
  const auto r = run_marked(python(R"(
import os, sys
print(dict(os.environ))
for pid in ["self", "1", sys.argv[2]]:
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            print(pid, f.read())
    except OSError as e:
        print("denied", pid, type(e).__name__)
)"), "marker", {std::to_string(::getpid())});
  ::unsetenv("DREAM_SANDBOX_TEST_SECRET");
  EXPECT_EQ(r.status, Status::passed) << r.message;
  EXPECT_EQ(r.stdout_text.find(token), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("DREAM_SANDBOX_TEST_SECRET"), std::string::npos) << r.stdout_text;
  EXPECT_EQ(r.stdout_text.find("PATH"), std::string::npos) << "the environment should be empty: " << r.stdout_text;
}

TEST(HostilePrograms, DeniedSyscallsFailWithPermissionError) {
  const auto r = shared_sandbox().run(python(R"(
import ctypes, errno, os, platform
libc = ctypes.CDLL(None, use_errno=True)
calls = [("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),           # PTRACE_ATTACH to pid 1
         ("unshare", lambda: libc.unshare(0x10000000)),           # CLONE_NEWUSER
         ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))]
if platform.machine() == "x86_64":                                # syscall numbers of x86-64
    calls += [("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0, 0)), ("bpf", lambda: libc.syscall(321, 0, 0, 0))]
results = {}
for name, call in calls:
    rc = call()
    results[name] = (rc, ctypes.get_errno())
print(results)
assert all(rc == -1 and err == errno.EPERM for rc, err in results.values()), results
)"));
  EXPECT_EQ(r.status, Status::passed) << r.message << "\n" << r.stdout_text << r.stderr_text;
}

}  // namespace
}  // namespace dream::test
