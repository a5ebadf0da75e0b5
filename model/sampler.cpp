#include "sampler.h"

#include <limits>
#include <stdexcept>

namespace dream::model {
namespace {

double lowest_finite(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return std::numeric_limits<float>::lowest();
    case at::kDouble: return std::numeric_limits<double>::lowest();
    case at::kBFloat16: return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kHalf: return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    default: throw std::invalid_argument("logits must be a float dtype");
  }
}

}  // namespace

Alg alg_from_name(const std::string& name) {
  if (name == "origin") return Alg::Origin;
  if (name == "maskgit_plus") return Alg::MaskgitPlus;
  if (name == "topk_margin") return Alg::TopkMargin;
  if (name == "entropy") return Alg::Entropy;
  throw std::invalid_argument("unknown alg '" + name + "' (known: origin, maskgit_plus, topk_margin, entropy)");
}

std::string alg_name(Alg alg) {
  switch (alg) {
    case Alg::Origin: return "origin";
    case Alg::MaskgitPlus: return "maskgit_plus";
    case Alg::TopkMargin: return "topk_margin";
    case Alg::Entropy: return "entropy";
  }
  return "?";
}

at::Tensor top_p_filter(const at::Tensor& logits, double top_p) {
  auto [sorted, indices] = logits.sort(-1, /*descending=*/true);
  const at::Tensor cumulative = at::softmax(sorted, -1).cumsum(-1);
  // Remove a token when the mass BEFORE it already exceeds top_p: shift the "exceeds" mask right by one.
  at::Tensor remove = at::zeros_like(cumulative, at::kBool);
  const int64_t V = logits.size(-1);
  if (V > 1) remove.narrow(-1, 1, V - 1).copy_((cumulative > top_p).narrow(-1, 0, V - 1));
  const at::Tensor mask = at::zeros_like(remove).scatter(-1, indices, remove);
  return logits.masked_fill(mask, lowest_finite(logits.scalar_type()));
}

at::Tensor top_k_filter(const at::Tensor& logits, int64_t top_k) {
  const int64_t k = std::min<int64_t>(top_k, logits.size(-1));
  const at::Tensor kth = std::get<0>(logits.topk(k, -1)).narrow(-1, k - 1, 1);
  return logits.masked_fill(logits < kth, lowest_finite(logits.scalar_type()));
}

at::Tensor sampling_probs(const at::Tensor& logits_in, const TokenSamplingParams& params) {
  at::Tensor logits = logits_in;
  if (params.temperature > 0) logits = logits / params.temperature;
  if (params.top_p && *params.top_p < 1) logits = top_p_filter(logits, *params.top_p);
  if (params.top_k) logits = top_k_filter(logits, *params.top_k);
  return at::softmax(logits, -1);
}

TokenSample tokens_and_confidence(const at::Tensor& probs, const at::Tensor& drawn, Alg alg) {
  TokenSample out;
  if (drawn.defined()) {
    out.tokens = drawn;
    out.confidence = probs.gather(-1, drawn.unsqueeze(-1)).squeeze(-1);
  } else {
    auto [conf, tok] = probs.max(-1);
    out.confidence = conf;
    out.tokens = tok;
  }
  if (alg == Alg::TopkMargin) {
    const at::Tensor top2 = std::get<0>(probs.sort(-1, /*descending=*/true)).narrow(-1, 0, 2);
    out.confidence = top2.select(-1, 0) - top2.select(-1, 1);
  } else if (alg == Alg::Entropy) {
    out.confidence = (probs * at::log(probs + 1e-10)).sum(-1);
  }
  return out;
}

TokenSample sample_tokens(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, at::Generator& gen) {
  const at::Tensor probs = sampling_probs(logits, params);
  at::Tensor drawn;
  if (params.temperature > 0 && probs.size(0) > 0) {
    // torch.distributions.Categorical renormalises, then draws with torch.multinomial(probs, 1, True).
    const at::Tensor normalised = probs / probs.sum(-1, /*keepdim=*/true);
    drawn = at::multinomial(normalised, 1, /*replacement=*/true, gen).squeeze(-1);
  }
  return tokens_and_confidence(probs, drawn, alg);
}

int64_t tokens_to_reveal(int64_t total_masked, int64_t batch, float t, float s, bool last_step) {
  const float avg_masked = static_cast<float>(total_masked) / static_cast<float>(batch);
  if (last_step) return static_cast<int64_t>(avg_masked);
  const float fraction = 1.0f - s / t;
  return static_cast<int64_t>(avg_masked * fraction);
}

at::Tensor choose_positions(const at::Tensor& confidence, int64_t k, std::optional<double> alg_temp, at::Generator& gen) {
  if (!alg_temp || *alg_temp == 0) {
    // Exactly torch.topk, as the official code: which of several EQUAL confidences wins is decided by
    // LibTorch's selection algorithm (on CPU a partial sort or nth_element over (value, index) pairs), and it
    // matters: bf16 confidences tie often, and when k exceeds a row's masked count the -inf entries compete
    // (the golden case entropy-s12-topp re-masks position 21, not 0). A stable sort would not reproduce it.
    // The CUDA topk breaks such ties its own way, so device confidences are chosen on the host: the GPU path then
    // makes the same choices as the CPU path and the (CPU-made) goldens. [B, N] values cost one small copy,
    // and the step synchronises anyway.
    if (!confidence.is_cpu()) return std::get<1>(confidence.to(at::kCPU).topk(k, -1)).to(confidence.device());
    return std::get<1>(confidence.topk(k, -1));
  }
  const at::Tensor weights = at::softmax(confidence / *alg_temp, -1);
  return at::multinomial(weights, k, /*replacement=*/false, gen);
}

}  // namespace dream::model
