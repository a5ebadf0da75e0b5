#pragma once
#include <ATen/ATen.h>

namespace dream::model::ops {

// The gated MLP activation: silu(gate) * up, each op rounded to the dtype as the unfused ops do.
// gate, up: [..., I] same shape and dtype (the two halves of a fused gate_up output [..., 2I] work without a
// copy). Returns a contiguous tensor of gate's shape. CUDA tensors take the fused kernel
// (model/kernels/swiglu.cu) when ops::use_fused allows it: bit-identical to the plain ops.
at::Tensor swiglu(const at::Tensor& gate, const at::Tensor& up);

// at::silu(gate) * up: the reference of the fused kernel.
at::Tensor swiglu_reference(const at::Tensor& gate, const at::Tensor& up);

}  // namespace dream::model::ops
