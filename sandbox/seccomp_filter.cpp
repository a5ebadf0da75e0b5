#include "sandbox/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sched.h>
#include <stdexcept>

namespace dream::sandbox {
namespace {

// Frees the libseccomp context however we leave.
struct FilterContext {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ~FilterContext() { seccomp_release(ctx); }
};

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error("seccomp: " + what + " failed: " + std::strerror(-rc));
}

}  // namespace

const std::vector<std::string>& denied_syscalls() {
  // Grouped by what they would give a hostile program. Test code needs none of them.
  static const std::vector<std::string> names = {
      // inspecting or steering other processes
      "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
      // filesystems and namespaces (bubblewrap has already built the view)
      "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
      "fspick", "mount_setattr", "unshare", "setns", "name_to_handle_at", "open_by_handle_at",
      // kernel attack surface with no use in test code
      "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
      "keyctl", "add_key", "request_key", "fanotify_init", "lookup_dcookie",
      // machine administration
      "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
      "swapoff", "acct", "syslog", "quotactl", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
      "sethostname", "setdomainname", "iopl", "ioperm", "modify_ldt", "uselib", "vhangup", "nfsservctl",
      "personality",
  };
  return names;
}

std::vector<std::uint8_t> build_seccomp_bpf() {
  FilterContext filter;
  if (!filter.ctx) throw std::runtime_error("seccomp: seccomp_init failed");
  const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);

  for (const auto& name : denied_syscalls()) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not a syscall on this architecture
    check(seccomp_rule_add(filter.ctx, eperm, nr, 0), "rule for " + name);
  }
  // Only local (AF_UNIX) sockets: multiprocessing needs them; anything reaching a network does not.
  check(seccomp_rule_add(filter.ctx, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)), "socket rule");
  check(seccomp_rule_add(filter.ctx, eperm, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)),
        "socketpair rule");
  // New namespaces through clone flags; one rule per flag since a rule cannot test "any bit of a mask".
  constexpr scmp_datum_t kNamespaceFlags[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,    CLONE_NEWUSER,
                                              CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0x00000080 /* CLONE_NEWTIME */};
  for (const scmp_datum_t flag : kNamespaceFlags) {
    check(seccomp_rule_add(filter.ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)),
          "clone rule");
  }
  // clone3 passes its flags in memory, out of the filter's reach: make libc fall back to clone.
  const int clone3 = seccomp_syscall_resolve_name("clone3");
  if (clone3 != __NR_SCMP_ERROR) check(seccomp_rule_add(filter.ctx, SCMP_ACT_ERRNO(ENOSYS), clone3, 0), "clone3 rule");

  // Export to an anonymous file and read the bytes back (libseccomp 2.5 exports to descriptors only).
  const int fd = memfd_create("dream-seccomp", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("seccomp: memfd_create failed: ") + std::strerror(errno));
  std::vector<std::uint8_t> bpf;
  const int rc = seccomp_export_bpf(filter.ctx, fd);
  struct stat st {};
  if (rc == 0 && fstat(fd, &st) == 0) {
    bpf.resize(static_cast<std::size_t>(st.st_size));
    if (pread(fd, bpf.data(), bpf.size(), 0) != static_cast<ssize_t>(bpf.size())) bpf.clear();
  }
  close(fd);
  check(rc, "export");
  if (bpf.empty()) throw std::runtime_error("seccomp: exported filter could not be read back");
  return bpf;
}

}  // namespace dream::sandbox
