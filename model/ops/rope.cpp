#include "rope.h"

namespace dream::model::ops {

RopeTables rope_tables(const at::Tensor& positions, int64_t head_dim, double theta, at::ScalarType dtype) {
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(positions.device());
  // Same expression as the official code: base ** (arange(0, D, 2).float() / D), then its reciprocal.
  const at::Tensor exponent = at::arange(0, head_dim, 2, f32.dtype(at::kLong)).to(at::kFloat) / static_cast<double>(head_dim);
  const at::Tensor inv_freq = 1.0 / at::pow(theta, exponent);  // [D/2]
  const at::Tensor angle = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;  // [B, N, D/2]
  const at::Tensor emb = at::cat({angle, angle}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  const at::Tensor cos = tables.cos.unsqueeze(1), sin = tables.sin.unsqueeze(1);
  return x * cos + rotated * sin;
}

}  // namespace dream::model::ops
