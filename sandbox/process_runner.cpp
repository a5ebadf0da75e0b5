#include "sandbox/process_runner.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "sandbox/boost_process_v1.h"
#include "sandbox/proc_status.h"

namespace dream::sandbox {
using Clock = std::chrono::steady_clock;

namespace {

// Everything the child needs, computed in the parent: under vfork the child may only make system calls
// (no allocation, no locks), and it writes its failure back here (memory is shared until exec).
struct ChildSetup {
  int stdout_fd = -1, stderr_fd = -1;
  const int* keep_fds = nullptr;
  std::size_t keep_count = 0;
  bool switch_uid = false;
  uid_t uid = 0;
  struct Limit {
    int resource;
    rlimit value;
  };
  std::array<Limit, 8> limits{};
  std::size_t limit_count = 0;
  const char* working_directory = nullptr;
  bool load_seccomp = false;
  sock_fprog seccomp{};
  // Written by the child on failure.
  const char* volatile failed_step = nullptr;
  volatile int failed_errno = 0;
};

void write_all(int fd, const char* text) { [[maybe_unused]] auto n = ::write(fd, text, std::strlen(text)); }

[[noreturn]] void child_fail(ChildSetup& s, const char* step) {
  s.failed_errno = errno;
  s.failed_step = step;
  write_all(STDERR_FILENO, "dream-eval sandbox: child setup failed at ");
  write_all(STDERR_FILENO, step);
  write_all(STDERR_FILENO, "\n");
  _exit(127);
}

// Runs in the vfork child between fork and exec. System calls only; glibc's set*id wrappers are avoided
// because they signal every thread of the (shared) parent to change credentials together.
void setup_child(ChildSetup& s) {
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) child_fail(s, "stdin");
  if (::dup2(s.stdout_fd, STDOUT_FILENO) < 0 || ::dup2(s.stderr_fd, STDERR_FILENO) < 0) child_fail(s, "stdout/stderr");
  // Other threads of the parent may have opened descriptors without CLOEXEC (pipes of concurrent runs): a
  // leaked write end would keep another run's output open. Mark everything above stderr close-on-exec,
  // then clear the flag on the descriptors this child hands on.
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
    rlimit nofile{};
    ::getrlimit(RLIMIT_NOFILE, &nofile);
    const long top = nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > 65536 ? 65536 : static_cast<long>(nofile.rlim_cur);
    for (int fd = 3; fd < top; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  for (std::size_t i = 0; i < s.keep_count; ++i)
    if (::fcntl(s.keep_fds[i], F_SETFD, 0) != 0) child_fail(s, "inherited descriptor");
  if (::setsid() < 0) child_fail(s, "setsid");
  // Should the machine run out of memory anyway (many processes each under their address-space limit),
  // the kernel's OOM killer takes sandboxed programs first, not the harness holding a model. Raising the
  // score needs no privilege; the program cannot lower it again.
  const int oom = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (oom >= 0) {
    [[maybe_unused]] auto n = ::write(oom, "1000", 4);
    ::close(oom);
  }
  if (s.switch_uid) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(s, "setgroups");
    if (::syscall(SYS_setresgid, s.uid, s.uid, s.uid) != 0) child_fail(s, "setresgid");
    if (::syscall(SYS_setresuid, s.uid, s.uid, s.uid) != 0) child_fail(s, "setresuid");
  }
  // After the uid change, which clears it: die with the thread that spawned us.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(s, "PR_SET_PDEATHSIG");
  for (std::size_t i = 0; i < s.limit_count; ++i)
    if (::setrlimit(static_cast<__rlimit_resource>(s.limits[i].resource), &s.limits[i].value) != 0) child_fail(s, "setrlimit");
  if (s.working_directory && ::chdir(s.working_directory) != 0) child_fail(s, "chdir");
  if (s.load_seccomp) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(s, "PR_SET_NO_NEW_PRIVS");
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s.seccomp) != 0) child_fail(s, "seccomp");
  }
}

rlim_t megabytes(std::size_t mb) { return static_cast<rlim_t>(mb) * 1024 * 1024; }

// Whole seconds, since RLIMIT_CPU counts in seconds.
rlim_t cpu_limit_seconds(const Limits& l) {
  return static_cast<rlim_t>(std::max(1.0, std::ceil(l.cpu_seconds > 0 ? l.cpu_seconds : l.wall_seconds)));
}

