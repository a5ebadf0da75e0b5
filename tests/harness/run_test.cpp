// run_evaluation with the fake backend: resume, failures, batch independence, shards merged vs one run.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "../support/test_paths.h"
#include "harness/fake_backend.h"
#include "harness/merge.h"
#include "harness/run.h"
#include "harness_support.h"

using namespace dream;
using namespace dream::harness;

namespace {

RunOptions small_run(const std::filesystem::path& out) {
  RunOptions o = test::test_run(out, {"sudoku", "countdown_cd3", "gsm8k"}, 10, 3);
  o.grid.steps = {8, 24};
  o.grid.max_new_tokens = {24};
  return o;
}

}  // namespace

TEST(RunEvaluation, WritesResultsAndResumesFromCache) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  const auto out = test::fresh_dir("resume");
  FakeBackend fake("fake:accuracy=0.9");
  std::ostringstream log;
  auto first = run_evaluation(fake, small_run(out), log);
  EXPECT_EQ(first.samples, 60u);
  EXPECT_EQ(first.computed, 60u);
  EXPECT_EQ(first.results.results.size(), 6u);
  EXPECT_EQ(first.results.settings.size(), 4u);  // gsm8k's default top_p (0.95) differs from the planning tasks' (1)
  EXPECT_EQ(first.results.comparisons.size(), 3u);
  const auto* row = reports::find_result(first.results, "sudoku", first.results.settings[1].id);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->n_samples_original, 100);
  EXPECT_EQ(row->n_samples_effective, 10);
  EXPECT_GT(row->metrics.at("sudoku_valid,postprocess").value, 0.5);
  ASSERT_TRUE(row->performance);
  EXPECT_EQ(row->performance->forward_passes, 24 * 4);  // 4 batches of <= 3 rows, 24 steps each
  EXPECT_EQ(row->performance->tokens_per_second_definition, reports::kTokensPerSecondDefinition);
  const auto before = test::comparable_results(out);
  auto second = run_evaluation(fake, small_run(out), log);
  EXPECT_EQ(second.computed, 0u);
  EXPECT_EQ(second.cached, 60u);
  EXPECT_EQ(test::comparable_results(out), before);
  // Changing a grid point computes only the new point.
  auto more = small_run(out);
  more.grid.steps = {8, 24, 12};
  auto third = run_evaluation(fake, more, log);
  EXPECT_EQ(third.computed, 30u);
  EXPECT_EQ(third.cached, 60u);
}

TEST(RunEvaluation, OutputsDoNotDependOnBatching) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  FakeBackend fake("fake:accuracy=0.6");
  std::ostringstream log;
  auto a = small_run(test::fresh_dir("batch1"));
  a.batch_size = 1;
  auto b = small_run(test::fresh_dir("batch7"));
  b.batch_size = 7;
  run_evaluation(fake, a, log);
  run_evaluation(fake, b, log);
  EXPECT_EQ(test::comparable_results(a.output_dir), test::comparable_results(b.output_dir));
  EXPECT_EQ(test::comparable_samples(a.output_dir), test::comparable_samples(b.output_dir));
}

TEST(RunEvaluation, FailedGenerationIsARowAndIsRetriedNextTime) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  const auto out = test::fresh_dir("failures");
  auto o = small_run(out);
  o.tasks = {"countdown_cd3"};
  o.grid.steps = {8};
  FakeBackend failing("fake:fail_on=Input: 61,83,8,30\nOutput: ");  // the query of one document
  std::ostringstream log;
  auto r = run_evaluation(failing, o, log);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.computed, 9u);  // the rest of its batch went through on retry
  EXPECT_EQ(r.results.results[0].n_failed, 1);
  auto samples = reports::read_samples_jsonl(out / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 10u);
  size_t with_error = 0;
  for (const auto& s : samples) with_error += !s.error.empty();
  EXPECT_EQ(with_error, 1u);
  // The failure is not cached: the same command on a healthy backend generates just that one.
  FakeBackend healthy("fake:fail_on=never-present");
  auto again = run_evaluation(healthy, o, log);
  EXPECT_EQ(again.failed, 0u);
}

