#pragma once
// An unprivileged uid held by one run at a time. As root, each sandboxed run switches to its own uid so
// that RLIMIT_NPROC (not enforced for uid 0) bounds that run alone, and so that any process left with that
// uid after the run is known to be a stray of this run. The lease is an flock on a per-uid file, so it is
// exclusive across threads and processes and is released by the kernel if the holder dies.
#include <cstdint>
#include <filesystem>

namespace dream::sandbox {

class UidLease {
 public:
  // Leases the first free uid in [first_uid, first_uid + count); throws std::runtime_error if none is
  // free or the lock directory cannot be created.
  UidLease(const std::filesystem::path& lock_dir, std::uint32_t first_uid, std::uint32_t count);
  ~UidLease();
  UidLease(const UidLease&) = delete;
  UidLease& operator=(const UidLease&) = delete;

  std::uint32_t uid() const { return uid_; }

 private:
  std::uint32_t uid_ = 0;
  int lock_fd_ = -1;
};

// Sends SIGKILL to every process whose real uid is `uid` until none is left (bounded number of rounds);
// returns how many it killed. For the sweep after a run; never call it for a uid that is not leased.
int kill_processes_of_uid(std::uint32_t uid);

// Tasks (processes and threads, zombies excluded) whose real uid is `uid`: what RLIMIT_NPROC counts.
long tasks_of_uid(std::uint32_t uid);

}  // namespace dream::sandbox
