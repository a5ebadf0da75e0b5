// AdamW against a hand-computed step, gradient clipping, and the learning-rate schedule.
#include <cmath>

#include <gtest/gtest.h>

#include "train/optimizer.h"

namespace dream::train {
namespace {

TEST(AdamW, OneStepByHand) {
  at::Tensor decayed = at::tensor({1.0}, at::kDouble).requires_grad_(true);
  at::Tensor plain = at::tensor({1.0}, at::kDouble).requires_grad_(true);
  AdamW opt({decayed, plain}, {true, false}, {0.9, 0.95, 1e-8, 0.1});
  (0.5 * (decayed + plain)).sum().backward();  // both gradients 0.5
  opt.step(0.1);
  // m = 0.05, v = 0.0125; m_hat = 0.5, v_hat = 0.25 -> update 0.1 * 0.5 / 0.5 = 0.1.
  // Decoupled decay first: 1 * (1 - 0.1 * 0.1) = 0.99.
  EXPECT_NEAR(decayed.item<double>(), 0.99 - 0.1, 1e-7);
  EXPECT_NEAR(plain.item<double>(), 0.9, 1e-7);
  EXPECT_EQ(plain.grad().item<double>(), 0.0);  // zeroed after the step
  EXPECT_EQ(opt.steps_taken(), 1);

  // Second step with gradient 0.5 again: m = 0.095, v = 0.024375; corrections 0.19, 0.0975 -> 0.5 / 0.5.
  (0.5 * plain).sum().backward();
  opt.step(0.1);
  EXPECT_NEAR(plain.item<double>(), 0.8, 1e-7);
}

TEST(AdamW, SkipsParametersWithoutGradient) {
  at::Tensor p = at::ones({2}).requires_grad_(true);
  AdamW opt({p}, {true}, {});
  opt.step(0.1);
  EXPECT_TRUE(at::equal(p, at::ones({2})));
}

TEST(ClipGradNorm, ScalesToTheLimit) {
  at::Tensor a = at::zeros({1}).requires_grad_(true), b = at::zeros({1}).requires_grad_(true);
  (3.0 * a + 4.0 * b).sum().backward();
  EXPECT_NEAR(clip_grad_norm({a, b}, 1.0), 5.0, 1e-6);
  EXPECT_NEAR(a.grad().item<float>(), 0.6, 1e-5);
  EXPECT_NEAR(b.grad().item<float>(), 0.8, 1e-5);
  EXPECT_NEAR(clip_grad_norm({a, b}, 0.0), 1.0, 1e-5);  // 0 = off: reports, does not scale
}

TEST(Schedule, WarmupThenCosine) {
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(0, 100, 10, 1.0, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(9, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(10, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_NEAR(warmup_cosine_lr(55, 100, 10, 1.0, 0.1), 0.55, 1e-12);  // halfway: floor + half the range
  EXPECT_NEAR(warmup_cosine_lr(100, 100, 10, 1.0, 0.1), 0.1, 1e-12);
  EXPECT_NEAR(warmup_cosine_lr(5, 10, 0, 2.0, 0.0), 1.0, 1e-12);
}

}  // namespace
}  // namespace dream::train
