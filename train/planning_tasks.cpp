#include "planning_tasks.h"

#include <stdexcept>

#include "datasets/countdown.h"
#include "datasets/random.h"

namespace dream::train {

PlanningTask planning_task_from_name(const std::string& name) {
  for (PlanningTask t : all_planning_tasks())
    if (planning_task_name(t) == name) return t;
  throw std::invalid_argument("unknown planning task '" + name + "' (known: sudoku4x4, cd3, cd4, cd5)");
}

std::string planning_task_name(PlanningTask task) {
  switch (task) {
    case PlanningTask::Sudoku4x4: return "sudoku4x4";
    case PlanningTask::Countdown3: return "cd3";
    case PlanningTask::Countdown4: return "cd4";
    case PlanningTask::Countdown5: return "cd5";
  }
  return "?";
}

const std::vector<PlanningTask>& all_planning_tasks() {
  static const std::vector<PlanningTask> tasks = {PlanningTask::Sudoku4x4, PlanningTask::Countdown3,
                                                  PlanningTask::Countdown4, PlanningTask::Countdown5};
  return tasks;
}

const std::string& planning_header(PlanningTask task) {
  // Upstream's strings, verbatim.
  static const std::string sudoku =
      "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each column, each row, and "
      "each of the four 2x2 subgrids that compose the grid contains all of the digits from 1 to 4.";
  static const std::string cd3 = "Given 4 numbers, use +-*/ to operate over the first three numbers to achieve the last number.";
  static const std::string cd4 = "Given 5 numbers, use +-*/ to operate over the first four numbers to achieve the fifth number.";
  static const std::string cd5 = "Given 6 numbers, use +-*/ to operate over the first five numbers to achieve the last number.";
  switch (task) {
    case PlanningTask::Sudoku4x4: return sudoku;
    case PlanningTask::Countdown3: return cd3;
    case PlanningTask::Countdown4: return cd4;
    case PlanningTask::Countdown5: return cd5;
  }
  throw std::logic_error("planning_header: unknown task");
}

int64_t planning_answer_tokens(PlanningTask task) {
  switch (task) {
    case PlanningTask::Sudoku4x4: return 24;
    case PlanningTask::Countdown3:
    case PlanningTask::Countdown4: return 32;
    case PlanningTask::Countdown5: return 48;
  }
  return 0;
}

std::string planning_prompt(PlanningTask task, std::string_view input, const std::vector<datasets::PlanningInstance>& shots,
                            ZeroShotJoin join) {
  const bool sudoku = task == PlanningTask::Sudoku4x4;
  // Sudoku puts the grid on its own lines; countdown keeps input and output on the label's line.
  const std::string in_label = sudoku ? "Input:\n" : "Input: ", out_label = sudoku ? "\nOutput:\n" : "\nOutput: ";
  std::string prompt = planning_header(task) + "\n\n";
  for (size_t i = 0; i < shots.size(); ++i)
    prompt += (i ? "\n\n" : "") + in_label + shots[i].input + out_label + shots[i].output;
  if (!shots.empty() || join == ZeroShotJoin::Upstream) prompt += "\n\n";
  prompt += in_label;
  prompt += input;
  prompt += out_label;
  if (sudoku) prompt += " ";
  return prompt;
}

bool planning_answer_correct(PlanningTask task, std::string_view input, std::string_view generation) {
  if (task == PlanningTask::Sudoku4x4) {
    std::string text(generation.substr(0, generation.find("<|endoftext|>")));
    text = text.substr(0, text.find("\n\n"));
    std::erase(text, ' ');
    text = text.substr(0, std::min(text.size(), input.size()));
    const auto puzzle = datasets::parse_sudoku(input, 4);
    const auto answer = datasets::parse_sudoku(text, 4);
    return puzzle && answer && datasets::is_valid_completion(*puzzle, *answer);
  }
  const auto problem = datasets::parse_countdown_input(input);
  if (!problem) return false;
  std::string_view line = generation.substr(0, generation.find('\n'));
  return datasets::check_countdown(*problem, line).valid;
}

std::vector<datasets::PlanningInstance> generate_planning_instances(PlanningTask task, int count, uint64_t seed,
                                                                    const InstanceOptions& options) {
  if (task != PlanningTask::Sudoku4x4) {
    const int n = task == PlanningTask::Countdown3 ? 3 : task == PlanningTask::Countdown4 ? 4 : 5;
    return datasets::generate_countdown(n, count, seed);
  }
  if (options.sudoku_min_givens > options.sudoku_max_givens)
    throw std::invalid_argument("sudoku givens range is empty: " + std::to_string(options.sudoku_min_givens) + ".." +
                                std::to_string(options.sudoku_max_givens));
  // One generator call per instance, each seeded from this call's stream, so the givens vary per instance.
  datasets::SplitMix64 rng(seed);
  std::vector<datasets::PlanningInstance> out;
  for (int i = 0; i < count; ++i) {
    const int givens = rng.between(options.sudoku_min_givens, options.sudoku_max_givens);
    out.push_back(datasets::generate_sudoku(4, givens, 1, rng.next()).front());
  }
  return out;
}

std::vector<std::string> planning_vocabulary_corpus() {
  std::vector<std::string> texts;
  for (PlanningTask task : all_planning_tasks()) {
    const auto sample = generate_planning_instances(task, 2, /*seed=*/1);
    for (ZeroShotJoin join : {ZeroShotJoin::Upstream, ZeroShotJoin::Compact})
      texts.push_back(planning_prompt(task, sample[0].input, {}, join) + sample[0].output);
    texts.push_back(planning_prompt(task, sample[1].input, {sample[0]}) + sample[1].output);
  }
  return texts;
}

}  // namespace dream::train
