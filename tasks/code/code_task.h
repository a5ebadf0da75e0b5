#pragma once
// HumanEval and MBPP in the task framework: document sources that read the verified data files into
// Documents (and MBPP's few-shot exemplars), and the scorer that runs each response's tests in the sandbox
// through the run's shared CodeExecutor (code_tasks.h) and reports pass@k under the spec's metric name.
//
// A code task's spec (tasks/code/*.json) declares prompts, stops and generation like any task; its scoring
// part is one filter naming the extraction (lm-eval's "create_test" for HumanEval, "none" for MBPP; no
// steps: the code is taken out of the response by extract_solution) and one metric
//   {"name": "pass_at_k", "k": [1, 10, 100], "report_as": "pass@{k}"}
// which gives the metric names "pass@1,create_test", "pass@10,create_test", ... ("{k}" replaced, then
// ",<filter>"). k = 1 is the per-sample 0/1 score; the others are estimated by the harness over the
// samples of settings that differ only in the seed.
#include <nlohmann/json.hpp>

#include "tasks/code/code_tasks.h"
#include "tasks/registry.h"

namespace dream::tasks {

// HumanEval.jsonl: the 164 problems, ids "HumanEval/0" ... "HumanEval/163".
DocumentSet load_humaneval_documents(const datasets::DataDir& data, const nlohmann::json& args);
// mbpp.jsonl: the test split (task_id 11-510; ids "11" ... "510") and, as the few-shot pool, the
// exemplars of the original 3-shot prompt (task_id 2, 3, 4).
DocumentSet load_mbpp_documents(const datasets::DataDir& data, const nlohmann::json& args);

// A problem as a Document, with the fields the specs' templates and the scorer read:
//   prompt              HumanEval: signature + docstring; MBPP: the task description
//   entry_point         the function the tests call
//   reference_solution  a complete solution (HumanEval: prompt + canonical solution; MBPP: its code)
//   test_code           HumanEval: defines check(candidate); MBPP: test_setup_code
//   test_list           MBPP's asserts as a JSON array ("[]" for HumanEval)
//   test_0..test_2      MBPP: the three asserts shown in the prompt
//   target              what lm-eval's doc_to_target gives (the tests), shown as "expected" in results
Document code_document(const code::CodeProblem& problem);
// The inverse; throws std::invalid_argument naming the document and field when one is missing or malformed.
code::CodeProblem code_problem(const Document& doc, code::Benchmark benchmark);

// The registry's scorer factory for a code task: builds the problems from the documents, parses the
// spec's pass_at_k metric (throws std::invalid_argument naming the spec file and field) and shares the
// context's CodeExecutor (or makes its own when the context has none).
ScorerFactory code_scorer(code::Benchmark benchmark, code::PromptStyle style);

}  // namespace dream::tasks
