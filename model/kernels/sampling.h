#pragma once
// The sampling stage of diffusion generation over the vocabulary, fused (torch-free launcher): for each row of
// logits (the masked positions only), temperature, top_p, top_k, softmax, the token (argmax or one draw) and its
// confidence, without materialising probabilities or sorting the vocabulary. Semantics follow
// model/sampler.cpp's sample_tokens, with the differences listed in docs/cuda.md ("Kernels"):
//   v = dtype(logit * (1/temperature)) when temperature > 0 (LibTorch's CUDA scalar division), else logit;
//   top_p (when < 1): keep token j iff the mass of tokens with v STRICTLY greater than v_j is <= top_p
//     (order-independent; equals sort + cumsum except how exact ties at the boundary split: all tied tokens
//     are kept or dropped together);
//   top_k (when > 0 and < V): keep v >= the k-th largest v (ties at the k-th stay);
//   both: the intersection (what applying top_p, then top_k to the filtered logits gives);
//   p = softmax over the kept tokens (the rest have p = 0); q = dtype(p) as LibTorch's softmax stores it;
//   token: temperature <= 0: argmax of q, ties to the lowest id; else the first id whose inclusive cumulative
//     weight exp(v - max) exceeds u * total (inverse CDF in index order with the row's uniform u in [0, 1));
//   confidence: q[token] (TokenProb), dtype(q1 - q2) of the two largest (TopMargin), or
//     sum_j dtype(q_j * dtype(log(dtype(q_j + 1e-10)))) (NegEntropy), each product rounded like the unfused ops.
#include <cstdint>

#include <cuda_runtime.h>

#include "model/kernels/dtype.h"

namespace dream::kernels {

enum class Confidence {
  TokenProb,   // origin, maskgit_plus
  TopMargin,   // topk_margin
  NegEntropy,  // entropy
};

struct SamplingArgs {
  const void* logits = nullptr;  // [rows, V] of `dtype`, row stride `row_stride` elements, last dim contiguous
  int64_t rows = 0;              // M, the masked positions
  int64_t V = 0;                 // vocabulary size, >= 1
  int64_t row_stride = 0;
  DType dtype = DType::BF16;
  float temperature = 0.0f;          // > 0: scale and draw; otherwise argmax
  float top_p = 1.0f;                // applied when < 1
  int64_t top_k = 0;                 // applied when > 0 and < V
  Confidence confidence = Confidence::TokenProb;
  const float* uniforms = nullptr;   // [rows] in [0, 1), read only when temperature > 0
  int64_t* tokens = nullptr;         // [rows] out
  float* confidence_out = nullptr;   // [rows] out (fp32; the binding casts to the logits dtype)
  float* threshold = nullptr;        // [rows] out, optional: the smallest kept v (-inf when nothing is filtered)
};

// One block of 512 threads per row, several passes over the row (each a read of V elements; the row stays in
// L2 between them): max / sum / top-2; with filters, one radix-select pass per level (2 for 16-bit dtypes, 3
// for fp32); then one pass for the token and confidence. Deterministic: mass histograms are integer sums.
// Returns the launch status; invalid sizes or a missing pointer give cudaErrorInvalidValue.
cudaError_t sample_rows(const SamplingArgs& args, cudaStream_t stream);

}  // namespace dream::kernels
