// Sudoku and Countdown: checkers on Dream's files, alternative and invalid answers, seeded generators.
#include <gtest/gtest.h>

#include <set>

#include "datasets/countdown.h"
#include "datasets/records.h"
#include "datasets/sudoku.h"
#include "../support/test_paths.h"

namespace fs = std::filesystem;
using namespace dream::datasets;

TEST(Sudoku, ParseAndFormatRoundTrip) {
  auto g = parse_sudoku("1003\n0300\n3210\n4132", 4);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->givens(), 10);
  EXPECT_EQ(format_sudoku(*g), "1003\n0300\n3210\n4132");
  EXPECT_FALSE(parse_sudoku("1003\n0300\n3210\n413", 4));
  EXPECT_FALSE(parse_sudoku("1003\n0300\n3210\n4132\n", 4));
  EXPECT_FALSE(parse_sudoku("1005\n0300\n3210\n4132", 4));
}

TEST(Sudoku, ReferenceSolutionsOfDreamFilesAreValid) {
  const fs::path dir = dream::test::datasets_dir() / "dream_planning";
  DREAM_REQUIRE_PATH(dir);
  for (int givens = 4; givens <= 12; ++givens) {
    const auto file = dir / ("sudoku_4x4_" + std::to_string(givens) + ".jsonl");
    for (const auto& r : read_jsonl(file)) {
      auto puzzle = parse_sudoku(r.string_field("input"), 4);
      auto solution = parse_sudoku(r.string_field("output"), 4);
      ASSERT_TRUE(puzzle && solution) << r.where();
      EXPECT_EQ(puzzle->givens(), givens) << r.where();
      EXPECT_TRUE(is_valid_completion(*puzzle, *solution)) << r.where();
    }
  }
}

TEST(Sudoku, AcceptsAnyValidCompletionRejectsInvalid) {
  // Four givens that leave several completions: a different valid grid must count.
  auto puzzle = *parse_sudoku("1000\n0000\n0000\n0001", 4);
  ASSERT_GE(count_sudoku_solutions(puzzle, 10), 2);
  auto a = *parse_sudoku("1234\n3412\n2143\n4321", 4);
  auto b = *parse_sudoku("1243\n4312\n2134\n3421", 4);
  EXPECT_TRUE(is_valid_completion(puzzle, a));
  EXPECT_TRUE(is_valid_completion(puzzle, b));
  EXPECT_FALSE(is_valid_completion(puzzle, *parse_sudoku("2143\n3412\n1234\n4321", 4)));  // changes a given
  EXPECT_FALSE(is_valid_completion(puzzle, *parse_sudoku("1234\n3412\n2143\n4312", 4)));  // repeats in a column
  EXPECT_FALSE(is_valid_completion(puzzle, *parse_sudoku("1234\n3412\n2143\n4320", 4)));  // a blank left
}

TEST(Sudoku, GeneratorGivesUniqueSolutionsWithChosenGivens) {
  for (int givens : {4, 6, 10, 12}) {
    auto items = generate_sudoku(4, givens, 20, 7);
    ASSERT_EQ(items.size(), 20u);
    std::set<std::string> inputs;
    for (const auto& it : items) {
      auto p = parse_sudoku(it.input, 4);
      auto s = parse_sudoku(it.output, 4);
      ASSERT_TRUE(p && s);
      EXPECT_EQ(p->givens(), givens);
      EXPECT_EQ(count_sudoku_solutions(*p, 2), 1);
      EXPECT_TRUE(is_valid_completion(*p, *s));
      inputs.insert(it.input);
    }
    EXPECT_EQ(inputs.size(), 20u);
  }
  auto nine = generate_sudoku(9, 24, 3, 11);
  for (const auto& it : nine) {
    auto p = parse_sudoku(it.input, 9);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->givens(), 24);
    EXPECT_EQ(count_sudoku_solutions(*p, 2), 1);
    EXPECT_TRUE(is_valid_completion(*p, *parse_sudoku(it.output, 9)));
  }
}

