// The Monte Carlo ELBO log-likelihood (model/likelihood.h) and the pair encoding (model/text_batch.h): the masking
// rules and stratified p of the official evaluation, the masked-rows-only loss against the full-logits reference,
// the estimate against the exact expectation (all mask subsets enumerated, t integrated), seeds, settings errors,
// and the official `_encode_pair` rules on the real Dream tokenizer.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/test_paths.h"
#include "model/device.h"
#include "model/likelihood.h"
#include "model/random_checkpoint.h"
#include "model/text_batch.h"
#include "model/torch_compat.h"
#include "model/tokenizer/tokenizer.h"

namespace dream::model {
namespace {

constexpr double kEps = 1e-3;

const DreamModel& golden_tiny() {
  static const DreamModel m = DreamModel::load(test::golden_dir() / "dream-tiny-a");  // fp32, V 320, mask 319, eos 318
  return m;
}
#define REQUIRE_GOLDEN_TINY() DREAM_REQUIRE_PATH(test::golden_dir() / "dream-tiny-a" / "config.json")

// Random weights with a large init_std: sharply peaked predictions, so that reading the wrong logit row (a wrong
// shift) changes the loss by far more than the Monte Carlo error. V 64: mask 63, eos 62, bos 61.
const DreamModel& peaked_model() {
  static const DreamModel m = random_model(small_config(64, 32, 64, 2, 4, 2), at::kFloat, at::kCPU, 11, 0.5);
  return m;
}

at::Tensor as_tensor(const std::vector<int64_t>& ids) { return at::tensor(ids, at::kLong); }

// Masks of one row with the given positions masked and p = 1: the loss is then the plain sum of cross-entropies.
McMasks single_row(int64_t length, const std::vector<int64_t>& positions, float p = 1.0f) {
  McMasks m;
  m.masked = at::zeros({1, length}, at::kBool);
  for (int64_t i : positions) m.masked[0][i] = true;
  m.p = at::full({1}, p, at::kFloat);
  return m;
}

TEST(McMasks, NeverTheContextTheFirstOrTheLastPosition) {
  at::Generator gen = compat::make_cpu_generator(1);
  for (int64_t context : {0, 1, 5}) {
    for (int draw = 0; draw < 50; ++draw) {
      const McMasks m = draw_mc_masks(16, 12, context, kEps, gen, at::kCPU);
      ASSERT_EQ(m.masked.sizes(), (at::IntArrayRef{16, 12}));
      ASSERT_EQ(m.p.sizes(), (at::IntArrayRef{16}));
      EXPECT_FALSE(m.masked.select(1, 0).any().item<bool>());
      EXPECT_FALSE(m.masked.select(1, 11).any().item<bool>());
      EXPECT_FALSE(m.masked.narrow(1, 0, context).any().item<bool>()) << "context " << context;
    }
  }
  // Every maskable position does get masked sometimes.
  const McMasks m = draw_mc_masks(256, 12, 5, kEps, gen, at::kCPU);
  EXPECT_TRUE(m.masked.narrow(1, 5, 6).any(0).all().item<bool>());
  EXPECT_THROW(draw_mc_masks(4, 3, 4, kEps, gen, at::kCPU), std::invalid_argument);
  EXPECT_THROW(draw_mc_masks(0, 3, 1, kEps, gen, at::kCPU), std::invalid_argument);
}

TEST(McMasks, PIsTheStratifiedOfficialFormulaFromTheFirstDraw) {
  for (int64_t b : {1, 7, 32}) {
    at::Generator gen = compat::make_cpu_generator(42);
    const McMasks m = draw_mc_masks(b, 9, 2, kEps, gen, at::kCPU);
    // u0 is the call's first draw: p_j = (1 - eps) ((u0 + j / b) mod 1) + eps.
    at::Generator again = compat::make_cpu_generator(42);
    const double u0 = at::rand({1}, again, at::kFloat).item<double>();
    std::vector<double> t;
    for (int64_t j = 0; j < b; ++j) {
      const double tj = std::fmod(u0 + static_cast<double>(j) / static_cast<double>(b), 1.0);
      EXPECT_NEAR(m.p[j].item<double>(), (1 - kEps) * tj + kEps, 1e-6) << "b " << b << " row " << j;
      t.push_back((m.p[j].item<double>() - kEps) / (1 - kEps));
    }
    // Stratified: sorted, the t's are 1/b apart (one in every 1/b of (0, 1)).
    std::sort(t.begin(), t.end());
    EXPECT_GE(t.front(), -1e-6);
    EXPECT_LT(t.back(), 1.0);
    for (size_t j = 1; j < t.size(); ++j) EXPECT_NEAR(t[j] - t[j - 1], 1.0 / static_cast<double>(b), 1e-5);
  }
}

TEST(McMasks, MaskedFractionOfARowTracksItsP) {
  at::Generator gen = compat::make_cpu_generator(3);
  const int64_t context = 2, length = 2002, maskable = length - context - 1;
  for (int draw = 0; draw < 20; ++draw) {
    const McMasks m = draw_mc_masks(8, length, context, kEps, gen, at::kCPU);
    const at::Tensor fraction = m.masked.sum(1).to(at::kDouble) / static_cast<double>(maskable);
    for (int64_t j = 0; j < 8; ++j) {
      const double p = m.p[j].item<double>(), sigma = std::sqrt(p * (1 - p) / static_cast<double>(maskable));
      EXPECT_NEAR(fraction[j].item<double>(), p, 5 * sigma + 1e-3) << "draw " << draw << " row " << j;
    }
  }
}

TEST(McMasks, SameSeedSameMasksOtherSeedOtherMasks) {
  auto draw = [](uint64_t seed) {
    at::Generator gen = compat::make_cpu_generator(seed);
    return draw_mc_masks(32, 40, 4, kEps, gen, at::kCPU);
  };
  const McMasks a = draw(9), b = draw(9), c = draw(10);
  EXPECT_TRUE(at::equal(a.masked, b.masked));
  EXPECT_TRUE(at::equal(a.p, b.p));
  EXPECT_FALSE(at::equal(a.masked, c.masked));
  EXPECT_FALSE(at::equal(a.p, c.p));
}

TEST(McBatchLoss, MaskedRowsOnlyEqualsTheFullLogitsReference) {
  REQUIRE_GOLDEN_TINY();
  const DreamModel& m = golden_tiny();
  const at::Tensor ids = as_tensor({317, 5, 77, 140, 9, 260, 33, 101, 7, 250, 64, 12, 318});
  at::Generator gen = compat::make_cpu_generator(5);
  for (int draw = 0; draw < 5; ++draw) {
    const McMasks masks = draw_mc_masks(8, ids.size(0), 4, kEps, gen, at::kCPU);
    ASSERT_TRUE(masks.masked.any().item<bool>());
    const double fast = mc_batch_loss(m, ids, masks).item<double>();
    const double reference = mc_batch_loss_full_logits(m, ids, masks).item<double>();
    EXPECT_NEAR(fast, reference, 1e-5 * std::abs(reference)) << "draw " << draw;
  }
  // Position 0 masked (draw_mc_masks never does it): both read logit row 0 there, as the official shift does.
  McMasks first = single_row(ids.size(0), {0, 6}, 0.25f);
  // Relative, as above: the sum is ~111 in float32, where summation order alone moves it by ~1e-5 (LibTorch 2.6).
  const double first_reference = mc_batch_loss_full_logits(m, ids, first).item<double>();
  EXPECT_NEAR(mc_batch_loss(m, ids, first).item<double>(), first_reference, 1e-5 * std::abs(first_reference));
  // Nothing masked: zero.
  EXPECT_EQ(mc_batch_loss(m, ids, single_row(ids.size(0), {})).item<double>(), 0.0);
}

TEST(McBatchLoss, Bfloat16ModelsScoreInFloat32) {
  REQUIRE_GOLDEN_TINY();
  LoadOptions bf16;
  bf16.dtype = at::kBFloat16;
  const DreamModel m = DreamModel::load(test::golden_dir() / "dream-tiny-a", bf16);
  const at::Tensor ids = as_tensor({317, 5, 77, 140, 9, 260, 33, 101, 7, 250, 64, 12, 318});
  at::Generator gen = compat::make_cpu_generator(5);
  const McMasks masks = draw_mc_masks(8, ids.size(0), 4, kEps, gen, at::kCPU);
  const at::Tensor loss = mc_batch_loss(m, ids, masks);
  EXPECT_EQ(loss.scalar_type(), at::kFloat);
  const double fp32 = mc_batch_loss(golden_tiny(), ids, masks).item<double>();
  EXPECT_NEAR(loss.item<double>(), fp32, 0.02 * fp32);  // the bf16 network (observed 0.3%), same masks
  // Equal here; the margin allows a bf16 GEMM that rounds a logit differently for another row count.
  EXPECT_NEAR(loss.item<double>(), mc_batch_loss_full_logits(m, ids, masks).item<double>(), 1e-3 * fp32);
}

TEST(McBatchLoss, ReferenceReadsTheLogitRowBeforeEachMaskedPositionAndDividesByP) {
  REQUIRE_GOLDEN_TINY();
  const DreamModel& m = golden_tiny();
  const at::Tensor ids = as_tensor({317, 5, 77, 140, 9, 260, 318});
  for (int64_t i : {3, 5}) {
    at::Tensor noised = ids.clone();
    noised[i] = m.config().mask_token_id;
    const at::Tensor log_probs = m.forward(noised.unsqueeze(0))[0][i - 1].to(at::kFloat).log_softmax(-1);
    const double expected = -log_probs[ids[i].item<int64_t>()].item<double>() / 0.5;
    EXPECT_NEAR(mc_batch_loss_full_logits(m, ids, single_row(ids.size(0), {i}, 0.5f)).item<double>(), expected, 1e-5);
    EXPECT_NEAR(mc_batch_loss(m, ids, single_row(ids.size(0), {i}, 0.5f)).item<double>(), expected, 1e-5);
  }
}

// E over t ~ U(0, 1), p = (1 - eps) t + eps, of p^(k - 1) (1 - p)^(n - k): the weight of a subset of k masked
// positions (probability p^k (1 - p)^(n - k), loss divided by p). Midpoint rule.
double subset_weight(int k, int n) {
  constexpr int kSteps = 20000;
  double sum = 0;
  for (int s = 0; s < kSteps; ++s) {
    const double p = (1 - kEps) * (s + 0.5) / kSteps + kEps;
    sum += std::pow(p, k - 1) * std::pow(1 - p, n - k);
  }
  return sum / kSteps;
}

// The exact expectation of the estimator: minus the sum over every subset S of the maskable positions of
// L(S) (the summed cross-entropies with S masked, from the full-logits reference) times its weight.
double exact_loglikelihood(const DreamModel& m, const std::vector<int64_t>& context, const std::vector<int64_t>& continuation) {
  std::vector<int64_t> all = context;
  all.insert(all.end(), continuation.begin(), continuation.end());
  const at::Tensor ids = as_tensor(all);
  const int64_t first = static_cast<int64_t>(context.size()), n = static_cast<int64_t>(continuation.size()) - 1;
  double expected_loss = 0;
  for (int64_t subset = 1; subset < (int64_t{1} << n); ++subset) {
    std::vector<int64_t> positions;
    for (int64_t i = 0; i < n; ++i)
      if (subset & (int64_t{1} << i)) positions.push_back(first + i);
    const double loss = mc_batch_loss_full_logits(m, ids, single_row(ids.size(0), positions)).item<double>();
    expected_loss += loss * subset_weight(static_cast<int>(positions.size()), static_cast<int>(n));
  }
  return -expected_loss;
}

void expect_unbiased(const DreamModel& m, const std::vector<int64_t>& context, const std::vector<int64_t>& continuation) {
  const double exact = exact_loglikelihood(m, context, continuation);
  const McLikelihood mc = mc_loglikelihood(m, context, continuation, {.mc_num = 4096, .mc_batch_size = 32, .seed = 17});
  EXPECT_EQ(mc.forward_passes, 128);
  EXPECT_GT(mc.std_error, 0.0);
  EXPECT_LT(mc.std_error, 0.05 * std::abs(exact));
  EXPECT_NEAR(mc.loglikelihood, exact, 4 * mc.std_error) << "exact " << exact << ", standard error " << mc.std_error;
}

// The CUDA path (skips without a device; runs in scripts/gpu-check.sh): the same masks give the CPU's loss in
// float32 (TF32 off), an estimate is reproducible for a seed and agrees with the CPU's within Monte Carlo error
// (the two devices draw different random streams).
TEST(McLikelihoodCuda, SameMasksSameLossAndEstimatesAgreeWithTheCpu) {
  REQUIRE_GOLDEN_TINY();
  const std::optional<at::Device> gpu = cuda_device_if_present();
  if (!gpu) GTEST_SKIP() << "no CUDA device (or a CPU-only build): runs on the GPU machine";
  ASSERT_FALSE(at::globalContext().allowTF32CuBLAS());
  LoadOptions options;
  options.device = *gpu;
  const DreamModel cuda_model = DreamModel::load(test::golden_dir() / "dream-tiny-a", options);
  const at::Tensor ids = as_tensor({317, 5, 77, 140, 9, 260, 33, 101, 7, 250, 64, 12, 318});
  at::Generator gen = compat::make_cpu_generator(5);
  const McMasks masks = draw_mc_masks(32, ids.size(0), 4, kEps, gen, at::kCPU);
  const McMasks on_gpu{masks.masked.to(*gpu), masks.p.to(*gpu)};
  const double cpu = mc_batch_loss(golden_tiny(), ids, masks).item<double>();
  EXPECT_NEAR(mc_batch_loss(cuda_model, ids.to(*gpu), on_gpu).item<double>(), cpu, 1e-4 * std::abs(cpu));

  const std::vector<int64_t> context = {317, 5, 77, 140}, continuation = {9, 260, 33, 101, 318};
  const McLikelihoodParams params{.mc_num = 2048, .mc_batch_size = 64, .seed = 3};
  const McLikelihood a = mc_loglikelihood(cuda_model, context, continuation, params);
  EXPECT_EQ(a.loglikelihood, mc_loglikelihood(cuda_model, context, continuation, params).loglikelihood);
  const McLikelihood c = mc_loglikelihood(golden_tiny(), context, continuation, params);
  EXPECT_NEAR(a.loglikelihood, c.loglikelihood, 5 * std::hypot(a.std_error, c.std_error));
}

TEST(McLoglikelihood, UnbiasedAgainstTheExactExpectation) {
  // Continuation of 3 tokens + eos after a short context: 2^3 mask subsets.
  expect_unbiased(peaked_model(), {61, 7, 30}, {12, 45, 3, 62});
  if (std::filesystem::exists(test::golden_dir() / "dream-tiny-a")) expect_unbiased(golden_tiny(), {317, 5, 77}, {140, 9, 260, 318});
}

TEST(McLoglikelihood, SeedsBatchesAndTheNothingToMaskCase) {
  const DreamModel& m = peaked_model();
  const std::vector<int64_t> context = {61, 7, 30, 2}, continuation = {12, 45, 3, 9, 62};
  const McLikelihoodParams params{.mc_num = 64, .mc_batch_size = 16, .seed = 5};
  const McLikelihood a = mc_loglikelihood(m, context, continuation, params);
  EXPECT_EQ(a.forward_passes, 4);
  EXPECT_TRUE(std::isfinite(a.loglikelihood));
  EXPECT_LT(a.loglikelihood, 0.0);
  EXPECT_GT(a.std_error, 0.0);
  const McLikelihood same = mc_loglikelihood(m, context, continuation, params);
  EXPECT_EQ(a.loglikelihood, same.loglikelihood);
  EXPECT_EQ(a.std_error, same.std_error);
  McLikelihoodParams other = params;
  other.seed = 6;
  EXPECT_NE(a.loglikelihood, mc_loglikelihood(m, context, continuation, other).loglikelihood);

  // Fewer samples than one batch: one batch, no standard error. A remainder is dropped like the official count.
  const McLikelihood one = mc_loglikelihood(m, context, continuation, {.mc_num = 4, .mc_batch_size = 16, .seed = 5});
  EXPECT_EQ(one.forward_passes, 1);
  EXPECT_EQ(one.std_error, 0.0);
  EXPECT_EQ(mc_loglikelihood(m, context, continuation, {.mc_num = 50, .mc_batch_size = 16}).forward_passes, 3);

  // Only the end-of-text (never masked), or one token that is also the sequence's first: 0, no forward.
  const std::vector<int64_t> short_context = {61, 7}, only_eos = {62}, first_and_eos = {12, 62}, three = {12, 45, 62}, no_context;
  for (const McLikelihood& none : {mc_loglikelihood(m, short_context, only_eos, params), mc_loglikelihood(m, no_context, first_and_eos, params)}) {
    EXPECT_EQ(none.loglikelihood, 0.0);
    EXPECT_EQ(none.forward_passes, 0);
  }
  // Without a context the first continuation token is position 0 and is never masked; the others are.
  EXPECT_LT(mc_loglikelihood(m, no_context, three, params).loglikelihood, 0.0);
}

TEST(McLoglikelihood, BadParamsAndInputsAreErrorsNamingTheFieldAndValue) {
  const DreamModel& m = peaked_model();
  auto message = [&](const McLikelihoodParams& p, std::vector<int64_t> continuation = {1, 2, 62}) -> std::string {
    const std::vector<int64_t> context = {61};
    try {
      mc_loglikelihood(m, context, continuation, p);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message({.mc_num = 0}).find("mc_num = 0"), std::string::npos);
  EXPECT_NE(message({.mc_batch_size = -1}).find("mc_batch_size = -1"), std::string::npos);
  EXPECT_NE(message({.sampling_eps = 0}).find("sampling_eps = 0"), std::string::npos);
  EXPECT_NE(message({.sampling_eps = 1}).find("sampling_eps = 1"), std::string::npos);
  EXPECT_NE(message({}, {}).find("continuation is empty"), std::string::npos);
  EXPECT_NE(message({}, std::vector<int64_t>(4096, 5)).find("max_position_embeddings 4096"), std::string::npos);
}

// ---- The pair encoding, on the real Dream tokenizer ----

const tokenizer::Tokenizer& dream_tokenizer() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(test::golden_dir() / "dream-v0-instruct-7b");
  return tok;
}
#define REQUIRE_DREAM_TOKENIZER() DREAM_REQUIRE_PATH(test::golden_dir() / "dream-v0-instruct-7b" / "vocab.json")

std::vector<int64_t> encode(const std::string& text) {
  const std::vector<int32_t> ids = dream_tokenizer().encode(text);
  return {ids.begin(), ids.end()};
}

constexpr int64_t kDreamEos = 151643;

TEST(EncodePair, TrailingWhitespaceMovesToTheContinuationAndEosIsAppended) {
  REQUIRE_DREAM_TOKENIZER();
  const tokenizer::Tokenizer& tok = dream_tokenizer();
  EXPECT_EQ(likelihood_eos_id(tok, load_config(test::golden_dir() / "dream-v0-instruct-7b")), kDreamEos);

  const EncodedPair moved = encode_pair(tok, "<|beginoftext|>Question: capital of France?\nAnswer: ", "Paris", kDreamEos);
  EXPECT_EQ(moved.context, encode("<|beginoftext|>Question: capital of France?\nAnswer:"));
  std::vector<int64_t> paris = encode(" Paris");
  paris.push_back(kDreamEos);
  EXPECT_EQ(moved.continuation, paris);
  EXPECT_EQ(encode_pair(tok, "<|beginoftext|>Question: capital of France?\nAnswer:", " Paris", kDreamEos).continuation, paris);

  // Several whitespace characters, Unicode ones included (Python's str.rstrip): all move.
  const EncodedPair many = encode_pair(tok, "<|beginoftext|>Fill in:\n\t \xC2\xA0", "x", kDreamEos);
  EXPECT_EQ(many.context, encode("<|beginoftext|>Fill in:"));
  std::vector<int64_t> whole = encode("<|beginoftext|>Fill in:\n\t \xC2\xA0x");
  whole.push_back(kDreamEos);
  EXPECT_EQ(many.continuation, std::vector<int64_t>(whole.begin() + static_cast<int64_t>(many.context.size()), whole.end()));

  // A continuation that is empty after the move encodes to the eos alone.
  const EncodedPair empty = encode_pair(tok, "<|beginoftext|>Hello", "", kDreamEos);
  EXPECT_EQ(empty.continuation, std::vector<int64_t>{kDreamEos});
}

TEST(EncodePair, TheContinuationIsWholeMinusTheContextCount) {
  REQUIRE_DREAM_TOKENIZER();
  // " wor" + "ld" merge into " world" across the boundary: the split is by the context's token count, as
  // officially, so the continuation keeps only " peace" and the eos.
  const EncodedPair p = encode_pair(dream_tokenizer(), "<|beginoftext|>hello wor", "ld peace", kDreamEos);
  EXPECT_EQ(p.continuation.size(), 2u);
  std::vector<int64_t> whole = encode("<|beginoftext|>hello world peace");
  whole.push_back(kDreamEos);
  EXPECT_EQ(p.context, encode("<|beginoftext|>hello wor"));
  EXPECT_EQ(p.continuation, std::vector<int64_t>(whole.begin() + static_cast<int64_t>(p.context.size()), whole.end()));
}

TEST(EncodePair, TruncatesOnTheLeft) {
  REQUIRE_DREAM_TOKENIZER();
  const tokenizer::Tokenizer& tok = dream_tokenizer();
  const std::string context = "<|beginoftext|>one two three four five six seven eight nine ten";
  const EncodedPair full = encode_pair(tok, context, " eleven", kDreamEos);
  const int64_t C = static_cast<int64_t>(full.context.size()), N = static_cast<int64_t>(full.continuation.size());
  ASSERT_GT(C, 5);
  ASSERT_EQ(N, 2);  // " eleven" + eos

  // Cut 3 tokens: the context loses its first 3, the continuation is untouched.
  const EncodedPair cut = encode_pair(tok, context, " eleven", kDreamEos, C + N - 3);
  EXPECT_EQ(cut.context, std::vector<int64_t>(full.context.begin() + 3, full.context.end()));
  EXPECT_EQ(cut.continuation, full.continuation);

  // Cutting all of the context (or more): no context, the last max_length ids of the whole sequence.
  for (int64_t max_length : {N, N - 1}) {
    const EncodedPair none = encode_pair(tok, context, " eleven", kDreamEos, max_length);
    EXPECT_TRUE(none.context.empty());
    EXPECT_EQ(none.continuation, std::vector<int64_t>(full.continuation.end() - max_length, full.continuation.end()));
  }
  EXPECT_THROW(encode_pair(tok, context, " eleven", kDreamEos, 0), std::invalid_argument);
}

}  // namespace
}  // namespace dream::model
