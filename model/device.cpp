#include "device.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cpu_threads.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace dream::model {
namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// Whether the last reset of the CPU peak succeeded (the kernel may refuse clear_refs).
bool cpu_peak_was_reset = false;

int64_t cpu_peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmHWM:   12345 kB"
  return -1;
}

}  // namespace

bool cuda_build() {
#ifdef DREAM_EVAL_WITH_CUDA
  return true;
#else
  return false;
#endif
}

at::Device parse_device(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name == "auto") return cuda_device_if_present().value_or(at::Device(at::kCPU));
  if (name != "cuda" && name.rfind("cuda:", 0) != 0)
    throw std::invalid_argument("device '" + name + "': unknown (known: auto, cpu, cuda, cuda:N)");
  int64_t index = 0;
  if (name != "cuda") {
    const std::string digits = name.substr(5);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("device '" + name + "': the index after 'cuda:' must be a number");
    index = std::stoll(digits);
  }
#ifdef DREAM_EVAL_WITH_CUDA
  const int64_t count = c10::cuda::device_count();
  if (count == 0) throw std::invalid_argument("device '" + name + "': no CUDA device is present");
  if (index >= count)
    throw std::invalid_argument("device '" + name + "': only " + std::to_string(count) + " CUDA device(s) present");
  return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
#else
  (void)index;
  throw std::invalid_argument("device '" + name + "': this dream-eval is a CPU build (configure with "
                              "-DDREAM_EVAL_CUDA=ON against a CUDA LibTorch for the CUDA path)");
#endif
}

std::optional<at::Device> cuda_device_if_present() {
#ifdef DREAM_EVAL_WITH_CUDA
  if (c10::cuda::device_count() > 0) return at::Device(at::kCUDA, 0);
#endif
  return std::nullopt;
}

void synchronize(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    const c10::cuda::CUDAGuard guard(device.index());
    c10::cuda::device_synchronize();
  }
#endif
}

std::string device_name(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) return at::cuda::getDeviceProperties(device.index())->name;
#endif
  return cpu_model_name();
}

std::string device_description(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(device.index());
    char buf[320];
    std::snprintf(buf, sizeof buf, "%s (cuda:%d, sm_%d%d, %d SMs, %.1f GiB)", p->name, static_cast<int>(device.index()),
                  p->major, p->minor, p->multiProcessorCount, static_cast<double>(p->totalGlobalMem) / (1ull << 30));
    return buf;
  }
#endif
  return "cpu (" + cpu_model_name() + ", " + cpu_threads().describe() + ")";
}

DeviceMemory device_memory(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    const c10::cuda::CUDAGuard guard(device.index());
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) return {};
    return {static_cast<int64_t>(total_bytes), static_cast<int64_t>(free_bytes)};
  }
#endif
  DeviceMemory memory;
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {  // "MemAvailable:   20480000 kB" (some lines have no unit)
    std::istringstream fields(line);
    std::string key;
    int64_t kib = -1;
    if (!(fields >> key >> kib)) continue;
    if (key == "MemTotal:") memory.total_bytes = kib * 1024;
    if (key == "MemAvailable:") memory.available_bytes = kib * 1024;
  }
  return memory;
}

void reset_peak_memory(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
    return;
  }
#endif
  // "5" resets the peak resident set size (Linux 4.0+, proc(5)).
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  cpu_peak_was_reset = static_cast<bool>(clear);
}

PeakMemory peak_memory(at::Device device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    // Index 0 of each statistic array is the aggregate over the small and large pools.
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    return {stats.allocated_bytes[0].peak, "CUDA caching allocator peak allocated bytes since reset"};
  }
#endif
  return {cpu_peak_rss_bytes(), cpu_peak_was_reset ? "process peak resident set size (VmHWM) since reset"
                                                    : "process peak resident set size (VmHWM) since process start"};
}

}  // namespace dream::model
