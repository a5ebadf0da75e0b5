#include "optimizer.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not pulled in by ATen.h in LibTorch 2.x)

namespace dream::train {

AdamW::AdamW(std::vector<at::Tensor> params, std::vector<bool> decay, AdamWOptions options)
    : params_(std::move(params)), decay_(std::move(decay)), options_(options) {
  if (params_.size() != decay_.size())
    throw std::invalid_argument("AdamW: " + std::to_string(params_.size()) + " parameters but " +
                                std::to_string(decay_.size()) + " decay flags");
  for (const at::Tensor& p : params_) {
    m_.push_back(at::zeros_like(p, at::MemoryFormat::Contiguous));
    v_.push_back(at::zeros_like(p, at::MemoryFormat::Contiguous));
  }
}

void AdamW::restore(const std::vector<at::Tensor>& m, const std::vector<at::Tensor>& v, int64_t steps) {
  if (m.size() != m_.size() || v.size() != v_.size())
    throw std::invalid_argument("AdamW::restore: " + std::to_string(m.size()) + " / " + std::to_string(v.size()) +
                                " moments for " + std::to_string(m_.size()) + " parameters");
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < m_.size(); ++i) {
    if (!m[i].sizes().equals(m_[i].sizes()) || !v[i].sizes().equals(v_[i].sizes()))
      throw std::invalid_argument("AdamW::restore: moment " + std::to_string(i) + " has another shape than its parameter");
    m_[i].copy_(m[i]);
    v_[i].copy_(v[i]);
  }
  step_ = steps;
}

void AdamW::step(double lr) {
  at::NoGradGuard no_grad;
  ++step_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double correction1 = 1.0 - std::pow(b1, static_cast<double>(step_));
  const double correction2 = 1.0 - std::pow(b2, static_cast<double>(step_));
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i];
    const at::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (decay_[i] && options_.weight_decay > 0) p.mul_(1.0 - lr * options_.weight_decay);
    m_[i].mul_(b1).add_(g, 1.0 - b1);
    v_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    const at::Tensor denom = (v_[i] / correction2).sqrt_().add_(options_.eps);
    p.addcdiv_(m_[i], denom, -lr / correction1);
    p.mutable_grad().zero_();
  }
}

double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  at::NoGradGuard no_grad;
  double total_sq = 0.0;
  for (const at::Tensor& p : params)
    if (p.grad().defined()) total_sq += p.grad().to(at::kDouble).pow(2).sum().item<double>();
  const double norm = std::sqrt(total_sq);
  if (max_norm > 0 && norm > max_norm) {
    const double scale = max_norm / (norm + 1e-6);
    for (const at::Tensor& p : params)
      if (p.grad().defined()) p.mutable_grad().mul_(scale);
  }
  return norm;
}

double warmup_cosine_lr(int64_t step, int64_t total, int64_t warmup, double peak, double min_ratio) {
  if (warmup > 0 && step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const int64_t span = std::max<int64_t>(1, total - warmup);
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(span));
  const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
  return peak * (min_ratio + (1.0 - min_ratio) * cosine);
}

}  // namespace dream::train
