#pragma once
// The sampling stage of Dream's diffusion generation (reference section 3): small functions over logits,
// testable without a model. All arithmetic stays in the logits' dtype, as the official code does.
#include <cstdint>
#include <optional>
#include <string>

#include <ATen/ATen.h>

namespace dream::model {

// How masked positions are chosen for unmasking at each step.
enum class Alg {
  Origin,       // each masked position revealed independently with probability 1 - s/t
  MaskgitPlus,  // the k most confident positions, confidence = probability of the sampled token
  TopkMargin,   // confidence = top1 - top2 probability
  Entropy,      // confidence = negative entropy of the distribution
};
Alg alg_from_name(const std::string& name);  // "entropy" -> Alg::Entropy; unknown names list the known ones
std::string alg_name(Alg alg);

struct TokenSamplingParams {
  double temperature = 0.0;           // 0 = argmax; > 0 divides the logits, then samples
  std::optional<double> top_p;        // nucleus filter, applied when set and < 1
  std::optional<int64_t> top_k;       // keep logits >= the k-th largest, applied when set
};

struct TokenSample {
  at::Tensor confidence;  // [M] in the logits' dtype
  at::Tensor tokens;      // [M] int64
};

// Keeps the smallest prefix of the descending-sorted vocabulary whose cumulative probability reaches top_p
// (the token that crosses the threshold stays, the first token always stays); the rest become the dtype's
// lowest finite value. logits: [M, V].
at::Tensor top_p_filter(const at::Tensor& logits, double top_p);
// Logits below the k-th largest of their row become the dtype's lowest finite value (ties at the k-th stay).
at::Tensor top_k_filter(const at::Tensor& logits, int64_t top_k);

// The probabilities sample_tokens draws from: softmax of the temperature-scaled, top_p- then top_k-filtered
// logits [M, V], in the logits' dtype.
at::Tensor sampling_probs(const at::Tensor& logits, const TokenSamplingParams& params);
// Token and confidence per row of probs [M, V]: `drawn` [M] int64 when the tokens were sampled, undefined for
// argmax (ties to the lowest id). The confidence `alg` gives: the token's probability (Origin, MaskgitPlus),
// top1 - top2 (TopkMargin), sum(p * log(p + 1e-10)) (Entropy).
TokenSample tokens_and_confidence(const at::Tensor& probs, const at::Tensor& drawn, Alg alg);

// Samples a token and its confidence for each row of logits [M, V] (the `sample_tokens` of the official code).
// `alg` decides the confidence: probability of the token (Origin, MaskgitPlus), top1 - top2 (TopkMargin) or
// sum(p * log(p + 1e-10)) (Entropy). Argmax ties resolve to the lowest id.
TokenSample sample_tokens(const at::Tensor& logits, const TokenSamplingParams& params, Alg alg, at::Generator& gen);

// Number of tokens to reveal at step i (0-based) of `steps`: int(avg_masked * (1 - s/t)), or int(avg_masked)
// on the last step, in fp32 arithmetic exactly as the official code (avg_masked = masked count / batch).
int64_t tokens_to_reveal(int64_t total_masked, int64_t batch, float t, float s, bool last_step);

// Chooses k positions per row from confidences [B, N] (non-candidates hold -inf): the k largest by torch.topk on
// the CPU (its own order among exact ties, as in the official code's CPU runs; device confidences are copied to
// the host for it, so every device breaks ties alike) when alg_temp is unset or 0, otherwise k draws
// without replacement from softmax(confidence / alg_temp). Returns [B, k] int64.
at::Tensor choose_positions(const at::Tensor& confidence, int64_t k, std::optional<double> alg_temp, at::Generator& gen);

}  // namespace dream::model
