#include "regex_cache.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace dream::metrics {

const RE2& compiled_regex(const std::string& pattern) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<RE2>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(pattern);
  if (it != cache.end()) return *it->second;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok()) throw std::invalid_argument("invalid regex '" + pattern + "': " + re->error());
  return *cache.emplace(pattern, std::move(re)).first->second;
}

}  // namespace dream::metrics
