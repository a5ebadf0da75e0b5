#pragma once
// HumanEval and MBPP: prompts (base and instruct, as in the lm-eval configurations Dream's numbers come
// from; see ../shared/reference/eval-protocols/), post-processing of responses, the test programs, per-
// problem timeouts, and scoring in the sandbox. The task framework calls these through a custom scorer.
//
// Typical use (the harness):
//   auto problems = load_problems(Benchmark::humaneval, data_dir / "humaneval/HumanEval.jsonl");
//   CodePrompt prompt = build_prompt(problems[i], PromptStyle::instruct);           // -> the model
//   sandbox::Sandbox box;  sandbox::WorkerPool pool(box);
//   auto timeouts = reference_timeouts(pool, problems, options.timeouts);           // once per run
//   auto scored = score_responses(pool, problems, PromptStyle::instruct, samples, timeouts, options);
//   auto pass = metrics::mean_pass_at_k(count_correct(problems.size(), samples, scored));
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/pass_at_k.h"
#include "sandbox/sandbox.h"

namespace dream::tasks::code {

enum class Benchmark { humaneval, mbpp };
enum class PromptStyle {
  base,      // plain completion (HumanEval 0-shot, MBPP 3-shot)
  instruct,  // one user turn, the assistant turn pre-filled with "Here is the completed function:\n```python\n"
};

// One problem of either benchmark, with the fields both need.
struct CodeProblem {
  Benchmark benchmark = Benchmark::humaneval;
  std::string task_id;                 // "HumanEval/0"; MBPP: the integer task_id as text, "11"
  std::string prompt;                  // HumanEval: signature + docstring; MBPP: the task description
  std::string entry_point;             // the function the tests call (MBPP: found in the reference code)
  std::string reference_solution;      // a complete solution (HumanEval: prompt + canonical_solution)
  std::string test_code;               // HumanEval: defines check(candidate); MBPP: test_setup_code
  std::vector<std::string> test_list;  // MBPP: the assert lines (three, shown in the prompt)
};

// Parses HumanEval.jsonl (task_id, prompt, entry_point, canonical_solution, test) or MBPP's mbpp.jsonl
// (task_id, text, code, test_setup_code, test_list). Throws std::runtime_error naming the file, line and
// field on bad input.
std::vector<CodeProblem> load_problems(Benchmark benchmark, const std::filesystem::path& jsonl);

// MBPP splits by task_id (the dataset's README): test 11-510, few-shot prompting 1-10 (lm-eval's three
// exemplars are 2, 3, 4).
std::vector<CodeProblem> mbpp_test_split(const std::vector<CodeProblem>& all);
std::vector<CodeProblem> mbpp_fewshot_exemplars(const std::vector<CodeProblem>& all);

struct ChatMessage {
  std::string role;  // "user"
  std::string content;
};

struct CodePrompt {
  std::string text;                   // base: the text the model continues
  std::vector<ChatMessage> messages;  // instruct: the conversation (the chat template is the model's)
  std::string assistant_prefill;      // instruct: the assistant turn starts with this; the model continues it
  std::vector<std::string> stop;      // the response ends before the first of these
};

// The prompt of a problem. MBPP base needs the three exemplars (mbpp_fewshot_exemplars); they are
// ignored otherwise. Base prompts carry no bos text: the model wrapper adds it.
CodePrompt build_prompt(const CodeProblem& problem, PromptStyle style, const std::vector<CodeProblem>& fewshot = {});

// The solution program in a response (the text generated after the prompt, or after the prefill):
// cut at the first stop sequence, code taken from its fence as lm-eval does, the prompt's signature put
// back for HumanEval, then (if `sanitize`) sanitised keeping what the entry point and the tests reach.
std::string extract_solution(const CodeProblem& problem, PromptStyle style, std::string_view response, bool sanitize = true);

// The program that runs in the sandbox: the solution followed by the problem's tests.
std::string build_test_program(const CodeProblem& problem, std::string_view solution);

// Per-problem time limits like evalplus: max(floor, factor x the reference solution's time).
struct TimeoutPolicy {
  double floor_seconds = 3.0;  // human-eval's per-problem timeout; covers interpreter start-up under load
  double factor = 4.0;         // evalplus's DEFAULT_GT_TIME_LIMIT_FACTOR
};
double problem_timeout(double reference_seconds, const TimeoutPolicy& policy);

// Runs every problem's reference solution with its tests in the sandbox (through the pool) and returns
// the per-problem time limits. Throws std::runtime_error naming the problem if a reference solution
// does not pass (the data or the interpreter is broken, and every score would be wrong).
std::vector<double> reference_timeouts(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                       const TimeoutPolicy& policy = {}, double reference_limit_seconds = 60.0);

struct ScoringOptions {
  bool sanitize = true;     // sanitise solutions (evalplus-style) before running them
  TimeoutPolicy timeouts;   // used where no per-problem timeouts are given
  sandbox::Limits limits;   // every limit but wall_seconds, which comes from the problem's timeout
};

struct CodeSample {
  std::size_t problem = 0;  // index into the problems
  std::string response;     // generated text after the prompt / prefill
};

struct ScoredSample {
  std::string solution;     // the extracted (and sanitised) solution
  sandbox::RunResult run;   // how the test program ended; passed() is the sample's score
};

// Scores samples in the pool, results in the order of `samples`. `timeouts` holds one limit per problem
// (reference_timeouts) or is empty to use options.timeouts.floor_seconds for all.
std::vector<ScoredSample> score_responses(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                          PromptStyle style, const std::vector<CodeSample>& samples,
                                          const std::vector<double>& timeouts, const ScoringOptions& options = {});

// Samples and passes per problem (problems without samples are left out), for metrics::mean_pass_at_k.
std::vector<metrics::ProblemSamples> count_correct(std::size_t problem_count, const std::vector<CodeSample>& samples,
                                                   const std::vector<ScoredSample>& scored);

}  // namespace dream::tasks::code
