#include "likelihood.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/TensorIndexing.h>
#include <ATen/core/Reduction.h>
#include <nlohmann/json.hpp>

#include "torch_compat.h"

namespace dream::model {
namespace {

// Logit rows converted to float32 at a time: bounds the temporary to 1024 x V floats (0.6 GB for Dream's
// 152,064 rows) however many positions a batch masks.
constexpr int64_t kLogitRowsPerChunk = 1024;

void check_batch(const at::Tensor& ids, const McMasks& masks) {
  if (ids.dim() != 1 || masks.masked.dim() != 2 || masks.masked.size(1) != ids.size(0) || masks.p.dim() != 1 ||
      masks.p.size(0) != masks.masked.size(0))
    throw std::invalid_argument("mc_batch_loss: expected ids [l], masks.masked [b, l] and masks.p [b]");
}

// ids repeated to b rows with the masked positions set to the mask id: [b, l].
at::Tensor noised_batch(const DreamModel& model, const at::Tensor& ids, const McMasks& masks) {
  return ids.unsqueeze(0).expand({masks.masked.size(0), ids.size(0)}).masked_fill(masks.masked, model.config().mask_token_id);
}

}  // namespace

void McLikelihoodParams::validate() const {
  auto bad = [](const std::string& field, const std::string& value, const std::string& why) {
    throw std::invalid_argument("likelihood setting " + field + " = " + value + ": " + why);
  };
  if (mc_num < 1) bad("mc_num", std::to_string(mc_num), "must be at least 1");
  if (mc_batch_size < 1) bad("mc_batch_size", std::to_string(mc_batch_size), "must be at least 1");
  // json's dump: the shortest text that reads back as the same double (1.5, 0.001), not to_string's 1.500000.
  if (!(sampling_eps > 0 && sampling_eps < 1)) bad("sampling_eps", nlohmann::json(sampling_eps).dump(), "must be in (0, 1)");
}

McMasks draw_mc_masks(int64_t batch_size, int64_t length, int64_t context_length, double sampling_eps,
                      at::Generator& gen, const at::Device& device) {
  if (batch_size < 1 || length < 1 || context_length < 0 || context_length > length)
    throw std::invalid_argument("draw_mc_masks: batch " + std::to_string(batch_size) + ", length " + std::to_string(length) +
                                ", context " + std::to_string(context_length) + " is not a valid shape");
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
  // The official arithmetic, in float32 like its tensors (sampling "following arXiv:2107.00630 I.1", the
  // low-discrepancy t of variational diffusion models).
  const at::Tensor u0 = at::rand({1}, gen, f32);
  const at::Tensor t = at::remainder(u0 + at::arange(batch_size, f32) / batch_size, 1);
  McMasks m;
  m.p = (1 - sampling_eps) * t + sampling_eps;
  m.masked = at::rand({batch_size, length}, gen, f32) < m.p.unsqueeze(1);
  m.masked.narrow(1, 0, context_length).fill_(false);  // log_type ftb: the context stays clean
  m.masked.select(1, 0).fill_(false);                  // the official "always unmask bos and eos"
  m.masked.select(1, length - 1).fill_(false);
  return m;
}

at::Tensor mc_batch_loss(const DreamModel& model, const at::Tensor& ids, const McMasks& masks) {
  check_batch(ids, masks);
  const int64_t b = masks.masked.size(0), l = ids.size(0);
  const at::Tensor hidden = model.hidden_states(noised_batch(model, ids, masks), {}, {}).reshape({b * l, -1});
  const at::Tensor flat = masks.masked.reshape(-1).nonzero().squeeze(-1);  // row-major j * l + i
  const at::Tensor position = flat.remainder(l);
  // Masked position i is predicted by logit row i - 1 (row 0 for i = 0): Dream's shift as an index, as in
  // generation.
  const at::Tensor rows = flat - (position > 0).to(at::kLong);
  const at::Tensor targets = ids.index_select(0, position);
  const at::Tensor p = masks.p.index_select(0, at::div(flat, l, "trunc"));  // the p of each masked position's row
  at::Tensor total = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(ids.device()));
  const int64_t M = flat.size(0);
  for (int64_t start = 0; start < M; start += kLogitRowsPerChunk) {
    const int64_t n = std::min(kLogitRowsPerChunk, M - start);
    const at::Tensor log_probs =
        model.logits_from_hidden(hidden.index_select(0, rows.narrow(0, start, n))).to(at::kFloat).log_softmax(-1);
    const at::Tensor nll = -log_probs.gather(1, targets.narrow(0, start, n).unsqueeze(1)).squeeze(1);
    total += (nll / p.narrow(0, start, n)).sum();
  }
  return total / b;
}

at::Tensor mc_batch_loss_full_logits(const DreamModel& model, const at::Tensor& ids, const McMasks& masks) {
  check_batch(ids, masks);
  const int64_t b = masks.masked.size(0), l = ids.size(0);
  const at::Tensor logits = model.forward(noised_batch(model, ids, masks));  // [b, l, V]
  const at::Tensor shifted = at::cat({logits.narrow(1, 0, 1), logits.narrow(1, 0, l - 1)}, 1);
  const at::Tensor targets = ids.unsqueeze(0).expand({b, l});
  const at::Tensor p = masks.p.unsqueeze(1).expand({b, l});
  const at::Tensor& m = masks.masked;
  const at::Tensor nll = at::cross_entropy_loss(shifted.index({m}).to(at::kFloat), targets.index({m}), {}, at::Reduction::None);
  return (nll / p.index({m})).sum() / b;
}

McLikelihood mc_loglikelihood(const DreamModel& model, std::span<const int64_t> context,
                              std::span<const int64_t> continuation, const McLikelihoodParams& params) {
  params.validate();
  if (continuation.empty()) throw std::invalid_argument("mc_loglikelihood: the continuation is empty");
  const int64_t C = static_cast<int64_t>(context.size()), l = C + static_cast<int64_t>(continuation.size());
  if (l > model.config().max_position_embeddings)
    throw std::invalid_argument("mc_loglikelihood: context " + std::to_string(C) + " + continuation " +
                                std::to_string(continuation.size()) + " tokens exceed max_position_embeddings " +
                                std::to_string(model.config().max_position_embeddings));
  McLikelihood out;
  // Maskable positions are the continuation's except the first and last of the sequence. With none, every
  // sample's loss is 0 whatever the draws: skip the forwards.
  if (std::max<int64_t>(C, 1) > l - 2) return out;

  std::vector<int64_t> all(context.begin(), context.end());
  all.insert(all.end(), continuation.begin(), continuation.end());
  const at::Device device = model.device();
  const at::Tensor ids = at::tensor(all, at::kLong).to(device);
  at::Generator gen = compat::make_generator(params.seed, device);
  const int64_t n = params.batches();
  std::vector<at::Tensor> losses;
  for (int64_t i = 0; i < n; ++i)
    losses.push_back(mc_batch_loss(model, ids, draw_mc_masks(params.mc_batch_size, l, C, params.sampling_eps, gen, device)));
  const at::Tensor batch_losses = at::stack(losses).to(at::kCPU).to(at::kDouble);  // one synchronisation per call
  const double* v = batch_losses.data_ptr<double>();
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += v[i];
  mean /= static_cast<double>(n);
  if (n > 1) {
    double squares = 0;
    for (int64_t i = 0; i < n; ++i) squares += (v[i] - mean) * (v[i] - mean);
    out.std_error = std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n));
  }
  out.loglikelihood = -mean;
  out.forward_passes = n;
  return out;
}

}  // namespace dream::model
