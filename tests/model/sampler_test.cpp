// The sampling stage on hand-worked logits, and generation behaviour the goldens do not pin: seeded
// sampling, infilling, hooks, presets and parameter errors.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/generate.h"
#include "model/random_checkpoint.h"
#include "model/torch_compat.h"

namespace dream::model {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

at::Tensor logits_of(std::vector<double> probs) {
  return at::log(at::tensor(probs, at::kDouble)).to(at::kFloat).unsqueeze(0);
}

TEST(TopP, KeepsTheTokenThatCrossesTheThreshold) {
  const at::Tensor l = logits_of({0.15, 0.5, 0.05, 0.3});
  const at::Tensor f = top_p_filter(l, 0.7);  // sorted: 0.5 (cum .5), 0.3 (cum .8 crosses: kept), 0.15 dropped
  const float lowest = std::numeric_limits<float>::lowest();
  EXPECT_EQ(f[0][0].item<float>(), lowest);
  EXPECT_EQ(f[0][2].item<float>(), lowest);
  EXPECT_EQ(f[0][1].item<float>(), l[0][1].item<float>());
  EXPECT_EQ(f[0][3].item<float>(), l[0][3].item<float>());
  // The first token always stays, even when it alone exceeds top_p.
  const at::Tensor g = top_p_filter(logits_of({0.9, 0.1}), 0.5);
  EXPECT_EQ(g[0][1].item<float>(), lowest);
  EXPECT_NE(g[0][0].item<float>(), lowest);
}

TEST(TopK, DropsBelowTheKthAndKeepsTies) {
  const at::Tensor l = at::tensor({1.0f, 3.0f, 2.0f, 2.0f, 0.5f}).unsqueeze(0);
  const at::Tensor f = top_k_filter(l, 2);  // k-th largest is 2.0: both 2.0 entries stay
  const float lowest = std::numeric_limits<float>::lowest();
  EXPECT_EQ(f[0][0].item<float>(), lowest);
  EXPECT_EQ(f[0][4].item<float>(), lowest);
  EXPECT_EQ(f[0][2].item<float>(), 2.0f);
  EXPECT_EQ(f[0][3].item<float>(), 2.0f);
  EXPECT_EQ(top_k_filter(l, 50).ne(l).sum().item<int64_t>(), 0) << "k past the vocabulary keeps everything";
}

TEST(SampleTokens, ConfidencesOfEachAlgorithm) {
  at::Generator gen = compat::make_cpu_generator(0);
  const at::Tensor l = logits_of({0.1, 0.6, 0.3});
  const TokenSample p = sample_tokens(l, {}, Alg::MaskgitPlus, gen);
  EXPECT_EQ(p.tokens[0].item<int64_t>(), 1);
  EXPECT_NEAR(p.confidence[0].item<float>(), 0.6, 1e-6);
  const TokenSample m = sample_tokens(l, {}, Alg::TopkMargin, gen);
  EXPECT_NEAR(m.confidence[0].item<float>(), 0.3, 1e-6);
  const TokenSample e = sample_tokens(l, {}, Alg::Entropy, gen);
  const double neg_entropy = 0.1 * std::log(0.1) + 0.6 * std::log(0.6) + 0.3 * std::log(0.3);
  EXPECT_NEAR(e.confidence[0].item<float>(), neg_entropy, 1e-5);
  // Argmax ties go to the lowest id.
  const TokenSample tie = sample_tokens(at::zeros({1, 4}), {}, Alg::MaskgitPlus, gen);
  EXPECT_EQ(tie.tokens[0].item<int64_t>(), 0);
}

TEST(SampleTokens, TemperatureSamplingFollowsTheDistributionAndTheSeed) {
  const at::Tensor l = logits_of({0.25, 0.75}).expand({4000, 2}).contiguous();
  at::Generator a = compat::make_cpu_generator(11), b = compat::make_cpu_generator(11);
  const TokenSample x = sample_tokens(l, {.temperature = 1.0}, Alg::MaskgitPlus, a);
  const TokenSample y = sample_tokens(l, {.temperature = 1.0}, Alg::MaskgitPlus, b);
  EXPECT_TRUE(at::equal(x.tokens, y.tokens)) << "same seed, same draws";
  const double share = x.tokens.to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(share, 0.75, 0.04);  // 4000 draws: 6 standard deviations
  // Confidence is the probability of the drawn token.
  EXPECT_TRUE(at::allclose(x.confidence, at::where(x.tokens == 1, at::full({4000}, 0.75f), at::full({4000}, 0.25f))));
}

TEST(Schedule, TokensToRevealMatchesTheOfficialArithmetic) {
  // 24 masks over 512 steps: the early steps reveal nothing (int(24 * (1 - s/t)) == 0).
  const at::Tensor ts = at::linspace(1.0, 1e-3, 513, at::kFloat);
  const float* t = ts.data_ptr<float>();
  EXPECT_EQ(tokens_to_reveal(24, 1, t[0], t[1], false), 0);
  EXPECT_EQ(tokens_to_reveal(24, 1, t[511], t[512], true), 24);
  // Batch average: 7 masks over 2 rows is 3.5, so the last step reveals int(3.5) = 3 per row.
  EXPECT_EQ(tokens_to_reveal(7, 2, 0.5f, 0.25f, true), 3);
  EXPECT_EQ(tokens_to_reveal(8, 1, 1.0f, 0.5f, false), 4);
}

TEST(ChoosePositions, SamplingWithAlgTempPicksDistinctCandidates) {
  at::Generator gen = compat::make_cpu_generator(3);
  at::Tensor conf = at::full({2, 10}, -INFINITY);
  conf[0].narrow(0, 2, 5).copy_(at::tensor({0.1f, 0.9f, 0.5f, 0.3f, 0.2f}));
  conf[1].narrow(0, 0, 4).copy_(at::tensor({0.4f, 0.4f, 0.1f, 0.8f}));
  for (int rep = 0; rep < 20; ++rep) {
    const at::Tensor chosen = choose_positions(conf, 3, 0.5, gen);
    for (int64_t b = 0; b < 2; ++b) {
      auto [u, _i, _c] = at::_unique2(chosen[b]);
      EXPECT_EQ(u.size(0), 3);
      EXPECT_TRUE(at::isfinite(conf[b].index_select(0, chosen[b])).all().item<bool>());
    }
  }
  const at::Tensor top = choose_positions(conf, 2, std::nullopt, gen);
  EXPECT_EQ(top[0][0].item<int64_t>(), 3);
  EXPECT_EQ(top[1][0].item<int64_t>(), 3);
}

class Generation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("dream-gen-" + std::to_string(::getpid()));
    write_random_checkpoint(dir_, small_config(40, 32, 48, 2, 4, 2), {.seed = 9, .init_std = 0.2});
    model_ = std::make_unique<DreamModel>(DreamModel::load(dir_));
  }
  static void TearDownTestSuite() {
    model_.reset();
    fs::remove_all(dir_);
  }
  static inline fs::path dir_;
  static inline std::unique_ptr<DreamModel> model_;
  const int64_t mask_ = 39;
};

