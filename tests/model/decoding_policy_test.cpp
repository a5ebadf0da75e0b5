// Decoding policies (model/decoding_policy.h, model/policy_progress.h): their spelling, the per-row bookkeeping
// on its own, and generations under them with a small random model: one block is Dream's schedule, blocks
// are decoded left to right within their share of the steps, a threshold reveals every confident position and
// stops early, rows do not depend on their batch, and impossible combinations are refused naming the values.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/decoding_policy.h"
#include "model/device.h"
#include "model/generate.h"
#include "model/policy_progress.h"
#include "model/random_checkpoint.h"

namespace dream::model {
namespace {

std::string parse_error(const std::string& text) {
  try {
    DecodingPolicy::parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(DecodingPolicy, ParsesEveryFormIntoOneCanonicalSpelling) {
  EXPECT_TRUE(DecodingPolicy::parse("dream").is_dream());
  const DecodingPolicy both = DecodingPolicy::parse("threshold:0.90+blocks:032");
  EXPECT_EQ(both.block_length, 32);
  EXPECT_EQ(both.threshold, 0.9);
  EXPECT_EQ(both.name(), "blocks:32+threshold:0.9");
  EXPECT_EQ(DecodingPolicy::parse("dual_cache+threshold:0.9+blocks:32").name(), "blocks:32+threshold:0.9+dual_cache");
  for (const char* name : {"dream", "blocks:1", "blocks:32", "threshold:1", "threshold:0.25", "blocks:8+threshold:0.7",
                           "dual_cache", "blocks:4+dual_cache"})
    EXPECT_EQ(DecodingPolicy::parse(DecodingPolicy::parse(name).name()).name(), name);
}

TEST(DecodingPolicy, RefusesMalformedPoliciesNamingThePart) {
  EXPECT_EQ(parse_error("blocks:0"),
            "policy 'blocks:0': blocks:0 is not a block length >= 1 (known: dream, or blocks:L, threshold:T and dual_cache joined by +)");
  EXPECT_NE(parse_error("blocks:x").find("blocks:x is not a block length"), std::string::npos);
  EXPECT_NE(parse_error("blocks").find("blocks: is not a block length"), std::string::npos);
  EXPECT_NE(parse_error("threshold:0").find("threshold:0 is not a confidence in (0, 1]"), std::string::npos);
  EXPECT_NE(parse_error("threshold:1.5").find("threshold:1.5 is not a confidence"), std::string::npos);
  EXPECT_NE(parse_error("threshold:nan").find("is not a confidence"), std::string::npos);
  EXPECT_NE(parse_error("blocks:4+blocks:8").find("blocks is given twice"), std::string::npos);
  EXPECT_NE(parse_error("threshold:0.5+threshold:0.6").find("threshold is given twice"), std::string::npos);
  EXPECT_NE(parse_error("dual_cache+dual_cache").find("dual_cache is given twice"), std::string::npos);
  EXPECT_NE(parse_error("dual_cache:1").find("unknown part 'dual_cache:1'"), std::string::npos);
  EXPECT_NE(parse_error("greedy").find("unknown part 'greedy'"), std::string::npos);
  EXPECT_NE(parse_error("dream+blocks:4").find("unknown part 'dream'"), std::string::npos);
  EXPECT_NE(parse_error("").find("unknown part ''"), std::string::npos);
}

TEST(PolicyProgress, SharesTheStepsOutOverTheBlocksAndRefusesTooFew) {
  // 10 new tokens in blocks of 4: 3 blocks (4, 4, 2); 8 steps give them 3, 3, 2.
  PolicyProgress progress(DecodingPolicy{.block_length = 4}, 1, 10, 8, 1e-3);
  EXPECT_EQ(progress.blocks(), 3);
  bool masked[10];
  std::fill(std::begin(masked), std::end(masked), true);
  std::vector<int> steps_in_block;
  for (int64_t expected_begin : {0, 4, 8}) {
    ASSERT_TRUE(progress.advance(masked));
    auto [begin, end] = progress.current_block(0);
    EXPECT_EQ(begin, expected_begin);
    EXPECT_EQ(end, std::min<int64_t>(begin + 4, 10));
    int steps = 0;
    while (progress.current_block(0).first == begin) {
      std::vector<int64_t> rows;
      std::vector<float> confidence;
      std::vector<int64_t> position;
      for (int64_t p = begin; p < end; ++p)
        if (masked[p]) {
          rows.push_back(0);
          confidence.push_back(static_cast<float>(p));  // the rightmost is the most confident
          position.push_back(p);
        }
      for (int64_t c : progress.choose(rows, confidence, confidence)) masked[position[static_cast<size_t>(c)]] = false;
      ++steps;
      if (!progress.advance(masked)) break;
    }
    steps_in_block.push_back(steps);
    for (int64_t p = begin; p < end; ++p) EXPECT_FALSE(masked[p]) << p;
  }
  EXPECT_EQ(steps_in_block, (std::vector<int>{3, 3, 2}));
  EXPECT_FALSE(progress.advance(masked));
  EXPECT_EQ(progress.current_block(0), (std::pair<int64_t, int64_t>{10, 10}));

  try {
    PolicyProgress(DecodingPolicy{.block_length = 4}, 1, 10, 2, 1e-3);
    FAIL() << "2 steps for 3 blocks were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "params.steps = 2: policy blocks:4 cuts 10 new tokens into 3 blocks, which need at least one step each");
  }
}

TEST(PolicyProgress, SkipsBlocksWithNothingMaskedAndFinishesWhenNoRowHasAny) {
  PolicyProgress progress(DecodingPolicy{.block_length = 2}, 2, 6, 6, 1e-3);
  // Row 0: only its last block is masked; row 1: nothing is.
  const bool masked[12] = {false, false, false, false, true, false, false, false, false, false, false, false};
  ASSERT_TRUE(progress.advance(masked));
  EXPECT_EQ(progress.current_block(0), (std::pair<int64_t, int64_t>{4, 6}));
  EXPECT_EQ(progress.current_block(1), (std::pair<int64_t, int64_t>{6, 6}));
  const bool none[12] = {};
  EXPECT_FALSE(progress.advance(none));
}

TEST(PolicyProgress, ScheduleCountsThresholdAndTies) {
  // One block, 4 steps, 8 candidates: Dream's schedule reveals int(8 (1 - s/t)) = 1 at the first step.
  const std::vector<int64_t> rows(8, 0);
  const std::vector<float> conf = {0.1f, 0.5f, 0.5f, 0.2f, 0.95f, 0.3f, 0.92f, 0.4f};
  {
    PolicyProgress plain(DecodingPolicy{.block_length = 8}, 1, 8, 4, 1e-3);
    const auto chosen = plain.choose(rows, conf, conf);
    EXPECT_EQ(chosen.size(), static_cast<size_t>(tokens_to_reveal(8, 1, 1.0f, 0.75025f, false)));
    EXPECT_EQ(chosen, (std::vector<int64_t>{4}));
  }
  {
    // The threshold adds every candidate reaching it; it is compared with >=.
    PolicyProgress thresholded(DecodingPolicy{.threshold = 0.92f}, 1, 8, 4, 1e-3);
    EXPECT_EQ(thresholded.choose(rows, conf, conf), (std::vector<int64_t>{4, 6}));
  }
  {
    // Nothing reaches it: still one, the most confident; equal confidences go to the leftmost.
    PolicyProgress thresholded(DecodingPolicy{.threshold = 0.99}, 1, 8, 8, 1e-3);
    const std::vector<float> tied = {0.1f, 0.5f, 0.5f, 0.2f};
    EXPECT_EQ(thresholded.choose(std::vector<int64_t>(4, 0), tied, tied), (std::vector<int64_t>{1}));
  }
  {
    // Ranks and the threshold's probabilities may differ (origin ranks at random): the best ranked, plus every
    // other candidate reaching the threshold, in rank order.
    PolicyProgress thresholded(DecodingPolicy{.threshold = 0.9}, 1, 3, 3, 1e-3);
    EXPECT_EQ(thresholded.choose(std::vector<int64_t>(3, 0), std::vector<float>{0.9f, 0.1f, 0.5f}, std::vector<float>{0.2f, 0.95f, 0.3f}),
              (std::vector<int64_t>{0, 1}));
  }
  {
    // Rows are counted separately; at the last (here the only) step each reveals all its candidates.
    PolicyProgress two(DecodingPolicy{.threshold = 0.9}, 2, 3, 1, 1e-3);
    const std::vector<float> conf2 = {0.2f, 0.3f, 0.1f, 0.4f, 0.6f};
    EXPECT_EQ(two.choose(std::vector<int64_t>{0, 0, 0, 1, 1}, conf2, conf2),
              (std::vector<int64_t>{1, 0, 2, 4, 3}));
  }
}

TEST(PolicyProgress, ThresholdScaleOfEachConfidence) {
  // Entropy confidences are sum(p log p) = -H, compared as exp(-H): -0.05 -> 0.951 reaches 0.95, -0.06 -> 0.942 not.
  EXPECT_NEAR(confidence_as_probability(Alg::Entropy, -0.05), 0.951229, 1e-6);
  EXPECT_NEAR(confidence_as_probability(Alg::Entropy, -0.06), 0.941765, 1e-6);
  EXPECT_EQ(confidence_as_probability(Alg::Entropy, 0.0), 1.0);
  for (Alg alg : {Alg::MaskgitPlus, Alg::TopkMargin, Alg::Origin}) EXPECT_EQ(confidence_as_probability(alg, 0.3), 0.3);
}

class PolicyGeneration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = std::make_unique<DreamModel>(random_model(small_config(40, 32, 48, 2, 4, 2), at::kFloat, at::kCPU, 9, 0.2));
  }
  static void TearDownTestSuite() { model_.reset(); }
  static GenerationParams params(Alg alg, int64_t steps, int64_t new_tokens, const std::string& policy) {
    GenerationParams p;
    p.alg = alg;
    p.steps = steps;
    p.max_new_tokens = new_tokens;
    p.policy = DecodingPolicy::parse(policy);
    return p;
  }
  static inline std::unique_ptr<DreamModel> model_;
  const int64_t mask_ = 39;
};

TEST_F(PolicyGeneration, OneBlockAtBatchOneIsDreamsOwnSchedule) {
  // At batch 1 the batch average is the row's count, so one block of the whole answer is the dream policy
  // itself, random draws included.
  const at::Tensor prompt = at::tensor({1, 2, 3, 4, 5}, at::kLong).view({1, 5});
  for (Alg alg : {Alg::MaskgitPlus, Alg::TopkMargin, Alg::Entropy}) {
    for (double temperature : {0.0, 0.7}) {
      GenerationParams dream = params(alg, 6, 16, "dream");
      dream.temperature = temperature;
      dream.top_p = 0.9;
      dream.seed = 5;
      GenerationParams one_block = dream;
      one_block.policy = DecodingPolicy::parse("blocks:16");
      const GenerationOutput a = diffusion_generate(*model_, prompt, {}, dream);
      const GenerationOutput b = diffusion_generate(*model_, prompt, {}, one_block);
      EXPECT_TRUE(at::equal(a.sequences, b.sequences)) << alg_name(alg) << " T=" << temperature;
      EXPECT_TRUE(at::equal(a.reveal_step, b.reveal_step)) << alg_name(alg) << " T=" << temperature;
      EXPECT_EQ(b.timing.forward_passes, 6);
    }
  }
}

TEST_F(PolicyGeneration, BlocksAreDecodedLeftToRightWithinTheirShareOfTheSteps) {
  const at::Tensor prompt = at::tensor({1, 2, 3, 4, 5, 6}, at::kLong).view({2, 3});
  // 12 new tokens in blocks of 5 (5, 5, 2), 7 steps: shares 3, 2, 2, so the steps 0-2, 3-4 and 5-6.
  GenerationParams p = params(Alg::Entropy, 7, 12, "blocks:5");
  p.output_history = true;
  const GenerationOutput out = diffusion_generate(*model_, prompt, {}, p);
  EXPECT_EQ(out.timing.forward_passes, 7);
  EXPECT_EQ(out.history.size(), 7u);
  const std::vector<std::pair<int64_t, int64_t>> step_range = {{0, 2}, {3, 4}, {5, 6}};
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t j = 0; j < 12; ++j) {
      const int64_t step = out.reveal_step[b][j].item<int64_t>();
      const auto [first, last] = step_range[static_cast<size_t>(j / 5)];
      if (out.sequences[b][3 + j].item<int64_t>() == mask_) continue;  // random weights may write the mask id
      EXPECT_GE(step, first) << "row " << b << " position " << j;
      EXPECT_LE(step, last) << "row " << b << " position " << j;
    }
    // While block 0 is open, nothing right of it is revealed.
    EXPECT_TRUE((out.history[2][b].narrow(0, 3 + 5, 7) == mask_).all().item<bool>());
  }
}

