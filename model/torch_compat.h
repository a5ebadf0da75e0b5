#pragma once
// The one place where LibTorch version differences live. dream-eval builds against Debian's LibTorch 1.13
// (CPU) and PyTorch 2.x's bundled LibTorch (CUDA).
#include <ATen/ATen.h>
#include <torch/version.h>

#define DREAM_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// at::scaled_dot_product_attention with an optional `scale` argument (PyTorch 2.1+).
#define DREAM_HAS_SDPA DREAM_TORCH_AT_LEAST(2, 1)

namespace dream::model::compat {

// A CPU random generator seeded like torch.manual_seed(seed) seeds the default one, so a seeded run draws the
// same stream as the official code does on CPU when the same ops consume it in the same order.
inline at::Generator make_cpu_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

// A generator for `device` seeded like torch.manual_seed(seed) seeds that device's default generator (on CUDA:
// a Philox stream, as the official code gets on a GPU). Made by cloning the device's default generator, which
// needs no CUDA header and works with both LibTorch versions.
inline at::Generator make_generator(uint64_t seed, const at::Device& device) {
  if (device.is_cpu()) return make_cpu_generator(seed);
  at::Generator gen = at::globalContext().defaultGenerator(device).clone();
  gen.set_current_seed(seed);
  return gen;
}

}  // namespace dream::model::compat