TEST_F(Generation, SeededSamplingIsReproducibleAndSeedSensitive) {
  const at::Tensor prompt = at::tensor({1, 2, 3, 4, 5, 6}, at::kLong).view({2, 3});
  for (Alg alg : {Alg::Origin, Alg::MaskgitPlus, Alg::Entropy}) {
    GenerationParams p;
    p.alg = alg;
    p.steps = 6;
    p.max_new_tokens = 12;
    p.temperature = 1.0;
    p.seed = 42;
    const at::Tensor a = diffusion_generate(*model_, prompt, {}, p).sequences;
    const at::Tensor b = diffusion_generate(*model_, prompt, {}, p).sequences;
    EXPECT_TRUE(at::equal(a, b)) << alg_name(alg);
    // (No "no mask left" check here: sampling at temperature 1 over the whole vocabulary may draw the mask id
    // itself, exactly as the official code may.)
    p.seed = 43;
    EXPECT_FALSE(at::equal(a, diffusion_generate(*model_, prompt, {}, p).sequences)) << alg_name(alg);
  }
}

TEST_F(Generation, RowSeedsMakeARowIndependentOfItsBatch) {
  const at::Tensor batch = at::tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, at::kLong).view({3, 3});
  for (Alg alg : {Alg::Origin, Alg::MaskgitPlus, Alg::Entropy}) {
    GenerationParams p;
    p.alg = alg;
    p.steps = 5;
    p.max_new_tokens = 10;
    p.temperature = 0.8;
    p.alg_temp = alg == Alg::MaskgitPlus ? std::optional<double>(0.5) : std::nullopt;
    p.row_seeds = {101, 202, 303};
    const at::Tensor together = diffusion_generate(*model_, batch, {}, p).sequences;
    p.row_seeds = {202};
    const at::Tensor alone = diffusion_generate(*model_, batch.narrow(0, 1, 1), {}, p).sequences;
    EXPECT_TRUE(at::equal(together[1], alone[0])) << alg_name(alg);
  }
}

TEST_F(Generation, RevealStepRecordsWhenEachAnswerTokenAppeared) {
  const at::Tensor prompt = at::tensor({1, 2, 3}, at::kLong).view({1, 3});
  GenerationParams p;
  p.alg = Alg::Entropy;
  p.steps = 4;
  p.max_new_tokens = 8;
  p.output_history = true;
  const GenerationOutput out = diffusion_generate(*model_, prompt, {}, p);
  ASSERT_EQ(out.reveal_step.sizes(), (at::IntArrayRef{1, 8}));
  int revealed = 0;
  for (int64_t j = 0; j < 8; ++j) {
    const int64_t step = out.reveal_step[0][j].item<int64_t>();
    if (step < 0) {  // never unmasked: only possible when the model wrote the mask id itself (random weights)
      EXPECT_EQ(out.sequences[0][3 + j].item<int64_t>(), mask_);
      continue;
    }
    ++revealed;
    EXPECT_NE(out.history[step][0][3 + j].item<int64_t>(), mask_);
    if (step > 0) {
      EXPECT_EQ(out.history[step - 1][0][3 + j].item<int64_t>(), mask_);
    }
  }
  EXPECT_GE(revealed, 6);
}

