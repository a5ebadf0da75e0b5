#pragma once
// The sampling stage for the masked rows with one uniform per row instead of a generator, so it can run as one
// fused kernel on the GPU (model/kernels/sampling.cu). See model/sampler.h for the official semantics.
#include <ATen/ATen.h>

#include "model/sampler.h"

namespace dream::model::ops {

// Token and confidence for each row of logits [M, V] (M >= 0, last dim contiguous), like sample_tokens except
// the draw: with temperature > 0 the token is the first id whose inclusive cumulative probability exceeds
// uniforms[row] * (row total), uniforms a float [M] tensor of values in [0, 1) on the logits' device (ignored,
// may be undefined, when temperature <= 0). Confidence in the logits' dtype, tokens int64, both [M].
// CUDA bf16/fp16 logits take the fused kernel when ops::use_fused allows it; fp32 logits keep the exact
// sort-based reference path, because the fp32 golden check must reproduce the official code bit for bit and the
// kernel's top_p splits exact ties at the boundary differently (docs/cuda.md).
TokenSample sample_masked_rows(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms);

// The plain LibTorch path: sampling_probs / tokens_and_confidence of model/sampler.h and the inverse-CDF draw.
TokenSample sample_masked_rows_reference(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms);

struct FusedSample {
  TokenSample sample;
  at::Tensor threshold;  // float [M]: the smallest kept (temperature-scaled) logit, -inf when nothing is filtered
};
// Always the kernel, any float dtype (the tests use it on fp32 too). CUDA builds and CUDA logits only: throws
// std::invalid_argument otherwise.
FusedSample sample_masked_rows_fused(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms);

}  // namespace dream::model::ops
