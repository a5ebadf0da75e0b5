// The model shipped in models/planning-small loads through the Dream loaders and solves Sudoku: on fresh
// generated puzzles (always), harder ones only with enough denoising steps, and on Dream's own
// sudoku_4x4_10.jsonl test items (when shared/ data exists).
// Deterministic: temperature 0, entropy ordering, fixed instances.
#include <gtest/gtest.h>

#include "model/dream_model.h"
#include "model/tokenizer/tokenizer.h"
#include "tests/support/test_paths.h"
#include "train/planning_eval.h"

namespace dream::train {
namespace {

std::filesystem::path shipped_model() { return test::source_dir() / "models" / "planning-small"; }

model::GenerationParams entropy_full_steps() {
  model::GenerationParams p;
  p.alg = model::Alg::Entropy;
  p.steps = planning_answer_tokens(PlanningTask::Sudoku4x4);
  return p;
}

TEST(ShippedModel, LoadsWithItsTokenizer) {
  const model::DreamModel net = model::DreamModel::load(shipped_model());
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(shipped_model());
  EXPECT_EQ(net.config().vocab_size, tok.vocab_size());
  EXPECT_EQ(net.config().mask_token_id, tok.special_ids().mask);
  EXPECT_EQ(net.config().eos_token_id, tok.special_ids().eos);
  EXPECT_EQ(tok.decode(tok.encode("Input:\n1003\n")), "Input:\n1003\n");
}

TEST(ShippedModel, SolvesFreshPuzzles) {
  const model::DreamModel net = model::DreamModel::load(shipped_model());
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(shipped_model());
  // A seed the training never used for its own draws (its data stream and validation derive from seed 0).
  const auto items = generate_planning_instances(PlanningTask::Sudoku4x4, 32, 20261127, {10, 10});
  PromptStyle compact;
  compact.join = ZeroShotJoin::Compact;  // the harness's 0-shot layout
  const PlanningEvalResult r = evaluate_planning(net, tok, PlanningTask::Sudoku4x4, items, entropy_full_steps(), compact);
  EXPECT_GE(r.correct, 28) << "solved " << r.correct << " of " << r.total;
}

// 32 fresh puzzles with six givens, where the blanks depend on each other, in the harness's 0-shot layout,
// solved with `params`.
PlanningEvalResult solve_six_given_puzzles(const model::GenerationParams& params) {
  const model::DreamModel net = model::DreamModel::load(shipped_model());
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(shipped_model());
  const auto items = generate_planning_instances(PlanningTask::Sudoku4x4, 32, 20261206, {6, 6});
  PromptStyle compact;
  compact.join = ZeroShotJoin::Compact;
  return evaluate_planning(net, tok, PlanningTask::Sudoku4x4, items, params, compact);
}

// The trade-off the main job (scripts/demo.sh) shows: with six givens one denoising step (every blank at once)
// solves few puzzles and one token per step solves nearly all.
TEST(ShippedModel, HarderPuzzlesNeedMoreSteps) {
  model::GenerationParams one_step = entropy_full_steps();
  one_step.steps = 1;
  const PlanningEvalResult fast = solve_six_given_puzzles(one_step);
  const PlanningEvalResult full = solve_six_given_puzzles(entropy_full_steps());
  EXPECT_GE(full.correct, 26) << "24 steps solved " << full.correct << " of " << full.total;
  EXPECT_LE(fast.correct, full.correct - 10) << "1 step solved " << fast.correct << ", 24 steps " << full.correct;
}

// Confidence-aware parallel decoding (policy threshold:0.9): on the same harder puzzles it commits every cell
// the model is sure of at once, so it stops after far fewer forward passes than the 24-step schedule, solving
// nearly as many; with a budget of two steps it solves more than Dream's two-step schedule.
TEST(ShippedModel, ThresholdDecodingStopsEarly) {
  auto evaluate = [](int64_t steps, const char* policy) {
    model::GenerationParams p = entropy_full_steps();
    p.steps = steps;
    p.policy = model::DecodingPolicy::parse(policy);
    return solve_six_given_puzzles(p);
  };
  const PlanningEvalResult schedule = evaluate(24, "dream"), threshold = evaluate(24, "threshold:0.9");
  EXPECT_EQ(schedule.forward_passes, 24);  // one batch of 32
  EXPECT_LE(threshold.forward_passes * 2, schedule.forward_passes) << threshold.forward_passes << " forward passes";
  EXPECT_GE(threshold.correct, schedule.correct - 6) << "threshold " << threshold.correct << ", schedule " << schedule.correct;
  const PlanningEvalResult two = evaluate(2, "dream"), two_threshold = evaluate(2, "threshold:0.9");
  EXPECT_EQ(two_threshold.forward_passes, two.forward_passes);
  EXPECT_GT(two_threshold.correct, two.correct) << "threshold " << two_threshold.correct << ", schedule " << two.correct;
}

TEST(ShippedModel, SolvesDreamSudokuTestItems) {
  const auto file = test::datasets_dir() / "dream_planning" / "sudoku_4x4_10.jsonl";
  DREAM_REQUIRE_PATH(file);
  const model::DreamModel net = model::DreamModel::load(shipped_model());
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(shipped_model());
  const auto all = read_planning_file(file);
  ASSERT_GE(all.size(), 40u);
  const std::vector<datasets::PlanningInstance> items(all.begin() + 8, all.begin() + 40);  // upstream skips 8
  const PlanningEvalResult r = evaluate_planning(net, tok, PlanningTask::Sudoku4x4, items, entropy_full_steps());
  EXPECT_GE(r.correct, 28) << "solved " << r.correct << " of " << r.total;
}

}  // namespace
}  // namespace dream::train