TEST(RunEvaluation, TwoShardsMergedEqualOneRun) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  FakeBackend fake("fake:accuracy=0.7");
  std::ostringstream log;
  const auto whole = test::fresh_dir("whole");
  run_evaluation(fake, small_run(whole), log);
  const auto sharded = test::fresh_dir("sharded");
  size_t total = 0;
  for (int i = 0; i < 2; ++i) {
    auto o = small_run(sharded);
    o.shard = {i, 2};
    auto r = run_evaluation(fake, o, log);
    EXPECT_EQ(r.folder, sharded / ("shard-" + std::to_string(i) + "-of-2"));
    total += r.samples;
  }
  EXPECT_EQ(total, 60u);
  auto m = merge_shards({sharded}, sharded, "test");
  EXPECT_EQ(m.shards, 2u);
  EXPECT_EQ(m.samples, 60u);
  EXPECT_EQ(test::comparable_results(sharded), test::comparable_results(whole));
  EXPECT_EQ(test::comparable_samples(sharded), test::comparable_samples(whole));
  // A missing shard is an error naming it.
  std::filesystem::remove_all(sharded / "shard-1-of-2");
  try {
    merge_shards({sharded}, sharded, "test");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("shard 1/2 is missing"), std::string::npos) << e.what();
  }
}

TEST(RunEvaluation, ChatTasksAreRenderedByTheBackend) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  const auto out = test::fresh_dir("chat");
  auto o = small_run(out);
  o.tasks = {"gsm8k_cot"};
  o.grid = {};
  o.limit = 2;
  FakeBackend fake("fake");
  std::ostringstream log;
  run_evaluation(fake, o, log);
  auto samples = reports::read_samples_jsonl(out / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].prompt.rfind("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: Janet", 0), 0u);
  EXPECT_EQ(samples[0].setting_id,
            "steps=256,alg=entropy,temperature=0.1,top_p=0.9,top_k=none,alg_temp=none,max_new_tokens=256,seed=1234,policy=dream");
  EXPECT_EQ(samples[0].response.find("Q:"), std::string::npos);  // cut at the stop string
}

// ---- multiple-choice tasks ---------------------------------------------------------------------------

namespace {

// Records what the harness asks for, answers like the fake.
class RecordingFake : public FakeBackend {
 public:
  using FakeBackend::FakeBackend;
  std::vector<LikelihoodOutput> loglikelihood(std::span<const LikelihoodRequest> requests, const LikelihoodSettings& s) override {
    seen.insert(seen.end(), requests.begin(), requests.end());
    return FakeBackend::loglikelihood(requests, s);
  }
  std::vector<LikelihoodRequest> seen;
};

RunOptions choice_run(const std::filesystem::path& out) {
  RunOptions o = test::test_run(out, {"arc_easy", "winogrande", "sudoku"}, 10, 3);
  o.grid.steps = {8};
  o.grid.max_new_tokens = {24};
  o.grid.mc_num = {16, 64};
  return o;
}

}  // namespace

