// The Dream objective: noise on answer tokens only, 1/t and CART weights (hand-worked), and the shifted
// logits convention in the loss.
#include <cmath>

#include <gtest/gtest.h>

#include "model/torch_compat.h"
#include "train/objective.h"

namespace dream::train {
namespace {

at::Tensor longs(const std::vector<int64_t>& v) { return at::tensor(at::ArrayRef<int64_t>(v), at::kLong); }
at::Tensor bools(std::vector<int> v) { return at::tensor(std::vector<int64_t>(v.begin(), v.end()), at::kLong).to(at::kBool).unsqueeze(0); }

TEST(CartWeights, HandWorkedExample) {
  // Positions 0 1 2 3 4, masked at 2 and 3, p = 0.3; kernel p (1-p)^(d-1): d=1 0.3, d=2 0.21, d=3 0.147.
  // w(2) = 0.5 (0.21 [i=0] + 0.3 [i=1] + 0.21 [i=4]) = 0.36
  // w(3) = 0.5 (0.147 [i=0] + 0.21 [i=1] + 0.3 [i=4]) = 0.3285
  const at::Tensor w = cart_weights(bools({0, 0, 1, 1, 0}), bools({1, 1, 1, 1, 1}), 0.3);
  ASSERT_EQ(w.sizes(), (at::IntArrayRef{1, 5}));
  const float* p = w.data_ptr<float>();
  EXPECT_FLOAT_EQ(p[0], 0.0f);
  EXPECT_FLOAT_EQ(p[1], 0.0f);
  EXPECT_NEAR(p[2], 0.36, 1e-6);
  EXPECT_NEAR(p[3], 0.3285, 1e-6);
  EXPECT_FLOAT_EQ(p[4], 0.0f);
}

TEST(CartWeights, PaddingIsNotContext) {
  // Position 0 is left padding: only i = 1 and i = 4 count. w(2) = 0.5 (0.3 + 0.21), w(3) = 0.5 (0.21 + 0.3).
  const at::Tensor w = cart_weights(bools({0, 0, 1, 1, 0}), bools({0, 1, 1, 1, 1}), 0.3);
  EXPECT_NEAR(w[0][2].item<float>(), 0.255, 1e-6);
  EXPECT_NEAR(w[0][3].item<float>(), 0.255, 1e-6);
}

TEST(CartWeights, RejectsBadP) {
  EXPECT_THROW(cart_weights(bools({0, 1}), bools({1, 1}), 0.0), std::invalid_argument);
  EXPECT_THROW(cart_weights(bools({0, 1}), bools({1, 1}), 1.0), std::invalid_argument);
}

TrainingBatch long_answer_batch(int64_t B, int64_t prompt, int64_t answer) {
  TrainingBatch b;
  b.ids = at::arange(B * (prompt + answer), at::kLong).remainder(50).view({B, prompt + answer});
  b.answer = at::zeros({B, prompt + answer}, at::kBool);
  b.answer.narrow(1, prompt, answer).fill_(true);
  b.real = at::ones({B, prompt + answer}, at::kBool);
  return b;
}

TEST(AddNoise, MasksOnlyAnswerTokensWithProbabilityT) {
  const TrainingBatch batch = long_answer_batch(8, 5, 20000);
  at::Generator gen = model::compat::make_cpu_generator(7);
  const NoisedBatch n = add_noise(batch, /*mask=*/99, 1e-3, gen);
  EXPECT_FALSE(at::logical_and(n.masked, batch.answer.logical_not()).any().item<bool>());
  EXPECT_TRUE(at::equal(n.noisy_ids.masked_select(n.masked), at::full({n.masked.sum().item<int64_t>()}, 99, at::kLong)));
  EXPECT_TRUE(at::equal(n.noisy_ids.masked_select(n.masked.logical_not()), batch.ids.masked_select(n.masked.logical_not())));
  for (int64_t b = 0; b < 8; ++b) {
    const double t = n.t[b].item<double>();
    EXPECT_GT(t, 1e-3);
    EXPECT_LE(t, 1.0);
    const double fraction = n.masked[b].sum().item<double>() / 20000.0;
    EXPECT_NEAR(fraction, t, 0.02) << "row " << b;
  }
}

TEST(AddNoise, RejectsAnswerAtPositionZero) {
  TrainingBatch batch = long_answer_batch(1, 0, 4);
  at::Generator gen = model::compat::make_cpu_generator(0);
  EXPECT_THROW(add_noise(batch, 99, 1e-3, gen), std::invalid_argument);
}

TEST(LossWeights, InverseTOnMaskedPositions) {
  const TrainingBatch batch = long_answer_batch(2, 2, 3);
  NoisedBatch n;
  n.masked = at::cat({bools({0, 0, 1, 0, 1}), bools({0, 0, 1, 1, 1})});
  n.t = at::tensor({0.5f, 0.25f});
  n.noisy_ids = batch.ids.masked_fill(n.masked, 99);
  const at::Tensor w = loss_weights(batch, n, LossWeighting::InverseT, 0.3);
  const at::Tensor expected = at::tensor({0.f, 0.f, 2.f, 0.f, 2.f, 0.f, 0.f, 4.f, 4.f, 4.f}).view({2, 5});
  EXPECT_TRUE(at::allclose(w, expected));
}

// Hidden states that are one-hot rows; logits_of_rows scales them, so row r "predicts" token argmax(row r).
TEST(DiffusionLoss, UsesTheRowBeforeEachMaskedPosition) {
  const int64_t V = 8;
  TrainingBatch batch;
  batch.ids = longs({1, 2, 3, 4, 5}).unsqueeze(0);
  batch.answer = bools({0, 0, 1, 1, 1});
  batch.real = bools({1, 1, 1, 1, 1});
  NoisedBatch n;
  n.masked = bools({0, 0, 1, 0, 1});
  n.t = at::tensor({0.5f});
  n.noisy_ids = batch.ids.masked_fill(n.masked, 7);
  auto scaled = [](const at::Tensor& rows) { return rows * 50.0; };

  // Shifted: row p - 1 holds the clean token of p -> nearly zero loss.
  at::Tensor shifted = at::zeros({1, 5, V});
  for (int64_t p = 1; p < 5; ++p) shifted[0][p - 1][batch.ids[0][p].item<int64_t>()] = 1.0;
  const LossTerms good = diffusion_loss(shifted, batch, n, LossWeighting::InverseT, 0.3, scaled);
  EXPECT_EQ(good.masked_tokens, 2);
  EXPECT_EQ(good.answer_tokens, 3);
  EXPECT_LT(good.loss.item<double>(), 1e-6);

  // Unshifted (row p holds token p): the targets are missed.
  at::Tensor unshifted = at::zeros({1, 5, V});
  for (int64_t p = 0; p < 5; ++p) unshifted[0][p][batch.ids[0][p].item<int64_t>()] = 1.0;
  EXPECT_GT(diffusion_loss(unshifted, batch, n, LossWeighting::InverseT, 0.3, scaled).loss.item<double>(), 10.0);

  // Uniform logits: CE = log V at both masked positions, weight 1/t = 2, divided by 3 answer tokens.
  const LossTerms uniform = diffusion_loss(at::zeros({1, 5, V}), batch, n, LossWeighting::InverseT, 0.3, scaled);
  EXPECT_NEAR(uniform.loss.item<double>(), 2 * 2.0 * std::log(8.0) / 3.0, 1e-5);
  EXPECT_NEAR(uniform.unweighted_ce, std::log(8.0), 1e-5);
}

TEST(DiffusionLoss, NoMaskedTokenGivesZeroLossThatStillBackpropagates) {
  TrainingBatch batch;
  batch.ids = longs({1, 2, 3}).unsqueeze(0);
  batch.answer = bools({0, 1, 1});
  batch.real = bools({1, 1, 1});
  NoisedBatch n{batch.ids, bools({0, 0, 0}), at::tensor({0.1f})};
  const at::Tensor hidden = at::zeros({1, 3, 4}).requires_grad_(true);
  const LossTerms terms = diffusion_loss(hidden, batch, n, LossWeighting::Cart, 0.3, [](const at::Tensor& r) { return r; });
  EXPECT_EQ(terms.masked_tokens, 0);
  EXPECT_EQ(terms.loss.item<double>(), 0.0);
  terms.loss.backward();
  EXPECT_TRUE(hidden.grad().defined());
}

TEST(Weighting, Names) {
  EXPECT_EQ(weighting_from_name("cart"), LossWeighting::Cart);
  EXPECT_EQ(weighting_name(weighting_from_name("inverse_t")), "inverse_t");
  try {
    weighting_from_name("elbo");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("inverse_t, cart"), std::string::npos);
  }
}

}  // namespace
}  // namespace dream::train
