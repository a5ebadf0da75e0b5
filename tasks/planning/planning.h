#pragma once
// Planning tasks of the Dream paper (Sudoku, Countdown) on Dream's files and on freshly generated
// instances. Documents have `input`, `target` (a reference solution; any valid answer scores) and the
// words of the prompt header; the first `shots` records of a file (8 in Dream's protocol) are the
// few-shot pool and are not evaluated. Answers are checked by parsing, never by evaluating model text.
#include <memory>

#include "tasks/scoring.h"
#include "tasks/sources.h"

namespace dream::tasks {

// args: {"kind": "sudoku" | "countdown", "files": {"<group>": "<file in dream_planning>", ...}, "shots": 8}
// With one file the group is "" and ids are record indices; with several, ids are "<group>/<index>".
DocumentSet load_planning_file_documents(const datasets::DataDir& data, const nlohmann::json& args);

// args: {"size": 4 | 9, "givens": N, "count": N, "seed": S, "shots": 8}; no data files.
DocumentSet load_generated_sudoku_documents(const datasets::DataDir& data, const nlohmann::json& args);

// args: {"numbers": [3, 4, 5], "count": N per size, "seed": S, "shots": 8}; groups "cd3", "cd4", "cd5".
DocumentSet load_generated_countdown_documents(const datasets::DataDir& data, const nlohmann::json& args);

// sudoku_valid: Dream's check (sudoku_metric): the answer, cut to the input's length and stripped, is a
// grid that keeps the givens and has every digit once per row, column and box.
std::unique_ptr<Metric> make_sudoku_valid_metric(const MetricSpec& spec, const std::string& spec_file);
// countdown_valid: datasets::check_countdown on the answer.
std::unique_ptr<Metric> make_countdown_valid_metric(const MetricSpec& spec, const std::string& spec_file);

}  // namespace dream::tasks
