// The Dream backend under run_evaluation: a random Dream checkpoint with the real Dream tokenizer runs a
// step sweep end to end; outputs do not depend on batching (per-row seeds, left padding); traces are kept;
// a rerun comes entirely from the cache.
#include <gtest/gtest.h>

#include <sstream>

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
  s.policy = "threshold:0.9";
  s.max_new_tokens = 4;
  s.steps = 2;
  const GenerationRequest r{"hello", {}, 1};
  try {
    backend->generate(std::span(&r, 1), s);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("policy 'threshold:0.9'"), std::string::npos);
  }
}
