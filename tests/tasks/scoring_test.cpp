// Scorers on hand-worked responses: lm-eval metric names, valid, alternative-valid and invalid answers.
#include <gtest/gtest.h>

#include "../support/test_paths.h"
#include "task_test_support.h"
#include "datasets/countdown.h"
#include "datasets/sudoku.h"
#include "tasks/registry.h"
#include "tasks/scoring.h"

using namespace dream;
using namespace dream::tasks;
using test::metric;
using test::shared_data;

TEST(Scoring, Gsm8kStrictAndFlexible) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  auto t = load_task("gsm8k", shared_data());
  EXPECT_EQ(t->scorer().metric_names(), (std::vector<std::string>{"exact_match,strict-match", "exact_match,flexible-extract"}));
  const auto& d = t->documents()[0];  // target 18
  auto s = t->score(d, " Janet sells 16 - 3 - 4 = 9 eggs. She makes 9 * 2 = $18. The answer is 18.");
  EXPECT_EQ(metric(s, "exact_match,strict-match"), 1);
  EXPECT_EQ(metric(s, "exact_match,flexible-extract"), 1);
  EXPECT_EQ(s.extracted.at("strict-match"), "18");
  s = t->score(d, " She makes $18 every day.");
  EXPECT_EQ(metric(s, "exact_match,strict-match"), 0);
  EXPECT_EQ(s.extracted.at("strict-match"), "[invalid]");
  EXPECT_EQ(metric(s, "exact_match,flexible-extract"), 1);
  s = t->score(d, " The answer is 16.");
  EXPECT_EQ(metric(s, "exact_match,strict-match"), 0);
  EXPECT_EQ(metric(s, "exact_match,flexible-extract"), 0);
}

TEST(Scoring, Math500Minerva) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "math500");
  auto t = load_task("math500", shared_data());
  EXPECT_EQ(t->primary_metric(), "minerva_equivalent,none");
  const auto& d = t->documents()[t->index_of("test/precalculus/807.json")];
  EXPECT_EQ(metric(t->score(d, " So r = 3.\nFinal Answer: The final answer is $\\left( 3, \\frac{\\pi}{2} \\right)$. I hope it is correct."),
                   "minerva_equivalent,none"), 1);
  EXPECT_EQ(metric(t->score(d, " Final Answer: The final answer is $(3, \\pi)$. I hope it is correct."), "minerva_equivalent,none"), 0);
  EXPECT_EQ(metric(t->score(d, " The answer is (3, pi/2)."), "minerva_equivalent,none"), 0);
}

TEST(Scoring, BbhAndMmlu) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "bbh");
  const auto data = shared_data();
  auto b = load_task("bbh_boolean_expressions", data);
  const auto& d = b->documents()[0];
  const std::string right = "Let A = ... So the answer is " + d.field("target") + ".";
  EXPECT_EQ(metric(b->score(d, right), "exact_match,get-answer"), 1);
  EXPECT_EQ(metric(b->score(d, "So the answer is Maybe."), "exact_match,get-answer"), 0);
  auto m = load_task("mmlu_generative", data);
  const auto& q = m->documents()[0];  // answer B
  EXPECT_EQ(q.field("target"), "B");
  EXPECT_EQ(metric(m->score(q, "B. 4"), "exact_match,get_response"), 1);
  EXPECT_EQ(metric(m->score(q, " B"), "exact_match,get_response"), 1);
  EXPECT_EQ(metric(m->score(q, "b"), "exact_match,get_response"), 0);  // lm-eval's filter wants a capital letter
  EXPECT_EQ(metric(m->score(q, "D. 6"), "exact_match,get_response"), 0);
}

