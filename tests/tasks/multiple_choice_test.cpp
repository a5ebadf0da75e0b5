// Multiple-choice (log-likelihood) tasks: the (context, continuation) pairs follow lm-eval's layout for each
// task, acc / acc_norm on hand-worked log-likelihoods, spec and data errors name what is wrong.
#include <gtest/gtest.h>

#include "../support/error_of.h"
#include "../support/test_paths.h"
#include "task_test_support.h"
#include "datasets/records.h"
#include "tasks/multiple_choice/multiple_choice.h"
#include "tasks/registry.h"
#include "tasks/scoring.h"

using namespace dream;
using namespace dream::tasks;
using test::error_of;
using test::metric;
using test::shared_data;

namespace {

TaskSpec mc_spec(nlohmann::json j) {
  nlohmann::json base = {{"version", "1"}, {"output_type", "multiple_choice"}, {"doc_to_text", "Q: {{q}}\nA:"},
                         {"metrics", {{{"name", "acc"}}, {{"name", "acc_norm"}}}}};
  if (!j.is_null()) base.merge_patch(j);  // `{}` arrives as null
  return TaskSpec::parse(base, "tasks/test/mc.json");
}

Document doc_with(std::vector<std::string> choices, int gold) {
  Document d;
  d.id = "7";
  d.fields["q"] = "why?";
  d.choices = std::move(choices);
  d.gold = gold;
  return d;
}

}  // namespace

TEST(MultipleChoice, AccPicksTheLikeliestAccNormDividesByCharacters) {
  const TaskSpec spec = mc_spec({});
  const auto scorer = make_spec_scorer(spec);
  EXPECT_EQ(scorer->metric_names(), (std::vector<std::string>{"acc,none", "acc_norm,none"}));
  // lls -1, -4, -3 over lengths 1, 8, 2: acc picks 0; normalised -1, -0.5, -1.5: acc_norm picks 1.
  const Document d = doc_with({"a", "bbbbbbbb", "cc"}, 1);
  SampleScore s = scorer->score_choices(d, {-1, -4, -3});
  EXPECT_EQ(metric(s, "acc,none"), 0);
  EXPECT_EQ(metric(s, "acc_norm,none"), 1);
  EXPECT_EQ(s.extracted.at("none"), "a");  // what the primary metric (acc) picked
  EXPECT_EQ(s.note, "acc picks option 0, acc_norm option 1");
  s = scorer->score_choices(doc_with({"a", "bbbbbbbb", "cc"}, 0), {-1, -4, -3});
  EXPECT_EQ(metric(s, "acc,none"), 1);
  EXPECT_EQ(metric(s, "acc_norm,none"), 0);
  // Ties keep the first option (numpy's argmax).
  s = scorer->score_choices(doc_with({"x", "y"}, 1), {-2, -2});
  EXPECT_EQ(metric(s, "acc,none"), 0);
  // Lengths in characters (Python's len), not bytes: "é" is 2 bytes but one character.
  s = scorer->score_choices(doc_with({"\xC3\xA9", "oo"}, 1), {-1.5, -2.2});
  EXPECT_EQ(metric(s, "acc_norm,none"), 1);  // characters: -1.5 vs -1.1 -> option 1; bytes would give -0.75 -> option 0
}

