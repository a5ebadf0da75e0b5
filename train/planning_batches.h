#pragma once
// Training batches of planning tasks: fresh instances from the seeded generators, prompted in Dream's
// format, tokenised with the model's own tokenizer, the answer padded with end-of-text to the length the
// evaluation generates, left-padded into a batch exactly as generation pads prompts.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "datasets/random.h"
#include "model/tokenizer/tokenizer.h"
#include "objective.h"
#include "planning_tasks.h"

namespace dream::train {

struct TaskWeight {
  PlanningTask task = PlanningTask::Sudoku4x4;
  double weight = 1.0;  // relative share of batches
};

struct DataOptions {
  std::vector<TaskWeight> mix = {{PlanningTask::Sudoku4x4, 1.0}};  // tasks and their shares (one task per batch)
  InstanceOptions instances;                                        // generator settings
  double compact_join_fraction = 0.5;  // share of prompts joined with two newlines instead of upstream's four
  double bos_fraction = 0.5;           // share of prompts starting with <|beginoftext|> (lm-eval's Dream wrapper adds it)
};

// [B, N] int64 ids and [B, N] int64 attention mask (1 = real) of left-padded rows.
struct PaddedRows {
  at::Tensor ids;
  at::Tensor attention;
};
PaddedRows left_pad(const std::vector<std::vector<int64_t>>& rows, int64_t pad_id);

// The ids of prompt and answer; the answer is the reference output then end-of-text up to answer_tokens.
// Throws naming the task and the answer when it does not fit.
struct TokenizedExample {
  std::vector<int64_t> prompt;
  std::vector<int64_t> answer;
};
TokenizedExample tokenize_example(const tokenizer::Tokenizer& tok, PlanningTask task, const std::string& prompt,
                                  const std::string& output, int64_t eos_id);

class PlanningBatches {
 public:
  PlanningBatches(tokenizer::Tokenizer tok, DataOptions options, int64_t eos_id, int64_t bos_id, uint64_t seed);
  // B fresh examples of one task (drawn by the mix weights), as a TrainingBatch.
  TrainingBatch next(int64_t batch_size);
  PlanningTask last_task() const { return last_task_; }

 private:
  double uniform();  // in [0, 1), from rng_

  tokenizer::Tokenizer tok_;
  DataOptions options_;
  int64_t eos_id_, bos_id_;
  datasets::SplitMix64 rng_;
  PlanningTask last_task_ = PlanningTask::Sudoku4x4;
};

}  // namespace dream::train
