#pragma once
// AdamW (decoupled weight decay), gradient clipping by global norm, and the warm-up + cosine learning-rate
// schedule, in plain ATen so the trainer needs no <torch/torch.h>. Updates follow Loshchilov & Hutter
// (AdamW) with bias correction, as torch.optim.AdamW computes them.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace dream::train {

struct AdamWOptions {
  double beta1 = 0.9;          // first-moment decay
  double beta2 = 0.95;         // second-moment decay
  double eps = 1e-8;           // added to sqrt(v_hat)
  double weight_decay = 0.1;   // decoupled decay, applied only to parameters marked for it
};

class AdamW {
 public:
  // params: leaf tensors with requires_grad; decay[i] says whether params[i] gets weight decay (matrices yes,
  // norms and biases no).
  AdamW(std::vector<at::Tensor> params, std::vector<bool> decay, AdamWOptions options);

  // One update with learning rate `lr` from the gradients in params[i].grad() (a parameter without a
  // gradient is skipped). Then the gradients are zeroed.
  void step(double lr);
  int64_t steps_taken() const { return step_; }
  // The moment estimates, in parameter order: saved with a checkpoint so a run can resume exactly.
  const std::vector<at::Tensor>& first_moments() const { return m_; }
  const std::vector<at::Tensor>& second_moments() const { return v_; }
  // Restores saved moments and the step count (bias correction continues from it). Throws
  // std::invalid_argument on a count or shape mismatch.
  void restore(const std::vector<at::Tensor>& m, const std::vector<at::Tensor>& v, int64_t steps);

 private:
  std::vector<at::Tensor> params_, m_, v_;
  std::vector<bool> decay_;
  AdamWOptions options_;
  int64_t step_ = 0;
};

// Scales every gradient so their global L2 norm is at most max_norm (no-op when max_norm <= 0); returns the
// norm before scaling.
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

// Linear warm-up from 0 to peak over `warmup` steps, then cosine decay to peak * min_ratio at step `total`.
// step counts from 0.
double warmup_cosine_lr(int64_t step, int64_t total, int64_t warmup, double peak, double min_ratio);

}  // namespace dream::train
