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

}  // namespace dream::model::ops