TEST_F(PolicyGeneration, AThresholdRevealsEveryConfidentPositionAndStopsEarly) {
  const at::Tensor prompt = at::tensor({1, 2, 3}, at::kLong).view({1, 3});
  const int64_t N = 3 + 10;
  // Logits hook: position p's row strongly prefers token p % 7 + 1 where `confident[p]`, flat elsewhere.
  std::vector<bool> confident(static_cast<size_t>(N), false);
  GenerationHooks hooks;
  hooks.logits = [&](int64_t, const at::Tensor&, const at::Tensor& logits) {
    at::Tensor l = at::zeros_like(logits);
    for (int64_t p = 0; p < N; ++p)
      if (confident[static_cast<size_t>(p)]) l[0][p][p % 7 + 1] = 50.0;
    return l;
  };
  for (int64_t p = 3; p < N; ++p) confident[static_cast<size_t>(p)] = true;
  GenerationParams p = params(Alg::MaskgitPlus, 10, 10, "threshold:0.9");
  GenerationOutput out = diffusion_generate(*model_, prompt, {}, p, hooks);
  EXPECT_EQ(out.timing.forward_passes, 1);
  EXPECT_TRUE((out.reveal_step == 0).all().item<bool>());
  for (int64_t j = 0; j < 10; ++j) EXPECT_EQ(out.sequences[0][3 + j].item<int64_t>(), (3 + j) % 7 + 1);

  // Only positions 5 and 9 of the answer are confident: the first step reveals exactly those two, then
  // (flat distributions, no confidence reaches 0.9) one position per step, leftmost first among the ties.
  for (int64_t q = 3; q < N; ++q) confident[static_cast<size_t>(q)] = q == 3 + 5 || q == 3 + 9;
  for (Alg alg : {Alg::MaskgitPlus, Alg::Entropy, Alg::TopkMargin}) {
    p.alg = alg;
    out = diffusion_generate(*model_, prompt, {}, p, hooks);
    EXPECT_EQ(out.timing.forward_passes, 9) << alg_name(alg);
    const std::vector<int64_t> expected = {1, 2, 3, 4, 5, 0, 6, 7, 8, 0};
    for (int64_t j = 0; j < 10; ++j) EXPECT_EQ(out.reveal_step[0][j].item<int64_t>(), expected[static_cast<size_t>(j)]) << alg_name(alg) << " " << j;
  }
  // A budget of 3 steps: the schedule still finishes within it.
  p.steps = 3;
  out = diffusion_generate(*model_, prompt, {}, p, hooks);
  EXPECT_EQ(out.timing.forward_passes, 3);
  EXPECT_FALSE((out.reveal_step == -1).any().item<bool>());
}