void fill_limits(const SpawnPlan& plan, ChildSetup& s) {
  const Limits& l = plan.limits;
  const rlim_t cpu_soft = cpu_limit_seconds(l);
  auto add = [&](int resource, rlim_t soft, rlim_t hard) { s.limits[s.limit_count++] = {resource, {soft, hard}}; };
  add(RLIMIT_CPU, cpu_soft, cpu_soft + 1);  // SIGXCPU at the soft limit, SIGKILL a second later
  add(RLIMIT_AS, megabytes(l.memory_mb), megabytes(l.memory_mb));
  add(RLIMIT_FSIZE, megabytes(l.file_size_mb), megabytes(l.file_size_mb));
  add(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files), static_cast<rlim_t>(l.open_files));
  add(RLIMIT_CORE, 0, 0);  // a crashing program must not leave core files (or feed a host core handler)
  if (plan.process_limit > 0) add(RLIMIT_NPROC, static_cast<rlim_t>(plan.process_limit), static_cast<rlim_t>(plan.process_limit));
}

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

char* empty_environment[] = {nullptr};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The parent pid of a live process; -1 if it is gone.
pid_t parent_of(pid_t pid) { return static_cast<pid_t>(status_number(proc_status(std::to_string(pid)), "PPid")); }

// bwrap's --info-fd JSON: {"child-pid": N, ...}. Returns N, or -1 until it has arrived.
pid_t child_pid_from_info(const std::string& info) {
  const auto key = info.find("\"child-pid\"");
  if (key == std::string::npos) return -1;
  const auto digits = info.find_first_of("0123456789", key + 11);
  if (digits == std::string::npos || info.find_first_not_of("0123456789", digits) == std::string::npos) return -1;
  return static_cast<pid_t>(std::atol(info.c_str() + digits));
}

}  // namespace

