// The paired test on hand-worked cases, comparisons within a run and between runs, and `dream-eval compare`.
#include "reports/compare.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reports/paired_test.h"
#include "report_test_support.h"

namespace dream::reports {
namespace {

TEST(PairedTest, McNemarOnBinaryOutcomes) {
  // 5 discordant pairs, all in favour of b: p = 2 * (1/2)^5.
  PairedTestResult r = paired_test({0, 0, 0, 0, 0, 1}, {1, 1, 1, 1, 1, 1});
  EXPECT_DOUBLE_EQ(r.p_value, 0.0625);
  EXPECT_DOUBLE_EQ(r.mean_a, 1.0 / 6);
  EXPECT_DOUBLE_EQ(r.delta, 5.0 / 6);
  EXPECT_EQ(r.n, 6);
  EXPECT_EQ(r.method, "exact McNemar test (binomial on discordant pairs)");
  // One discordant pair each way: no evidence, p capped at 1.
  EXPECT_DOUBLE_EQ(paired_test({1, 0}, {0, 1}).p_value, 1.0);
  // 10 discordant, 8 vs 2: p = 2 * (1 + 10 + 45) / 1024.
  std::vector<double> a(10, 0.0), b(10, 1.0);
  a[0] = a[1] = 1.0;
  b[0] = b[1] = 0.0;
  EXPECT_NEAR(paired_test(a, b).p_value, 2.0 * 56 / 1024, 1e-12);
  // Large n stays finite: 600 vs 400 discordant pairs is far beyond chance.
  std::vector<double> big_a(1000, 0.0), big_b(1000, 1.0);
  std::fill(big_a.begin(), big_a.begin() + 400, 1.0);
  std::fill(big_b.begin(), big_b.begin() + 400, 0.0);
  const double p = paired_test(big_a, big_b).p_value;
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-9);
}

TEST(PairedTest, ExactSignFlipOnGradedValues) {
  // Differences 1, 2, 3: of the 8 sign patterns only +6 and -6 reach |6|.
  PairedTestResult r = paired_test({0, 0, 0}, {1, 2, 3});
  EXPECT_DOUBLE_EQ(r.p_value, 0.25);
  EXPECT_EQ(r.method, "paired sign-flip permutation test (exact)");
  // Differences 1, -1, 0.5: every sign pattern sums to at least |0.5|, the observed value.
  EXPECT_DOUBLE_EQ(paired_test({0, 1, 0}, {1, 0, 0.5}).p_value, 1.0);
}

TEST(PairedTest, MonteCarloBeyondTwentyDifferences) {
  std::vector<double> a(25, 0.5), b(25, 1.5);
  PairedTestResult r = paired_test(a, b, 2000);
  EXPECT_DOUBLE_EQ(r.p_value, 1.0 / 2001);  // only all-same-sign patterns reach |25|; none drawn
  EXPECT_EQ(r.method, "paired sign-flip permutation test (Monte Carlo, 2000 draws)");
  EXPECT_DOUBLE_EQ(paired_test(a, b, 2000).p_value, r.p_value);  // reproducible
}

TEST(PairedTest, EdgeCases) {
  EXPECT_DOUBLE_EQ(paired_test({}, {}).p_value, 1.0);
  EXPECT_DOUBLE_EQ(paired_test({1, 0, 1}, {1, 0, 1}).p_value, 1.0);
  EXPECT_THROW(paired_test({1}, {1, 0}), std::invalid_argument);
}

TEST(Compare, WithinRunComparesEachSettingWithMoreStepsOfItsKind) {
  const ResultsBundle b = load_results_bundle(test::fixture_run());
  const std::vector<Comparison> cs = compare_within_run(b.results, b.samples);
  ASSERT_EQ(cs.size(), 6u);  // per task: entropy 8 and 16 vs 32, origin 16 vs 32
  const Comparison& c = cs[0];
  EXPECT_EQ(c.task, "gsm8k");
  EXPECT_EQ(find_setting(b.results, c.setting_a)->steps, 32);
  EXPECT_EQ(find_setting(b.results, c.setting_b)->steps, 8);
  EXPECT_EQ(c.metric, "exact_match,strict-match");
  // 32 steps: docs 0-4 right; 8 steps: docs 0,1 right -> 3 discordant pairs, all against 8 steps.
  EXPECT_DOUBLE_EQ(c.value_a, 5.0 / 6);
  EXPECT_DOUBLE_EQ(c.value_b, 2.0 / 6);
  EXPECT_DOUBLE_EQ(c.p_value, 0.25);
  EXPECT_EQ(c.n_shared, 6);
}

TEST(Compare, FailedSampleCountsAsWrong) {
  SampleRecord s;
  s.error = "sandbox: output exceeded 1 MiB";
  EXPECT_EQ(sample_metric_value(s, "pass@1,create_test"), 0.0);
  s.error.clear();
  EXPECT_TRUE(std::isnan(sample_metric_value(s, "pass@1,create_test")));
  s.correct = true;
  EXPECT_EQ(sample_metric_value(s, "pass@1,create_test"), 1.0);
  s.metrics["pass@1,create_test"] = 0.25;
  EXPECT_EQ(sample_metric_value(s, "pass@1,create_test"), 0.25);
}

TEST(Compare, RunsMatchedBySettingId) {
  const ResultsBundle a = load_results_bundle(test::fixture_run());
  ResultsBundle b = a;
  // In run B, humaneval at the first setting gets every document right.
  for (auto& s : b.samples)
    if (s.task == "humaneval" && s.setting_id == a.results.settings[0].id) {
      s.metrics["pass@1,create_test"] = 1.0;
      s.correct = true;
    }
  const std::vector<Comparison> cs = compare_runs(a, b);
  ASSERT_EQ(cs.size(), 12u);  // gsm8k and humaneval at 5 settings each, piqa (multiple choice) at 2
  for (const auto& c : cs) {
    EXPECT_EQ(c.setting_a, c.setting_b);
    if (c.task == "humaneval" && c.setting_a == a.results.settings[0].id) {
      EXPECT_DOUBLE_EQ(c.value_a, 0.25);
      EXPECT_DOUBLE_EQ(c.value_b, 1.0);
      EXPECT_DOUBLE_EQ(c.p_value, 0.25);  // 3 discordant pairs
      EXPECT_EQ(c.n_shared, 4);
    } else {
      EXPECT_EQ(c.delta, 0.0) << c.task << " " << c.setting_a;
      EXPECT_EQ(c.p_value, 1.0);
    }
  }
}

TEST(Compare, SingleSettingRunsAreComparedWhateverTheirIds) {
  ResultsBundle a = load_results_bundle(test::fixture_run());
  ResultsBundle b = a;
  auto keep_only = [](ResultsBundle& r, const std::string& id) {
    std::erase_if(r.results.results, [&](const TaskResult& x) { return x.setting_id != id; });
    std::erase_if(r.samples, [&](const SampleRecord& x) { return x.setting_id != id; });
  };
  keep_only(a, a.results.settings[0].id);
  keep_only(b, b.results.settings[2].id);
  const std::vector<Comparison> cs = compare_runs(a, b);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].setting_a, a.results.settings[0].id);
  EXPECT_EQ(cs[0].setting_b, a.results.settings[2].id);
  EXPECT_DOUBLE_EQ(cs[0].delta, 0.5);
}

