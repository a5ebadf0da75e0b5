#include "objective.h"

#include <stdexcept>

namespace dream::train {

LossWeighting weighting_from_name(const std::string& name) {
  if (name == "inverse_t") return LossWeighting::InverseT;
  if (name == "cart") return LossWeighting::Cart;
  throw std::invalid_argument("unknown loss weighting '" + name + "' (known: inverse_t, cart)");
}

std::string weighting_name(LossWeighting w) { return w == LossWeighting::Cart ? "cart" : "inverse_t"; }

NoisedBatch add_noise(const TrainingBatch& batch, int64_t mask_token_id, double eps, at::Generator& gen) {
  if (!(eps > 0 && eps < 1)) throw std::invalid_argument("noise eps must be in (0, 1), got " + std::to_string(eps));
  const int64_t B = batch.ids.size(0), N = batch.ids.size(1);
  if (batch.answer.select(1, 0).any().item<bool>())
    throw std::invalid_argument("add_noise: position 0 is marked as answer, but its prediction has no logits row before it");
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  NoisedBatch out;
  // u in [0, 1) gives t = 1 - (1 - eps) u in (eps, 1].
  out.t = 1.0 - (1.0 - eps) * at::rand({B}, gen, f32);
  out.masked = at::logical_and(batch.answer, at::rand({B, N}, gen, f32) < out.t.unsqueeze(1));
  out.noisy_ids = batch.ids.masked_fill(out.masked, mask_token_id);
  return out;
}

at::Tensor cart_weights(const at::Tensor& masked, const at::Tensor& real, double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("CART p must be in (0, 1), got " + std::to_string(p));
  const int64_t N = masked.size(1);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  // kernel[i][n] = p (1 - p)^(|n - i| - 1) for i != n, 0 on the diagonal; computed in float64 for exact
  // small powers, then stored as float32.
  const at::Tensor pos = at::arange(N, f32.dtype(at::kDouble));
  const at::Tensor dist = (pos.unsqueeze(1) - pos.unsqueeze(0)).abs();
  at::Tensor kernel = p * at::pow(1.0 - p, dist - 1.0);
  kernel = kernel.masked_fill(dist == 0, 0.0).to(at::kFloat);
  const at::Tensor context = at::logical_and(real, masked.logical_not()).to(at::kFloat);  // [B, N]
  return 0.5 * at::matmul(context, kernel) * masked.to(at::kFloat);
}

at::Tensor loss_weights(const TrainingBatch& batch, const NoisedBatch& noised, LossWeighting weighting, double cart_p) {
  if (weighting == LossWeighting::Cart) return cart_weights(noised.masked, batch.real, cart_p);
  return noised.masked.to(at::kFloat) / noised.t.unsqueeze(1);
}

LossTerms diffusion_loss(const at::Tensor& hidden, const TrainingBatch& batch, const NoisedBatch& noised,
                         LossWeighting weighting, double cart_p,
                         const std::function<at::Tensor(const at::Tensor&)>& logits_of_rows) {
  LossTerms out;
  out.answer_tokens = batch.answer.sum().item<int64_t>();
  // Masked positions (b, p), row-major; their prediction is hidden row (b, p - 1) (shifted logits).
  const at::Tensor where = noised.masked.nonzero();  // [M, 2]
  out.masked_tokens = where.size(0);
  if (out.masked_tokens == 0 || out.answer_tokens == 0) {
    out.loss = (hidden.sum() * 0.0).to(at::kFloat);  // keeps the graph connected so backward still works
    return out;
  }
  const at::Tensor b = where.select(1, 0), p = where.select(1, 1);
  const at::Tensor rows = hidden.index({b, p - 1});  // [M, H]
  const at::Tensor targets = batch.ids.index({b, p});
  const at::Tensor weights = loss_weights(batch, noised, weighting, cart_p).index({b, p});
  const at::Tensor log_probs = at::log_softmax(logits_of_rows(rows).to(at::kFloat), -1);
  const at::Tensor ce = -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1);  // [M]
  out.loss = (ce * weights).sum() / static_cast<double>(out.answer_tokens);
  out.unweighted_ce = ce.detach().mean().item<double>();
  return out;
}

}  // namespace dream::train
