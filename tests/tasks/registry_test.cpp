// The task registry and spec parsing: unknown names, malformed specs and templates give clear errors.
#include <gtest/gtest.h>

#include <set>

#include "../support/error_of.h"
#include "tasks/registry.h"
#include "tasks/scoring.h"

using namespace dream::tasks;
using dream::test::error_of;

namespace {
nlohmann::json minimal() {
  return {{"version", "1"}, {"doc_to_text", "Q: {{question}}"}, {"metrics", {{{"name", "exact_match"}}}}};
}
}  // namespace

TEST(Registry, UnknownTaskListsKnown) {
  std::string e = error_of([] { find_task("gsm9k"); });
  EXPECT_NE(e.find("unknown task 'gsm9k'"), std::string::npos);
  EXPECT_NE(e.find("gsm8k, gsm8k_cot"), std::string::npos);
  EXPECT_NE(e.find("countdown_gen"), std::string::npos);
}

TEST(Registry, PatternsExpandInRegistryOrder) {
  auto names = expand_task_names({"gsm8k", "bbh_*", "countdown_cd?"});
  ASSERT_EQ(names.size(), 1u + 27u + 3u);
  EXPECT_EQ(names[1], "bbh_boolean_expressions");
  EXPECT_EQ(names.back(), "countdown_cd5");
  EXPECT_NE(error_of([] { expand_task_names({"mmlu_*x"}); }).find("unknown task 'mmlu_*x'"), std::string::npos);
  // Suites expand to their tasks in order, next to plain names; every suite task is registered.
  EXPECT_EQ(expand_task_names({"dream_base_likelihood", "gsm8k"}),
            (std::vector<std::string>{"mmlu", "arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande", "gsm8k"}));
  EXPECT_EQ(expand_task_names({"dream_base"}).size(), 13u);
  EXPECT_EQ(expand_task_names({"dream_instruct"}).front(), "mmlu_generative");
  EXPECT_NE(error_of([] { expand_task_names({"dream_basic"}); }).find("dream_base (suite)"), std::string::npos);
}

TEST(Registry, EveryEntryHasAParsableSpec) {
  std::set<std::string> names;
  for (const auto& e : task_registry()) {
    EXPECT_TRUE(names.insert(e.name).second) << "duplicate " << e.name;
    TaskSpec s = task_spec(e);
    EXPECT_FALSE(s.version.empty()) << e.name;
    EXPECT_NO_THROW(e.scorer ? e.scorer(s, {}, {}) : make_spec_scorer(s)) << e.name;  // its own scorer where it has one
  }
  EXPECT_EQ(std::count_if(task_registry().begin(), task_registry().end(), [](const TaskEntry& e) { return e.name.rfind("bbh_", 0) == 0; }), 27);
}

TEST(Spec, ErrorsNameFileAndField) {
  auto j = minimal();
  j["num_fewshot"] = "eight";
  EXPECT_NE(error_of([&] { TaskSpec::parse(j, "t.json"); }).find("t.json: field 'num_fewshot'"), std::string::npos);
  j = minimal();
  j["stopp"] = {"x"};
  EXPECT_NE(error_of([&] { TaskSpec::parse(j, "t.json"); }).find("t.json: field 'stopp': unknown key"), std::string::npos);
  j = minimal();
  j["filters"] = {{{"name", "f"}, {"steps", {{{"function", "regexp"}}}}}};
  EXPECT_NE(error_of([&] { TaskSpec::parse(j, "t.json"); }).find("filters[0].steps[0].function': unknown filter 'regexp'"), std::string::npos);
  j = minimal();
  j["metrics"] = {{{"name", "exact_match"}, {"ignore_cases", true}}};
  EXPECT_NE(error_of([&] { make_spec_scorer(TaskSpec::parse(j, "t.json")); }).find("t.json: metric exact_match: unknown option 'ignore_cases'"),
            std::string::npos);
  j = minimal();
  j["metrics"] = {{{"name", "bleu"}}};
  EXPECT_NE(error_of([&] { make_spec_scorer(TaskSpec::parse(j, "t.json")); }).find("unknown metric 'bleu' (known: exact_match"),
            std::string::npos);
  j = minimal();
  j["filters"] = {{{"name", "f"}, {"steps", {{{"function", "regex"}, {"pattern", "(open"}}}}}};
  EXPECT_NE(error_of([&] { make_spec_scorer(TaskSpec::parse(j, "t.json"))->score({"0", "", {{"target", "x"}}}, "y"); }).find("(open"),
            std::string::npos);
}

TEST(Spec, TemplateErrorsNameTheField) {
  Document d{"7", "", {{"question", "why"}}};
  EXPECT_EQ(render_template("Q: {{question}}\nA:", d, "x"), "Q: why\nA:");
  std::string e = error_of([&] { render_template("{{questoin}}", d, "tasks/t.json: doc_to_text"); });
  EXPECT_NE(e.find("tasks/t.json: doc_to_text: unknown field 'questoin' (document 7 has: question)"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { render_template("{{open", d, "ctx"); }).find("unterminated"), std::string::npos);
}