TEST_F(PolicyGeneration, RowsDoNotDependOnTheirBatch) {
  // Under a threshold rows finish at their own pace; with row seeds each row's output is its output alone.
  const at::Tensor batch = at::tensor({1, 2, 3, 7, 8, 9, 4, 5, 6}, at::kLong).view({3, 3});
  for (const char* policy : {"blocks:4", "threshold:0.3", "blocks:4+threshold:0.3", "blocks:4+threshold:0.3+dual_cache"}) {
    for (double temperature : {0.0, 0.8}) {
      for (Alg alg : {Alg::MaskgitPlus, Alg::Origin}) {
        GenerationParams p = params(alg, 8, 12, policy);
        p.temperature = temperature;
        p.row_seeds = {11, 22, 33};
        const GenerationOutput together = diffusion_generate(*model_, batch, {}, p);
        for (int64_t b = 0; b < 3; ++b) {
          GenerationParams q = p;
          q.row_seeds = {p.row_seeds[static_cast<size_t>(b)]};
          const GenerationOutput alone = diffusion_generate(*model_, batch.narrow(0, b, 1), {}, q);
          EXPECT_TRUE(at::equal(together.sequences[b], alone.sequences[0])) << policy << " " << alg_name(alg) << " T=" << temperature << " row " << b;
          EXPECT_TRUE(at::equal(together.reveal_step[b], alone.reveal_step[0])) << policy << " " << alg_name(alg) << " T=" << temperature << " row " << b;
          EXPECT_LE(alone.timing.forward_passes, together.timing.forward_passes);
        }
      }
    }
  }
}