TEST(MultipleChoice, ScorerErrorsNameTheDocument) {
  const auto scorer = make_spec_scorer(mc_spec({}));
  EXPECT_NE(error_of([&] { scorer->score_choices(doc_with({"a", "b"}, 0), {-1}); }).find("document 7: 1 log-likelihoods for 2 options"),
            std::string::npos);
  EXPECT_NE(error_of([&] { scorer->score_choices(doc_with({"a", "b"}, 2), {-1, -2}); }).find("field 'gold': expected an option index 0-1, got 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { scorer->score(doc_with({"a", "b"}, 0), "a"); }).find("not from text"), std::string::npos);
  EXPECT_NE(error_of([&] { make_spec_scorer(mc_spec({{"metrics", {{{"name", "exact_match"}}}}})); }).find("metric 'exact_match': a multiple_choice task has acc and acc_norm"),
            std::string::npos);
}

TEST(MultipleChoice, SpecRejectsWhatHasNoMeaning) {
  EXPECT_NE(error_of([] { mc_spec({{"format", "chat"}}); }).find("tasks/test/mc.json: field 'format': a multiple_choice task must be \"plain\""),
            std::string::npos);
  EXPECT_NE(error_of([] { mc_spec({{"stop", {"\n"}}}); }).find("field 'stop': has no meaning for a multiple_choice task"), std::string::npos);
  EXPECT_NE(error_of([] { mc_spec({{"choices_are_contexts", true}}); }).find("field 'doc_to_target': missing"), std::string::npos);
  EXPECT_NE(error_of([] { mc_spec({{"output_type", "loglikelihood_rolling"}}); }).find("field 'output_type': expected"), std::string::npos);
  EXPECT_NE(error_of([] {
              TaskSpec::parse({{"version", "1"}, {"doc_to_text", "x"}, {"doc_to_choice", {"A"}}, {"metrics", {{{"name", "exact_match"}}}}},
                              "tasks/test/gen.json");
            }).find("field 'doc_to_choice': only a multiple_choice task has options"),
            std::string::npos);
}

// lm-eval arc_easy: doc_to_text "Question: {{question}}\nAnswer:", choices the texts, target delimiter " ".
TEST(MultipleChoice, ArcPairsFollowLmEval) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "arc");
  auto t = load_task("arc_challenge", shared_data());
  EXPECT_EQ(t->documents().size(), 1172u);
  const Document& d = t->documents()[0];
  EXPECT_EQ(d.id, "Mercury_7175875");
  const Request r = t->build_request(d);
  EXPECT_EQ(r.kind, RequestKind::loglikelihood);
  ASSERT_EQ(r.choices.size(), 4u);
  const std::string context = "Question: An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most "
                              "likely effect of this increase in rotation?\nAnswer:";
  for (const auto& c : r.choices) EXPECT_EQ(c.context, context);
  EXPECT_EQ(r.choices[2].continuation, " Planetary days will become shorter.");
  EXPECT_EQ(d.gold, 2);
  EXPECT_EQ(t->scorer().metric_names(), (std::vector<std::string>{"acc,none", "acc_norm,none"}));
  // Some items label their choices 1-4: the answer key is found among those labels.
  auto easy = load_task("arc_easy", shared_data());
  EXPECT_EQ(easy->documents().size(), 2376u);
  int numeric = 0;
  for (const auto& doc : easy->documents()) numeric += doc.id.find("NYSEDREGENTS") != std::string::npos;
  EXPECT_GT(numeric, 0);
}

TEST(MultipleChoice, ArcAndWinograndeRecordErrorsNameFileLineField) {
  auto record = [](const std::string& line) {
    return datasets::Record{nlohmann::json::parse(line), "arc.jsonl", 3, 2};
  };
  EXPECT_EQ(error_of([&] {
              arc_document(record(R"({"id":"x","question":{"stem":"s","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"}]},"answerKey":"C"})"));
            }),
            "arc.jsonl:3: field 'answerKey': 'C' is not one of the choice labels");
  EXPECT_NE(error_of([&] { arc_document(record(R"({"id":"x","question":"s","answerKey":"A"})")); }).find("arc.jsonl:3: field 'question'"),
            std::string::npos);
  EXPECT_EQ(error_of([&] {
              winogrande_document(record(R"({"qID":"q","sentence":"no blank","option1":"a","option2":"b","answer":"1"})"));
            }),
            "arc.jsonl:3: field 'sentence': no '_' blank in \"no blank\"");
  EXPECT_EQ(error_of([&] {
              winogrande_document(record(R"({"qID":"q","sentence":"a _ b","option1":"a","option2":"b","answer":"3"})"));
            }),
            "arc.jsonl:3: field 'answer': expected \"1\" or \"2\", got \"3\"");
}

// lm-eval winogrande (partial evaluation): each option fills the blank in the context, the rest of the
// sentence is the continuation; exemplars show the right option followed by the rest.
TEST(MultipleChoice, WinograndeScoresTheSharedContinuation) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "winogrande");
  auto t = load_task("winogrande", shared_data());
  EXPECT_EQ(t->documents().size(), 1267u);
  EXPECT_EQ(t->scorer().metric_names(), (std::vector<std::string>{"acc,none"}));
  const Document& d = t->documents()[0];  // "Sarah was a much better surgeon than Maria so _ always got the easier cases.", answer 2
  const Request r = t->build_request(d);
  ASSERT_EQ(r.choices.size(), 2u);
  EXPECT_EQ(r.choices[0].continuation, " always got the easier cases.");
  EXPECT_EQ(r.choices[1].continuation, r.choices[0].continuation);
  const auto ends_with = [](const std::string& s, const std::string& tail) { return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail; };
  EXPECT_TRUE(ends_with(r.choices[0].context, "\n\nSarah was a much better surgeon than Maria so Sarah"));
  EXPECT_TRUE(ends_with(r.choices[1].context, "\n\nSarah was a much better surgeon than Maria so Maria"));
  EXPECT_EQ(d.gold, 1);
  // Five exemplars from the dev set, never the document itself: document 0's come from dev items 1-5.
  const Document& shot = t->documents()[1];
  const std::string first_shot = shot.choices[static_cast<size_t>(shot.gold)] + " " + shot.field("continuation") + "\n\n";
  EXPECT_EQ(r.choices[0].context.rfind(first_shot, 0), 0u);
  size_t blocks = 0;
  for (size_t at = 0; (at = r.choices[0].context.find("\n\n", at)) != std::string::npos; at += 2) ++blocks;
  EXPECT_EQ(blocks, 5u);
}

