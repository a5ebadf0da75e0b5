// The Dream backend under run_evaluation: a random Dream checkpoint with the real Dream tokenizer runs a
// step sweep end to end; outputs do not depend on batching (per-row seeds, left padding); traces are kept;
// a rerun comes entirely from the cache; log-likelihood requests.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include "../support/test_paths.h"
#include "harness/run.h"
#include "harness_support.h"
#include "model/random_checkpoint.h"

using namespace dream;
using namespace dream::harness;

namespace {

std::filesystem::path random_dream_with_real_tokenizer() {
  static const std::filesystem::path dir = [] {
    const auto d = test::fresh_dir("dream-backend-model");
    // Dream's tokenizer ids reach 151666 (<|mask|>): a vocabulary of 151667 rows makes mask = last id.
    model::write_random_checkpoint(d, model::small_config(151667, 16, 32, 1, 2, 1), {.seed = 4, .init_std = 0.5});
    for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json"})
      std::filesystem::copy_file(test::golden_dir() / "dream-v0-instruct-7b" / f, d / f);
    return d;
  }();
  return dir;
}

RunOptions sweep(const std::filesystem::path& out, int batch) {
  RunOptions o;
  o.tasks = {"sudoku_4x4_gen_0shot"};
  o.grid.steps = {2, 6};
  o.grid.alg = {"origin", "entropy"};
  o.grid.temperature = {0.7};
  o.grid.max_new_tokens = {6};
  o.limit = 5;
  o.batch_size = batch;
  o.output_dir = out;
  o.progress = ProgressMode::never;
  o.aggregate.bootstrap_iterations = 50;
  return o;
}

}  // namespace

TEST(DreamBackend, StepSweepIsBatchIndependentTracedAndResumable) {
  DREAM_REQUIRE_PATH(test::golden_dir() / "dream-v0-instruct-7b" / "vocab.json");
  auto backend = open_backend({.model = random_dream_with_real_tokenizer().string(), .extra = {{"threads", "1"}}});
  EXPECT_EQ(backend->dtype(), "float32");
  EXPECT_EQ(backend->base_prompt_prefix(), "<|beginoftext|>");
  EXPECT_EQ(backend->fingerprint().rfind("dream:", 0), 0u);
  std::ostringstream log;
  const auto one = sweep(test::fresh_dir("dream-b1"), 1), five = sweep(test::fresh_dir("dream-b5"), 5);
  const RunSummary first = run_evaluation(*backend, one, log);
  EXPECT_EQ(first.computed, 20u);  // 5 documents x 2 steps x 2 algorithms
  EXPECT_EQ(first.failed, 0u);
  run_evaluation(*backend, five, log);
  EXPECT_EQ(test::comparable_samples(one.output_dir), test::comparable_samples(five.output_dir));

  const auto bundle = reports::load_results_bundle(one.output_dir);
  ASSERT_EQ(bundle.samples.size(), 20u);
  for (const auto& s : bundle.samples) {
    ASSERT_TRUE(s.trace.has_value()) << s.doc_id;
    EXPECT_GT(s.trace->tokens.size(), 0u);
    EXPECT_LE(s.trace->tokens.size(), 6u);
    for (const auto& t : s.trace->tokens) EXPECT_LT(t.step, s.trace->steps);
  }
  const RunSummary again = run_evaluation(*backend, one, log);
  EXPECT_EQ(again.computed, 0u);
  EXPECT_EQ(again.cached, 20u);
}

