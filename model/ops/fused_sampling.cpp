#include "fused_sampling.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "fused.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "model/kernels/sampling.h"
#endif

namespace dream::model::ops {
namespace {

void check_inputs(const at::Tensor& logits, const TokenSamplingParams& params, const at::Tensor& uniforms) {
  if (logits.dim() != 2 || logits.size(1) < 1)
    throw std::invalid_argument("sample_masked_rows: logits must be [M, V] with V >= 1, got " + c10::str(logits.sizes()));
  if (params.top_k && *params.top_k < 1)
    throw std::invalid_argument("sample_masked_rows: top_k must be >= 1, got " + std::to_string(*params.top_k));
  if (params.temperature > 0 && (!uniforms.defined() || uniforms.dim() != 1 || uniforms.size(0) != logits.size(0)))
    throw std::invalid_argument("sample_masked_rows: temperature > 0 needs uniforms [" + std::to_string(logits.size(0)) + "], got " +
                                (uniforms.defined() ? c10::str(uniforms.sizes()) : std::string("none")));
}

}  // namespace

TokenSample sample_masked_rows_reference(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms) {
  check_inputs(logits, params, uniforms);
  const at::Tensor probs = sampling_probs(logits, params);
  at::Tensor drawn;
  if (params.temperature > 0) {
    const int64_t V = logits.size(1);
    const at::Tensor cdf = probs.to(at::kFloat).cumsum(-1);
    const at::Tensor target = uniforms.to(cdf.device(), at::kFloat).unsqueeze(-1) * cdf.narrow(-1, V - 1, 1);
    const at::Tensor first_above = (cdf <= target).sum(-1);  // ids whose cumulative mass has not passed the target
    // Rounding can leave the target at or past the total: the last token with probability > 0 then.
    const at::Tensor last_positive = ((probs > 0).to(at::kLong) * at::arange(V, cdf.options().dtype(at::kLong))).argmax(-1);
    drawn = at::where(first_above >= V, last_positive, first_above);
  }
  return tokens_and_confidence(probs, drawn, alg);
}

#ifdef DREAM_EVAL_WITH_CUDA
FusedSample sample_masked_rows_fused(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms) {
  check_inputs(logits, params, uniforms);
  if (!logits.is_cuda()) throw std::invalid_argument("sample_masked_rows_fused: logits are on " + logits.device().str() + ", not CUDA");
  const c10::cuda::CUDAGuard guard(logits.device());
  const at::Tensor rows = logits.stride(1) == 1 ? logits : logits.contiguous();
  const int64_t M = rows.size(0), V = rows.size(1);
  const auto f32 = rows.options().dtype(at::kFloat);
  at::Tensor u;
  if (params.temperature > 0) u = uniforms.to(rows.device(), at::kFloat).contiguous();
  FusedSample out;
  out.sample.tokens = at::empty({M}, rows.options().dtype(at::kLong));
  at::Tensor confidence = at::empty({M}, f32);
  out.threshold = at::empty({M}, f32);

  kernels::SamplingArgs a;
  a.logits = rows.data_ptr();
  a.rows = M;
  a.V = V;
  a.row_stride = M > 1 ? rows.stride(0) : V;
  a.dtype = detail::kernel_dtype(rows.scalar_type(), "sample_masked_rows");
  a.temperature = params.temperature > 0 ? static_cast<float>(params.temperature) : 0.0f;
  a.top_p = params.top_p && *params.top_p < 1 ? static_cast<float>(*params.top_p) : 1.0f;
  a.top_k = params.top_k ? *params.top_k : 0;
  a.confidence = alg == Alg::TopkMargin ? kernels::Confidence::TopMargin
                 : alg == Alg::Entropy  ? kernels::Confidence::NegEntropy
                                        : kernels::Confidence::TokenProb;
  a.uniforms = u.defined() ? u.data_ptr<float>() : nullptr;
  a.tokens = out.sample.tokens.data_ptr<int64_t>();
  a.confidence_out = confidence.data_ptr<float>();
  a.threshold = out.threshold.data_ptr<float>();
  detail::check_cuda(kernels::sample_rows(a, at::cuda::getCurrentCUDAStream()), "sample_masked_rows");
  out.sample.confidence = confidence.to(rows.scalar_type());
  return out;
}
#else
FusedSample sample_masked_rows_fused(const at::Tensor&, const TokenSamplingParams&, Alg, const at::Tensor&) {
  throw std::invalid_argument("sample_masked_rows_fused: this build has no CUDA (configure with DREAM_EVAL_CUDA=ON)");
}
#endif

TokenSample sample_masked_rows(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, const at::Tensor& uniforms) {
  const at::ScalarType t = logits.scalar_type();
  if (use_fused(logits) && (t == at::kBFloat16 || t == at::kHalf)) return sample_masked_rows_fused(logits, params, alg, uniforms).sample;
  return sample_masked_rows_reference(logits, params, alg, uniforms);
}

}  // namespace dream::model::ops
