#pragma once
// The one place where LibTorch version differences live. dream-eval builds against Debian's LibTorch 1.13
// (CPU) and PyTorch 2.x's bundled LibTorch (CUDA).
#include <ATen/ATen.h>
#include <torch/version.h>

#define DREAM_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace dream::model::compat {

// A CPU random generator seeded like torch.manual_seed(seed) seeds the default one, so a seeded run draws the
// same stream as the official code does on CPU when the same ops consume it in the same order.
inline at::Generator make_cpu_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

}  // namespace dream::model::compat
