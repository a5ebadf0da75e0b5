#include "device.h"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <ATen/Parallel.h>

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
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

}  // namespace

bool built_with_cuda() {
#ifdef DREAM_EVAL_WITH_CUDA
  return true;
#else
  return false;
#endif
}

at::Device parse_device(const std::string& spec) {
  if (spec == "cpu") return at::kCPU;
  if (spec == "auto") return built_with_cuda() && at::hasCUDA() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (spec != "cuda" && spec.rfind("cuda:", 0) != 0)
    throw std::invalid_argument("--device " + spec + ": expected auto, cpu, cuda or cuda:N");
  int index = 0;
  if (spec != "cuda") {
    const std::string digits = spec.substr(5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 3)
      throw std::invalid_argument("--device " + spec + ": the device index must be a number (cuda:0, cuda:1, ...)");
    index = std::stoi(digits);
  }
  if (!built_with_cuda())
    throw std::invalid_argument("--device " + spec + ": this dream-eval is a CPU-only build (configure with a CUDA LibTorch and "
                                "-DDREAM_EVAL_CUDA=ON, see docs/cuda.md)");
  if (!at::hasCUDA()) throw std::invalid_argument("--device " + spec + ": no CUDA device is visible to LibTorch");
#ifdef DREAM_EVAL_WITH_CUDA
  const int count = static_cast<int>(c10::cuda::device_count());
#else
  const int count = 0;
#endif
  if (index >= count)
    throw std::invalid_argument("--device " + spec + ": only " + std::to_string(count) + " CUDA device(s) visible");
  return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string device_description(const at::Device& device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(device.index());
    char buf[320];
    std::snprintf(buf, sizeof buf, "%s (cuda:%d, sm_%d%d, %d SMs, %.1f GiB)", p->name, static_cast<int>(device.index()),
                  p->major, p->minor, p->multiProcessorCount, static_cast<double>(p->totalGlobalMem) / (1ull << 30));
    return buf;
  }
#endif
  if (device.is_cpu()) return "cpu (" + cpu_model_name() + ", " + std::to_string(at::get_num_threads()) + " threads)";
  return device.str();
}

void synchronize(const at::Device& device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    const cudaError_t err = cudaDeviceSynchronize();
    if (err != cudaSuccess) throw std::runtime_error(std::string("CUDA error at synchronize: ") + cudaGetErrorString(err));
  }
#endif
}

void reset_peak_memory(const at::Device& device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index());
#endif
}

size_t peak_memory_bytes(const at::Device& device) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (device.is_cuda()) {
    // Index 0 of each stat array is the aggregate over pool kinds (StatType::AGGREGATE in every version).
    return static_cast<size_t>(c10::cuda::CUDACachingAllocator::getDeviceStats(device.index()).allocated_bytes[0].peak);
  }
#endif
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace dream::model