TEST_F(Generation, InfillingKeepsFixedTokensAndFillsTheRest) {
  const at::Tensor prompt = at::tensor({1, 2, 3}, at::kLong).view({1, 3});
  at::Tensor answer = at::full({1, 10}, mask_, at::kLong);
  answer[0][0] = 7;
  answer[0][5] = 8;
  answer[0][9] = 9;
  GenerationParams p;
  p.alg = Alg::Entropy;
  p.steps = 4;
  p.max_new_tokens = 10;
  p.output_history = true;
  const GenerationOutput out = diffusion_generate(*model_, prompt, {}, p, {}, answer);
  for (const at::Tensor& x : out.history) {
    EXPECT_EQ(x[0][3].item<int64_t>(), 7);
    EXPECT_EQ(x[0][8].item<int64_t>(), 8);
    EXPECT_EQ(x[0][12].item<int64_t>(), 9);
  }
  EXPECT_FALSE((out.sequences == mask_).any().item<bool>());
  // 7 free positions over 4 steps: int(7 * 0.25) = 1, then 1, 2 ... the count of masks only falls.
  int64_t prev = 7;
  for (const at::Tensor& x : out.history) {
    const int64_t now = (x == mask_).sum().item<int64_t>();
    EXPECT_LE(now, prev);
    prev = now;
  }
}

TEST_F(Generation, HooksSeeEveryStepAndCanSteerTheOutput) {
  const at::Tensor prompt = at::tensor({1, 2, 3, 4}, at::kLong).view({1, 4});
  GenerationParams p;
  p.alg = Alg::MaskgitPlus;
  p.steps = 5;
  p.max_new_tokens = 8;
  const at::Tensor plain = diffusion_generate(*model_, prompt, {}, p).sequences;
  const int64_t banned = plain[0][6].item<int64_t>();
  std::vector<int64_t> steps_seen;
  GenerationHooks hooks;
  hooks.tokens = [&](int64_t step, at::Tensor& x, const at::Tensor& logits) {
    steps_seen.push_back(step);
    EXPECT_EQ(logits.defined(), step >= 0);
  };
  hooks.logits = [&](int64_t, const at::Tensor&, const at::Tensor& logits) {
    at::Tensor l = logits.clone();
    l.select(-1, banned).fill_(-INFINITY);
    return l;
  };
  const at::Tensor steered = diffusion_generate(*model_, prompt, {}, p, hooks).sequences;
  EXPECT_EQ(steps_seen, (std::vector<int64_t>{-1, 0, 1, 2, 3, 4}));
  EXPECT_FALSE((steered.narrow(1, 4, 8) == banned).any().item<bool>());
  // Without hooks the lm_head runs only on needed rows; with them on all rows: same tokens either way.
  GenerationHooks observe;
  observe.tokens = [](int64_t, at::Tensor&, const at::Tensor&) {};
  EXPECT_TRUE(at::equal(plain, diffusion_generate(*model_, prompt, {}, p, observe).sequences));
}

TEST(GenerationParams, PresetsAndJsonOverrides) {
  const GenerationParams compat = GenerationParams::dream_compat();
  EXPECT_EQ(compat.temperature, 1.0);
  EXPECT_EQ(compat.top_k, 50);
  EXPECT_EQ(compat.steps, 512);
  // Absent keys keep the base, null clears an optional.
  const GenerationParams p = params_from_json({{"temperature", 0.0}, {"top_p", nullptr}, {"alg", "entropy"}}, compat, 5);
  EXPECT_EQ(p.top_k, 50);
  EXPECT_FALSE(p.top_p.has_value());
  EXPECT_EQ(p.alg, Alg::Entropy);
  EXPECT_EQ(params_from_json({{"max_length", 12}}, {}, 5).max_new_tokens, 7);
  auto error = [](const nlohmann::json& j) {
    try {
      params_from_json(j, {}, 5);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error({{"steps", 0}}), HasSubstr("params.steps = 0"));
  EXPECT_THAT(error({{"alg", "greedy"}}), HasSubstr("unknown alg 'greedy'"));
  EXPECT_THAT(error({{"top_p", 1.5}}), HasSubstr("params.top_p"));
  EXPECT_THAT(error({{"max_length", 3}}), HasSubstr("must exceed the prompt length 5"));
  EXPECT_THAT(error({{"temprature", 0.1}}), HasSubstr("params.temprature = 0.1: unknown parameter"));
  EXPECT_THAT(error({{"top_k", "5"}}), HasSubstr("expected an integer"));
}

}  // namespace
}  // namespace dream::model
