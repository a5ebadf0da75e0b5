#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

#include "sandbox/classify.h"
#include "sandbox/filesystem_view.h"
#include "sandbox/process_runner.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/uid_lease.h"

namespace dream::sandbox {
namespace fs = std::filesystem;

namespace {

constexpr const char* kUnsafeWarning =
    "UNSAFE: this program ran without sandbox isolation (--unsafe-no-sandbox): it could read host files, "
    "write outside its scratch directory and use the network";

std::string unavailable_message(const std::string& reason) {
  return "cannot run code in a sandbox: " + reason +
         ". dream-eval executes model-written code only inside bubblewrap (bwrap) with unprivileged user "
         "namespaces: install bubblewrap (apt-get install bubblewrap) and allow user namespaces "
         "(sysctl user.max_user_namespaces > 0; kernel.unprivileged_userns_clone=1 where that exists; on "
         "Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap). "
         "To run the code WITHOUT isolation anyway, pass --unsafe-no-sandbox: it can then read your files and "
         "reach the network, and every result carries a warning";
}

// An anonymous in-memory file holding `bytes`, positioned at its start (bwrap reads --file and --seccomp
// descriptors from their current offset). Closed on destruction.
struct MemoryFile {
  int fd = -1;
  MemoryFile(const char* name, const void* bytes, std::size_t size) {
    fd = ::memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
    const char* p = static_cast<const char*>(bytes);
    for (std::size_t left = size; left > 0;) {
      const ssize_t n = ::write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("memfd write: ") + std::strerror(errno));
      p += n, left -= static_cast<std::size_t>(n);
    }
    ::lseek(fd, 0, SEEK_SET);
  }
  ~MemoryFile() {
    if (fd >= 0) ::close(fd);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
};

struct PathFds {
  std::vector<int> fds;
  ~PathFds() {
    for (int fd : fds) ::close(fd);
  }
};

std::string bytes_of(std::size_t megabytes) { return std::to_string(static_cast<unsigned long long>(megabytes) * 1024 * 1024); }

void check_limits(const Limits& l) {
  auto bad = [](const char* field, const std::string& value) {
    throw std::invalid_argument(std::string("sandbox: Limits.") + field + " must be positive, got " + value);
  };
  if (!(l.wall_seconds > 0)) bad("wall_seconds", std::to_string(l.wall_seconds));
  if (l.cpu_seconds < 0) bad("cpu_seconds", std::to_string(l.cpu_seconds));
  if (l.memory_mb == 0) bad("memory_mb", "0");
  if (l.max_processes <= 0) bad("max_processes", std::to_string(l.max_processes));
  if (l.file_size_mb == 0) bad("file_size_mb", "0");
  if (l.open_files <= 0) bad("open_files", std::to_string(l.open_files));
  if (l.scratch_mb == 0) bad("scratch_mb", "0");
}

// Input files appear under their own names in /tmp; two with the same name would silently shadow.
void check_input_names(const Program& program) {
  std::vector<std::string> names;
  for (const auto& path : program.input_files) {
    const std::string name = path.filename().string();
    if (name.empty() || name == "program.py" || std::find(names.begin(), names.end(), name) != names.end())
      throw std::invalid_argument("sandbox: input file " + path.string() + " has an empty, duplicate or reserved name '" + name + "'");
    names.push_back(name);
  }
}

}  // namespace

struct Sandbox::Impl {
  SandboxOptions options;
  std::vector<ViewEntry> view;
  std::vector<std::uint8_t> seccomp_bpf;
  bool root = ::geteuid() == 0;

