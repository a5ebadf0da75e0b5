// forward_flops / generation_flops against a count made by hand on a tiny config, and against the
// parameter count of Dream-7B (a one-token forward multiplies every GEMM weight once: 2 FLOPs each).
#include <gtest/gtest.h>

#include "model/flops.h"
#include "model/random_checkpoint.h"

namespace dream::model {
namespace {

// V 10, H 8, I 12, 2 layers, 2 query heads / 1 kv head, so D = 4.
DreamConfig hand_config() { return small_config(10, 8, 12, 2, 2, 1); }

TEST(Flops, ForwardMatchesAHandCount) {
  // B 2, N 3 (T = 6), lm_head on 5 rows.
  const ForwardFlops f = forward_flops(hand_config(), 2, 3, 5);
  // Per layer: q 2*6*8*8 = 768, o 768, k 2*6*8*4 = 384, v 384 -> 2304; two layers.
  EXPECT_EQ(f.projections, 4608);
  // Per layer: gate, up, down 3 * 2*6*8*12 = 3456; two layers.
  EXPECT_EQ(f.mlp, 6912);
  // Per layer: QK^T 2*B*nH*N*N*D = 2*2*2*3*3*4 = 288, PV 288; two layers.
  EXPECT_EQ(f.attention, 1152);
  // 2 * R * H * V = 2*5*8*10.
  EXPECT_EQ(f.lm_head, 800);
  EXPECT_EQ(f.total(), 4608 + 6912 + 1152 + 800);
}

TEST(Flops, AttentionGrowsWithTheSquareOfTheLength) {
  const DreamConfig c = hand_config();
  EXPECT_EQ(forward_flops(c, 1, 6, 0).attention, 4 * forward_flops(c, 1, 3, 0).attention);
  EXPECT_EQ(forward_flops(c, 1, 6, 0).mlp, 2 * forward_flops(c, 1, 3, 0).mlp);
  EXPECT_EQ(forward_flops(c, 0, 3, 0).total(), 0);
}

TEST(Flops, OneTokenCountsEveryGemmWeightTwiceAtDream7B) {
  const DreamConfig c = dream_7b_config();
  const int64_t H = c.hidden_size, V = c.vocab_size, L = c.num_hidden_layers;
  const int64_t kv = c.num_key_value_heads * c.head_dim;
  // Parameters that are not GEMM weights of a layer: embedding, lm_head, norms, q/k/v biases.
  const int64_t non_gemm = 2 * V * H + (2 * L + 1) * H + L * (H + 2 * kv);
  const ForwardFlops f = forward_flops(c, 1, 1, 1);
  EXPECT_EQ(f.projections + f.mlp, 2 * (c.parameter_count() - non_gemm));
  EXPECT_EQ(f.lm_head, 2 * H * V);
  EXPECT_EQ(f.attention, L * 4 * c.num_attention_heads * c.head_dim);
  // About 13.05 GFLOP per token in the layers, 1.09 GFLOP per lm_head row.
  EXPECT_NEAR(static_cast<double>(f.projections + f.mlp) / 1e9, 13.05, 0.01);
}

TEST(Flops, GenerationSumsItsSteps) {
  const DreamConfig c = hand_config();
  // Four steps over 2 x 3 tokens; the lm_head rows shrink as positions get revealed.
  const std::vector<int64_t> rows = {4, 2, 2, 0};
  std::vector<PassShape> passes;
  int64_t expected = 0;
  for (int64_t r : rows) {
    expected += forward_flops(c, 2, 3, r).total();
    passes.push_back({3, r});
  }
  EXPECT_EQ(generation_flops(c, 2, 3, passes), expected);
  EXPECT_EQ(generation_flops(c, 2, 3, {}), 0);
  EXPECT_EQ(generation_flops(c, 2, 3, {{3, 0}, {3, 0}}), 2 * (4608 + 6912 + 1152));
}

TEST(Flops, AWindowedPassCountsItsQueriesAgainstEveryKey) {
  const DreamConfig c = hand_config();
  const ForwardFlops window = forward_flops(c, 2, 1, 3, 0), full = forward_flops(c, 2, 3, 0);
  EXPECT_EQ(3 * window.projections, full.projections);
  EXPECT_EQ(3 * window.mlp, full.mlp);
  EXPECT_EQ(3 * window.attention, full.attention);  // 1 x 3 against 3 x 3 query-key pairs
  EXPECT_EQ(generation_flops(c, 2, 3, {{3, 4}, {1, 2}}), forward_flops(c, 2, 3, 4).total() + forward_flops(c, 2, 1, 3, 2).total());
}

}  // namespace
}  // namespace dream::model
