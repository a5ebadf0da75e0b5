#pragma once
// `dream-eval merge`: combines the folders written by the shards of one run (shard-i-of-N/) into one
// results.json + samples.jsonl, recomputing every aggregate from the union of the samples with the same
// code as `run`, so the merge of N shards equals the result of one unsharded run.
#include <filesystem>
#include <string>
#include <vector>

#include "aggregate.h"
#include "reports/result_schema.h"

namespace dream::harness {

struct MergeSummary {
  reports::Results results;
  size_t shards = 0;
  size_t samples = 0;
};

// `inputs` are shard folders or folders holding shard-i-of-N/ folders. Every shard 0..N-1 must be there
// exactly once and all must come from the same plan (model and tokenizer fingerprints, tasks with their
// versions and specs, settings); otherwise std::runtime_error says which folder differs in what.
MergeSummary merge_shards(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output_dir,
                          const std::string& command_line);

}  // namespace dream::harness
