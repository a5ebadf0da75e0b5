#pragma once
#include <ATen/ATen.h>

namespace dream::model::ops {

struct RopeTables {
  at::Tensor cos;  // [B, N, D] in the model dtype
  at::Tensor sin;  // [B, N, D] in the model dtype
};

// Rotary tables for integer positions [B, N]: inv_freq[j] = 1 / theta^(2j/D) and angle = position * inv_freq,
// both in fp32 (as the official code computes them, autocast off), emb = concat(angle, angle), then cos/sin
// cast to `dtype`.
RopeTables rope_tables(const at::Tensor& positions, int64_t head_dim, double theta, at::ScalarType dtype);

// x * cos + rotate_half(x) * sin with rotate_half(v) = concat(-v[D/2:], v[:D/2]) (half-split convention).
// x: [B, heads, N, D]; tables [B, N, D].
at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables);

struct RopeQK {
  at::Tensor q;  // [B, nH, N, D] contiguous
  at::Tensor k;  // [B, nKV, N, D] contiguous
};

// RoPE on q and k straight from their projections, with the head transpose attention wants:
// q_lin [B, N, nH*D], k_lin [B, N, nKV*D] (last dim contiguous; a slice of a fused qkv output works without a
// copy), tables [B, N, D]. CUDA tensors take one fused launch (model/kernels/rope.cu) when ops::use_fused
// allows it: bit-identical to the plain ops in every dtype.
RopeQK apply_rope_qk(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D);

// The plain LibTorch ops (view, transpose, apply_rope, contiguous): the reference of the fused kernel.
RopeQK apply_rope_qk_reference(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D);

}  // namespace dream::model::ops