Watched spawn_and_watch(const SpawnPlan& plan) {
  Watched w;
  Fd out_r, out_w, err_r, err_w, info_r, info_w;
  for (auto [read_end, write_end] : {std::pair{&out_r, &out_w}, std::pair{&err_r, &err_w}, std::pair{&info_r, &info_w}}) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return w.spawn_error = std::string("pipe: ") + std::strerror(errno), w;
    read_end->fd = p[0];
    // Above stderr even if the parent closed one of 0-2, so the child's dup2 onto 0-2 cannot clobber it.
    write_end->fd = p[1] > STDERR_FILENO ? p[1] : ::fcntl(p[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (write_end->fd != p[1]) ::close(p[1]);
  }
  std::vector<std::string> args = plan.args;
  std::vector<int> keep = plan.inherited_fds;
  if (plan.info_fd_arg >= 0) {
    args.at(static_cast<std::size_t>(plan.info_fd_arg)) = std::to_string(info_w.fd);
    keep.push_back(info_w.fd);
  } else {
    info_r.reset();
  }

  ChildSetup setup;
  setup.stdout_fd = out_w.fd;
  setup.stderr_fd = err_w.fd;
  setup.keep_fds = keep.data();
  setup.keep_count = keep.size();
  setup.switch_uid = plan.switch_uid;
  setup.uid = plan.uid;
  fill_limits(plan, setup);
  if (!plan.working_directory.empty()) setup.working_directory = plan.working_directory.c_str();
  if (plan.seccomp_bpf) {
    setup.load_seccomp = true;
    setup.seccomp.len = static_cast<unsigned short>(plan.seccomp_bpf->size() / sizeof(sock_filter));
    setup.seccomp.filter = reinterpret_cast<sock_filter*>(const_cast<std::uint8_t*>(plan.seccomp_bpf->data()));
  }

  const auto start = Clock::now();
  pid_t pid = -1;
  try {
    bp::child child(bp::exe = plan.executable, bp::args = args, bp::posix::use_vfork,
                    bp::extend::on_setup = [](auto& exec) { exec.env = empty_environment; },
                    bp::extend::on_exec_setup = [&setup](auto&) { setup_child(setup); });
    pid = child.id();
    child.detach();  // watched and reaped below, with wait4 for the resource usage
  } catch (const std::exception& e) {
    w.spawn_error = std::string("cannot start ") + plan.executable + ": " + e.what();
    return w;
  }
  out_w.reset();
  err_w.reset();
  info_w.reset();

  Fd pidfd, sandbox_child;
  pidfd.fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // -1 on kernels before 5.3: poll instead
  for (const Fd* fd : {&out_r, &err_r, &info_r})
    if (fd->fd >= 0) ::fcntl(fd->fd, F_SETFL, O_NONBLOCK);

  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.limits.wall_seconds));
  Clock::time_point drain_deadline{}, escalate_at{};
  bool exited = false;
  int wait_status = 0;
  rusage usage{};
  std::size_t captured = 0;
  std::string info;

  auto kill_group = [&] {
    ::kill(-pid, SIGKILL);  // the child leads its own session and process group
    ::kill(pid, SIGKILL);
  };
  auto kill_tree = [&](Outcome::Killed why) {
    if (w.outcome.killed == Outcome::Killed::no) w.outcome.killed = why;
    if (sandbox_child.fd >= 0) {
      // Kill the sandbox's pid 1: the kernel then kills everything in its pid namespace and bwrap reaps
      // it and exits. (Killing bwrap first would work too, by PR_SET_PDEATHSIG, but would orphan pid 1
      // to the host's init as a zombie.)
      ::syscall(SYS_pidfd_send_signal, sandbox_child.fd, SIGKILL, nullptr, 0);
      escalate_at = Clock::now() + std::chrono::seconds(1);
    } else {
      kill_group();
      escalate_at = Clock::now();
    }
  };
  auto read_pipe = [&](Fd& fd, std::string& into, bool counted) {
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      if (n > 0) {
        if (!counted) {
          into.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        const std::size_t room = plan.limits.output_bytes > captured ? plan.limits.output_bytes - captured : 0;
        const std::size_t keep_bytes = std::min<std::size_t>(room, static_cast<std::size_t>(n));
        into.append(buffer, keep_bytes);
        captured += keep_bytes;
        if (keep_bytes < static_cast<std::size_t>(n)) {
          w.output_truncated = true;
          if (!exited) kill_tree(Outcome::Killed::output_limit);
        }
        continue;
      }
      if (n == 0) fd.reset();  // end of file: every writer is gone
      return;                  // EAGAIN: nothing more for now (or an error, treated alike)
    }
  };
  auto adopt_sandbox_child = [&] {
    const pid_t child = child_pid_from_info(info);
    if (child <= 0 || sandbox_child.fd >= 0 || parent_of(child) != pid) return;
    // The pidfd pins the process; checking the parent again rules out a reused pid.
    sandbox_child.fd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    if (sandbox_child.fd >= 0 && parent_of(child) != pid) sandbox_child.reset();
  };
  auto reap = [&]() {
    siginfo_t status{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &status, WEXITED | WNOHANG | WNOWAIT) != 0 || status.si_pid != pid) return;
    // Sandboxed, the pid namespace died with its init; unsandboxed, children may still hold the pipes. Kill
    // the group while the unreaped child still pins its pid (so the group id cannot have been reused).
    ::kill(-pid, SIGKILL);
    ::wait4(pid, &wait_status, 0, &usage);
    exited = true;
    drain_deadline = Clock::now() + std::chrono::seconds(1);
  };

  while (!exited || ((out_r.fd >= 0 || err_r.fd >= 0) && Clock::now() < drain_deadline)) {
    const auto now = Clock::now();
    const bool killed = w.outcome.killed != Outcome::Killed::no;
    if (!exited && !killed && now >= deadline) kill_tree(Outcome::Killed::wall_time);
    if (!exited && killed && now >= escalate_at) kill_group();
    const auto until = exited ? drain_deadline : (killed ? now + std::chrono::milliseconds(50) : deadline);
    long wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1;
    if (pidfd.fd < 0 && !exited) wait_ms = std::min(wait_ms, 10L);
    wait_ms = std::max(0L, std::min(wait_ms, 1000L));

    pollfd fds[4];
    nfds_t n = 0;
    auto add = [&](int fd) {
      if (fd < 0) return -1;
      fds[n] = {fd, POLLIN, 0};
      return static_cast<int>(n++);
    };
    const int out_index = add(out_r.fd), err_index = add(err_r.fd), info_index = add(info_r.fd);
    const int pid_index = add(exited ? -1 : pidfd.fd);
    const int ready = ::poll(fds, n, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) break;
    if (out_index >= 0 && fds[out_index].revents) read_pipe(out_r, w.stdout_text, true);
    if (err_index >= 0 && fds[err_index].revents) read_pipe(err_r, w.stderr_text, true);
    if (info_index >= 0 && fds[info_index].revents) {
      read_pipe(info_r, info, false);
      adopt_sandbox_child();
    }
    if (!exited && (pidfd.fd < 0 || (pid_index >= 0 && fds[pid_index].revents))) reap();
  }
  if (!exited) {  // only if poll itself failed: make sure the child is gone and reaped
    kill_group();
    ::wait4(pid, &wait_status, 0, &usage);
  }

  w.wall_seconds = seconds_since(start);
  w.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  if (WIFEXITED(wait_status)) {
    w.outcome.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    w.outcome.signal = WTERMSIG(wait_status);
  }
  if (setup.failed_step) {
    w.spawn_error = std::string("child setup failed at ") + setup.failed_step + ": " + std::strerror(setup.failed_errno);
  }
  w.outcome.wall_limit = plan.limits.wall_seconds;
  w.outcome.cpu_limit = static_cast<double>(cpu_limit_seconds(plan.limits));
  return w;
}

}  // namespace dream::sandbox
