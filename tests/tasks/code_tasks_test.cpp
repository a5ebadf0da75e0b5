// HumanEval and MBPP as tasks: the prompts the specs render through the task framework equal an independent
// jinja2 rendering of lm-eval's own templates (reference_prompt_hashes.py), documents carry what the scorer
// needs, and the specs' pass_at_k metric gives lm-eval's metric names. Scoring in the sandbox is tested in
// tests/harness (run and score) and tests/sandbox (all reference solutions).
#include <gtest/gtest.h>

#include <cstdint>
#include <tuple>

#include "../support/error_of.h"
#include "../support/test_paths.h"
#include "task_test_support.h"
#include "tasks/code/code_task.h"
#include "tasks/registry.h"

using namespace dream;
using namespace dream::tasks;
using test::metric;
using test::shared_data;

namespace {

// FNV-1a 64 over the texts joined by NUL bytes, as reference_prompt_hashes.py computes it.
std::uint64_t fnv1a64(const std::vector<std::string>& texts) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i) h = (h ^ 0u) * 0x100000001B3ULL;
    for (unsigned char c : texts[i]) h = (h ^ c) * 0x100000001B3ULL;
  }
  return h;
}

struct RenderedPrompts {
  std::vector<std::string> plain, user, prefill;
};

RenderedPrompts render_all(const Task& t) {
  RenderedPrompts out;
  for (const auto& d : t.documents()) {
    const Request r = t.build_request(d);
    if (r.is_chat()) {
      EXPECT_EQ(r.messages.size(), 1u) << t.name() << " " << d.id;
      out.user.push_back(r.messages.at(0).content);
      out.prefill.push_back(r.assistant_prefill);
    } else {
      out.plain.push_back(r.prompt);
    }
  }
  return out;
}

}  // namespace

// The hashes reference_prompt_hashes.py prints for the lm-eval templates (base: lm-eval @ 4e7e0d47f;
// instruct: Dream's eval_instruct @ fac0a7f).
TEST(CodePrompts, MatchLmEvalTemplates) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "humaneval/HumanEval.jsonl");
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mbpp/mbpp.jsonl");
  const auto data = shared_data();
  const auto he = load_task("humaneval", data), he_chat = load_task("humaneval_instruct", data);
  const auto mb = load_task("mbpp", data), mb_chat = load_task("mbpp_instruct", data);
  ASSERT_EQ(he->documents().size(), 164u);
  ASSERT_EQ(mb->documents().size(), 500u);
  EXPECT_EQ(fnv1a64(render_all(*he).plain), 0x9bcaad9ae51a74e5ULL);
  const auto he_instruct = render_all(*he_chat);
  EXPECT_EQ(fnv1a64(he_instruct.user), 0xffb618eb65382b05ULL);
  EXPECT_EQ(fnv1a64(he_instruct.prefill), 0xa1d0382e0062bafdULL);
  EXPECT_EQ(fnv1a64(render_all(*mb).plain), 0x1a05a2b1b9400fdfULL);
  const auto mb_instruct = render_all(*mb_chat);
  EXPECT_EQ(fnv1a64(mb_instruct.user), 0x96156c734f9d3effULL);
  EXPECT_EQ(fnv1a64(mb_instruct.prefill), 0x6fe5172ea2c26357ULL);

  const std::vector<std::string> humaneval_stops = {"\nclass", "\ndef", "\n#", "\nif", "\nprint"};
  EXPECT_EQ(he->spec().stop, humaneval_stops);
  EXPECT_EQ(he_chat->spec().stop, humaneval_stops);
  EXPECT_EQ(mb->spec().stop, std::vector<std::string>{"[DONE]"});
  EXPECT_EQ(mb_chat->spec().stop, std::vector<std::string>{"```"});
  EXPECT_EQ(he->documents().front().id, "HumanEval/0");
  EXPECT_EQ(mb->documents().front().id, "11");
  EXPECT_EQ(mb->documents().back().id, "510");
}

// The paper's protocol (dream-reference.md section 6).
TEST(CodePrompts, GenerationDefaultsFollowThePaper) {
  struct Expected {
    const char* task;
    int tokens;
    double temperature, top_p;
    int shots;
  };
  for (const auto& e : {Expected{"humaneval", 512, 0.2, 0.95, 0}, Expected{"humaneval_instruct", 768, 0.1, 0.9, 0},
                        Expected{"mbpp", 512, 0.2, 0.95, 3}, Expected{"mbpp_instruct", 1024, 0.1, 0.9, 0}}) {
    const TaskSpec spec = task_spec(find_task(e.task));
    EXPECT_EQ(spec.generation.max_new_tokens, e.tokens) << e.task;
    EXPECT_FALSE(spec.generation.steps.has_value()) << e.task;  // steps = new tokens
    EXPECT_EQ(spec.generation.temperature, e.temperature) << e.task;
    EXPECT_EQ(spec.generation.top_p, e.top_p) << e.task;
    EXPECT_EQ(spec.generation.alg, "entropy") << e.task;
    EXPECT_EQ(spec.num_fewshot, e.shots) << e.task;
  }
}

