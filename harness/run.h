#pragma once
// `dream-eval run`: evaluates tasks over a grid of decoding settings, crash-safe and resumable.
//
// For each task: documents (first --limit, then this shard's share), one request per document rendered
// once through the backend (chat template or base prefix) and shared by every grid point. Multiple-choice
// tasks have their own grid (Monte Carlo samples x seeds) and ask the backend for the log-likelihood of
// every option of a batch of documents at once; otherwise per grid point,
// the documents not yet in the sample cache are sorted by prompt length and cut into batches of
// --batch-size, generated, cut at the stop strings, scored and committed to the cache batch by batch.
// When all are done, results.json and samples.jsonl are written atomically (temporary file + rename) from
// the cache, so an interrupted run restarted with the same command recomputes nothing it finished and
// ends with the same files as an uninterrupted one. The responses of a batch are scored together (code
// tasks run their tests in parallel in one sandbox and worker pool shared by the run, started only when a
// code task has something to score).
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "aggregate.h"
#include "backend.h"
#include "grid.h"
#include "progress.h"
#include "reports/result_schema.h"
#include "shard.h"
#include "task_results.h"

namespace dream::harness {

inline constexpr const char* kCacheFileName = "cache.sqlite";

struct RunOptions {
  std::vector<std::string> tasks;          // registry names
  GridAxes grid;                           // empty axes: each task's defaults
  std::optional<int64_t> limit;            // first N documents of each task
  int batch_size = 1;                      // prompts per generate call; multiple-choice documents per loglikelihood call
  LikelihoodSettings likelihood;           // multiple-choice tasks: mc_batch_size and sampling_eps (mc_num and the
                                           // seed come from the grid: GridAxes::mc_num, GridAxes::seeds)
  std::filesystem::path data_dir;          // verified data folder (see datasets/data_dir.h)
  std::filesystem::path output_dir;        // results.json, samples.jsonl, cache.sqlite (in shard-i-of-N/ when sharded)
  Shard shard;
  AggregateOptions aggregate;
  ProgressMode progress = ProgressMode::automatic;
  bool keep_traces = true;                 // store which step revealed each token (when the backend reports it)
  CodeExecutionOptions code_execution;     // how code tasks run the generated programs (sandbox or --unsafe-no-sandbox)
  std::string command_line;                // for provenance
};

struct RunSummary {
  reports::Results results;
  std::filesystem::path folder;            // where results.json and samples.jsonl were written
  size_t samples = 0;                      // in this run's plan
  size_t cached = 0;                       // found in the cache (finished by an earlier invocation)
  size_t computed = 0;                     // generated now
  size_t failed = 0;                       // generation failed (recorded as errors, not cached)
};

// `log` gets a few summary lines (and the progress bar when enabled).
RunSummary run_evaluation(GenerationBackend& backend, const RunOptions& options, std::ostream& log);

// The per-request seed: a hash of the run seed, task name and document id (independent of batching).
uint64_t request_seed(uint64_t run_seed, const std::string& task, const std::string& doc_id);

}  // namespace dream::harness
