#pragma once
// The devices the inference core runs on, for choosing one, timing on it and describing it: parsing a
// --device value, waiting for queued work before a clock is read, the device's name, and peak memory.
// CUDA support exists only in CUDA builds (DREAM_EVAL_WITH_CUDA); a CPU build says so when asked for CUDA.
#include <cstdint>
#include <optional>
#include <string>

#include <ATen/ATen.h>

namespace dream::model {

// True when this program was built with the CUDA path.
bool cuda_build();

// "auto" (cuda:0 when this is a CUDA build and a GPU is present, else the CPU), "cpu", "cuda" (= cuda:0) or
// "cuda:N" -> the device. Errors name the value: an unknown name, a CUDA device in a CPU build (said so), no
// CUDA device present, an index past the devices present.
at::Device parse_device(const std::string& name);

// cuda:0 when this is a CUDA build and a GPU is present, else nullopt (GPU tests skip on it; "auto" devices).
std::optional<at::Device> cuda_device_if_present();

// Blocks until all work queued on `device` has finished, so a host clock read next includes it
// (CUDA: device synchronise; CPU: ops are synchronous, nothing to wait for).
void synchronize(at::Device device);

// "NVIDIA H100 80GB HBM3" for a CUDA device, the CPU's model name from /proc/cpuinfo for the CPU.
std::string device_name(at::Device device);
// For results: "NVIDIA H100 80GB HBM3 (cuda:0, sm_90, 132 SMs, 79.1 GiB)" or "cpu (Intel Xeon ..., 1 intra-op + 2 OpenBLAS threads)".
std::string device_description(at::Device device);

// Memory on `device` now: total and what a new allocation can still get (CUDA: cudaMemGetInfo's free bytes, which
// excludes other processes' use; CPU: /proc/meminfo's MemTotal and MemAvailable). -1 where it cannot be read.
struct DeviceMemory {
  int64_t total_bytes = -1;
  int64_t available_bytes = -1;
};
DeviceMemory device_memory(at::Device device);

struct PeakMemory {
  int64_t bytes = 0;  // -1 when it could not be read
  std::string kind;   // what `bytes` measures (it differs between devices), for reports
};

// Starts a new peak-memory window on `device`. CUDA: resets the caching allocator's peak statistics. CPU:
// resets the process's peak resident set size (Linux /proc/self/clear_refs); where that is refused the
// window stays open since the process started, and peak_memory's kind says so.
void reset_peak_memory(at::Device device);
// The peak since the last reset_peak_memory. CUDA: the caching allocator's peak allocated bytes (tensors
// alive at the worst moment, weights included; cached free blocks excluded). CPU: the peak resident set
// size of the whole process (VmHWM).
PeakMemory peak_memory(at::Device device);

}  // namespace dream::model