TEST(CodePrompts, InstructPrefillAndMbppShots) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mbpp/mbpp.jsonl");
  const auto data = shared_data();
  const auto he = load_task("humaneval_instruct", data);
  const Document& d = he->documents().front();
  const Request r = he->build_request(d);
  EXPECT_EQ(r.assistant_prefill, "Here is the completed function:\n```python\n" + d.field("prompt") + "\n");
  const auto mb = load_task("mbpp", data);
  const auto shots = mb->fewshot_for(mb->documents().front());
  ASSERT_EQ(shots.size(), 3u);
  EXPECT_EQ(shots[0]->id, "2");
  EXPECT_EQ(shots[2]->id, "4");
  const std::string prompt = mb->build_request(mb->documents().front()).prompt;
  EXPECT_NE(prompt.find(shots[0]->field("reference_solution") + "\n[DONE]\n\nYou are an expert"), std::string::npos);
  EXPECT_EQ(prompt.substr(prompt.size() - 9), "\n[BEGIN]\n");
  const auto mb_chat = load_task("mbpp_instruct", data);
  EXPECT_EQ(mb_chat->build_request(mb_chat->documents().front()).assistant_prefill, "Here is the completed function:\n```python\n");
}

TEST(CodeDocuments, RoundTripEveryProblem) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mbpp/mbpp.jsonl");
  const auto data = shared_data();
  for (const auto& [dataset, file, benchmark] :
       {std::tuple{"humaneval", "HumanEval.jsonl", code::Benchmark::humaneval}, std::tuple{"mbpp", "mbpp.jsonl", code::Benchmark::mbpp}}) {
    for (const auto& p : code::load_problems(benchmark, data.verified(dataset, file))) {
      const code::CodeProblem back = code_problem(code_document(p), benchmark);
      EXPECT_EQ(back.task_id, p.task_id);
      EXPECT_EQ(back.prompt, p.prompt);
      EXPECT_EQ(back.entry_point, p.entry_point);
      EXPECT_EQ(back.reference_solution, p.reference_solution);
      EXPECT_EQ(back.test_code, p.test_code);
      EXPECT_EQ(back.test_list, p.test_list) << p.task_id;
    }
  }
  Document broken = code_document(code::CodeProblem{});
  broken.fields["test_list"] = "not json";
  EXPECT_NE(test::error_of([&] { code_problem(broken, code::Benchmark::mbpp); }).find("field 'test_list'"), std::string::npos);
}

TEST(CodeScorer, MetricNamesFollowLmEval) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "mbpp/mbpp.jsonl");
  const auto data = shared_data();
  const auto he = load_task("humaneval", data);
  EXPECT_EQ(he->primary_metric(), "pass@1,create_test");
  const auto ks = he->scorer().pass_at_k_metrics();
  ASSERT_EQ(ks.size(), 3u);
  EXPECT_EQ(ks[1].name, "pass@10,create_test");
  EXPECT_EQ(ks[2].k, 100);
  EXPECT_EQ(load_task("mbpp_instruct", data)->primary_metric(), "pass_at_1,none");
  EXPECT_TRUE(load_task("gsm8k", data)->scorer().pass_at_k_metrics().empty());
}

TEST(CodeScorer, BadMetricSpecNamesFileAndField) {
  const DocumentSet none;
  auto spec_with = [](nlohmann::json patch) {
    nlohmann::json j = task_spec(find_task("humaneval")).raw;
    j.merge_patch(patch);
    return TaskSpec::parse(j, "tasks/code/humaneval.json");
  };
  const auto make = code_scorer(code::Benchmark::humaneval, code::PromptStyle::base);
  const std::string no_one = test::error_of([&] { make(spec_with({{"metrics", {{{"name", "pass_at_k"}, {"k", {10}}}}}}), none, {}); });
  EXPECT_NE(no_one.find("tasks/code/humaneval.json: field 'metrics[0].k'"), std::string::npos) << no_one;
  const std::string other = test::error_of([&] { make(spec_with({{"metrics", {{{"name", "exact_match"}}}}}), none, {}); });
  EXPECT_NE(other.find("field 'metrics'"), std::string::npos) << other;
  const std::string steps =
      test::error_of([&] { make(spec_with({{"filters", {{{"name", "x"}, {"steps", {{{"function", "strip"}}}}}}}}), none, {}); });
  EXPECT_NE(steps.find("field 'filters'"), std::string::npos) << steps;
  const std::string no_k = test::error_of(
      [&] { make(spec_with({{"metrics", {{{"name", "pass_at_k"}, {"report_as", "pass"}}}}}), none, {}); });
  EXPECT_NE(no_k.find("report_as"), std::string::npos) << no_k;
}
