#pragma once
// Accuracy of a model on planning instances with Dream's diffusion generation: a small, self-contained
// scorer for training-time validation and for the numbers of docs/training.md (the harness's task runner
// is the full evaluator).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/dream_model.h"
#include "model/generate.h"
#include "model/tokenizer/tokenizer.h"
#include "planning_tasks.h"

namespace dream::train {

struct PlanningEvalResult {
  int64_t correct = 0;
  int64_t total = 0;
  int64_t forward_passes = 0;            // network forward calls, summed over the batches
  std::vector<std::string> generations;  // decoded answers (special tokens skipped), in item order
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

// How prompts are laid out.
struct PromptStyle {
  std::vector<datasets::PlanningInstance> shots;  // exemplars, in upstream's layout
  ZeroShotJoin join = ZeroShotJoin::Upstream;     // layout without exemplars
  bool bos = false;                               // start with the tokenizer's bos token (lm-eval's Dream wrapper)
};

// Generates an answer for every item with `params` (max_new_tokens is set to the task's answer length), in
// batches of `batch_size` left-padded prompts, and scores each with planning_answer_correct. No autograd.
PlanningEvalResult evaluate_planning(const model::DreamModel& net, const tokenizer::Tokenizer& tok, PlanningTask task,
                                     const std::vector<datasets::PlanningInstance>& items, model::GenerationParams params,
                                     const PromptStyle& style = {}, int64_t batch_size = 64);

// The {"input", "output"} records of a Dream planning file (jsonl); errors name the file, line and field.
std::vector<datasets::PlanningInstance> read_planning_file(const std::filesystem::path& path);

}  // namespace dream::train
