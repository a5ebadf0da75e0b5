// Filters against hand-worked examples, including lm-eval's gsm8k, bbh and mmlu regexes.
#include <gtest/gtest.h>

#include "metrics/filters.h"

using namespace dream::metrics;

namespace {
// lm-eval gsm8k-cot.yaml
const FilterPipeline kStrict{"strict-match", {RegexStep{"The answer is (\\-?[0-9\\.\\,]+)."}, TakeFirstStep{}}};
const FilterPipeline kFlexible{"flexible-extract", {RegexStep{"(-?[$0-9.,]{2,})|(-?[0-9]+)", -1}, TakeFirstStep{}}};
}  // namespace

TEST(Filters, Gsm8kStrictMatch) {
  EXPECT_EQ(kStrict.apply_one("23 - 15 is 8. The answer is 8."), "8");
  EXPECT_EQ(kStrict.apply_one("So 5 x 3 = 15. The answer is 1,234.\n\nQ: next"), "1,234");
  EXPECT_EQ(kStrict.apply_one("The answer is -7. Then The answer is 9."), "-7.");  // first match; the greedy group keeps "."
  EXPECT_EQ(kStrict.apply_one("The answer is $18."), "[invalid]");
  EXPECT_EQ(kStrict.apply_one("the answer is 8."), "[invalid]");  // case-sensitive, as upstream
  EXPECT_EQ(kStrict.apply_one("The answer is 8"), "[invalid]");   // needs one more character after the number
}

TEST(Filters, Gsm8kFlexibleExtract) {
  EXPECT_EQ(kFlexible.apply_one("Janet sells 16 - 3 - 4 = 9 duck eggs. She makes 9 * 2 = $18 every day."), "$18");
  EXPECT_EQ(kFlexible.apply_one("so the total is 5"), "5");           // second group
  EXPECT_EQ(kFlexible.apply_one("It costs 3.50 dollars, so 7."), "7.");
  EXPECT_EQ(kFlexible.apply_one("answer: 18."), "18.");
  EXPECT_EQ(kFlexible.apply_one("no digits here"), "[invalid]");
  EXPECT_EQ(kFlexible.apply_one("temperature fell to -12 degrees"), "-12");
}

TEST(Filters, BbhAnswerAfterTheAnswerIs) {
  // lm-eval's "(?<=the answer is )(.*)(?=.)" without lookaround: same first match.
  const FilterPipeline bbh{"get-answer", {RegexStep{"the answer is (.*)."}, TakeFirstStep{}}};
  EXPECT_EQ(bbh.apply_one("Plugging in A, we get: Z = False. So the answer is False."), "False");
  EXPECT_EQ(bbh.apply_one("So the answer is (B)."), "(B)");
  EXPECT_EQ(bbh.apply_one("So the answer is ] } ]."), "] } ]");
  EXPECT_EQ(bbh.apply_one("So the answer is Yes.\nthe answer is No."), "Yes");
  EXPECT_EQ(bbh.apply_one("I do not know"), "[invalid]");
}

TEST(Filters, MmluLetter) {
  const FilterPipeline letter{"get_response", {RemoveWhitespaceStep{}, RegexStep{"^([A-Z]).*"}, TakeFirstStep{}}};
  EXPECT_EQ(letter.apply_one("D. Paris is the capital"), "D");
  EXPECT_EQ(letter.apply_one(" B"), "B");
  EXPECT_EQ(letter.apply_one("c"), "[invalid]");
}

TEST(Filters, FindallSemantics) {
  EXPECT_EQ(regex_findall("a", "banana").size(), 3u);
  auto m = regex_findall("(x)|(y)", "xy");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(m[1], (std::vector<std::string>{"", "y"}));
  EXPECT_EQ(regex_findall("^a", "aaa").size(), 1u);  // ^ anchors at the start of the text only
  EXPECT_EQ(regex_findall("b*", "ab").size(), 3u);    // "", "b", "" as Python
}

TEST(Filters, TextSteps) {
  const FilterPipeline p{"x", {CutAtStep{{"<|endoftext|>", "\n\n"}}, DeleteCharsStep{" "}, FirstLineStep{}, StripStep{}}};
  EXPECT_EQ(p.apply_one("1 2 3 4\n5678\n\nrest<|endoftext|>"), "1234");
  const FilterPipeline q{"y", {LowercaseStep{}}};
  EXPECT_EQ(q.apply({"AbC", "D"}), (std::vector<std::string>{"abc", "d"}));
  const FilterPipeline first{"z", {TakeFirstStep{}, UppercaseStep{}}};
  EXPECT_EQ(first.apply({"a", "b"}), (std::vector<std::string>{"A"}));
}
