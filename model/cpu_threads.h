#pragma once
// CPU threading of the inference core and the trainer.
//
// LibTorch runs elementwise work on its intra-op pool (OpenMP) and hands matrix products to the BLAS it was
// built against. Debian's LibTorch uses OpenBLAS's pthreads build, which keeps a second pool, sized to every
// core whatever at::set_num_threads says. Idle threads of both pools spin, so with both at N threads on N cores
// they steal the cores from each other: on the 2-core VM a 101M-parameter model's diffusion step took 1,055 ms
// with 2 intra-op + 2 OpenBLAS threads and 355 ms with 1 + 2 (docs/benchmarks.md, "CPU threads"). So when the
// BLAS has its own pool, that pool gets the threads and the intra-op pool one; otherwise (OpenBLAS's OpenMP or
// sequential build, MKL, no OpenBLAS) the intra-op pool gets them, as LibTorch intends.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dream::model {

struct CpuThreads {
  int intra_op = 1;       // at::get_num_threads()
  int blas = 0;           // threads of a BLAS pool separate from the intra-op pool; 0 when there is none
  std::string blas_pool;  // "openblas-pthreads", "openblas-openmp", "openblas-sequential", or "" (not OpenBLAS)

  // Cores the CPU path keeps busy at once.
  int cores() const { return blas > intra_op ? blas : intra_op; }
  // "1 intra-op + 2 OpenBLAS threads" / "2 intra-op threads": for logs and reports.
  std::string describe() const;
};

// CPUs this process may run on: its affinity mask (taskset, Slurm, cgroup cpusets), capped by a cgroup CPU
// quota (docker --cpus, Kubernetes CPU limits), at least 1; not the machine's core count, which oversubscribes
// a job given a share of a node.
int available_cpus();

// The CPUs a cgroup CPU quota allows (quota / period, rounded up; the smallest along the cgroup's ancestry), or
// nullopt when none applies. `cgroup_root` is the cgroup filesystem (/sys/fs/cgroup), `self_cgroup` the text of
// /proc/self/cgroup: cgroup v2 (cpu.max, "0::/path") and v1 (cpu.cfs_quota_us / cpu.cfs_period_us under the
// cpu controller's mount). Unreadable or malformed files count as no quota.
std::optional<int> cgroup_cpu_quota(const std::filesystem::path& cgroup_root, std::string_view self_cgroup);

// The automatic count: OMP_NUM_THREADS when it is a positive integer (the convention of HPC job scripts, which
// LibTorch follows too), otherwise available_cpus().
int automatic_cpu_threads();

// Applies `threads` (> 0; 0 = automatic_cpu_threads()) by the rule above and returns what is in effect.
// Throws std::invalid_argument for a negative count.
CpuThreads set_cpu_threads(int threads);

// What is in effect now.
CpuThreads cpu_threads();

}  // namespace dream::model
