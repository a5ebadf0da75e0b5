// Code tasks through the harness, with the tests run in the sandbox: `run` with the fake backend (which
// writes the reference solution on a known fraction of items and a wrong function otherwise), pass@k over a
// seed grid, `score` of reference and broken solutions (every sandbox status reaches the records), and the
// warnings of --unsafe-no-sandbox. A few dozen problems each; tests/sandbox runs all 164 + 500 references.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../support/test_paths.h"
#include "datasets/records.h"
#include "harness/fake_backend.h"
#include "harness/run.h"
#include "harness/score_responses.h"
#include "harness_support.h"
#include "metrics/pass_at_k.h"
#include "tasks/registry.h"

using namespace dream;
using namespace dream::harness;

namespace {

bool have_code_data() {
  return std::filesystem::exists(test::datasets_dir() / "humaneval/HumanEval.jsonl") &&
         std::filesystem::exists(test::datasets_dir() / "mbpp/mbpp.jsonl");
}

// Whether the fake backend meant to answer this sample right (its decision depends on prompt, seed, steps).
bool fake_answered_right(const FakeBackend& fake, const reports::Results& results, const reports::SampleRecord& s) {
  const reports::Setting* setting = reports::find_setting(results, s.setting_id);
  EXPECT_NE(setting, nullptr) << s.setting_id;
  GenerationSettings g;
  g.steps = setting->steps;
  g.max_new_tokens = setting->max_new_tokens;
  return fake.answers_right(s.prompt, request_seed(static_cast<uint64_t>(setting->seed), s.task, s.doc_id), g);
}

// HumanEval/0 ... HumanEval/<n-1> with their canonical solutions (what a base model writes after the prompt).
std::vector<std::pair<std::string, std::string>> humaneval_canonical(int n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : datasets::read_jsonl(test::datasets_dir() / "humaneval/HumanEval.jsonl")) {
    if (static_cast<int>(out.size()) == n) break;
    out.emplace_back(r.string_field("task_id"), r.string_field("canonical_solution"));
  }
  return out;
}

void write_responses(const std::filesystem::path& file, const std::vector<std::pair<std::string, std::string>>& lines) {
  std::ofstream out(file);
  for (const auto& [doc, response] : lines) out << nlohmann::json{{"doc_id", doc}, {"response", response}}.dump() << "\n";
}

ScoreOptions score_options(const std::string& task, const std::filesystem::path& responses, const std::filesystem::path& out) {
  ScoreOptions o;
  o.task = task;
  o.responses = responses;
  o.output_dir = out;
  o.data_dir = test::datasets_dir();
  o.aggregate.bootstrap_iterations = 200;
  return o;
}

}  // namespace

TEST(CodeRun, FakeBackendGivesTheExpectedPassAt1) {
  if (!have_code_data()) GTEST_SKIP() << "no HumanEval/MBPP data under " << test::datasets_dir();
  const auto out = test::fresh_dir("code_run");
  FakeBackend fake("fake:accuracy=0.5", test::datasets_dir());
  std::ostringstream log;
  const auto summary =
      run_evaluation(fake, test::test_run(out, {"humaneval", "humaneval_instruct", "mbpp", "mbpp_instruct"}, 8, 4), log);
  EXPECT_EQ(summary.computed, 32u);
  const auto samples = reports::read_samples_jsonl(out / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 32u);
  std::map<std::string, std::pair<int, int>> right_of;  // task -> (answered right, samples)
  for (const auto& s : samples) {
    const bool right = fake_answered_right(fake, summary.results, s);
    auto& [r, n] = right_of[s.task];
    r += right;
    ++n;
    ASSERT_TRUE(s.code.has_value()) << s.task << " " << s.doc_id;
    EXPECT_EQ(s.correct, right) << s.task << " " << s.doc_id << ": " << s.code->status << " " << s.code->error_line;
    EXPECT_EQ(s.code->status, right ? "passed" : "failed") << s.task << " " << s.doc_id << ": " << s.code->error_line;
    if (!right) {
      EXPECT_FALSE(s.code->error_line.empty()) << s.task << " " << s.doc_id;
    }
    EXPECT_TRUE(s.code->warning.empty());
    EXPECT_TRUE(s.error.empty()) << s.error;
    EXPECT_FALSE(s.extracted.empty());
    EXPECT_FALSE(s.expected.empty());  // the tests, as lm-eval's doc_to_target
  }
  int right_total = 0;
  for (const auto& [task, counts] : right_of) {
    const std::string metric = task.rfind("humaneval", 0) == 0 ? "pass@1,create_test" : "pass_at_1,none";
    const reports::TaskResult* result = nullptr;
    for (const auto& r : summary.results.results)
      if (r.task == task) result = &r;
    ASSERT_NE(result, nullptr) << task;
    EXPECT_DOUBLE_EQ(result->metrics.at(metric).value, static_cast<double>(counts.first) / counts.second) << task;
    EXPECT_EQ(result->n_samples_effective, 8);
    right_total += counts.first;
  }
  EXPECT_GT(right_total, 0);   // some right and some wrong, so the comparison above can fail either way
  EXPECT_LT(right_total, 32);
  const auto* info = reports::find_task(summary.results, "humaneval");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->primary_metric, "pass@1,create_test");
  ASSERT_EQ(info->pass_at_k.size(), 3u);
  EXPECT_EQ(info->pass_at_k[2].name, "pass@100,create_test");

  // A resumed run reads the records (code statuses included) back from the cache and changes nothing.
  const auto before = test::comparable_results(out);
  const auto again =
      run_evaluation(fake, test::test_run(out, {"humaneval", "humaneval_instruct", "mbpp", "mbpp_instruct"}, 8, 4), log);
  EXPECT_EQ(again.computed, 0u);
  EXPECT_EQ(test::comparable_results(out), before);
  EXPECT_EQ(test::comparable_samples(out).size(), 32u);
}

