// exact_match with lm-eval's normalisations, on hand-worked examples.
#include <gtest/gtest.h>

#include "metrics/exact_match.h"

using namespace dream::metrics;

namespace {
// gsm8k's metric options (lm-eval gsm8k.yaml / gsm8k-cot.yaml).
ExactMatchOptions gsm8k_options() {
  return {.ignore_case = true, .ignore_punctuation = false, .regexes_to_ignore = {",", "\\$", "(?s).*#### ", "\\.$"}};
}
}  // namespace

TEST(ExactMatch, Gsm8kNormalisation) {
  const auto o = gsm8k_options();
  EXPECT_EQ(normalize_for_exact_match("1,234", o), "1234");
  EXPECT_EQ(normalize_for_exact_match("$18.", o), "18");
  EXPECT_EQ(normalize_for_exact_match("Janet sells 9 eggs.\nSo 9*2=18\n#### 18", o), "18");
  EXPECT_TRUE(exact_match("$1,234.", "1234", o));
  EXPECT_TRUE(exact_match("18.", "18", o));
  EXPECT_FALSE(exact_match("18.5", "18", o));
  EXPECT_FALSE(exact_match("[invalid]", "18", o));
  EXPECT_FALSE(exact_match("-18", "18", o));
}

TEST(ExactMatch, CasePunctuationNumbers) {
  EXPECT_FALSE(exact_match("Paris", "paris", {}));
  EXPECT_TRUE(exact_match("Paris", "paris", {.ignore_case = true, .regexes_to_ignore = {}}));
  EXPECT_TRUE(exact_match("(A)", "A", {.ignore_punctuation = true, .regexes_to_ignore = {}}));
  EXPECT_FALSE(exact_match("(A)", "A", {}));
  EXPECT_TRUE(exact_match("A1", "A2", {.ignore_numbers = true, .regexes_to_ignore = {}}));
  // mmlu generative: ignore_case and ignore_punctuation.
  EXPECT_TRUE(exact_match("d", "D", {.ignore_case = true, .ignore_punctuation = true, .regexes_to_ignore = {}}));
}

TEST(ExactMatch, BadRegexNamesPattern) {
  try {
    normalize_for_exact_match("x", {.regexes_to_ignore = {"(unclosed"}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos);
  }
}
