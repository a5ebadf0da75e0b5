// HumanEval and MBPP end to end in the sandbox: every reference solution passes through the same
// extraction, sanitising and test assembly model responses go through, and a broken variant of each
// HumanEval solution fails. Runs on the worker pool (all hardware threads).
#include <gtest/gtest.h>

#include <sstream>

#include "sandbox_test_support.h"
#include "tasks/code/code_tasks.h"
#include "tests/support/test_paths.h"

namespace dream::tasks::code {
namespace {

std::string listed(const std::vector<std::string>& ids) {
  std::ostringstream s;
  for (const auto& id : ids) s << id << " ";
  return s.str();
}

// Scores one response per problem and returns the task ids whose status differs from `expected`.
std::vector<std::string> mismatches(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems, PromptStyle style,
                                    const std::vector<std::string>& responses, const std::vector<double>& timeouts,
                                    bool expect_pass, std::vector<ScoredSample>* out = nullptr) {
  std::vector<CodeSample> samples;
  for (std::size_t i = 0; i < problems.size(); ++i) samples.push_back({i, responses[i]});
  const auto scored = score_responses(pool, problems, style, samples, timeouts);
  std::vector<std::string> wrong;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const auto& run = scored[i].run;
    // A failure must be the program's own (not the sandbox's), to show the tests really ran.
    const bool as_expected = expect_pass ? run.passed() : (!run.passed() && run.status != sandbox::Status::sandbox_error);
    if (!as_expected) wrong.push_back(problems[i].task_id + "(" + std::string(sandbox::status_name(run.status)) + ": " + run.message + ")");
  }
  if (out) *out = scored;
  return wrong;
}

TEST(CodeExecution, HumanEvalCanonicalSolutionsPassAndBrokenOnesFail) {
  const auto path = test::datasets_dir() / "humaneval/HumanEval.jsonl";
  DREAM_REQUIRE_PATH(path);
  const auto problems = load_problems(Benchmark::humaneval, path);
  ASSERT_EQ(problems.size(), 164u);
  sandbox::WorkerPool pool(test::shared_sandbox());

  // Runs every canonical solution as is; throws (failing the test) if one does not pass.
  const auto timeouts = reference_timeouts(pool, problems);

  std::vector<std::string> base, instruct, broken;
  for (const auto& p : problems) {
    const std::string body = p.reference_solution.substr(p.prompt.size());
    base.push_back(body);                                           // what a base model continues the prompt with
    instruct.push_back(body + "```\n\nThis solves the problem.");   // after the prefill, closing its fence
    broken.push_back("    return object()\n");                     // a plausible but wrong body
  }
  std::vector<ScoredSample> scored;
  EXPECT_EQ(listed(mismatches(pool, problems, PromptStyle::base, base, timeouts, true, &scored)), "");
  EXPECT_EQ(listed(mismatches(pool, problems, PromptStyle::instruct, instruct, timeouts, true)), "");
  EXPECT_EQ(listed(mismatches(pool, problems, PromptStyle::base, broken, timeouts, false)), "");

  std::vector<CodeSample> samples;
  for (std::size_t i = 0; i < problems.size(); ++i) samples.push_back({i, base[i]});
  const auto pass = metrics::mean_pass_at_k(count_correct(problems.size(), samples, scored));
  ASSERT_EQ(pass.size(), 1u);
  EXPECT_DOUBLE_EQ(pass[0].value, 1.0);
}

TEST(CodeExecution, MbppReferenceSolutionsPassSanitised) {
  const auto path = test::datasets_dir() / "mbpp/mbpp.jsonl";
  DREAM_REQUIRE_PATH(path);
  const auto problems = mbpp_test_split(load_problems(Benchmark::mbpp, path));
  ASSERT_EQ(problems.size(), 500u);
  sandbox::WorkerPool pool(test::shared_sandbox());
  const auto timeouts = reference_timeouts(pool, problems);  // throws if a reference solution fails
  std::vector<std::string> responses;
  for (const auto& p : problems) responses.push_back(p.reference_solution + "\n```\n");
  EXPECT_EQ(listed(mismatches(pool, problems, PromptStyle::instruct, responses, timeouts, true)), "");
}

}  // namespace
}  // namespace dream::tasks::code
