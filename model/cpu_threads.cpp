#include "cpu_threads.h"

#include <dlfcn.h>
#include <sched.h>

#include <ATen/Parallel.h>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace dream::model {
namespace {

// OpenBLAS's threading controls, found at run time: LibTorch links the BLAS, not us, and builds without
// OpenBLAS must still load.
struct OpenBlasControls {
  void (*set_num_threads)(int) = nullptr;
  int (*get_num_threads)() = nullptr;
  int (*get_parallel)() = nullptr;  // 0 sequential, 1 pthreads, 2 OpenMP

  bool present() const { return set_num_threads && get_num_threads && get_parallel; }
  bool own_pool() const { return present() && get_parallel() == 1; }
};

const OpenBlasControls& openblas() {
  static const OpenBlasControls controls = [] {
    OpenBlasControls c;
    c.set_num_threads = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    c.get_num_threads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    c.get_parallel = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
    return c;
  }();
  return controls;
}

// The first line of a file, or "" when it cannot be read.
std::string read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

std::optional<int64_t> parse_count(std::string_view text) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// ceil(quota / period) when both are positive counts.
std::optional<int> cpus_of(std::optional<int64_t> quota, std::optional<int64_t> period) {
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<int>(std::max<int64_t>(1, (*quota + *period - 1) / *period));
}

// cgroup v2: cpu.max is "max 100000" (no limit) or "QUOTA PERIOD".
std::optional<int> cgroup_v2_quota(const std::filesystem::path& dir) {
  const std::string text = read_small_file(dir / "cpu.max");
  const size_t space = text.find(' ');
  if (space == std::string::npos) return std::nullopt;
  const std::string_view fields(text);
  return cpus_of(parse_count(fields.substr(0, space)), parse_count(fields.substr(space + 1)));
}

// cgroup v1: cpu.cfs_quota_us (-1: no limit) over cpu.cfs_period_us.
std::optional<int> cgroup_v1_quota(const std::filesystem::path& dir) {
  return cpus_of(parse_count(read_small_file(dir / "cpu.cfs_quota_us")),
                 parse_count(read_small_file(dir / "cpu.cfs_period_us")));
}

// Keeps the tighter of two limits (nullopt: none).
void keep_tighter(std::optional<int>& smallest, std::optional<int> candidate) {
  if (candidate && (!smallest || *candidate < *smallest)) smallest = candidate;
}

// The smallest quota of `dir` and its ancestors up to `root` (limits of enclosing cgroups apply too). A `dir`
// outside `root` (a path with "..", as a cgroup namespace can show) starts at `root`.
std::optional<int> smallest_quota_up_to(const std::filesystem::path& root, std::filesystem::path dir,
                                        std::optional<int> (*quota_of)(const std::filesystem::path&)) {
  const std::filesystem::path inside = dir.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..") dir = root;
  std::optional<int> smallest;
  for (;;) {
    keep_tighter(smallest, quota_of(dir));
    if (dir == root || !dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return smallest;
}

}  // namespace

std::optional<int> cgroup_cpu_quota(const std::filesystem::path& cgroup_root, std::string_view self_cgroup) {
  namespace fs = std::filesystem;
  const fs::path root = cgroup_root.lexically_normal();
  std::optional<int> smallest;
  size_t start = 0;
  while (start < self_cgroup.size()) {
    size_t end = self_cgroup.find('\n', start);
    if (end == std::string_view::npos) end = self_cgroup.size();
    const std::string_view line = self_cgroup.substr(start, end - start);
    start = end + 1;
    // "hierarchy-id:controllers:path"
    const size_t first = line.find(':'), second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const fs::path relative = fs::path(std::string(line.substr(second + 1))).relative_path();
    if (line.substr(0, first) == "0" && controllers.empty()) {  // cgroup v2's unified hierarchy
      keep_tighter(smallest, smallest_quota_up_to(root, (root / relative).lexically_normal(), cgroup_v2_quota));
      continue;
    }
    bool has_cpu = false;  // cgroup v1: the line of the cpu controller (often mounted together with cpuacct)
    for (size_t at = 0; at <= controllers.size();) {
      size_t comma = controllers.find(',', at);
      if (comma == std::string_view::npos) comma = controllers.size();
      has_cpu = has_cpu || controllers.substr(at, comma - at) == "cpu";
      at = comma + 1;
    }
    if (!has_cpu) continue;
    for (const fs::path& mount : {root / std::string(controllers), root / "cpu"}) {
      if (!fs::is_directory(mount)) continue;
      keep_tighter(smallest, smallest_quota_up_to(mount, (mount / relative).lexically_normal(), cgroup_v1_quota));
      break;
    }
  }
  return smallest;
}

std::string CpuThreads::describe() const {
  std::string s = std::to_string(intra_op) + " intra-op";
  if (blas > 0) s += " + " + std::to_string(blas) + " OpenBLAS";
  return s + (cores() == 1 ? " thread" : " threads");
}

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = 1;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    cpus = CPU_COUNT(&set);
  } else if (const unsigned hw = std::thread::hardware_concurrency(); hw > 0) {
    cpus = static_cast<int>(hw);
  }
  std::ifstream self("/proc/self/cgroup");
  const std::string self_cgroup((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  if (const auto quota = cgroup_cpu_quota("/sys/fs/cgroup", self_cgroup); quota && *quota < cpus) cpus = *quota;
  return cpus;
}

int automatic_cpu_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    int n = 0;
    const char* end = env + std::strlen(env);
    const auto [stop, ec] = std::from_chars(env, end, n);
    if (ec == std::errc() && stop == end && n > 0) return n;
  }
  return available_cpus();
}

CpuThreads set_cpu_threads(int threads) {
  if (threads < 0)
    throw std::invalid_argument("CPU threads must be >= 0 (0 = automatic), got " + std::to_string(threads));
  if (threads == 0) threads = automatic_cpu_threads();
  if (openblas().own_pool()) {
    at::set_num_threads(1);
    openblas().set_num_threads(threads);
  } else {
    at::set_num_threads(threads);
  }
  return cpu_threads();
}

CpuThreads cpu_threads() {
  CpuThreads t;
  t.intra_op = at::get_num_threads();
  const OpenBlasControls& ob = openblas();
  if (ob.present()) {
    const int parallel = ob.get_parallel();
    t.blas_pool = parallel == 1 ? "openblas-pthreads" : parallel == 2 ? "openblas-openmp" : "openblas-sequential";
    if (parallel == 1) t.blas = ob.get_num_threads();
  }
  return t;
}

}  // namespace dream::model
