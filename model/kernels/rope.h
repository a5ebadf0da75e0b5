#pragma once
// Fused rotary embedding of q AND k in one launch, with the head transpose SDPA wants (torch-free launcher).
//   out = x * cos + rotate_half(x) * sin,   rotate_half(v) = concat(-v[D/2:], v[:D/2])
// Rounded like the unfused LibTorch ops, so the result is bit-identical to them in every dtype:
//   a = dtype(x * cos), b = dtype(rot * sin), out = dtype(float(a) + float(b))   (no FMA contraction).
#include <cstdint>

#include <cuda_runtime.h>

#include "model/kernels/dtype.h"

namespace dream::kernels {

struct RopeQKArgs {
  // Inputs as they come out of the projections: token (b, n) of q starts at q + b * q_batch_stride +
  // n * q_token_stride and holds nH heads of D contiguous elements (the same for k with nKV heads). A plain
  // [B, N, nH*D] tensor has q_token_stride = nH*D and q_batch_stride = N*nH*D; a slice of a fused qkv GEMM
  // output [B, N, (nH+2nKV)*D] has larger strides, and no copy is needed.
  const void* q = nullptr;
  int64_t q_batch_stride = 0, q_token_stride = 0;
  const void* k = nullptr;
  int64_t k_batch_stride = 0, k_token_stride = 0;
  // Rotary tables [B, N, D] contiguous (ops::rope_tables).
  const void* cos = nullptr;
  const void* sin = nullptr;
  // Outputs, contiguous: q_out [B, nH, N, D] and k_out [B, nKV, N, D] (the transpose is fused).
  void* q_out = nullptr;
  void* k_out = nullptr;
  int64_t B = 0, N = 0, nH = 0, nKV = 0, D = 0;  // D even
  DType dtype = DType::BF16;                     // of every tensor above
};

// One block per token; 16-byte accesses when D/2, the strides and the pointers allow, else a scalar path.
// Returns the launch status; an odd D or negative size is cudaErrorInvalidValue.
cudaError_t rope_qk(const RopeQKArgs& args, cudaStream_t stream);

}  // namespace dream::kernels
