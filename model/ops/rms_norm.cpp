#include "rms_norm.h"

#include <stdexcept>
#include <string>

#include "fused.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "model/kernels/rms_norm.h"
#endif

namespace dream::model::ops {

at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor x32 = x.to(at::kFloat);
  const at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (x32 * at::rsqrt(variance + eps)).to(x.scalar_type());
}

AddRmsNorm add_rms_norm_reference(const at::Tensor& x, const at::Tensor& residual, const at::Tensor& weight, double eps) {
  const at::Tensor sum = x + residual;
  return {sum, rms_norm_reference(sum, weight, eps)};
}

#ifdef DREAM_EVAL_WITH_CUDA
namespace {

void check_weight(const at::Tensor& x, const at::Tensor& weight, const char* op) {
  const int64_t H = x.size(-1);
  if (weight.dim() != 1 || weight.size(0) != H)
    throw std::invalid_argument(std::string(op) + ": weight has shape " + c10::str(weight.sizes()) + ", expected [" + std::to_string(H) + "]");
  if (weight.device() != x.device())
    throw std::invalid_argument(std::string(op) + ": weight is on " + weight.device().str() + ", x on " + x.device().str());
}

at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps) {
  check_weight(x, weight, "rms_norm");
  const int64_t H = x.size(-1);
  const c10::cuda::CUDAGuard guard(x.device());
  const at::Tensor rows = detail::as_rows(x);
  const at::Tensor w = weight.contiguous();
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  detail::check_cuda(kernels::rms_norm(rows.data_ptr(), detail::row_stride(rows), w.data_ptr(), y.data_ptr(), H,
                                       rows.size(0), H, static_cast<float>(eps), detail::kernel_dtype(x.scalar_type(), "rms_norm"),
                                       at::cuda::getCurrentCUDAStream()),
                     "rms_norm");
  return y;
}

AddRmsNorm add_rms_norm_cuda(const at::Tensor& x, const at::Tensor& residual, const at::Tensor& weight, double eps) {
  check_weight(x, weight, "add_rms_norm");
  const int64_t H = x.size(-1);
  const c10::cuda::CUDAGuard guard(x.device());
  const at::Tensor xr = detail::as_rows(x), rr = detail::as_rows(residual);
  const at::Tensor w = weight.contiguous();
  const auto contiguous = x.options().memory_format(at::MemoryFormat::Contiguous);
  AddRmsNorm out{at::empty(x.sizes(), contiguous), at::empty(x.sizes(), contiguous)};
  detail::check_cuda(kernels::add_rms_norm(xr.data_ptr(), detail::row_stride(xr), rr.data_ptr(), detail::row_stride(rr), w.data_ptr(),
                                           out.sum.data_ptr(), H, out.normed.data_ptr(), H, xr.size(0), H, static_cast<float>(eps),
                                           detail::kernel_dtype(x.scalar_type(), "add_rms_norm"), at::cuda::getCurrentCUDAStream()),
                     "add_rms_norm");
  return out;
}

bool norm_takes_kernel(const at::Tensor& x, const at::Tensor& weight) {
  return use_fused(x) && use_fused(weight) && detail::has_kernel_dtype(x.scalar_type()) && weight.scalar_type() == x.scalar_type() &&
         x.numel() > 0;
}

}  // namespace
#endif

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (norm_takes_kernel(x, weight)) return rms_norm_cuda(x, weight, eps);
#endif
  return rms_norm_reference(x, weight, eps);
}

AddRmsNorm add_rms_norm(const at::Tensor& x, const at::Tensor& residual, const at::Tensor& weight, double eps) {
  if (x.sizes() != residual.sizes())
    throw std::invalid_argument("add_rms_norm: x has shape " + c10::str(x.sizes()) + ", residual " + c10::str(residual.sizes()));
#ifdef DREAM_EVAL_WITH_CUDA
  if (norm_takes_kernel(x, weight) && use_fused(residual) && residual.scalar_type() == x.scalar_type() && residual.device() == x.device())
    return add_rms_norm_cuda(x, residual, weight, eps);
#endif
  return add_rms_norm_reference(x, residual, weight, eps);
}

}  // namespace dream::model::ops
