// CPU threading: an explicit count goes to OpenBLAS's own pool when LibTorch's BLAS has one (the intra-op pool
// keeps one thread, so the two pools never compete for the cores), otherwise to the intra-op pool; automatic
// means OMP_NUM_THREADS when set, else the CPUs of the process's affinity mask.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "model/cpu_threads.h"

using namespace dream::model;

namespace {

// Starts from no OMP_NUM_THREADS, and restores it, the threading and the affinity a test changed, whatever it
// asserts.
struct RestoreThreading {
  CpuThreads before = cpu_threads();
  cpu_set_t mask{};
  std::optional<std::string> omp_num_threads;
  RestoreThreading() {
    sched_getaffinity(0, sizeof(mask), &mask);
    if (const char* v = std::getenv("OMP_NUM_THREADS")) omp_num_threads = v;
    unsetenv("OMP_NUM_THREADS");
  }
  ~RestoreThreading() {
    sched_setaffinity(0, sizeof(mask), &mask);
    set_cpu_threads(before.cores());
    if (omp_num_threads) setenv("OMP_NUM_THREADS", omp_num_threads->c_str(), 1);
    else unsetenv("OMP_NUM_THREADS");
  }
};

}  // namespace

TEST(CpuThreads, ExplicitCountGoesToTheBlasPoolWhenItHasOne) {
  RestoreThreading restore;
  const CpuThreads t = set_cpu_threads(3);
  EXPECT_EQ(t.cores(), 3);
  if (t.blas_pool == "openblas-pthreads") {
    EXPECT_EQ(t.intra_op, 1);
    EXPECT_EQ(t.blas, 3);
    EXPECT_EQ(t.describe(), "1 intra-op + 3 OpenBLAS threads");
  } else {
    EXPECT_EQ(t.intra_op, 3);
    EXPECT_EQ(t.blas, 0);
    EXPECT_EQ(t.describe(), "3 intra-op threads");
  }
  EXPECT_EQ(cpu_threads().cores(), 3);
  EXPECT_EQ(set_cpu_threads(1).describe(), t.blas_pool == "openblas-pthreads" ? "1 intra-op + 1 OpenBLAS thread" : "1 intra-op thread");
  EXPECT_THROW(set_cpu_threads(-1), std::invalid_argument);
}

TEST(CpuThreads, FindsOpenBlasWhenItIsLoaded) {
  // Debian's LibTorch links OpenBLAS: detection must see it (a build against another BLAS skips).
  void* handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
  if (!handle) GTEST_SKIP() << "OpenBLAS is not loaded in this build";
  dlclose(handle);
  EXPECT_FALSE(cpu_threads().blas_pool.empty());
}

TEST(CpuThreads, AutomaticMeansTheAffinityMask) {
  RestoreThreading restore;
  EXPECT_EQ(set_cpu_threads(0).cores(), available_cpus());
  if (CPU_COUNT(&restore.mask) < 2) GTEST_SKIP() << "one CPU: no smaller mask to try";
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &restore.mask)) {
      CPU_SET(cpu, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  EXPECT_EQ(available_cpus(), 1);  // as under `taskset -c N` or a one-CPU Slurm task
  EXPECT_EQ(set_cpu_threads(0).cores(), 1);
}

TEST(CpuThreads, AutomaticFollowsOmpNumThreads) {
  RestoreThreading restore;
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(automatic_cpu_threads(), 3);
  EXPECT_EQ(set_cpu_threads(0).cores(), 3);
  for (const char* ignored : {"0", "-2", "4x", ""}) {
    setenv("OMP_NUM_THREADS", ignored, 1);
    EXPECT_EQ(automatic_cpu_threads(), available_cpus()) << "OMP_NUM_THREADS='" << ignored << "'";
  }
}
