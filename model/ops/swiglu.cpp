#include "swiglu.h"

#include <stdexcept>

#include "fused.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "model/kernels/swiglu.h"
#endif

namespace dream::model::ops {

at::Tensor swiglu_reference(const at::Tensor& gate, const at::Tensor& up) { return at::silu(gate) * up; }

#ifdef DREAM_EVAL_WITH_CUDA
namespace {

at::Tensor swiglu_cuda(const at::Tensor& gate, const at::Tensor& up) {
  const c10::cuda::CUDAGuard guard(gate.device());
  const at::Tensor g = detail::as_rows(gate), u = detail::as_rows(up);
  at::Tensor out = at::empty(gate.sizes(), gate.options().memory_format(at::MemoryFormat::Contiguous));
  const int64_t I = gate.size(-1);
  detail::check_cuda(kernels::swiglu(g.data_ptr(), detail::row_stride(g), u.data_ptr(), detail::row_stride(u), out.data_ptr(), I,
                                     g.size(0), I, detail::kernel_dtype(gate.scalar_type(), "swiglu"),
                                     at::cuda::getCurrentCUDAStream()),
                     "swiglu");
  return out;
}

}  // namespace
#endif

at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up) {
  if (gate.sizes() != up.sizes())
    throw std::invalid_argument("swiglu: gate has shape " + c10::str(gate.sizes()) + ", up " + c10::str(up.sizes()));
#ifdef DREAM_EVAL_WITH_CUDA
  if (use_fused(gate) && use_fused(up) && detail::has_kernel_dtype(gate.scalar_type()) &&
      up.scalar_type() == gate.scalar_type() && up.device() == gate.device() && gate.dim() >= 1 && gate.numel() > 0)
    return swiglu_cuda(gate, up);
#endif
  return swiglu_reference(gate, up);
}

}  // namespace dream::model::ops