TEST_F(PolicyGeneration, OriginRevealsTheScheduledCountInASeededRandomOrder) {
  const at::Tensor prompt = at::tensor({1, 2, 3}, at::kLong).view({1, 3});
  GenerationParams p = params(Alg::Origin, 4, 8, "blocks:4");
  p.seed = 3;
  const GenerationOutput a = diffusion_generate(*model_, prompt, {}, p);
  EXPECT_EQ(a.timing.forward_passes, 4);
  EXPECT_TRUE(at::equal(a.sequences, diffusion_generate(*model_, prompt, {}, p).sequences));
  // Block 0 in steps 0-1, block 1 in steps 2-3; 4 positions over 2 steps: int(4 (1 - s/t)) = 1, then the other 3.
  for (int64_t block = 0; block < 2; ++block) {
    const at::Tensor steps = a.reveal_step[0].narrow(0, 4 * block, 4);
    EXPECT_EQ((steps == 2 * block).sum().item<int64_t>(), 1) << steps;
    EXPECT_EQ((steps == 2 * block + 1).sum().item<int64_t>(), 3) << steps;
  }
  // Another seed draws another order (the first revealed position of some block differs for one of these seeds).
  bool differs = false;
  for (uint64_t seed : {4, 5, 6, 7}) {
    p.seed = seed;
    differs = differs || !at::equal(a.reveal_step, diffusion_generate(*model_, prompt, {}, p).reveal_step);
  }
  EXPECT_TRUE(differs);
}

