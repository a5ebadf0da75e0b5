#pragma once
// `dream-eval score`: scores generations made elsewhere with a task's own filters and metrics.
// Input: JSON Lines, each {"doc_id": ..., "response": "..."}; doc_id is the dataset's id where it has one
// (e.g. "HumanEval/0", "test/algebra/1.json", "navigate/3" for BBH) else the 0-based record index in the
// evaluation file, as a string or a number. Output: results.json and samples.jsonl in the output folder,
// with one pseudo-setting "external" and no performance figures.
#include <filesystem>
#include <string>

#include "aggregate.h"
#include "reports/result_schema.h"

namespace dream::harness {

struct ScoreOptions {
  std::string task;
  std::filesystem::path responses;
  std::filesystem::path output_dir;
  std::filesystem::path data_dir;
  AggregateOptions aggregate;
  std::string command_line;
};

// A malformed line, a missing or mistyped field, an unknown or repeated doc_id throws naming the file,
// the line and the field.
reports::Results score_responses(const ScoreOptions& options);

}  // namespace dream::harness
