#include "build_info.h"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iterator>

#include "build_info_values.h"  // generated at build time by git_info.cmake

namespace dream::harness {

std::string dream_eval_version() { return DREAM_EVAL_VERSION; }
std::string git_commit() { return DREAM_EVAL_GIT_COMMIT; }
bool git_dirty() { return DREAM_EVAL_GIT_DIRTY; }

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

std::string process_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (auto& c : raw)
    if (c == '\0') c = ' ';
  return raw;
}

}  // namespace dream::harness
