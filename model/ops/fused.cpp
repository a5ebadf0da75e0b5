#include "fused.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <ATen/core/grad_mode.h>

namespace dream::model::ops {

std::string env_switch(const char* name, std::initializer_list<const char*> allowed, const char* fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  std::string known;
  for (const char* a : allowed) {
    if (std::strcmp(v, a) == 0) return v;
    known += (known.empty() ? "" : ", ") + std::string(a);
  }
  throw std::invalid_argument(std::string("environment ") + name + "=" + v + ": expected one of " + known);
}

bool fused_kernels_enabled() {
  const bool on = env_switch("DREAM_EVAL_FUSED", {"0", "1"}, "1") == "1";
#ifdef DREAM_EVAL_WITH_CUDA
  return on;
#else
  (void)on;
  return false;
#endif
}

bool use_fused(const at::Tensor& t) {
  return t.defined() && t.is_cuda() && fused_kernels_enabled() && !(at::GradMode::is_enabled() && t.requires_grad());
}

}  // namespace dream::model::ops

#ifdef DREAM_EVAL_WITH_CUDA
namespace dream::model::ops::detail {

void check_cuda(cudaError_t status, const char* op) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(op) + ": CUDA error " + cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

bool has_kernel_dtype(at::ScalarType t) { return t == at::kFloat || t == at::kBFloat16 || t == at::kHalf; }

kernels::DType kernel_dtype(at::ScalarType t, const char* op) {
  switch (t) {
    case at::kFloat: return kernels::DType::F32;
    case at::kBFloat16: return kernels::DType::BF16;
    case at::kHalf: return kernels::DType::F16;
    default: throw std::invalid_argument(std::string(op) + ": dtype " + std::string(c10::toString(t)) + " has no fused kernel (float, bfloat16, half)");
  }
}

at::Tensor as_rows(const at::Tensor& t) {
  at::Tensor rows = t.reshape({-1, t.size(-1)});
  return rows.stride(1) == 1 || rows.size(1) <= 1 ? rows : rows.contiguous();
}

}  // namespace dream::model::ops::detail
#endif
