#include "rms_norm.h"

#include "fused.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <stdexcept>
#include <string>

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

#ifdef DREAM_EVAL_WITH_CUDA
namespace {

at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const int64_t H = x.size(-1);
  if (weight.dim() != 1 || weight.size(0) != H)
    throw std::invalid_argument("rms_norm: weight has shape " + c10::str(weight.sizes()) + ", expected [" + std::to_string(H) + "]");
  if (!weight.is_cuda() || weight.device() != x.device())
    throw std::invalid_argument("rms_norm: weight is on " + weight.device().str() + ", x on " + x.device().str());
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

}  // namespace
#endif

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (use_fused(x) && use_fused(weight) && detail::has_kernel_dtype(x.scalar_type()) &&
      weight.scalar_type() == x.scalar_type() && x.numel() > 0)
    return rms_norm_cuda(x, weight, eps);
#endif
  return rms_norm_reference(x, weight, eps);
}

}  // namespace dream::model::ops
