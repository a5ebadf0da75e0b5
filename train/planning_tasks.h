#pragma once
// The planning tasks the project's own models are trained and checked on, in the prompt format of Dream's
// planning evaluation (upstream eval/eval_planning.py at HKUNLP/Dream a1b4472; facts and prompt strings
// carried over, see ../shared/datasets/dream_planning/SOURCE.md), with upstream's post-processing and
// scoring of a generation.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/sudoku.h"  // PlanningInstance

namespace dream::train {

enum class PlanningTask {
  Sudoku4x4,   // 4x4 Sudoku, any valid completion that keeps the givens counts
  Countdown3,  // cd3: 3 source numbers and a target
  Countdown4,  // cd4
  Countdown5,  // cd5
};
PlanningTask planning_task_from_name(const std::string& name);  // sudoku4x4, cd3, cd4, cd5; unknown names list them
std::string planning_task_name(PlanningTask task);
const std::vector<PlanningTask>& all_planning_tasks();

// Upstream's task description (the first line of every prompt).
const std::string& planning_header(PlanningTask task);

// Generated tokens an answer gets at evaluation (upstream: sudoku 24, countdown 32; cd5's longer answers 48).
int64_t planning_answer_tokens(PlanningTask task);

// How a prompt with no exemplar joins the header to the query. Upstream's template is
// header + "\n\n" + "\n\n".join(exemplars) + "\n\n" + query, so with no exemplar it leaves four newlines;
// a hand-written 0-shot prompt has two. Models are trained on both.
enum class ZeroShotJoin { Upstream, Compact };

// The prompt for `input` with `shots` exemplars (upstream's layout; sudoku query ends "Output:\n " with its
// trailing space, countdown "Output: ").
std::string planning_prompt(PlanningTask task, std::string_view input, const std::vector<datasets::PlanningInstance>& shots = {},
                            ZeroShotJoin join = ZeroShotJoin::Upstream);

// Upstream's post-processing and scoring of a generation (decoded with special tokens skipped):
// sudoku keeps the text before the first blank line without spaces, truncated to the input's length, and
// accepts any valid completion keeping the givens; countdown keeps the first line and checks every step,
// the use of each number once and the target.
bool planning_answer_correct(PlanningTask task, std::string_view input, std::string_view generation);

// `count` fresh instances from the project's seeded generators (never from evaluation files). Sudoku draws
// the number of givens uniformly from [min_givens, max_givens] per instance. Deterministic in the arguments.
struct InstanceOptions {
  int sudoku_min_givens = 4;   // fewest givens of a generated 4x4 puzzle (4 is the minimum for uniqueness)
  int sudoku_max_givens = 12;  // most givens
};
std::vector<datasets::PlanningInstance> generate_planning_instances(PlanningTask task, int count, uint64_t seed,
                                                                    const InstanceOptions& options = {});

// Texts a vocabulary for these tasks is learned from: every task's prompt in each layout (0-shot joins and
// one exemplar) with sample answers. Digits are single pieces under Qwen2's split, so only the template
// words get merged and the vocabulary does not depend on the instances drawn.
std::vector<std::string> planning_vocabulary_corpus();

}  // namespace dream::train
