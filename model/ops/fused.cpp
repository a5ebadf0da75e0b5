#include "fused.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <ATen/core/grad_mode.h>

namespace dream::model::ops {

bool fused_kernels_enabled() {
#ifdef DREAM_EVAL_WITH_CUDA
  const char* v = std::getenv("DREAM_EVAL_FUSED");
  return !(v && std::strcmp(v, "0") == 0);
#else
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
