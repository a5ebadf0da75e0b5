#pragma once
// Scoring from a spec: every filter pipeline extracts an answer, every metric scores it; the score of
// metric M on filter F is reported as "M,F" (lm-eval's naming, e.g. "exact_match,flexible-extract").
// Metrics are named and listed in one registry (metric_registry); a task that needs something else (code
// execution) supplies its own Scorer through its registry entry instead.
#include <memory>
#include <string>
#include <vector>

#include "task.h"

namespace dream::tasks {

class Metric {
 public:
  virtual ~Metric() = default;
  // The score (1 right, 0 wrong, or a fraction) of `extracted` for `doc`; may explain a rejection in `note`.
  virtual double score(const Document& doc, const std::string& extracted, std::string& note) const = 0;
};

using MetricFactory = std::unique_ptr<Metric> (*)(const MetricSpec& spec, const std::string& spec_file);

struct MetricEntry {
  std::string name;
  MetricFactory make;
  std::string summary;
};

// exact_match, minerva_equivalent, sudoku_valid, countdown_valid.
const std::vector<MetricEntry>& metric_registry();
// Throws std::invalid_argument naming the spec file and listing the known metrics.
std::unique_ptr<Metric> make_metric(const MetricSpec& spec, const std::string& spec_file);

// The default scorer: the spec's filters x metrics; for a multiple_choice spec, acc / acc_norm from the
// log-likelihood of each option (Scorer::score_choices).
std::unique_ptr<Scorer> make_spec_scorer(const TaskSpec& spec);

// Options of the exact_match metric from a spec's metric entry (ignore_case, ignore_punctuation,
// ignore_numbers, regexes_to_ignore); unknown keys throw naming the spec file.
metrics::ExactMatchOptions exact_match_options(const MetricSpec& spec, const std::string& spec_file);

}  // namespace dream::tasks
