#pragma once
// HumanEval and MBPP: the problems, post-processing of responses (evalplus-style sanitising), the test
// programs, per-problem timeouts, and scoring in the sandbox. Prompts, stop strings and generation settings
// are the task specs' (tasks/code/*.json, rendered by the task framework); the task framework calls this
// library through the code scorer (tasks/code/code_task.h).
//
// Typical use:
//   auto problems = load_problems(Benchmark::humaneval, data_dir / "humaneval/HumanEval.jsonl");
//   CodeExecutor executor;                        // one sandbox + worker pool, started on first use
//   auto scored = executor.score(problems, PromptStyle::instruct, samples);  // responses cut at the stops
//   auto pass = metrics::mean_pass_at_k(count_correct(problems.size(), samples, scored));
// or, with a pool of one's own: reference_timeouts (once per run), then score_responses.
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/pass_at_k.h"
#include "sandbox/sandbox.h"

namespace dream::tasks::code {

enum class Benchmark { humaneval, mbpp };
// How the response relates to the prompt, which decides how the code is taken out of it.
enum class PromptStyle {
  base,      // plain completion (HumanEval 0-shot: the function body; MBPP 3-shot: code up to "[DONE]")
  instruct,  // the assistant turn was pre-filled with "Here is the completed function:\n```python\n": code up to the fence
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

// The solution program in a response (the text generated after the prompt, or after the prefill, already
// cut at the task's stop strings as generation does): code taken from its fence as lm-eval does, the
// prompt's signature put back for HumanEval, then (if `sanitize`) sanitised keeping what the entry point
// and the tests reach.
std::string extract_solution(const CodeProblem& problem, PromptStyle style, std::string_view response, bool sanitize = true);

// The program that runs in the sandbox: the solution followed by the problem's tests.
std::string build_test_program(const CodeProblem& problem, std::string_view solution);

// Per-problem time limits like evalplus: max(floor, factor x the reference solution's time).
struct TimeoutPolicy {
  double floor_seconds = 3.0;  // human-eval's per-problem timeout; covers interpreter start-up under load
  double factor = 4.0;         // evalplus's DEFAULT_GT_TIME_LIMIT_FACTOR
};
double problem_timeout(double reference_seconds, const TimeoutPolicy& policy);

// Runs every problem's reference solution with its tests in the sandbox (through the pool) under `limits`
// (wall_seconds is the generous limit of a reference run); results in the order of `problems`.
std::vector<sandbox::RunResult> run_reference_solutions(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                                        const sandbox::Limits& limits);

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
  std::string not_run;      // non-empty: the program was not run, and why (run is then a default sandbox_error)
};

// Scores samples in the pool, results in the order of `samples`. `timeouts` holds one limit per problem
// (reference_timeouts) or is empty to use options.timeouts.floor_seconds for all.
std::vector<ScoredSample> score_responses(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                          PromptStyle style, const std::vector<CodeSample>& samples,
                                          const std::vector<double>& timeouts, const ScoringOptions& options = {});

// Samples and passes per problem (problems without samples are left out), for metrics::mean_pass_at_k.
std::vector<metrics::ProblemSamples> count_correct(std::size_t problem_count, const std::vector<CodeSample>& samples,
                                                   const std::vector<ScoredSample>& scored);

struct ExecutorOptions {
  sandbox::SandboxOptions sandbox;        // interpreter, isolation (unsafe_no_sandbox), uid range
  unsigned workers = 0;                   // programs run at once; 0 = one per hardware thread
  ScoringOptions scoring;                 // sanitising, the timeout policy and the limits of every run
  double reference_limit_seconds = 60.0;  // wall limit of a reference solution's run
};

// Everything the code tasks of one run share: one Sandbox and WorkerPool, created on first use (a run
// without code tasks never starts them), and each problem's reference run time, measured once and kept
// for the executor's lifetime. Thread-safe.
class CodeExecutor {
 public:
  explicit CodeExecutor(ExecutorOptions options = {});
  ~CodeExecutor();
  CodeExecutor(const CodeExecutor&) = delete;
  CodeExecutor& operator=(const CodeExecutor&) = delete;

  // Starts the sandbox and the pool if they are not running; throws sandbox::SandboxUnavailable (whose
  // message explains --unsafe-no-sandbox) where the sandbox cannot work.
  void start();
  // Scores samples like score_responses, with per-problem timeouts from the reference solutions of the
  // problems the samples name (measured on their first use). Samples of a problem whose reference
  // solution does not pass are not run: their `not_run` says why.
  std::vector<ScoredSample> score(const std::vector<CodeProblem>& problems, PromptStyle style,
                                  const std::vector<CodeSample>& samples);
  const ExecutorOptions& options() const { return options_; }

 private:
  struct Reference {
    double timeout_seconds = 0;
    std::string failure;  // non-empty: the reference solution did not pass
  };
  sandbox::WorkerPool& pool();  // with mutex_ held
  ExecutorOptions options_;
  std::mutex mutex_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<sandbox::WorkerPool> pool_;
  std::map<std::string, Reference> references_;  // by problem_key
};

// A key unique across benchmarks: "HumanEval/0", "mbpp/11".
std::string problem_key(const CodeProblem& problem);

}  // namespace dream::tasks::code
