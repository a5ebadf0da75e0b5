#include "shard.h"

#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace dream::harness {

namespace {

std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  try {
    size_t used = 0;
    int x = std::stoi(v, &used);
    if (used == std::string(v).size()) return x;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(std::string("environment ") + name + "=" + v + ": expected an integer");
}

Shard checked(Shard s, const std::string& where) {
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    throw std::invalid_argument(where + ": shard " + std::to_string(s.index) + " of " + std::to_string(s.count) +
                                " is out of range (need 0 <= i < N)");
  return s;
}

}  // namespace

std::string Shard::dir_name() const { return "shard-" + std::to_string(index) + "-of-" + std::to_string(count); }
std::string Shard::to_string() const { return std::to_string(index) + "/" + std::to_string(count); }

Shard parse_shard(const std::string& text) {
  static const std::regex re(R"((\d+)/(\d+))");
  std::smatch m;
  if (!std::regex_match(text, m, re)) throw std::invalid_argument("--shard: expected i/N (e.g. 0/4), got '" + text + "'");
  return checked({std::stoi(m[1]), std::stoi(m[2])}, "--shard " + text);
}

Shard resolve_shard(const std::optional<std::string>& flag, std::optional<int> num_shards) {
  if (flag) return parse_shard(*flag);
  if (auto id = env_int("SLURM_ARRAY_TASK_ID")) {
    auto count = env_int("SLURM_ARRAY_TASK_COUNT");
    if (!count) throw std::invalid_argument("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    return checked({*id - env_int("SLURM_ARRAY_TASK_MIN").value_or(0), *count}, "Slurm array");
  }
  if (auto index = env_int("JOB_COMPLETION_INDEX")) {
    if (!num_shards) throw std::invalid_argument("JOB_COMPLETION_INDEX is set: pass --num-shards N (the Job's completions)");
    return checked({*index, *num_shards}, "JOB_COMPLETION_INDEX");
  }
  return {};
}

std::optional<Shard> shard_from_dir_name(const std::string& name) {
  static const std::regex re(R"(shard-(\d+)-of-(\d+))");
  std::smatch m;
  if (!std::regex_match(name, m, re)) return std::nullopt;
  return Shard{std::stoi(m[1]), std::stoi(m[2])};
}

}  // namespace dream::harness
