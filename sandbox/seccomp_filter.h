#pragma once
// The seccomp filter every sandboxed program runs under, compiled once with libseccomp to a classic BPF
// program. bubblewrap loads it (--seccomp FD) as the last step before exec'ing the interpreter, after its
// own mounts, which the filter would forbid; in unsafe mode the spawning child loads it itself.
#include <cstdint>
#include <string>
#include <vector>

namespace dream::sandbox {

// Syscalls denied outright with EPERM (the program sees PermissionError), by name; names the running
// kernel's architecture does not know are skipped. Besides these: socket/socketpair other than AF_UNIX
// fail with EPERM, clone with any CLONE_NEW* flag fails with EPERM, and clone3 fails with ENOSYS so that
// libc falls back to clone, whose flags the filter can inspect.
const std::vector<std::string>& denied_syscalls();

// The filter as BPF bytes (struct sock_filter array) for the native architecture; syscalls of other
// architectures (e.g. 32-bit int 0x80 on x86-64) kill the process. Throws std::runtime_error if libseccomp
// fails.
std::vector<std::uint8_t> build_seccomp_bpf();

}  // namespace dream::sandbox