// lm-eval mmlu (default template): 5 dev exemplars answered with their letter, the letters as options.
TEST(MultipleChoice, MmluScoresTheLetters) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mmlu");
  auto t = load_task("mmlu", shared_data());
  EXPECT_EQ(t->documents().size(), 14042u);
  const Document& d = t->documents()[0];
  const Request r = t->build_request(d);
  ASSERT_EQ(r.choices.size(), 4u);
  EXPECT_EQ(r.choices[0].continuation, " A");
  EXPECT_EQ(r.choices[3].continuation, " D");
  const std::string& c = r.choices[0].context;
  EXPECT_EQ(c.rfind("The following are multiple choice questions (with answers) about abstract algebra.\n\n", 0), 0u);
  EXPECT_NE(c.find("\nAnswer: B\n\n"), std::string::npos);
  const std::string question = "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:";
  EXPECT_EQ(c.substr(c.size() - question.size()), question);
  size_t shots = 0;
  for (size_t at = 0; (at = c.find("\nAnswer: ", at)) != std::string::npos; ++at) ++shots;
  EXPECT_EQ(shots, 5u);
  EXPECT_EQ(d.field("target"), "B");
  EXPECT_EQ(d.gold, 1);
}

TEST(MultipleChoice, PiqaAndHellaswag) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "piqa");
  DREAM_REQUIRE_PATH(test::datasets_dir() / "hellaswag");
  auto piqa = load_task("piqa", shared_data());
  EXPECT_EQ(piqa->documents().size(), 1838u);
  const Request p = piqa->build_request(piqa->documents()[0]);
  ASSERT_EQ(p.choices.size(), 2u);
  EXPECT_EQ(p.choices[0].context, "Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:");
  EXPECT_EQ(p.choices[0].continuation.rfind(" Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper", 0), 0u);
  auto hs = load_task("hellaswag", shared_data());
  EXPECT_EQ(hs->documents().size(), 10042u);
  const Request h = hs->build_request(hs->documents()[0]);
  ASSERT_EQ(h.choices.size(), 4u);
  EXPECT_EQ(h.choices[0].context, "Roof shingle removal: A man is sitting on a roof. he");
  EXPECT_EQ(h.choices[3].continuation, " starts pulling up roofing on a roof.");
  EXPECT_EQ(hs->documents()[0].gold, 3);
}

TEST(MultipleChoice, HellaswagPreprocessIsLmEvals) {
  EXPECT_EQ(hellaswag_preprocess("  How to clean [title] Use soap. [step] Rinse  well. "), "How to clean. Use soap. Rinse well.");
  EXPECT_EQ(hellaswag_preprocess("a   b"), "a  b");  // Python's replace("  ", " ") is a single pass
  EXPECT_EQ(hellaswag_preprocess("open [bracket"), "open [bracket");
}

// lm-eval's per-subject tasks: the same documents (same ids, same requests) as the whole, one subject each.
TEST(MultipleChoice, MmluSubjectTasksAreSlicesOfMmlu) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mmlu");
  EXPECT_EQ(expand_task_names({"mmlu_a*"}), (std::vector<std::string>{"mmlu_abstract_algebra", "mmlu_anatomy", "mmlu_astronomy"}));
  auto whole = load_task("mmlu", shared_data());
  size_t total = 0;
  for (const char* name : {"mmlu_abstract_algebra", "mmlu_world_religions"}) {
    auto t = load_task(name, shared_data());
    ASSERT_FALSE(t->documents().empty()) << name;
    total += t->documents().size();
    for (const auto& d : t->documents()) {
      EXPECT_EQ(d.group, std::string(name).substr(5));
      const Document& same = whole->documents()[whole->index_of(d.id)];
      EXPECT_EQ(t->build_request(d).hash(), whole->build_request(same).hash()) << d.id;
    }
  }
  EXPECT_EQ(total, 100u + 171u);
}