TEST(CodeRun, SeedGridGivesPassAtKOverTheSeeds) {
  if (!have_code_data()) GTEST_SKIP() << "no HumanEval/MBPP data under " << test::datasets_dir();
  const auto out = test::fresh_dir("code_seeds");
  FakeBackend fake("fake:accuracy=0.15", test::datasets_dir());
  auto options = test::test_run(out, {"humaneval"}, 4, 4);
  options.grid.seeds = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  std::ostringstream log;
  const auto summary = run_evaluation(fake, options, log);
  ASSERT_EQ(summary.results.results.size(), 10u);
  std::map<std::string, metrics::ProblemSamples> per_doc;
  for (const auto& s : reports::read_samples_jsonl(out / reports::kSamplesFileName)) {
    ++per_doc[s.doc_id].n;
    per_doc[s.doc_id].correct += s.correct.value_or(false);
  }
  ASSERT_EQ(per_doc.size(), 4u);
  double expected = 0;
  for (const auto& [doc, p] : per_doc) {
    EXPECT_EQ(p.n, 10);
    expected += metrics::pass_at_k(p.n, p.correct, 10) / 4.0;
  }
  EXPECT_GT(expected, 0.0);
  EXPECT_LT(expected, 1.0);  // at least one problem never solved: the estimator is not trivially 1
  std::set<double> pass_at_1;
  for (const auto& row : summary.results.results) {
    EXPECT_DOUBLE_EQ(row.metrics.at("pass@10,create_test").value, expected) << row.setting_id;
    EXPECT_EQ(row.metrics.count("pass@100,create_test"), 0u);  // n = 10 does not allow k = 100
    pass_at_1.insert(row.metrics.at("pass@1,create_test").value);
  }
  EXPECT_GT(pass_at_1.size(), 1u);  // pass@1 stays each seed's own
}

