#pragma once
#include <ATen/ATen.h>

namespace dream::model::ops {

// RMSNorm as Dream computes it: in fp32, y = x * rsqrt(mean(x^2) + eps), cast back to x's dtype, THEN
// multiplied by the weight in that dtype (the order matters for bf16 bit-exactness).
// x: [..., H] any float dtype; weight: [H] same dtype. Returns x's shape and dtype.
// CUDA tensors take the fused kernel (model/kernels/rms_norm.cu) when ops::use_fused allows it.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);

// The plain LibTorch ops, on any device: the reference the fused kernel is tested against.
at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps);

struct AddRmsNorm {
  at::Tensor sum;     // x + residual, in the dtype (what the decoder carries on as its hidden state)
  at::Tensor normed;  // rms_norm(sum, weight, eps)
};

// The decoder's residual add followed by the next RMSNorm ("h = x + attn; n = norm(h)"), one launch on CUDA:
// x, residual [..., H] same shape and dtype, weight [H]. The sum is bit-identical to x + residual; the norm
// agrees with rms_norm to rounding.
AddRmsNorm add_rms_norm(const at::Tensor& x, const at::Tensor& residual, const at::Tensor& weight, double eps);
AddRmsNorm add_rms_norm_reference(const at::Tensor& x, const at::Tensor& residual, const at::Tensor& weight, double eps);

}  // namespace dream::model::ops