  RunResult run(const Program& program) const;
  RunResult run_sandboxed(const Program& program, const UidLease* lease) const;
  RunResult run_unsafe(const Program& program, const UidLease* lease) const;
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  const SandboxOptions& o = impl_->options;
  std::error_code ec;
  if (!o.interpreter.is_absolute() || !fs::exists(o.interpreter, ec))
    throw std::runtime_error("sandbox: interpreter '" + o.interpreter.string() + "' not found (an absolute path is needed)");
  impl_->view = interpreter_view(o.interpreter, o.site_packages, o.extra_read_only_paths);
  impl_->seccomp_bpf = build_seccomp_bpf();
  if (o.unsafe_no_sandbox) return;
  if (!fs::exists(o.bwrap, ec)) throw SandboxUnavailable(unavailable_message("bubblewrap not found at " + o.bwrap.string()));
  // The sandbox works here only if a trivial program passes in it.
  Program probe;
  probe.source = "import sys\nsys.exit(0)\n";
  probe.limits.wall_seconds = 30;
  const RunResult r = run(probe);
  if (!r.passed()) {
    std::string detail = r.message.empty() ? std::string(status_name(r.status)) : r.message;
    if (!r.stderr_text.empty() && r.stderr_text.find(detail) == std::string::npos) detail += " (" + last_line(r.stderr_text) + ")";
    throw SandboxUnavailable(unavailable_message("a trivial program failed in bubblewrap: " + detail));
  }
}

Sandbox::~Sandbox() = default;

const SandboxOptions& Sandbox::options() const { return impl_->options; }

std::vector<std::string> Sandbox::view_description() const {
  std::vector<std::string> lines;
  for (const auto& e : impl_->view) {
    lines.push_back(e.kind == ViewEntry::Kind::symlink ? e.dest + " -> " + e.source : e.dest + " (read-only)");
  }
  return lines;
}

RunResult Sandbox::run(const Program& program) const { return impl_->run(program); }

RunResult Sandbox::Impl::run(const Program& program) const {
  check_limits(program.limits);
  check_input_names(program);
  try {
    std::optional<UidLease> lease;
    if (root) lease.emplace(options.uid_lock_dir, options.first_uid, options.uid_count);
    return options.unsafe_no_sandbox ? run_unsafe(program, lease ? &*lease : nullptr)
                                     : run_sandboxed(program, lease ? &*lease : nullptr);
  } catch (const std::exception& e) {
    RunResult r;
    r.status = Status::sandbox_error;
    r.message = e.what();
    if (options.unsafe_no_sandbox) r.warning = kUnsafeWarning;
    return r;
  }
}

namespace {

// Turns what the watcher saw into the result.
RunResult finish(Watched&& w, bool sandboxed) {
  RunResult r;
  r.stdout_text = std::move(w.stdout_text);
  r.stderr_text = std::move(w.stderr_text);
  r.output_truncated = w.output_truncated;
  r.wall_seconds = w.wall_seconds;
  r.cpu_seconds = w.cpu_seconds;
  w.outcome.sandboxed = sandboxed;
  if (!w.spawn_error.empty()) {
    r.status = Status::sandbox_error;
    r.message = w.spawn_error;
    r.exit_code = w.outcome.exit_code;
    return r;
  }
  classify(w.outcome, r);
  return r;
}

// RLIMIT_NPROC counts every task (process or thread) of the real uid, in all user namespaces. A leased
// uid runs nothing else; otherwise the run may add max_processes tasks to what the user already has.
long process_limit(const Limits& l, const UidLease* lease) {
  return lease ? l.max_processes : tasks_of_uid(::getuid()) + l.max_processes;
}

}  // namespace

RunResult Sandbox::Impl::run_sandboxed(const Program& program, const UidLease* lease) const {
  const Limits& l = program.limits;
  MemoryFile source("program.py", program.source.data(), program.source.size());
  MemoryFile filter("seccomp", seccomp_bpf.data(), seccomp_bpf.size());
  PathFds inputs;
  for (const auto& path : program.input_files) {
    // Opened here, possibly as root, so the run's unprivileged uid needs no access to the host path.
    const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("input file " + path.string() + ": " + std::strerror(errno));
    inputs.fds.push_back(fd);
  }

  SpawnPlan plan;
  plan.executable = options.bwrap.string();
  plan.limits = l;
  plan.switch_uid = lease != nullptr;
  plan.uid = lease ? lease->uid() : 0;
  plan.process_limit = process_limit(l, lease);
  auto& a = plan.args;
  a = {"--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--as-pid-1",
       "--clearenv", "--hostname", "sandbox", "--info-fd", "(set by spawn_and_watch)"};
  plan.info_fd_arg = static_cast<int>(a.size()) - 1;
  for (const auto& e : view) {
    if (e.kind == ViewEntry::Kind::symlink) a.insert(a.end(), {"--symlink", e.source, e.dest});
    else a.insert(a.end(), {"--ro-bind", e.source, e.dest});
  }
  a.insert(a.end(), {"--proc", "/proc", "--dev", "/dev"});
  a.insert(a.end(), {"--size", bytes_of(l.scratch_mb), "--tmpfs", "/tmp"});
  a.insert(a.end(), {"--size", bytes_of(l.scratch_mb), "--tmpfs", "/dev/shm"});
  a.insert(a.end(), {"--file", std::to_string(source.fd), "/tmp/program.py"});
  plan.inherited_fds = {source.fd, filter.fd};
  for (std::size_t i = 0; i < inputs.fds.size(); ++i) {
    a.insert(a.end(), {"--ro-bind-fd", std::to_string(inputs.fds[i]), "/tmp/" + program.input_files[i].filename().string()});
    plan.inherited_fds.push_back(inputs.fds[i]);
  }
  // The root and /dev are tmpfs mounts bwrap made for mount points; read-only, nothing but /tmp and
  // /dev/shm (both size-limited) is writable.
  a.insert(a.end(), {"--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"});
  a.insert(a.end(), {"--seccomp", std::to_string(filter.fd), "--", options.interpreter.string(), "/tmp/program.py"});
  a.insert(a.end(), program.args.begin(), program.args.end());

  RunResult r = finish(spawn_and_watch(plan), /*sandboxed=*/true);
  if (lease) kill_processes_of_uid(lease->uid());  // nothing should be left once bwrap has exited; make sure
  return r;
}

RunResult Sandbox::Impl::run_unsafe(const Program& program, const UidLease* lease) const {
  // A private host directory stands in for the sandbox's /tmp.
  std::string pattern = (options.unsafe_scratch_root / "dream-sandbox-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp in " + options.unsafe_scratch_root.string() + ": " + std::strerror(errno));
  const fs::path scratch = pattern;
  struct RemoveScratch {
    fs::path dir;
    ~RemoveScratch() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove_scratch{scratch};

  std::ofstream(scratch / "program.py", std::ios::binary) << program.source;
  for (const auto& input : program.input_files)
    fs::copy(input, scratch / input.filename(), fs::copy_options::recursive);
  if (lease) {
    for (const auto& entry : fs::recursive_directory_iterator(scratch))
      [[maybe_unused]] int rc = ::lchown(entry.path().c_str(), lease->uid(), lease->uid());
    [[maybe_unused]] int rc = ::chown(scratch.c_str(), lease->uid(), lease->uid());
  }

  SpawnPlan plan;
  plan.executable = options.interpreter.string();
  plan.args = {(scratch / "program.py").string()};
  plan.args.insert(plan.args.end(), program.args.begin(), program.args.end());
  plan.limits = program.limits;
  plan.switch_uid = lease != nullptr;
  plan.uid = lease ? lease->uid() : 0;
  plan.process_limit = process_limit(program.limits, lease);
  plan.working_directory = scratch.string();
  plan.seccomp_bpf = &seccomp_bpf;

  RunResult r = finish(spawn_and_watch(plan), /*sandboxed=*/false);
  if (lease) kill_processes_of_uid(lease->uid());  // daemons that left the process group
  r.warning = kUnsafeWarning;
  return r;
}

}  // namespace dream::sandbox