TEST(CodeScore, ReferenceSolutionsPassAndBrokenOnesFailWithTheirStatus) {
  if (!have_code_data()) GTEST_SKIP() << "no HumanEval/MBPP data under " << test::datasets_dir();
  const auto dir = test::fresh_dir("code_score");
  auto lines = humaneval_canonical(12);
  // Broken variants of the first problems, one per way a program can end (bodies keep a `return` so that
  // sanitising keeps them), as second samples of those documents.
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"failed", "    return object()\n"},
      {"timeout", "    while True:\n        pass\n    return 1\n"},
      {"out_of_memory", "    block = ' ' * (1 << 34)\n    return block\n"},
      {"output_limit", "    print('x' * (1 << 21))\n    return 1\n"},
      {"killed_by_signal", "    import ctypes\n    ctypes.string_at(0)\n    return 1\n"},
  };
  for (size_t i = 0; i < broken.size(); ++i) lines.emplace_back("HumanEval/" + std::to_string(i), broken[i].second);
  write_responses(dir / "responses.jsonl", lines);
  std::ostringstream log;
  const auto results = score_responses(score_options("humaneval", dir / "responses.jsonl", dir / "out"), log);
  ASSERT_EQ(results.results.size(), 1u);
  const auto& row = results.results[0];
  EXPECT_EQ(row.n_samples_effective, 12);  // documents; 17 samples
  EXPECT_EQ(row.n_samples_original, 164);
  EXPECT_DOUBLE_EQ(row.metrics.at("pass@1,create_test").value, 12.0 / 17.0);
  EXPECT_EQ(row.metrics.count("pass@10,create_test"), 0u);
  EXPECT_EQ(row.n_failed, 0);
  const auto samples = reports::read_samples_jsonl(dir / "out" / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 17u);
  std::map<std::string, std::string> status_of_broken;  // response -> status
  int passed = 0;
  for (const auto& s : samples) {
    ASSERT_TRUE(s.code.has_value());
    if (s.code->status == "passed") {
      ++passed;
      EXPECT_EQ(s.correct, true);
      EXPECT_EQ(s.metrics.at("pass@1,create_test"), 1.0);
    } else {
      status_of_broken[s.response] = s.code->status;
      EXPECT_EQ(s.correct, false);
      EXPECT_FALSE(s.code->error_line.empty()) << s.code->status;
    }
  }
  EXPECT_EQ(passed, 12);
  for (const auto& [status, body] : broken) EXPECT_EQ(status_of_broken[body], status) << body;
  EXPECT_EQ(results.provenance.environment.count("code_execution"), 0u);  // sandboxed: nothing to warn about
}

TEST(CodeScore, MbppReferenceSolutionsPassInBothStyles) {
  if (!have_code_data()) GTEST_SKIP() << "no HumanEval/MBPP data under " << test::datasets_dir();
  const auto dir = test::fresh_dir("code_score_mbpp");
  std::vector<std::pair<std::string, std::string>> base, instruct;
  for (const auto& r : datasets::read_jsonl(test::datasets_dir() / "mbpp/mbpp.jsonl")) {
    const int64_t id = r.field("task_id").get<int64_t>();
    if (id < 11 || id > 26) continue;
    base.emplace_back(std::to_string(id), r.string_field("code") + "\n[DONE]\n\nYou are an expert");  // cut at [DONE]
    instruct.emplace_back(std::to_string(id), r.string_field("code") + "\n```\nThis works.");
  }
  base.emplace_back("11", "def nothing():\n    return 0\n[DONE]");  // the entry point is missing: NameError
  write_responses(dir / "base.jsonl", base);
  write_responses(dir / "instruct.jsonl", instruct);
  std::ostringstream log;
  const auto b = score_responses(score_options("mbpp", dir / "base.jsonl", dir / "base"), log);
  EXPECT_DOUBLE_EQ(b.results.at(0).metrics.at("pass_at_1,none").value, 16.0 / 17.0);
  const auto i = score_responses(score_options("mbpp_instruct", dir / "instruct.jsonl", dir / "instruct"), log);
  EXPECT_DOUBLE_EQ(i.results.at(0).metrics.at("pass_at_1,none").value, 1.0);
  const auto samples = reports::read_samples_jsonl(dir / "base" / reports::kSamplesFileName);
  bool saw_name_error = false;
  for (const auto& s : samples)
    saw_name_error |= s.code->status == "failed" && s.code->error_line.rfind("NameError", 0) == 0;
  EXPECT_TRUE(saw_name_error);
}

TEST(CodeScore, UnsafeModeWarnsInEveryResult) {
  if (!have_code_data()) GTEST_SKIP() << "no HumanEval/MBPP data under " << test::datasets_dir();
  const auto dir = test::fresh_dir("code_unsafe");
  write_responses(dir / "responses.jsonl", humaneval_canonical(4));
  auto options = score_options("humaneval", dir / "responses.jsonl", dir / "out");
  options.code_execution.unsafe_no_sandbox = true;
  std::ostringstream log;
  const auto results = score_responses(options, log);
  EXPECT_NE(log.str().find("warning: UNSAFE"), std::string::npos) << log.str();
  EXPECT_EQ(results.provenance.environment.at("code_execution").rfind("UNSAFE", 0), 0u);
  EXPECT_DOUBLE_EQ(results.results.at(0).metrics.at("pass@1,create_test").value, 1.0);
  for (const auto& s : reports::read_samples_jsonl(dir / "out" / reports::kSamplesFileName)) {
    ASSERT_TRUE(s.code.has_value());
    EXPECT_EQ(s.code->warning.rfind("UNSAFE", 0), 0u) << s.code->warning;
  }
}
