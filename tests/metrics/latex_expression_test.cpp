// Numeric identity testing of LaTeX answers (metrics/latex_expression.h): what parses, what it evaluates to,
// which answers are equivalent and which are not, and how much of MATH-500's gold answers it covers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../support/test_paths.h"
#include "datasets/records.h"
#include "metrics/latex_expression.h"
#include "metrics/minerva_math.h"

using namespace dream::metrics;

TEST(LatexExpression, EvaluatesNumbersFractionsRadicalsAndPi) {
  EXPECT_DOUBLE_EQ(*evaluate_latex("12"), 12);
  EXPECT_DOUBLE_EQ(*evaluate_latex(".5"), 0.5);
  EXPECT_DOUBLE_EQ(*evaluate_latex("-\\frac{3}{4}"), -0.75);
  EXPECT_DOUBLE_EQ(*evaluate_latex("\\dfrac{1}{8}+2"), 2.125);
  EXPECT_DOUBLE_EQ(*evaluate_latex("2^{10}"), 1024);
  EXPECT_DOUBLE_EQ(*evaluate_latex("10^{-2}"), 0.01);
  EXPECT_NEAR(*evaluate_latex("\\sqrt{2}"), std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(*evaluate_latex("\\sqrt[3]{27}"), 3.0, 1e-12);
  EXPECT_NEAR(*evaluate_latex("3\\pi"), 3 * M_PI, 1e-12);
  EXPECT_NEAR(*evaluate_latex("\\left(1+\\frac{1}{2}\\right)\\cdot 4"), 6.0, 1e-12);
  EXPECT_NEAR(*evaluate_latex("2 \\times 3"), 6.0, 1e-12);
  EXPECT_NEAR(*evaluate_latex("6/4/3"), 0.5, 1e-12);  // left to right
  EXPECT_NEAR(*evaluate_latex("2^3\\cdot 2"), 16.0, 1e-12);  // ^ before *
}

TEST(LatexExpression, WhatDoesNotParse) {
  for (const char* text : {"", "(1,2)", "[2,5)", "\\infty", "x=2", "\\text{yes}", "yes", "Evelyn", "1+", "\\frac{1}", "3!",
                           "\\sin x", ".", "2..3", "\\pix"})
    EXPECT_FALSE(evaluate_latex(text).has_value()) << text;
}

// Model text can nest without end: deep input is refused, not a stack overflow.
TEST(LatexExpression, DeepNestingIsUnparsableNotACrash) {
  EXPECT_FALSE(evaluate_latex(std::string(100000, '(') + "1" + std::string(100000, ')')).has_value());
  EXPECT_FALSE(evaluate_latex(std::string(100000, '-') + "1").has_value());
  EXPECT_DOUBLE_EQ(*evaluate_latex(std::string(50, '(') + "1" + std::string(50, ')')), 1.0);
  EXPECT_DOUBLE_EQ(*evaluate_latex("--1"), 1.0);
}

TEST(LatexExpression, EquivalentWhenTheyAgreeEverywhere) {
  EXPECT_TRUE(latex_numerically_equivalent("x+1", "1+x"));
  EXPECT_TRUE(latex_numerically_equivalent("2x^2+4x", "2x(x+2)"));
  EXPECT_TRUE(latex_numerically_equivalent("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}"));
  EXPECT_TRUE(latex_numerically_equivalent("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}"));
  EXPECT_TRUE(latex_numerically_equivalent("(x-1)^2", "x^2-2x+1"));
  EXPECT_TRUE(latex_numerically_equivalent("\\frac{a}{b}+\\frac{c}{b}", "\\frac{a+c}{b}"));
  EXPECT_TRUE(latex_numerically_equivalent("0.5", "\\frac{1}{2}"));
  EXPECT_TRUE(latex_numerically_equivalent("2\\sqrt{2}", "\\sqrt{8}"));
  EXPECT_TRUE(latex_numerically_equivalent("xy", "yx"));

  EXPECT_FALSE(latex_numerically_equivalent("x^2", "2x"));   // equal at x = 2 only
  EXPECT_FALSE(latex_numerically_equivalent("x", "y"));
  EXPECT_FALSE(latex_numerically_equivalent("x", "\\frac{1}{x}"));
  EXPECT_FALSE(latex_numerically_equivalent("10", "100"));
  EXPECT_FALSE(latex_numerically_equivalent("\\sqrt{2}", "1.414"));
  EXPECT_FALSE(latex_numerically_equivalent("1/0", "1/0"));  // not finite: never equivalent by value
  EXPECT_FALSE(latex_numerically_equivalent("Evelyn", "nylevE"));  // words are not products of letters
  EXPECT_FALSE(latex_numerically_equivalent("(1,2)", "(1,2)"));     // does not parse (equal strings match earlier)
}

// Scoring goes through minerva_answers_equivalent: equal strings, else numeric identity.
TEST(LatexExpression, MinervaEquivalenceUsesIt) {
  EXPECT_TRUE(minerva_answers_equivalent(normalize_final_answer("$\\frac12$"), "0.5"));
  EXPECT_TRUE(minerva_answers_equivalent(normalize_final_answer("\\dfrac{\\sqrt{3}}{2}"), "\\frac{1}{2}\\sqrt{3}"));
  EXPECT_TRUE(minerva_answers_equivalent("(1,2)", "(1,2)"));
  EXPECT_FALSE(minerva_answers_equivalent("(1,2)", "(2,1)"));
}

// Every MATH-500 gold answer is equivalent to itself, no two different golds count as equivalent (none of
// them is another's value in other words), and the evaluator reads the 454 that are expressions (the rest:
// tuples, intervals, words). A parser that grew too permissive, or lost a construct, fails here.
TEST(LatexExpression, Math500GoldAnswers) {
  const auto file = dream::test::datasets_dir() / "math500" / "test.jsonl";
  DREAM_REQUIRE_PATH(file);
  std::vector<std::string> golds;
  for (const auto& r : dream::datasets::read_jsonl(file)) golds.push_back(normalize_final_answer(r.string_field("answer")));
  size_t parsed = 0;
  for (const auto& g : golds) {
    EXPECT_TRUE(minerva_answers_equivalent(g, g)) << g;
    parsed += evaluate_latex(g).has_value();
  }
  EXPECT_EQ(parsed, 454u);
  std::vector<std::string> equivalent_pairs;
  for (size_t i = 0; i < golds.size(); ++i)
    for (size_t j = i + 1; j < golds.size(); ++j)
      if (golds[i] != golds[j] && latex_numerically_equivalent(golds[i], golds[j])) equivalent_pairs.push_back(golds[i] + "  ==  " + golds[j]);
  EXPECT_TRUE(equivalent_pairs.empty()) << equivalent_pairs.size() << " pairs, first: " << equivalent_pairs.front();
}
