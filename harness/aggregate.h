#pragma once
// From per-sample records to the rows of results.json: per (task, setting) every metric's mean with a
// bootstrap standard error, the performance figures, and paired comparisons between the settings of each
// task. One function serves `run`, `score` and `merge`, so a resumed run, a merged set of shards and an
// uninterrupted run give identical numbers from identical samples.
//
// Performance definitions (each sample carries its batch's figures, see SampleTiming):
//   forward_passes     sum over batches of the batch's forward passes (sum of fp / batch_size over samples)
//   ms_per_step        mean over samples of their batch's ms per denoising step
//   latency_per_sample mean / median / p90 over samples of their batch's wall ms
//   generated_tokens   sum over samples (tokens after the prompt up to and including the first end-of-text)
//   wall_time_s        sum over batches of the batch's wall time (sum of latency / batch_size over samples)
//   tokens_per_second  generated_tokens / wall_time_s (reports::kTokensPerSecondDefinition)
//   peak_memory_bytes  max over samples of the backend's peak memory measured after their batch
// Failed samples (error set) count as 0 for every metric and are left out of the performance figures.
// Code tasks (TaskInfo::pass_at_k) also get pass@k for each k > 1 that n allows, where n counts a
// document's samples over all settings that differ from the row's only in the seed; every row of such a
// group carries the same value (the k = 1 metric stays the row's own mean).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/result_schema.h"

namespace dream::harness {

struct AggregateOptions {
  int bootstrap_iterations = 10000;  // resamples for stderr and paired comparisons
  uint64_t bootstrap_seed = 1234;    // fixed, so a results file is reproducible
};

// Sorts samples into the canonical order: task order of results.tasks, setting order of results.settings,
// then document id in natural order ("2" before "10", "navigate/3" before "navigate/12").
void sort_samples(std::vector<reports::SampleRecord>& samples, const reports::Results& results);

// Fills results.results and results.comparisons (results.tasks and results.settings must be set; samples
// in canonical order). `n_original` gives each task's evaluation-set size.
void aggregate_results(reports::Results& results, const std::vector<reports::SampleRecord>& samples,
                       const std::map<std::string, std::int64_t>& n_original, const AggregateOptions& options);

// "a < b" in natural order (digit runs compared as numbers).
bool natural_less(const std::string& a, const std::string& b);

}  // namespace dream::harness