TEST(DreamBackend, UnknownPolicyAndDeviceAreClearErrors) {
  DREAM_REQUIRE_PATH(test::golden_dir() / "dream-v0-instruct-7b" / "vocab.json");
  EXPECT_THROW(open_backend({.model = random_dream_with_real_tokenizer().string(), .device = "cuda:3"}), std::invalid_argument);
  auto backend = open_backend({.model = random_dream_with_real_tokenizer().string()});
  GenerationSettings s;
  s.policy = "greedy";
  s.max_new_tokens = 4;
  s.steps = 2;
  auto error_of = [&](const GenerationSettings& settings) -> std::string {
    try {
      backend->check(settings);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of(s).find("policy 'greedy': unknown part 'greedy'"), std::string::npos) << error_of(s);
  const GenerationRequest r{"hello", {}, 1};
  EXPECT_THROW(backend->generate(std::span(&r, 1), s), std::invalid_argument);
  s.policy = "threshold:0.9";
  s.alg_temp = 0.5;
  EXPECT_NE(error_of(s).find("alg_temp 0.5 (a sampled order) works only with policy dream"), std::string::npos) << error_of(s);
  s.alg_temp.reset();
  s.alg = "entropyy";
  EXPECT_NE(error_of(s).find("unknown alg 'entropyy'"), std::string::npos) << error_of(s);
  s.alg = "entropy";
  EXPECT_EQ(error_of(s), "no error");
}

// A sweep over policies: one setting per canonical spelling, a threshold never spends more forward passes than
// the step budget and stops early, blocks spend exactly it; an impossible point stops the run before any sample.
TEST(DreamBackend, PolicySweepRecordsCanonicalPoliciesAndForwardPasses) {
  DREAM_REQUIRE_PATH(test::golden_dir() / "dream-v0-instruct-7b" / "vocab.json");
  auto backend = open_backend({.model = random_dream_with_real_tokenizer().string(), .extra = {{"threads", "1"}}});
  std::ostringstream log;
  RunOptions o = sweep(test::fresh_dir("dream-policies"), 5);
  o.grid.steps = {6};
  o.grid.alg = {"maskgit_plus"};
  o.grid.temperature = {0.0};
  o.grid.policy = {"dream", "blocks:3", "threshold:0.010"};
  const RunSummary summary = run_evaluation(*backend, o, log);
  EXPECT_EQ(summary.computed, 15u);
  EXPECT_EQ(summary.failed, 0u);
  const auto bundle = reports::load_results_bundle(o.output_dir);
  std::map<std::string, std::int64_t> passes;
  for (const auto& r : bundle.results.results) {
    ASSERT_TRUE(r.performance.has_value());
    passes[reports::find_setting(bundle.results, r.setting_id)->policy] = r.performance->forward_passes.value_or(-1);
  }
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes.at("dream"), 6);  // one batch of 5 documents
  EXPECT_EQ(passes.at("blocks:3"), 6);
  // Confidences of a random model over 151,667 tokens are far below 0.01, but one position per step is revealed.
  EXPECT_GE(passes.at("threshold:0.01"), 1);
  EXPECT_LE(passes.at("threshold:0.01"), 6);

  RunOptions bad = sweep(test::fresh_dir("dream-policy-bad"), 5);
  bad.grid.alg = {"entropy"};
  bad.grid.policy = {"blocks:1"};  // 6 blocks of one token, but only 2 steps at the first point of the grid
  try {
    run_evaluation(*backend, bad, log);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("params.steps = 2: policy blocks:1 cuts 6 new tokens into 6 blocks"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(bad.output_dir / "results.json"));
}

// Backend options: `threads` sets the CPU threads (what results record); anything else, a misspelt key or a
// count that is not one, is an error naming it instead of being ignored.
TEST(DreamBackend, BackendOptionsAreCheckedAndThreadsRecorded) {
  const std::string shipped = (test::source_dir() / "models" / "planning-small").string();
  auto error_of = [&](std::map<std::string, std::string> extra) -> std::string {
    try {
      open_backend({.model = shipped, .extra = std::move(extra)});
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of({{"thread", "2"}}).find("--backend-option thread: unknown"), std::string::npos);
  EXPECT_NE(error_of({{"threads", "-1"}}).find("'-1' is not a count"), std::string::npos);
  EXPECT_NE(error_of({{"threads", "2x"}}).find("'2x' is not a count"), std::string::npos);
  auto backend = open_backend({.model = shipped, .extra = {{"threads", "1"}}});
  EXPECT_EQ(backend->environment().at("threads"), "1");
  EXPECT_FALSE(backend->environment().at("cpu_threading").empty());

  const test::CliResult both = test::run_dream_eval("run --model " + shipped + " --tasks sudoku_4x4_gen_0shot --limit 1 --threads 2 "
                                                    "--backend-option threads=1 --output " + test::fresh_dir("dream-threads").string());
  EXPECT_EQ(both.status, 1);
  EXPECT_NE(both.err.find("--threads 2 and --backend-option threads=1"), std::string::npos) << both.err;
}

// Log-likelihood requests: the official pair encoding (token counts), finite estimates with their standard error,
// one forward per Monte Carlo batch, estimates that depend only on the request and its seed, settings errors.
TEST(DreamBackend, LoglikelihoodEncodesEstimatesAndHonoursSeeds) {
  DREAM_REQUIRE_PATH(test::golden_dir() / "dream-v0-instruct-7b" / "vocab.json");
  auto backend = open_backend({.model = random_dream_with_real_tokenizer().string(), .extra = {{"threads", "1"}}});
  const std::string context = backend->base_prompt_prefix() + "Question: capital of France?\nAnswer:";
  const std::vector<LikelihoodRequest> requests = {
      {context, " Paris", 7}, {context, " London is a city", 7}, {context + " ", "Paris", 8}, {context, "", 7}};
  LikelihoodSettings s;
  s.mc_num = 8;
  s.mc_batch_size = 4;
  const std::vector<LikelihoodOutput> out = backend->loglikelihood(requests, s);
  ASSERT_EQ(out.size(), requests.size());
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    EXPECT_TRUE(std::isfinite(out[i].loglikelihood)) << i;
    EXPECT_LT(out[i].loglikelihood, 0.0) << i;
    EXPECT_GT(out[i].std_error, 0.0) << i;
    EXPECT_EQ(out[i].forward_passes, 2) << i;  // mc_num / mc_batch_size
    EXPECT_GT(out[i].latency_ms, 0.0) << i;
    EXPECT_EQ(out[i].context_tokens, backend->count_tokens(context)) << i;  // the trailing space moved out
  }
  // The end-of-text token is counted in the continuation.
  EXPECT_EQ(out[0].continuation_tokens, backend->count_tokens(" Paris") + 1);
  EXPECT_EQ(out[1].continuation_tokens, backend->count_tokens(" London is a city") + 1);
  EXPECT_EQ(out[2].continuation_tokens, out[0].continuation_tokens);
  // An empty continuation is the end-of-text alone: never masked, estimate 0 without a forward.
  EXPECT_EQ(out[3].continuation_tokens, 1);
  EXPECT_EQ(out[3].loglikelihood, 0.0);
  EXPECT_EQ(out[3].forward_passes, 0);

  // The same request and seed give the same estimate, alone or among others; the seed moves it.
  const std::vector<LikelihoodOutput> alone = backend->loglikelihood(std::span(&requests[0], 1), s);
  EXPECT_EQ(alone[0].loglikelihood, out[0].loglikelihood);
  EXPECT_EQ(alone[0].std_error, out[0].std_error);
  EXPECT_NE(out[2].loglikelihood, out[0].loglikelihood);  // same tokens, seed 8 instead of 7

  auto error = [&](LikelihoodSettings bad) -> std::string {
    try {
      backend->loglikelihood(std::span(&requests[0], 1), bad);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no error";
  };
  LikelihoodSettings bad = s;
  bad.mc_num = 0;
  EXPECT_NE(error(bad).find("mc_num = 0"), std::string::npos) << error(bad);
  bad = s;
  bad.mc_batch_size = 0;
  EXPECT_NE(error(bad).find("mc_batch_size = 0"), std::string::npos) << error(bad);
  bad = s;
  bad.sampling_eps = 1.5;
  EXPECT_NE(error(bad).find("sampling_eps = 1.5"), std::string::npos) << error(bad);
}