TEST(Compare, WithoutSamplesGivesDeltaButNoTest) {
  ResultsBundle a = load_results_bundle(test::fixture_run());
  ResultsBundle b = a;
  b.samples.clear();
  b.results.results[0].metrics["exact_match,strict-match"].value += 0.1;
  const std::vector<Comparison> cs = compare_runs(a, b);
  ASSERT_FALSE(cs.empty());
  EXPECT_NEAR(cs[0].delta, 0.1, 1e-12);
  EXPECT_TRUE(std::isnan(cs[0].p_value));
  EXPECT_EQ(cs[0].n_shared, 0);
}

TEST(CompareCommand, PrintsTheTable) {
  const std::string run = test::shell_quote(test::fixture_run().string());
  const auto dir = test::scratch_dir("compare_command");
  const auto result = test::run_command(test::dream_eval() + " compare " + run + " " + run + " --json " +
                                        test::shell_quote((dir / "c.json").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("|Task     |Metric                  |Setting A            |Setting B            |"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("|humaneval|pass@1,create_test      |origin T=0.2 32 steps|origin T=0.2 32 steps|0.7500|0.7500| 0.0000|  1|       4|exact McNemar test"), std::string::npos) << result.output;
  const Json j = Json::parse(test::read_text(dir / "c.json"));
  ASSERT_EQ(j.size(), 12u);
  EXPECT_EQ(comparison_from_json(j[0]).task, "gsm8k");
}

TEST(CompareCommand, NothingInCommonIsAnError) {
  const auto dir = test::scratch_dir("compare_nothing");
  ResultsBundle b = load_results_bundle(test::fixture_run());
  for (auto& t : b.results.tasks) t.name += "_other";
  for (auto& r : b.results.results) r.task += "_other";
  b.results.comparisons.clear();
  write_results_json(dir / kResultsFileName, b.results);
  const auto result = test::run_command(test::dream_eval() + " compare " + test::shell_quote(test::fixture_run().string()) +
                                        " " + test::shell_quote(dir.string()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("no task and setting in common to compare"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dream::reports
