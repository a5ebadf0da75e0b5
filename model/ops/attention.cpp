#include "attention.h"

#include <cmath>
#include <limits>

namespace dream::model::ops {

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const int64_t B = q.size(0), nH = q.size(1), N = q.size(2), D = q.size(3), nKV = k.size(1);
  const int64_t G = nH / nKV;
  // Fold the G query heads of one kv head into the row dimension: [B, nKV, G*N, D] x [B, nKV, D, N]
  // is one batched GEMM per kv head, with no repeated k/v.
  const at::Tensor qg = q.reshape({B, nKV, G * N, D});
  at::Tensor scores = at::matmul(qg, k.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(D)));
  at::Tensor probs;
  if (mask.defined()) {
    const at::Tensor allowed = mask.reshape({B, 1, 1, N, N});
    scores = scores.view({B, nKV, G, N, N}).masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    // Fully masked rows give NaN from softmax; zero them (the masked entries of other rows are zero already).
    probs = at::softmax(scores, -1).masked_fill(allowed.logical_not(), 0.0).view({B, nKV, G * N, N});
  } else {
    probs = at::softmax(scores, -1);
  }
  return at::matmul(probs, v).view({B, nH, N, D});
}

}  // namespace dream::model::ops