TEST_F(PolicyGeneration, InfilledBlocksAreSkipped) {
  const at::Tensor prompt = at::tensor({1, 2, 3}, at::kLong).view({1, 3});
  at::Tensor answer = at::full({1, 8}, mask_, at::kLong);
  answer.narrow(1, 0, 4).fill_(5);  // the first block of 4 is given
  const GenerationOutput out = diffusion_generate(*model_, prompt, {}, params(Alg::Entropy, 4, 8, "blocks:4"), {}, answer);
  EXPECT_TRUE((out.sequences.narrow(1, 3, 4) == 5).all().item<bool>());
  // The second block runs from the first step and is done after its share, 2 steps.
  EXPECT_EQ(out.timing.forward_passes, 2);
  EXPECT_TRUE((out.reveal_step.narrow(1, 0, 4) == -1).all().item<bool>());
}

KvCache deep_copy(const KvCache& cache) {  // KvCache copies share their tensors, and windows write into them
  KvCache out;
  for (size_t i = 0; i < cache.k.size(); ++i) {
    out.k.push_back(cache.k[i].clone());
    out.v.push_back(cache.v[i].clone());
  }
  return out;
}

TEST_F(PolicyGeneration, WindowForwardOverACacheIsTheFullForwardOfTheTokensTheCacheSaw) {
  // Two rows, the second left-padded by two; windows at different places in each row.
  const at::Tensor x = at::tensor({5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, at::kLong).view({2, 12});
  const PaddingLayout padding = padding_layout(at::cat({at::ones({1, 12}, at::kLong), at::cat({at::zeros({1, 2}, at::kLong), at::ones({1, 10}, at::kLong)}, 1)}));
  KvCache cache;
  const at::Tensor full = model_->hidden_states(x, padding.positions, padding.mask, &cache);
  ASSERT_EQ(cache.k.size(), 2u);
  const at::Tensor window = at::tensor({2, 3, 4, 5, 6, 5, 6, 7, 8, 9}, at::kLong).view({2, 5});
  auto window_forward = [&](const at::Tensor& tokens, KvCache& kv) {
    const at::Tensor mask = padding.mask.gather(2, window.view({2, 1, 5, 1}).expand({2, 1, 5, 12}));
    return model_->hidden_states_window(tokens.gather(1, window), padding.positions.gather(1, window), mask, window, kv);
  };
  KvCache same = deep_copy(cache);
  const at::Tensor rows = full.gather(1, window.unsqueeze(-1).expand({2, 5, full.size(-1)}));
  EXPECT_TRUE(at::allclose(window_forward(x, same), rows, 1e-4, 1e-5));
  // A token outside the window changes: the window still sees the cached keys and values of the old one (the
  // approximation), so it reproduces the old rows, not the new full forward.
  at::Tensor changed = x.clone();
  changed[0][11] = 20;
  KvCache stale = deep_copy(cache);
  const at::Tensor stale_rows = window_forward(changed, stale);
  EXPECT_TRUE(at::allclose(stale_rows[0], rows[0], 1e-4, 1e-5));
  const at::Tensor fresh = model_->hidden_states(changed, padding.positions, padding.mask);
  EXPECT_FALSE(at::allclose(stale_rows[0], fresh[0].index_select(0, window[0]), 1e-4, 1e-5));
  // A token inside it changes: its fresh keys and values replace the cached ones at those positions.
  changed = x.clone();
  changed[1][7] = 21;
  KvCache updated = deep_copy(cache);
  window_forward(changed, updated);
  KvCache reference;
  model_->hidden_states(changed, padding.positions, padding.mask, &reference);
  EXPECT_TRUE(at::allclose(updated.k[0][1].narrow(1, 7, 1), reference.k[0][1].narrow(1, 7, 1), 1e-4, 1e-5));
  EXPECT_FALSE(at::allclose(cache.k[0][1].narrow(1, 7, 1), reference.k[0][1].narrow(1, 7, 1), 1e-4, 1e-5));
}

TEST_F(PolicyGeneration, DualCacheRefreshesAtEachBlockAndIsExactWithOneStepPerBlock) {
  const at::Tensor prompt = at::tensor({1, 2, 3, 4, 5, 6}, at::kLong).view({2, 3});
  GenerationParams p = params(Alg::Entropy, 3, 12, "blocks:4");
  const GenerationOutput exact = diffusion_generate(*model_, prompt, {}, p);
  p.policy = DecodingPolicy::parse("blocks:4+dual_cache");
  const GenerationOutput one_step = diffusion_generate(*model_, prompt, {}, p);
  EXPECT_TRUE(at::equal(exact.sequences, one_step.sequences));  // every step starts a block: all full forwards
  EXPECT_EQ(one_step.timing.full_forward_passes, 3);

  p.steps = 9;  // three steps per block: one full forward, two over the window
  p.output_history = true;
  const GenerationOutput cached = diffusion_generate(*model_, prompt, {}, p);
  EXPECT_EQ(cached.timing.forward_passes, 9);
  EXPECT_EQ(cached.timing.full_forward_passes, 3);
  GenerationParams plain = p;
  plain.policy = DecodingPolicy::parse("blocks:4");
  const GenerationOutput uncached = diffusion_generate(*model_, prompt, {}, plain);
  EXPECT_EQ(uncached.timing.full_forward_passes, 9);
  EXPECT_TRUE(at::equal(cached.history[0], uncached.history[0]));  // the first step is a full forward in both
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t j = 0; j < 12; ++j) {
      if (cached.sequences[b][3 + j].item<int64_t>() == mask_) continue;  // random weights may write the mask id
      EXPECT_EQ(cached.reveal_step[b][j].item<int64_t>() / 3, j / 4) << "row " << b << " position " << j;
    }
  GenerationHooks hooks;
  hooks.tokens = [](int64_t, at::Tensor&, const at::Tensor&) {};
  EXPECT_THROW(diffusion_generate(*model_, prompt, {}, p, hooks), std::invalid_argument);
}

