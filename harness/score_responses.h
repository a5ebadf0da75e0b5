#pragma once
// `dream-eval score`: scores generations made elsewhere with a task's own filters and metrics.
// Input: JSON Lines, each {"doc_id": ..., "response": "..."}; doc_id is the dataset's id where it has one
// (e.g. "HumanEval/0", "test/algebra/1.json", "navigate/3" for BBH) else the 0-based record index in the
// evaluation file, as a string or a number. The response is what the model wrote after the prompt (for
// chat tasks with a prefill, after the prefill); it is cut at the task's stop strings. Code tasks accept
// several lines per doc_id (n samples per problem, for pass@k); other tasks one. Multiple-choice tasks take
// {"doc_id": ..., "loglikelihoods": [one number per option, in option order]} instead of a response. Output: results.json and
// samples.jsonl in the output folder, with one pseudo-setting "external" and no performance figures.
#include <filesystem>
#include <iosfwd>
#include <string>

#include "aggregate.h"
#include "task_results.h"
#include "reports/result_schema.h"

namespace dream::harness {

struct ScoreOptions {
  std::string task;
  std::filesystem::path responses;
  std::filesystem::path output_dir;
  std::filesystem::path data_dir;
  AggregateOptions aggregate;
  CodeExecutionOptions code_execution;  // code tasks: sandbox or --unsafe-no-sandbox
  std::string command_line;
};

// A malformed line, a missing or mistyped field, an unknown or (for other than code tasks) repeated doc_id
// throws naming the file, the line and the field. `log` gets the unsafe-mode warning.
reports::Results score_responses(const ScoreOptions& options, std::ostream& log);

}  // namespace dream::harness
