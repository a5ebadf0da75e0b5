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

namespace dream::tasks::code {
namespace {

CodeProblem toy(const std::string& id, const std::string& body) {
  CodeProblem p;
  p.task_id = id;
  p.prompt = "def add(a, b):\n";
  p.entry_point = "add";
  p.reference_solution = p.prompt + body;
  p.test_code = "def check(candidate):\n    assert candidate(1, 2) == 3\n";
  return p;
}

// The run's shared executor: a problem whose reference solution fails cannot judge its samples (not_run,
// saying why) while the others are scored; the limits come from the references.
TEST(CodeExecutor, ReferenceFailureMeansNotRunAndTheRestIsScored) {
  const std::vector<CodeProblem> problems = {toy("toy/0", "    return a + b\n"), toy("toy/1", "    return a - b\n")};
  CodeExecutor executor;
  const std::vector<CodeSample> samples = {{0, "    return a + b\n"}, {0, "    return 0\n"}, {1, "    return a + b\n"}};
  const auto scored = executor.score(problems, PromptStyle::base, samples);
  ASSERT_EQ(scored.size(), 3u);
  EXPECT_TRUE(scored[0].not_run.empty());
  EXPECT_EQ(scored[0].run.status, sandbox::Status::passed) << scored[0].run.message;
  EXPECT_EQ(scored[1].run.status, sandbox::Status::failed);
  EXPECT_EQ(scored[1].run.message, "AssertionError");
  EXPECT_NE(scored[2].not_run.find("reference solution of toy/1 does not pass"), std::string::npos) << scored[2].not_run;
  EXPECT_FALSE(scored[2].run.passed());
  EXPECT_EQ(scored[2].solution, problems[1].prompt + "    return a + b");  // still extracted, for the record
  // Measured once: scoring again gives the same verdicts.
  const auto again = executor.score(problems, PromptStyle::base, {samples[2], samples[0]});
  EXPECT_FALSE(again[0].not_run.empty());
  EXPECT_TRUE(again[1].run.passed());
}

TEST(CodeExecutor, UnavailableSandboxExplainsTheOverride) {
  ExecutorOptions options;
  options.sandbox.bwrap = "/nonexistent/bwrap";
  CodeExecutor executor(options);
  try {
    executor.start();
    FAIL() << "started without bubblewrap";
  } catch (const sandbox::SandboxUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("--unsafe-no-sandbox"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dream::tasks::code