TEST_F(PolicyGeneration, DualCacheRowsInDifferentBlocksGetWhatTheyGetAlone) {
  // Row 0's first block is given, so it starts in block 1; with 7 steps (shares 3, 2, 2) it enters block 2 at
  // step 2, while row 1 is still in block 0: that step is a full forward for row 0 and a window for row 1.
  const at::Tensor prompt = at::tensor({1, 2, 3, 4, 5, 6}, at::kLong).view({2, 3});
  at::Tensor answer = at::full({2, 12}, mask_, at::kLong);
  answer[0].narrow(0, 0, 4).fill_(5);
  GenerationParams p = params(Alg::MaskgitPlus, 7, 12, "blocks:4+dual_cache");
  const GenerationOutput together = diffusion_generate(*model_, prompt, {}, p, {}, answer);
  for (int64_t b = 0; b < 2; ++b) {
    const GenerationOutput alone = diffusion_generate(*model_, prompt.narrow(0, b, 1), {}, p, {}, answer.narrow(0, b, 1));
    EXPECT_TRUE(at::equal(together.sequences[b], alone.sequences[0])) << "row " << b;
    EXPECT_TRUE(at::equal(together.reveal_step[b], alone.reveal_step[0])) << "row " << b;
  }
  EXPECT_EQ(together.timing.full_forward_passes, 4);  // steps 0, 2 (row 0), 3 and 5 (row 1)
}

