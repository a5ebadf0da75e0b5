#pragma once
// Reading /proc/<pid>/status with plain system calls (the sweep reads it for every process on the host
// after each run, so it must be cheap).
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace dream::sandbox {

// The first 2 KB of /proc/<pid>/status (enough for State, PPid and Uid), or empty if the process is gone.
inline std::string proc_status(const std::string& pid) {
  const std::string path = "/proc/" + pid + "/status";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buffer[2048];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

// The number after "\n<field>:\t" (for Uid: the real uid, the first of four), or -1.
inline long long status_number(const std::string& status, const char* field) {
  const std::string key = std::string("\n") + field + ":";
  const auto at = status.find(key);
  return at == std::string::npos ? -1 : std::atoll(status.c_str() + at + key.size());
}

// A zombie only waits for its parent to reap it and can do nothing more.
inline bool is_zombie(const std::string& status) {
  const auto at = status.find("\nState:");
  return at != std::string::npos && status.find('Z', at) < status.find('\n', at + 1);
}

}  // namespace dream::sandbox
