#pragma once
// Dream's training objective (masked discrete diffusion on the answer, shifted logits), ATen only.
//
// For each example a noise level t ~ U(eps, 1] is drawn, every answer token is replaced by the mask id
// independently with probability t (the prompt stays clean), and the loss is the cross-entropy of the clean
// token at each masked position, weighted by 1/t (the ELBO of absorbing-state diffusion) or by Dream's
// context-adaptive token-level weight (CART). Dream keeps the autoregressive logits convention: logits row i
// predicts token i + 1, so the prediction for position p comes from row p - 1 (answers never start at 0).
#include <cstdint>
#include <functional>
#include <string>

#include <ATen/ATen.h>

namespace dream::train {

enum class LossWeighting {
  InverseT,  // w = 1 / t for every masked token of a row
  Cart,      // w(n) = 0.5 * sum over unmasked positions i of p (1 - p)^(|n - i| - 1)  (Dream's CART)
};
LossWeighting weighting_from_name(const std::string& name);  // "inverse_t" | "cart"; unknown names list the known ones
std::string weighting_name(LossWeighting w);

// One batch of examples, left-padded to a common length.
struct TrainingBatch {
  at::Tensor ids;     // [B, N] int64 clean sequences: prompt then answer (answer padded with eos to its length)
  at::Tensor answer;  // [B, N] bool: answer positions (noise applies there); never position 0
  at::Tensor real;    // [B, N] bool: false on left padding (not attended, not context for CART)
};

struct NoisedBatch {
  at::Tensor noisy_ids;  // [B, N] int64: the clean ids with the masked answer positions set to mask_token_id
  at::Tensor masked;     // [B, N] bool: the positions that were masked (always inside the answer)
  at::Tensor t;          // [B] float32: each row's noise level, in (eps, 1]
};

// Draws t per row and the masked answer positions, from `gen` only.
NoisedBatch add_noise(const TrainingBatch& batch, int64_t mask_token_id, double eps, at::Generator& gen);

// CART weights [B, N] float32: a masked position n gets 0.5 * sum over the unmasked real positions i of
// p (1 - p)^(|n - i| - 1) (a geometric kernel over the distance to clean context, prompt included), other
// positions 0. masked, real: [B, N] bool. From the Dream paper's context-adaptive token-level noise
// rescheduling, with the formula as issue 8 states it.
at::Tensor cart_weights(const at::Tensor& masked, const at::Tensor& real, double p);

struct LossTerms {
  at::Tensor loss;             // scalar: sum over masked positions of w * CE, divided by the answer token count
  int64_t masked_tokens = 0;   // positions that contributed
  int64_t answer_tokens = 0;   // the normaliser (its expectation makes the 1/t loss a per-token ELBO bound)
  double unweighted_ce = 0.0;  // mean CE over the masked positions (for logging; 0 when none)
};

// Per-position weights [B, N] float32: 1/t of the row, or CART; 0 where not masked.
at::Tensor loss_weights(const TrainingBatch& batch, const NoisedBatch& noised, LossWeighting weighting, double cart_p);

// hidden: [B, N, H], the network's last hidden states for noised.noisy_ids. The hidden row p - 1 of each
// masked position p goes through `logits_of_rows` ([M, H] -> [M, V]: final norm + lm_head), so only the
// rows that feed a masked position are projected. `cart_p` is used only with LossWeighting::Cart.
LossTerms diffusion_loss(const at::Tensor& hidden, const TrainingBatch& batch, const NoisedBatch& noised,
                         LossWeighting weighting, double cart_p,
                         const std::function<at::Tensor(const at::Tensor&)>& logits_of_rows);

}  // namespace dream::train