TEST(Scoring, SudokuAcceptsAnyValidCompletion) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  auto t = load_task("sudoku_4x4_4", shared_data());  // 4 givens: puzzles often have several solutions
  const std::string name = "sudoku_valid,postprocess";
  const auto& d = t->documents()[0];
  EXPECT_EQ(metric(t->score(d, d.field("target")), name), 1);
  EXPECT_EQ(metric(t->score(d, "1 2 3 4\n" + d.field("target").substr(5)), name), d.field("target").rfind("1234", 0) == 0 ? 1 : 0);
  EXPECT_EQ(metric(t->score(d, d.field("target") + "\n\nInput:\n0000"), name), 1);  // cut at the blank line
  EXPECT_EQ(metric(t->score(d, d.field("target") + "<|endoftext|>junk"), name), 1);
  // Dream's files hold uniquely solvable puzzles; an alternative completion needs a puzzle with several.
  Document open = d;
  open.fields["input"] = "1000\n0000\n0000\n0001";
  open.fields["target"] = "1234\n3412\n2143\n4321";
  ASSERT_GE(datasets::count_sudoku_solutions(*datasets::parse_sudoku(open.fields["input"], 4), 3), 2);
  EXPECT_EQ(metric(t->score(open, "1234\n3412\n2143\n4321"), name), 1);
  EXPECT_EQ(metric(t->score(open, "1243\n4312\n2134\n3421"), name), 1);  // not the reference, still valid
  EXPECT_EQ(metric(t->score(open, "2143\n3412\n1234\n4321"), name), 0);  // changes a given
  EXPECT_EQ(metric(t->score(d, "1111\n2222\n3333\n4444"), name), 0);
  EXPECT_EQ(metric(t->score(d, "12\n34"), name), 0);
  EXPECT_EQ(metric(t->score(d, ""), name), 0);
}

TEST(Scoring, CountdownAcceptsAnyValidSolution) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  auto t = load_task("countdown_cd3", shared_data());
  const std::string name = "countdown_valid,postprocess";
  const auto& d = t->documents()[0];
  EXPECT_EQ(metric(t->score(d, d.field("target")), name), 1);
  EXPECT_EQ(metric(t->score(d, d.field("target") + "\nInput: 1,2,3,4"), name), 1);  // first line only
  auto problem = *datasets::parse_countdown_input(d.field("input"));
  const auto s = t->score(d, "1+1=2");
  EXPECT_EQ(metric(s, name), 0);
  EXPECT_FALSE(s.note.empty());
  EXPECT_EQ(metric(t->score(d, "print(1)"), name), 0);
  // Every valid solution counts: the solver's own route for each of the first 20 items.
  for (size_t i = 0; i < 20; ++i) {
    const auto& doc = t->documents()[i];
    auto sol = datasets::solve_countdown(*datasets::parse_countdown_input(doc.field("input")));
    ASSERT_TRUE(sol) << doc.field("input");
    EXPECT_EQ(metric(t->score(doc, *sol), name), 1) << doc.field("input") << " " << *sol;
  }
}

// A task can bring its own scorer (the code-execution tasks do): the Task takes any Scorer.
TEST(Scoring, CustomScorerPlugsIn) {
  struct LengthScorer : Scorer {
    std::vector<std::string> metric_names() const override { return {"pass@1,none"}; }
    SampleScore score(const Document&, std::string_view response) const override {
      SampleScore s;
      s.metrics.emplace_back("pass@1,none", response.size() > 3 ? 1.0 : 0.0);
      return s;
    }
  };
  TaskSpec spec = TaskSpec::parse({{"version", "1"}, {"doc_to_text", "{{prompt}}"}, {"metrics", {{{"name", "exact_match"}}}}},
                                  "inline.json");
  DocumentSet docs;
  docs.documents.push_back({"HumanEval/0", "", {{"prompt", "def f():\n"}, {"target", ""}}});
  Task t("toy", spec, std::move(docs), std::make_unique<LengthScorer>());
  EXPECT_EQ(t.primary_metric(), "pass@1,none");
  EXPECT_EQ(t.build_request(t.documents()[0]).prompt, "def f():\n");
  EXPECT_EQ(t.score(t.documents()[0], "  return 1").metrics[0].second, 1.0);
}
