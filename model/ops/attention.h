#pragma once
#include <ATen/ATen.h>

namespace dream::model::ops {

// Bidirectional grouped-query attention (no causal mask), scale 1/sqrt(D).
// q: [B, nH, N, D]; k, v: [B, nKV, N, D] with nH a multiple of nKV (query head h reads kv head h / (nH/nKV));
// the kv heads are never materialised per query head.
// mask: undefined (every token sees every token) or bool [B, 1, N, N], true = may attend. Query rows with no
// key allowed (padded slots) produce zeros, never NaN: a NaN there would spread to every row in the next layer.
// Returns [B, nH, N, D].
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask);

}  // namespace dream::model::ops
