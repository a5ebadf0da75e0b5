#include "sandbox/uid_lease.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "sandbox/proc_status.h"

namespace dream::sandbox {
namespace fs = std::filesystem;

UidLease::UidLease(const fs::path& lock_dir, std::uint32_t first_uid, std::uint32_t count) {
  std::error_code ec;
  if (!fs::exists(lock_dir, ec)) {
    fs::create_directories(lock_dir.parent_path(), ec);
    ::mkdir(lock_dir.c_str(), 0700);
  }
  ec.clear();
  fs::create_directories(lock_dir, ec);
  if (ec) throw std::runtime_error("sandbox: cannot create uid lock directory " + lock_dir.string() + ": " + ec.message());
  // Root creates files here: refuse a directory someone else could have planted (a symlink, another
  // owner, or writable by others).
  struct stat st {};
  if (::lstat(lock_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022))
    throw std::runtime_error("sandbox: uid lock directory " + lock_dir.string() +
                             " must be a real directory owned by this user and writable only by it");
  // Start at a random slot so concurrent processes rarely probe the same files.
  thread_local std::minstd_rand rng(std::random_device{}());
  const std::uint32_t start = count ? static_cast<std::uint32_t>(rng() % count) : 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint32_t uid = first_uid + (start + i) % count;
    const fs::path file = lock_dir / ("uid-" + std::to_string(uid));
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("sandbox: cannot open uid lock " + file.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      uid_ = uid;
      lock_fd_ = fd;
      return;
    }
    ::close(fd);
  }
  throw std::runtime_error("sandbox: all " + std::to_string(count) + " sandbox uids from " + std::to_string(first_uid) +
                           " are in use (lock files in " + lock_dir.string() + ")");
}

UidLease::~UidLease() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

long tasks_of_uid(std::uint32_t uid) {
  long tasks = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    const std::string status = proc_status(entry->d_name);
    if (status.empty() || is_zombie(status) || status_number(status, "Uid") != static_cast<long long>(uid)) continue;
    tasks += std::max(1LL, status_number(status, "Threads"));
  }
  ::closedir(proc);
  return tasks;
}

int kill_processes_of_uid(std::uint32_t uid) {
  int killed = 0;
  for (int round = 0; round < 50; ++round) {
    int found = 0;
    DIR* proc = ::opendir("/proc");
    if (!proc) break;
    while (const dirent* entry = ::readdir(proc)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      // The status file, not stat() of /proc/<pid>: a process can make itself non-dumpable, and its
      // directory then shows root as owner.
      const std::string status = proc_status(entry->d_name);
      if (status.empty() || is_zombie(status) || status_number(status, "Uid") != static_cast<long long>(uid)) continue;
      if (::kill(static_cast<pid_t>(std::atol(entry->d_name)), SIGKILL) == 0) ++found;
    }
    ::closedir(proc);
    if (found == 0) break;
    killed += found;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return killed;
}

}  // namespace dream::sandbox
