#pragma once
// Plain-text reports: Markdown tables in the style of lm-eval (scores) and llama-bench (performance), and
// one flat CSV for spreadsheets and pandas.
#include <string>
#include <vector>

#include "reports/result_schema.h"

namespace dream::reports {

// |Tasks|Version|Setting|Filter|n-shot|Metric| |Value| |Stderr|: one row per (task, setting, metric), the
// metric split at the comma into name and filter as lm-eval prints it; values with 4 decimals.
std::string score_table_markdown(const Results& results);

// |task|setting|steps|alg|T|batch|fwd passes|ms/step|latency ms mean|median|p90|tokens/s|peak mem GiB|
// followed by the tokens/s definition and the device. Empty string when nothing was timed.
std::string performance_table_markdown(const Results& results);

// |Task|Metric|Setting A|Setting B|A|B|Δ|p|n shared|test|; setting labels come from `a` and `b` (pass the
// same results twice for comparisons within one run).
std::string comparisons_markdown(const std::vector<Comparison>& comparisons, const Results& a, const Results& b);

// The whole report: a provenance line, the score table, the performance table, the comparisons.
std::string report_markdown(const Results& results);

// One row per (task, setting, metric) with the setting's axes, the metric with stderr, n-samples, the
// performance figures and provenance columns. RFC 4180 quoting (LF line ends); numbers in shortest round-trip form; empty
// cells for values not measured.
std::string report_csv(const Results& results);

}  // namespace dream::reports
