// Prompts in Dream's planning format, upstream's post-processing and scoring, and the generators' use.
#include <gtest/gtest.h>

#include "datasets/sudoku.h"
#include "train/planning_tasks.h"

namespace dream::train {
namespace {

const std::string kSudokuHeader =
    "Fill the positions where the values are 0 in a 4x4 grid with digits 1-4 so that each column, each row, and each of "
    "the four 2x2 subgrids that compose the grid contains all of the digits from 1 to 4.";

TEST(PlanningPrompt, SudokuZeroShotLayouts) {
  const std::string grid = "1003\n0300\n3210\n4132";
  EXPECT_EQ(planning_prompt(PlanningTask::Sudoku4x4, grid, {}, ZeroShotJoin::Upstream),
            kSudokuHeader + "\n\n\n\nInput:\n" + grid + "\nOutput:\n ");
  EXPECT_EQ(planning_prompt(PlanningTask::Sudoku4x4, grid, {}, ZeroShotJoin::Compact),
            kSudokuHeader + "\n\nInput:\n" + grid + "\nOutput:\n ");
}

TEST(PlanningPrompt, FewShotAsUpstream) {
  const std::vector<datasets::PlanningInstance> shots = {{"1,2,3,6", "1+2=3,3+3=6"}, {"2,2,1,3", "2*2=4,4-1=3"}};
  EXPECT_EQ(planning_prompt(PlanningTask::Countdown3, "4,5,1,8", shots),
            "Given 4 numbers, use +-*/ to operate over the first three numbers to achieve the last number.\n\n"
            "Input: 1,2,3,6\nOutput: 1+2=3,3+3=6\n\nInput: 2,2,1,3\nOutput: 2*2=4,4-1=3\n\nInput: 4,5,1,8\nOutput: ");
}

TEST(PlanningScore, SudokuPostProcessing) {
  const std::string puzzle = "1003\n0300\n3210\n4132";
  EXPECT_TRUE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "1423\n2341\n3214\n4132"));
  EXPECT_TRUE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "1 423\n2341\n3214\n4132\n\ngarbage"));
  EXPECT_TRUE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "1423\n2341\n3214\n4132xyz"));  // truncated to 19
  EXPECT_FALSE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "1423\n2341\n3214\n4123"));     // bad rows
  EXPECT_FALSE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "2413\n1342\n3214\n4132"));     // given changed
  EXPECT_FALSE(planning_answer_correct(PlanningTask::Sudoku4x4, puzzle, "1423\n2341"));
}

TEST(PlanningScore, CountdownFirstLine) {
  EXPECT_TRUE(planning_answer_correct(PlanningTask::Countdown4, "86,28,13,31,96", "86+28=114,31-13=18,114-18=96\nmore"));
  EXPECT_FALSE(planning_answer_correct(PlanningTask::Countdown4, "86,28,13,31,96", "86+28=114,114-18=96"));
}

TEST(PlanningInstances, SeededAndWithinTheGivensRange) {
  const auto a = generate_planning_instances(PlanningTask::Sudoku4x4, 30, 5, {6, 8});
  const auto b = generate_planning_instances(PlanningTask::Sudoku4x4, 30, 5, {6, 8});
  ASSERT_EQ(a.size(), 30u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].input, b[i].input);
    const auto grid = datasets::parse_sudoku(a[i].input, 4);
    ASSERT_TRUE(grid);
    EXPECT_GE(grid->givens(), 6);
    EXPECT_LE(grid->givens(), 8);
    EXPECT_TRUE(planning_answer_correct(PlanningTask::Sudoku4x4, a[i].input, a[i].output));
  }
  for (const auto& inst : generate_planning_instances(PlanningTask::Countdown3, 10, 1))
    EXPECT_TRUE(planning_answer_correct(PlanningTask::Countdown3, inst.input, inst.output));
  EXPECT_THROW(generate_planning_instances(PlanningTask::Sudoku4x4, 1, 0, {9, 8}), std::invalid_argument);
}

TEST(PlanningTaskNames, RoundTripAndUnknown) {
  for (PlanningTask t : all_planning_tasks()) EXPECT_EQ(planning_task_from_name(planning_task_name(t)), t);
  try {
    planning_task_from_name("sudoku9x9");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sudoku4x4, cd3, cd4, cd5"), std::string::npos);
  }
}

}  // namespace
}  // namespace dream::train