TEST(Sudoku, GeneratorIsSeeded) {
  auto a = generate_sudoku(4, 8, 5, 42), b = generate_sudoku(4, 8, 5, 42), c = generate_sudoku(4, 8, 5, 43);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].input, b[i].input);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) differs |= a[i].input != c[i].input;
  EXPECT_TRUE(differs);
  EXPECT_THROW(generate_sudoku(4, 3, 1, 0), std::invalid_argument);
  EXPECT_THROW(generate_sudoku(6, 20, 1, 0), std::invalid_argument);
}

TEST(Countdown, ReferenceSolutionsOfDreamFilesAreValid) {
  const fs::path dir = dream::test::datasets_dir() / "dream_planning";
  DREAM_REQUIRE_PATH(dir);
  for (const char* name : {"cd3_test.jsonl", "cd4_test.jsonl", "cd5_test.jsonl"}) {
    for (const auto& r : read_jsonl(dir / name)) {
      auto p = parse_countdown_input(r.string_field("input"));
      ASSERT_TRUE(p) << r.where();
      auto check = check_countdown(*p, r.string_field("output"));
      EXPECT_TRUE(check.valid) << r.where() << ": " << check.reason;
    }
  }
}

TEST(Countdown, AlternativeAndInvalidAnswers) {
  auto p = *parse_countdown_input("15,44,79,50");
  EXPECT_TRUE(check_countdown(p, "44-15=29,79-29=50").valid);
  EXPECT_TRUE(check_countdown(p, "79-44=35, 35+15=50").valid);  // another valid route, spaces allowed
  EXPECT_FALSE(check_countdown(p, "79-29=50").valid);             // 29 is not available
  EXPECT_FALSE(check_countdown(p, "44-15=29,79-29=51").valid);    // wrong arithmetic
  EXPECT_FALSE(check_countdown(p, "44+15=59,79-59=20").valid);    // misses the target
  EXPECT_FALSE(check_countdown(p, "79-44=35,35+15=50,50-0=50").valid);  // 0 was never available
  EXPECT_FALSE(check_countdown(p, "").valid);
  EXPECT_FALSE(check_countdown(p, "__import__('os')").valid);     // never evaluated
  auto q = *parse_countdown_input("2,3,4,10");
  EXPECT_FALSE(check_countdown(q, "2*3=6,6+4=10,10/1=10").valid);  // 1 is not a source
  EXPECT_TRUE(check_countdown(q, "3*4=12,12-2=10").valid);
  EXPECT_FALSE(check_countdown(q, "2*4=8,8+2=10").valid);          // 2 used twice, 3 unused
  auto d = *parse_countdown_input("7,2,3,4");
  EXPECT_FALSE(check_countdown(d, "7/2=3,3+3=6,6-4=2").valid);     // 7/2 is not 3
  auto e = *parse_countdown_input("7,2,4,14");
  EXPECT_TRUE(check_countdown(e, "7/2=3.5,3.5*4=14").valid);         // exact decimal steps count, as upstream
  EXPECT_FALSE(check_countdown(*parse_countdown_input("10,3,3,10"), "10/3=3.33,3.33*3=10").valid);
}

TEST(Countdown, SolverAndGenerator) {
  auto p = *parse_countdown_input("86,28,13,31,96");
  auto sol = solve_countdown(p);
  ASSERT_TRUE(sol);
  EXPECT_TRUE(check_countdown(p, *sol).valid) << *sol;
  EXPECT_FALSE(solve_countdown(*parse_countdown_input("1,1,1,97")));
  for (int n : {3, 4, 5}) {
    auto items = generate_countdown(n, 10, 5);
    ASSERT_EQ(items.size(), 10u);
    for (const auto& it : items) {
      auto q = parse_countdown_input(it.input);
      ASSERT_TRUE(q);
      EXPECT_EQ(q->numbers.size(), static_cast<size_t>(n));
      EXPECT_GE(q->target, 10);
      EXPECT_LE(q->target, 99);
      EXPECT_TRUE(check_countdown(*q, it.output).valid) << it.input << " " << it.output;
    }
    auto again = generate_countdown(n, 10, 5);
    for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i].input, again[i].input);
  }
}