// The GPU path of every policy (skips without a device; runs in scripts/gpu-check.sh): the same checkpoint in
// float32 (TF32 off) on the GPU gives the CPU's tokens. Not asserted bit for bit: a near-tie of the greedy
// argmax may break the other way under other GEMM rounding and change what follows, so at least 95% of the
// answer tokens must agree.
TEST(PolicyGenerationCuda, EveryPolicyGivesTheCpuTokensOnTheGpu) {
  const std::optional<at::Device> gpu = cuda_device_if_present();
  if (!gpu) GTEST_SKIP() << "no CUDA device (or a CPU-only build): runs on the GPU machine";
  ASSERT_FALSE(at::globalContext().allowTF32CuBLAS());
  const auto dir = std::filesystem::temp_directory_path() / ("dream-policy-cuda-" + std::to_string(::getpid()));
  write_random_checkpoint(dir, small_config(40, 32, 48, 2, 4, 2), {.seed = 9, .init_std = 0.2});
  const DreamModel cpu = DreamModel::load(dir);
  LoadOptions options;
  options.device = *gpu;
  const DreamModel cuda = DreamModel::load(dir, options);
  std::filesystem::remove_all(dir);
  const at::Tensor prompt = at::tensor({1, 2, 3, 7, 8, 9, 4, 5, 6}, at::kLong).view({3, 3});
  for (const char* policy : {"blocks:4", "threshold:0.3", "blocks:4+threshold:0.3+dual_cache"}) {
    GenerationParams p;
    p.alg = Alg::Entropy;
    p.steps = 8;
    p.max_new_tokens = 12;
    p.policy = DecodingPolicy::parse(policy);
    const at::Tensor on_cpu = diffusion_generate(cpu, prompt, {}, p).sequences;
    const at::Tensor on_gpu = diffusion_generate(cuda, prompt.to(*gpu), {}, p).sequences.to(at::kCPU);
    const double agree = (on_cpu == on_gpu).narrow(1, 3, 12).to(at::kFloat).mean().item<double>();
    EXPECT_GE(agree, 0.95) << policy;
  }
}

TEST(PolicyParams, ImpossibleCombinationsAreRefusedNamingTheValues) {
  auto error = [](GenerationParams p) -> std::string {
    try {
      p.validate();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(valid)";
  };
  GenerationParams p;
  p.max_new_tokens = 256;
  p.steps = 64;
  p.alg = Alg::Entropy;
  p.policy = DecodingPolicy::parse("blocks:32+threshold:0.9");
  EXPECT_EQ(error(p), "(valid)");
  p.alg = Alg::Origin;
  EXPECT_EQ(error(p), "(valid)");
  p.alg = Alg::Entropy;
  p.alg_temp = 0.5;
  EXPECT_NE(error(p).find("params.policy = blocks:32+threshold:0.9: ranks positions by confidence; alg_temp 0.5 (a sampled order) works only with policy dream"), std::string::npos) << error(p);
  p.alg_temp = 0.0;  // 0 is Dream's "deterministic"
  EXPECT_EQ(error(p), "(valid)");
  p.steps = 4;
  EXPECT_EQ(error(p), "params.steps = 4: policy blocks:32+threshold:0.9 cuts 256 new tokens into 8 blocks, which need at least one step each");
  p.policy = {};
  p.alg = Alg::Origin;
  EXPECT_EQ(error(p), "(valid)");
}

TEST(PolicyParams, RequestsNameAPolicyAndParamsEchoIt) {
  const GenerationParams p = params_from_json(nlohmann::json{{"policy", "threshold:0.80+blocks:8"}, {"alg", "entropy"}, {"max_new_tokens", 16}, {"steps", 8}},
                                              GenerationParams{}, 4);
  EXPECT_EQ(p.policy.name(), "blocks:8+threshold:0.8");
  EXPECT_EQ(params_to_json(p).at("policy"), "blocks:8+threshold:0.8");
  EXPECT_EQ(params_to_json(GenerationParams{}).at("policy"), "dream");
  try {
    params_from_json(nlohmann::json{{"policy", "blocks:0"}}, GenerationParams{}, 4);
    FAIL() << "blocks:0 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("params.policy = \"blocks:0\": policy 'blocks:0': blocks:0 is not a block length"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dream::model
