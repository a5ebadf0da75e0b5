#pragma once
// Paired comparisons between decoding settings (one run) and between two runs, from per-sample records.
#include <string>
#include <vector>

#include "reports/result_schema.h"

namespace dream::reports {

// The metric comparisons and charts use for a task: TaskInfo::primary_metric, else the first metric name
// (in name order) of the task's results, else "".
std::string primary_metric(const Results& results, const std::string& task);

// One sample's value of `metric`: its metrics entry; else 1/0 from `correct`; else 0 for a failed sample
// (failures count as wrong, as in the aggregate); else NaN (not scored on this metric).
double sample_metric_value(const SampleRecord& sample, const std::string& metric);

// Compares the samples of (task, setting_a) in `a` with those of (task, setting_b) in `b`, paired on doc_id
// (documents scored under only one side are left out, as are NaN values).
Comparison compare_paired(const std::string& task, const std::string& metric,
                          const std::string& setting_a, const std::vector<SampleRecord>& a,
                          const std::string& setting_b, const std::vector<SampleRecord>& b);

// Within one run, per task: each setting against the setting with the most steps among those that decode
// the same way (equal alg, temperature, top_p, top_k, alg_temp, max_new_tokens, seed and policy), i.e.
// what fewer steps cost. Settings alone in their group are not compared.
std::vector<Comparison> compare_within_run(const Results& results, const std::vector<SampleRecord>& samples);

// Run A against run B, per task in both: settings are matched by id; a task with exactly one setting in
// each run is compared across those two settings whatever their ids. Without per-sample records on both
// sides the delta of the reported values is given with n_shared = 0, p_value NaN and the method saying so.
std::vector<Comparison> compare_runs(const ResultsBundle& a, const ResultsBundle& b);

}  // namespace dream::reports
