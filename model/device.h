#pragma once
// Choosing and describing the device a model runs on, and the device-side facts benchmarks and results report
// (name, synchronisation, peak memory). CUDA specifics stay in device.cpp behind DREAM_EVAL_WITH_CUDA.
#include <cstddef>
#include <string>

#include <ATen/ATen.h>

namespace dream::model {

// "auto" (CUDA device 0 when this build has CUDA and a device is visible, else the CPU), "cpu", "cuda",
// "cuda:N". Errors say why a CUDA spec cannot be honoured (a CPU-only build, no visible device, N too large).
at::Device parse_device(const std::string& spec);

// Whether this binary was built with the CUDA path (kernels, graphs); at::hasCUDA() says whether LibTorch can
// reach a device at run time.
bool built_with_cuda();

// "NVIDIA H100 80GB HBM3 (cuda:0, sm_90, 132 SMs, 79.1 GiB)" or "cpu (Intel Xeon ..., 2 threads)".
std::string device_description(const at::Device& device);

// Waits for all work queued on the device (no-op on the CPU): call before reading a host clock.
void synchronize(const at::Device& device);

// Peak memory since the last reset: on CUDA the caching allocator's peak of allocated bytes on that device; on the
// CPU the process's peak resident set (which cannot be reset: the reset is a no-op there).
void reset_peak_memory(const at::Device& device);
size_t peak_memory_bytes(const at::Device& device);

}  // namespace dream::model
