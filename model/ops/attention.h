#pragma once
#include <ATen/ATen.h>

namespace dream::model::ops {

// The attention mask of one forward, prepared once for every layer: `allowed` bool [B, 1, Nq, Nk] (true = may
// attend; Nq = Nk = N as padding_layout makes it, fewer query rows for a windowed forward), turned into what the
// attention implementation consumes (with LibTorch 2.x: an additive bias in the compute dtype with the query
// heads of a kv group folded into rows, [B, 1, G*Nq, Nk]; with 1.13: the boolean mask itself). Undefined in,
// undefined out (full attention).
at::Tensor prepare_attention_mask(const at::Tensor& allowed, int64_t group_size, at::ScalarType dtype);

// Bidirectional grouped-query attention (no causal mask), scale 1/sqrt(D).
// q: [B, nH, N, D]; k, v: [B, nKV, Nk, D] (Nk = N, or more keys than queries for a windowed forward over a
// cache) with nH a multiple of nKV (query head h reads kv head h / (nH/nKV)); the kv heads are never
// materialised per query head: the G = nH/nKV query heads of a kv head are folded into the row dimension,
// [B, nKV, G*N, D] against [B, nKV, Nk, D].
// mask: undefined, or prepare_attention_mask's output. Every query row must have at least one allowed key
// (padding_layout guarantees it), so no row is NaN.
// On a GPU with LibTorch >= 2.1 this is at::scaled_dot_product_attention (flash attention without a mask, the
// memory-efficient kernel with one); on the CPU, with 1.13, or with DREAM_EVAL_ATTENTION=gemm in the environment,
// two batched GEMMs around a softmax. DREAM_EVAL_ATTENTION=sdpa takes SDPA on the CPU too.
// Returns [B, nH, N, D].
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask);

}  // namespace dream::model::ops