TEST(RunEvaluation, MultipleChoiceTasksScoreEveryOptionOnTheLikelihoodGrid) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "arc");
  DREAM_REQUIRE_PATH(test::datasets_dir() / "winogrande");
  const auto out = test::fresh_dir("choices");
  RecordingFake fake("fake");
  std::ostringstream log;
  auto r = run_evaluation(fake, choice_run(out), log);
  EXPECT_EQ(r.samples, 10u * 2 + 10u * 2 + 10u);  // two likelihood points per choice task, one generation point for sudoku
  EXPECT_EQ(r.failed, 0u);
  ASSERT_EQ(r.results.settings.size(), 3u);
  const reports::Setting& mc16 = r.results.settings[0];
  EXPECT_EQ(mc16.label, "MC ELBO, 16 samples");
  EXPECT_TRUE(reports::is_likelihood_setting(mc16));
  EXPECT_EQ(mc16.policy, "mc_elbo:mc_num=16;mc_batch_size=32;sampling_eps=0.001");
  EXPECT_EQ(mc16.options.at("mc_num"), 16);
  // 10 arc_easy documents x 4 options + 10 winogrande x 2, at each of the two points.
  EXPECT_EQ(fake.seen.size(), 2u * (40 + 20));
  // Every option of a document shares the document's seed (common random numbers); documents differ.
  std::set<uint64_t> all_seeds;
  for (const auto& req : fake.seen) {
    EXPECT_EQ(req.context.rfind("<|beginoftext|>", 0), 0u);  // the base prefix, as for plain prompts
    all_seeds.insert(req.seed);
  }
  for (size_t i = 0; i < 40; i += 4)
    for (size_t k = 1; k < 4; ++k) EXPECT_EQ(fake.seen[i + k].seed, fake.seen[i].seed);
  EXPECT_EQ(all_seeds.size(), 20u);  // one per document (the same at both points: the run seed is the same)

  const auto samples = reports::read_samples_jsonl(out / reports::kSamplesFileName);
  size_t checked = 0;
  for (const auto& s : samples) {
    if (s.task == "sudoku") {
      EXPECT_TRUE(s.choices.empty());
      continue;
    }
    ASSERT_EQ(s.choices.size(), s.task == "arc_easy" ? 4u : 2u) << s.doc_id;
    // acc is 1 exactly when the likeliest option is the expected one.
    size_t best = 0;
    for (size_t i = 1; i < s.choices.size(); ++i)
      if (s.choices[i].loglikelihood > s.choices[best].loglikelihood) best = i;
    EXPECT_EQ(s.metrics.at("acc,none"), s.choices[best].text == s.expected ? 1.0 : 0.0) << s.doc_id;
    EXPECT_EQ(s.response, s.choices[best].text);
    EXPECT_TRUE(s.choices[0].std_error.has_value());
    EXPECT_FALSE(s.timing.generated_tokens.has_value());
    ++checked;
  }
  EXPECT_EQ(checked, 40u);
  const auto* arc64 = reports::find_result(r.results, "arc_easy", r.results.settings[1].id);
  ASSERT_NE(arc64, nullptr);
  EXPECT_EQ(arc64->metrics.count("acc_norm,none"), 1u);
  ASSERT_TRUE(arc64->performance);
  EXPECT_EQ(arc64->performance->forward_passes, 10 * 4 * 2);  // 64 samples in batches of 32 per option
  EXPECT_FALSE(arc64->performance->tokens_per_second);      // nothing is generated
  const auto* wino = reports::find_task(r.results, "winogrande");
  ASSERT_NE(wino, nullptr);
  EXPECT_EQ(wino->primary_metric, "acc,none");
  EXPECT_EQ(wino->n_shot, 5);
}

TEST(RunEvaluation, MultipleChoiceResumesShardsAndIgnoresBatching) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "arc");
  DREAM_REQUIRE_PATH(test::datasets_dir() / "winogrande");
  FakeBackend fake("fake");
  std::ostringstream log;
  const auto whole = test::fresh_dir("choices_whole");
  run_evaluation(fake, choice_run(whole), log);
  const auto before = test::comparable_results(whole);
  auto again = run_evaluation(fake, choice_run(whole), log);
  EXPECT_EQ(again.computed, 0u);
  EXPECT_EQ(test::comparable_results(whole), before);

  auto one_by_one = choice_run(test::fresh_dir("choices_b1"));
  one_by_one.batch_size = 1;
  run_evaluation(fake, one_by_one, log);
  EXPECT_EQ(test::comparable_samples(one_by_one.output_dir), test::comparable_samples(whole));

  const auto sharded = test::fresh_dir("choices_sharded");
  for (int i = 0; i < 2; ++i) {
    auto o = choice_run(sharded);
    o.shard = {i, 2};
    run_evaluation(fake, o, log);
  }
  merge_shards({sharded}, sharded, "test");
  EXPECT_EQ(test::comparable_results(sharded), before);
  EXPECT_EQ(test::comparable_samples(sharded), test::comparable_samples(whole));
}

TEST(RunEvaluation, MultipleChoiceFailuresAndBadSettings) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "arc");
  const auto out = test::fresh_dir("choices_fail");
  auto o = test::test_run(out, {"arc_easy"}, 6, 3);
  o.grid.mc_num = {32};
  // The second document's question: its batch fails, is retried document by document, and only it fails.
  FakeBackend failing("fake:fail_on=Which piece of safety equipment is used to keep mold spores");
  std::ostringstream log;
  auto r = run_evaluation(failing, o, log);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.computed, 5u);
  // Failures are not cached: the same command retries just that document (and it fails again).
  auto again = run_evaluation(failing, o, log);
  EXPECT_EQ(again.cached, 5u);
  EXPECT_EQ(again.failed, 1u);
  EXPECT_EQ(again.computed, 0u);
  const auto samples = reports::read_samples_jsonl(out / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 6u);
  size_t with_error = 0;
  for (const auto& s : samples) with_error += s.error.find("fail_on") != std::string::npos;
  EXPECT_EQ(with_error, 1u);
  FakeBackend healthy("fake");

  auto bad = o;
  bad.likelihood.mc_batch_size = 0;
  try {
    run_evaluation(healthy, bad, log);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "mc_batch_size must be >= 1, got 0");
  }
}
