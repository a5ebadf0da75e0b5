// Minerva MATH answer extraction and normalisation on hand-worked examples and on MATH-500's own answers.
#include <gtest/gtest.h>

#include "../support/test_paths.h"
#include "datasets/records.h"
#include "metrics/minerva_math.h"

using namespace dream::metrics;

TEST(Minerva, BoxedExtraction) {
  EXPECT_EQ(last_boxed_only_string("so $\\boxed{1}$ and $\\boxed{\\frac{2}{3}}$."), "\\boxed{\\frac{2}{3}}");
  EXPECT_EQ(last_boxed_only_string("the answer is \\boxed 5$ done"), "\\boxed 5");
  EXPECT_EQ(last_boxed_only_string("\\boxed{unbalanced"), std::nullopt);
  EXPECT_EQ(last_boxed_only_string("none"), std::nullopt);
  EXPECT_EQ(remove_boxed("\\boxed{[2,5)}"), "[2,5)");
  EXPECT_EQ(remove_boxed("\\boxed 5"), "5");
}

TEST(Minerva, FinalAnswerSentence) {
  EXPECT_EQ(minerva_unnormalized_answer("We have 24.\nFinal Answer: The final answer is $24$. I hope it is correct."), "$24$");
  EXPECT_EQ(minerva_unnormalized_answer("Final Answer: The final answer is $-\\frac{2}{3}$. "), "$-\\frac{2}{3}$");
  // Cut right after the final period: "I hope..." is appended without a space, so no match (as upstream).
  EXPECT_EQ(minerva_unnormalized_answer("Final Answer: The final answer is $-\\frac{2}{3}$."), "[invalidanswer]");
  EXPECT_EQ(minerva_unnormalized_answer("Final Answer: The final answer is 7"), "[invalidanswer]");  // needs a char before "I hope"
  EXPECT_EQ(minerva_unnormalized_answer("The answer is 7."), "[invalidanswer]");
}

TEST(Minerva, Normalisation) {
  EXPECT_EQ(normalize_final_answer("$24$"), "24");
  EXPECT_EQ(normalize_final_answer("$x = 5$"), "5");
  EXPECT_EQ(normalize_final_answer("10,000"), "10000");
  EXPECT_EQ(normalize_final_answer("5 dollars"), "5");
  EXPECT_EQ(normalize_final_answer("\\frac12"), "\\frac{1}{2}");
  EXPECT_EQ(normalize_final_answer("\\sqrt3"), "\\sqrt{3}");
  EXPECT_EQ(normalize_final_answer("90^\\circ"), "90");
  EXPECT_EQ(normalize_final_answer("\\text{(A)}"), "(A)");
  EXPECT_EQ(normalize_final_answer("\\boxed{24}"), "24");
  // "ft" is a removed unit, so "\\left" loses it: upstream does the same to gold and prediction alike.
  EXPECT_EQ(normalize_final_answer("\\left( 3, \\frac{\\pi}{2} \\right)"), "\\le(3,\\frac{\\pi}{2}\\right)");
  EXPECT_EQ(normalize_final_answer("1,2"), "12");  // upstream drops commas between digits too
}

TEST(Minerva, Equivalence) {
  EXPECT_TRUE(minerva_answers_equivalent("\\frac{1}{2}", "\\frac{1}{2}"));
  EXPECT_TRUE(minerva_answers_equivalent("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(minerva_answers_equivalent("\\dfrac{3}{4}", "3/4"));
  EXPECT_TRUE(minerva_answers_equivalent("-2", "-2.0"));
  EXPECT_TRUE(minerva_answers_equivalent("x+1", "1+x"));  // numeric identity testing (metrics/latex_expression.h)
  EXPECT_FALSE(minerva_answers_equivalent("x+1", "x+2"));
  EXPECT_FALSE(minerva_answers_equivalent("[invalidanswer]", "[invalidanswer]"));
  EXPECT_FALSE(minerva_answers_equivalent("3", "4"));
}

TEST(Minerva, GoldAnswersOfMath500MatchTheirAnswerField) {
  const auto file = dream::test::datasets_dir() / "math500" / "test.jsonl";
  DREAM_REQUIRE_PATH(file);
  auto records = dream::datasets::read_jsonl(file);
  ASSERT_EQ(records.size(), 500u);
  // Upstream's Python normalisation maps the boxed answer of every solution and the `answer` field to the
  // same string for all 500 problems (checked once with lm-eval's utils.py); so must this port.
  for (const auto& r : records) {
    const std::string gold = minerva_gold_answer(r.string_field("solution"));
    EXPECT_FALSE(gold.empty()) << r.where();
    EXPECT_EQ(gold, normalize_final_answer(r.string_field("answer"))) << r.where();
  }
}
