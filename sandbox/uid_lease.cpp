#include "sandbox/uid_lease.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace dream::sandbox {
namespace fs = std::filesystem;

UidLease::UidLease(const fs::path& lock_dir, std::uint32_t first_uid, std::uint32_t count) {
  std::error_code ec;
  fs::create_directories(lock_dir, ec);
  if (ec) throw std::runtime_error("sandbox: cannot create uid lock directory " + lock_dir.string() + ": " + ec.message());
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

namespace {

// The real uid of a live (not zombie) process from /proc/<pid>/status ("Uid:\treal\teffective..."),
// or -1. A zombie only waits for its parent to reap it and can do nothing more.
long long live_process_uid(const fs::path& proc_entry) {
  std::ifstream status(proc_entry / "status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("State:", 0) == 0 && line.find('Z') != std::string::npos) return -1;
    if (line.rfind("Uid:", 0) == 0) return std::stoll(line.substr(4));
  }
  return -1;
}

}  // namespace

int kill_processes_of_uid(std::uint32_t uid) {
  int killed = 0;
  for (int round = 0; round < 50; ++round) {
    int found = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (live_process_uid(entry.path()) != static_cast<long long>(uid)) continue;
      if (::kill(std::stoi(name), SIGKILL) == 0) ++found;
    }
    if (found == 0) break;
    killed += found;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return killed;
}

}  // namespace dream::sandbox
