#include "cpu_threads.h"

#include <dlfcn.h>
#include <sched.h>

#include <ATen/Parallel.h>
#include <charconv>
#include <cstdlib>
#include <cstring>
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

}  // namespace

std::string CpuThreads::describe() const {
  std::string s = std::to_string(intra_op) + " intra-op";
  if (blas > 0) s += " + " + std::to_string(blas) + " OpenBLAS";
  return s + (cores() == 1 ? " thread" : " threads");
}

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
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
  if (threads < 0) throw std::invalid_argument("CPU threads must be >= 0 (0 = automatic), got " + std::to_string(threads));
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
