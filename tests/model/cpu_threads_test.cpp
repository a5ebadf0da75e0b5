// CPU threading: an explicit count goes to OpenBLAS's own pool when LibTorch's BLAS has one (the intra-op pool
// keeps one thread, so the two pools never compete for the cores), otherwise to the intra-op pool; automatic
// means OMP_NUM_THREADS when set, else the CPUs of the process's affinity mask capped by a cgroup CPU quota.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
  EXPECT_EQ(set_cpu_threads(1).describe(),
            t.blas_pool == "openblas-pthreads" ? "1 intra-op + 1 OpenBLAS thread" : "1 intra-op thread");
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

// Container CPU limits (docker --cpus, Kubernetes limits) are cgroup quotas, not affinity masks.
TEST(CpuThreads, CgroupQuotaCapsTheCount) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("dream-cgroup-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto write = [](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
  };
  // cgroup v2: the pod allows 2.5 CPUs (rounded up to 3), its parent 8; the root has no cpu.max.
  write(root / "v2" / "kubepods" / "cpu.max", "800000 100000");
  write(root / "v2" / "kubepods" / "pod1" / "cpu.max", "250000 100000");
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/kubepods/pod1\n"), 3);
  // An ancestor's tighter limit applies too.
  write(root / "v2" / "kubepods" / "cpu.max", "150000 100000");
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/kubepods/pod1\n"), 2);
  write(root / "v2" / "free" / "cpu.max", "max 100000");
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/free\n"), std::nullopt);
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/nowhere\n"), std::nullopt);
  write(root / "v2" / "cpu.max", "400000 100000");  // a namespace root with its own limit
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/../../elsewhere\n"), 4);  // outside the mount: its root's limit
  fs::remove(root / "v2" / "cpu.max");
  write(root / "v2" / "bad" / "cpu.max", "lots 100000");
  EXPECT_EQ(cgroup_cpu_quota(root / "v2", "0::/bad\n"), std::nullopt);

  // cgroup v1, cpu mounted with cpuacct; inside a container the process's own cgroup is the mount's root, so
  // the listed path does not exist below it and the mount's own files apply.
  write(root / "v1" / "cpu,cpuacct" / "cpu.cfs_quota_us", "200000");
  write(root / "v1" / "cpu,cpuacct" / "cpu.cfs_period_us", "100000");
  const std::string v1 = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n";
  EXPECT_EQ(cgroup_cpu_quota(root / "v1", v1), 2);
  write(root / "v1" / "cpu,cpuacct" / "cpu.cfs_quota_us", "-1");  // no limit
  EXPECT_EQ(cgroup_cpu_quota(root / "v1", v1), std::nullopt);
  EXPECT_EQ(cgroup_cpu_quota(root / "v1", "4:cpuacct:/x\n"), std::nullopt);  // no cpu controller line
  fs::remove_all(root);

  // This process: the affinity mask, capped by its real quota if it has one.
  cpu_set_t mask;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mask), &mask), 0);
  EXPECT_LE(available_cpus(), CPU_COUNT(&mask));
  EXPECT_GE(available_cpus(), 1);
}
