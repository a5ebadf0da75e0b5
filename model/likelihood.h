#pragma once
// Monte Carlo estimate of log p(continuation | context) for a masked diffusion LM (reference section 5): the
// official Dream evaluation's `nll_type mc`, `log_type ftb`. A diffusion LM has no exact likelihood; its ELBO
//   log p(c | x) >= -E_t E_mask[ (1/p) sum over masked continuation positions of -log p_model(token | noised) ]
// is estimated by sampling. Per batch of b samples: one shared u0 ~ U(0, 1), t_j = (u0 + j / b) mod 1
// (stratified: one t in every 1/b of (0, 1)), p_j = (1 - eps) t_j + eps; every continuation token of row j is
// masked with probability p_j (the context, the first and the last position never: the last is the appended
// end-of-text); one forward with no attention mask; the batch loss is the sum over masked positions of the
// cross-entropy divided by p_j, over b. The estimate is minus the mean batch loss.
//
// Shapes: l = context + continuation tokens, b = mc_batch_size, V = vocab rows. Devices: everything runs on
// the model's device; the random draws come from one generator of that device per call.
#include <algorithm>
#include <cstdint>
#include <span>

#include <ATen/ATen.h>

#include "dream_model.h"

namespace dream::model {

struct McLikelihoodParams {
  int64_t mc_num = 128;        // samples; the call runs max(mc_num / mc_batch_size, 1) batches (the official count:
                               // a remainder of mc_num is dropped, fewer samples than one batch still run one)
  int64_t mc_batch_size = 32;  // samples per forward pass (the rows of one batch share u0)
  double sampling_eps = 1e-3;  // lower bound of the masking probability p, in (0, 1)
  uint64_t seed = 0;           // seeds the call's one generator: the estimate depends only on (ids, params)

  int64_t batches() const { return std::max<int64_t>(mc_num / mc_batch_size, 1); }
  // Throws std::invalid_argument naming the field and value (mc_num < 1, mc_batch_size < 1, eps outside (0, 1)).
  void validate() const;
};

// The noise of one batch.
struct McMasks {
  at::Tensor masked;  // bool [b, l]: positions replaced by the mask token
  at::Tensor p;       // float32 [b]: each row's masking probability
};

// Draws one batch's masks from `gen` in the official order and arithmetic (float32): u0 = rand(1),
// t = (u0 + arange(b) / b) mod 1, p = (1 - eps) t + eps, then rand(b, l) < p over the whole row (the context
// too, as the official code draws it), after which the first `context_length` positions and the first and
// last position are cleared. Tensors are made on `device` (which must be gen's device).
McMasks draw_mc_masks(int64_t batch_size, int64_t length, int64_t context_length, double sampling_eps,
                      at::Generator& gen, const at::Device& device);

// One batch's loss: sum over masked (row j, position i) of -log softmax(logits of row j at i - 1)[ids[i]] / p_j,
// divided by b: a 0-dim float32 tensor on the model's device (no synchronisation). The network runs once on
// ids with the masked positions set to the mask id; the final norm and lm_head run only on the rows that feed
// masked positions, and the log-softmax in float32 on those rows only (in chunks, so memory stays bounded for
// long continuations); no [b, l, V] tensor is made. A masked position 0 would read row 0 (the official shift
// copies logits row 0 to position 0); draw_mc_masks never masks it.
// ids: [l] int64 on the model's device (context + continuation).
at::Tensor mc_batch_loss(const DreamModel& model, const at::Tensor& ids, const McMasks& masks);

// The same loss the way the official code computes it: full logits [b, l, V] from forward(), shifted by
// cat(logits[:, :1], logits[:, :-1]), cross-entropy (float32) at the masked positions, / p, summed, / b. The
// plain reference of mc_batch_loss for its test and benchmark.
at::Tensor mc_batch_loss_full_logits(const DreamModel& model, const at::Tensor& ids, const McMasks& masks);

struct McLikelihood {
  double loglikelihood = 0;    // minus the mean batch loss
  double std_error = 0;        // sample standard deviation of the batch losses / sqrt(batches); 0 with one batch
  int64_t forward_passes = 0;  // network forwards run (0 when no position can be masked)
};

// Estimates log p(continuation | context). continuation must not be empty; its last token (the end-of-text the
// official encoding appends) is never masked, so a continuation of only that token estimates 0 with no forward.
// Throws std::invalid_argument for bad params or a sequence longer than the config's max_position_embeddings.
McLikelihood mc_loglikelihood(const DreamModel& model, std::span<const int64_t> context,
                              std::span<const int64_t> continuation, const McLikelihoodParams& params);

}  // namespace dream::model
