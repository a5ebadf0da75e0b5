#include "registry.h"

#include <fnmatch.h>

#include <algorithm>
#include <stdexcept>

#include "bbh/bbh.h"
#include "code/code_task.h"
#include "gsm8k/gsm8k.h"
#include "math/math.h"
#include "mmlu/mmlu.h"
#include "multiple_choice/multiple_choice.h"
#include "planning/planning.h"
#include "scoring.h"

namespace dream::tasks {

namespace {

using nlohmann::json;

// Variants for instruct models: the same question in one chat turn, zero-shot, with Dream's instruct
// generation settings (temperature 0.1, top_p 0.9).
json chat_zero_shot(int max_new_tokens) {
  return {{"format", "chat"}, {"num_fewshot", 0}, {"fewshot_samples", nullptr},
          {"generation", {{"max_new_tokens", max_new_tokens}, {"temperature", 0.1}, {"top_p", 0.9}}}};
}

std::vector<TaskEntry> build_registry() {
  std::vector<TaskEntry> r;
  r.push_back({"gsm8k", "GSM8K, 8-shot chain of thought (base models; strict and flexible extraction)",
               "gsm8k/gsm8k.json", nullptr, load_gsm8k_documents, {{"split", "test"}}, nullptr});
  r.push_back({"gsm8k_cot", "GSM8K, 0-shot in a chat turn (instruct models)", "gsm8k/gsm8k.json",
               chat_zero_shot(256), load_gsm8k_documents, {{"split", "test"}}, nullptr});
  r.push_back({"math500", "MATH-500, 4-shot Minerva prompt and answer normalisation (base models)", "math/math500.json",
               nullptr, load_math500_documents, json::object(), nullptr});
  r.push_back({"math500_chat", "MATH-500, 0-shot in a chat turn (instruct models)", "math/math500.json",
               chat_zero_shot(512), load_math500_documents, json::object(), nullptr});
  r.push_back({"bbh", "BIG-Bench Hard, 27 subtasks, 3-shot chain of thought", "bbh/bbh.json", nullptr,
               load_bbh_documents, json::object(), nullptr});
  for (const auto& sub : bbh_subtasks())
    r.push_back({"bbh_" + sub, "BIG-Bench Hard subtask " + sub + ", 3-shot chain of thought", "bbh/bbh.json", nullptr,
                 load_bbh_documents, {{"subtasks", {sub}}}, nullptr});
  // Code: tests run in the sandbox; pass@k over the seeds of a run (see tasks/code/code_task.h).
  using code::Benchmark, code::PromptStyle;
  r.push_back({"humaneval", "HumanEval, 0-shot completion of the prompt (base models), pass@k in the sandbox",
               "code/humaneval.json", nullptr, load_humaneval_documents, json::object(),
               code_scorer(Benchmark::humaneval, PromptStyle::base)});
  r.push_back({"humaneval_instruct", "HumanEval in a chat turn, assistant pre-filled with the prompt (instruct models), pass@k",
               "code/humaneval_instruct.json", nullptr, load_humaneval_documents, json::object(),
               code_scorer(Benchmark::humaneval, PromptStyle::instruct)});
  r.push_back({"mbpp", "MBPP test split (500), 3-shot (base models), pass@k in the sandbox", "code/mbpp.json", nullptr,
               load_mbpp_documents, json::object(), code_scorer(Benchmark::mbpp, PromptStyle::base)});
  r.push_back({"mbpp_instruct", "MBPP test split in a chat turn, assistant pre-filled with a python fence (instruct models), pass@k",
               "code/mbpp_instruct.json", nullptr, load_mbpp_documents, json::object(),
               code_scorer(Benchmark::mbpp, PromptStyle::instruct)});
  r.push_back({"mmlu_generative", "MMLU, 4-shot, answer letter generated in a chat turn (instruct models)",
               "mmlu/mmlu_generative.json", nullptr, load_mmlu_documents, json::object(), nullptr});
  // Multiple choice by log-likelihood (Monte Carlo ELBO for a diffusion model), Dream's base-model protocol.
  r.push_back({"mmlu", "MMLU, 5-shot, the answer letter scored by log-likelihood (base models)", "mmlu/mmlu.json", nullptr,
               load_mmlu_documents, json::object(), nullptr});
  // One task per subject, as lm-eval's mmlu_<subject>: --limit then applies per subject (`--tasks 'mmlu_*'`).
  for (const auto& subject : mmlu_subjects())
    r.push_back({"mmlu_" + subject, "MMLU subject " + subject + ", 5-shot, by log-likelihood", "mmlu/mmlu.json", nullptr,
                 load_mmlu_documents, {{"subjects", {subject}}}, nullptr});
  r.push_back({"arc_easy", "ARC-Easy test, 0-shot, answers scored by log-likelihood (acc, acc_norm)",
               "multiple_choice/arc.json", nullptr, load_arc_documents, {{"subset", "Easy"}}, nullptr});
  r.push_back({"arc_challenge", "ARC-Challenge test, 0-shot, answers scored by log-likelihood (acc, acc_norm)",
               "multiple_choice/arc.json", nullptr, load_arc_documents, {{"subset", "Challenge"}}, nullptr});
  r.push_back({"hellaswag", "HellaSwag validation, 0-shot, endings scored by log-likelihood (acc, acc_norm)",
               "multiple_choice/hellaswag.json", nullptr, load_hellaswag_documents, json::object(), nullptr});
  r.push_back({"piqa", "PIQA validation, 0-shot, solutions scored by log-likelihood (acc, acc_norm)",
               "multiple_choice/piqa.json", nullptr, load_piqa_documents, json::object(), nullptr});
  r.push_back({"winogrande", "WinoGrande validation, 5-shot, partial evaluation by log-likelihood (acc)",
               "multiple_choice/winogrande.json", nullptr, load_winogrande_documents, json::object(), nullptr});
  r.push_back({"sudoku", "4x4 Sudoku with 10 givens (Dream's sudoku_4x4_10), 8-shot, any valid completion counts",
               "planning/sudoku.json", nullptr, load_planning_file_documents,
               {{"kind", "sudoku"}, {"files", {{"sudoku", "sudoku_4x4_10.jsonl"}}}}, nullptr});
  for (int givens = 4; givens <= 12; ++givens) {
    const std::string file = "sudoku_4x4_" + std::to_string(givens) + ".jsonl";
    r.push_back({"sudoku_4x4_" + std::to_string(givens), "4x4 Sudoku with " + std::to_string(givens) + " givens (Dream's " + file + "), 8-shot",
                 "planning/sudoku.json", nullptr, load_planning_file_documents,
                 {{"kind", "sudoku"}, {"files", {{"sudoku", file}}}}, nullptr});
  }
  r.push_back({"sudoku_4x4_gen", "100 generated 4x4 Sudoku (10 givens, unique solution, seed 1), 8-shot",
               "planning/sudoku.json", nullptr, load_generated_sudoku_documents,
               {{"size", 4}, {"givens", 10}, {"count", 100}, {"seed", 1}}, nullptr});
  // Six givens leave blanks that depend on each other, so accuracy climbs with the number of denoising steps
  // (the default model: 27.5% of the first 40 at 1 step, 92.5% at 24; docs/training.md): the demo's harder task.
  r.push_back({"sudoku_4x4_6_gen", "100 generated 4x4 Sudoku (6 givens, unique solution, seed 1), 8-shot",
               "planning/sudoku.json", nullptr, load_generated_sudoku_documents,
               {{"size", 4}, {"givens", 6}, {"count", 100}, {"seed", 1}}, nullptr});
  r.push_back({"sudoku_9x9_gen", "100 generated 9x9 Sudoku (30 givens, unique solution, seed 1), 8-shot",
               "planning/sudoku.json", {{"generation", {{"max_new_tokens", 96}}}}, load_generated_sudoku_documents,
               {{"size", 9}, {"givens", 30}, {"count", 100}, {"seed", 1}}, nullptr});
  r.push_back({"countdown", "Countdown cd3 + cd4 + cd5 (Dream's files), 8-shot, any valid solution counts",
               "planning/countdown.json", nullptr, load_planning_file_documents,
               {{"kind", "countdown"},
                {"files", {{"cd3", "cd3_test.jsonl"}, {"cd4", "cd4_test.jsonl"}, {"cd5", "cd5_test.jsonl"}}}},
               nullptr});
  for (int n = 3; n <= 5; ++n) {
    const std::string cd = "cd" + std::to_string(n);
    r.push_back({"countdown_" + cd, "Countdown with " + std::to_string(n) + " numbers (Dream's " + cd + "_test), 8-shot",
                 "planning/countdown.json", nullptr, load_planning_file_documents,
                 {{"kind", "countdown"}, {"files", {{cd, cd + "_test.jsonl"}}}}, nullptr});
  }
  r.push_back({"countdown_gen", "Generated Countdown, 100 each with 3, 4 and 5 numbers (seed 1), 8-shot",
               "planning/countdown.json", nullptr, load_generated_countdown_documents,
               {{"numbers", {3, 4, 5}}, {"count", 100}, {"seed", 1}}, nullptr});
  // Zero-shot twins of every planning task, for small models trained on the bare prompt format (the
  // project's embedded default model): same documents, header and scoring, no exemplars.
  const size_t planning_end = r.size();
  for (size_t i = 0; i < planning_end; ++i) {
    if (r[i].spec_file.rfind("planning/", 0) != 0) continue;
    TaskEntry twin = r[i];
    twin.name += "_0shot";
    const size_t shot = twin.summary.find("8-shot");
    if (shot != std::string::npos) twin.summary.replace(shot, 6, "0-shot");
    if (twin.spec_patch.is_null()) twin.spec_patch = json::object();
    twin.spec_patch.merge_patch({{"num_fewshot", 0}});
    r.push_back(std::move(twin));
  }
  return r;
}

}  // namespace

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> registry = build_registry();
  return registry;
}

const TaskEntry& find_task(std::string_view name) {
  for (const auto& e : task_registry())
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : task_registry()) known += (known.empty() ? "" : ", ") + e.name;
  for (const auto& s : task_suites()) known += ", " + s.name + " (suite)";
  throw std::invalid_argument("unknown task '" + std::string(name) + "' (known: " + known + ")");
}

const std::vector<TaskSuite>& task_suites() {
  // docs/dream-reference.md section 6: the base model's table (generation and likelihood tasks, planning) and
  // the instruct model's.
  static const std::vector<TaskSuite> suites = {
      {"dream_base",
       {"gsm8k", "math500", "bbh", "humaneval", "mbpp", "mmlu", "arc_easy", "arc_challenge", "hellaswag", "piqa",
        "winogrande", "sudoku", "countdown"}},
      {"dream_base_likelihood", {"mmlu", "arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande"}},
      {"dream_instruct", {"mmlu_generative", "gsm8k_cot", "math500_chat", "humaneval_instruct", "mbpp_instruct"}},
  };
  return suites;
}

std::vector<std::string> expand_task_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (auto suite = std::find_if(task_suites().begin(), task_suites().end(), [&](const TaskSuite& s) { return s.name == n; });
        suite != task_suites().end()) {
      for (const auto& t : suite->tasks) out.push_back(find_task(t).name);
      continue;
    }
    if (n.find_first_of("*?[") == std::string::npos) {
      out.push_back(find_task(n).name);
      continue;
    }
    const size_t before = out.size();
    for (const auto& e : task_registry())
      if (fnmatch(n.c_str(), e.name.c_str(), 0) == 0) out.push_back(e.name);
    if (out.size() == before) find_task(n);  // throws: unknown, with the known names
  }
  return out;
}

TaskSpec task_spec(const TaskEntry& entry) {
  const std::string* text = nullptr;
  for (const auto& [path, content] : embedded_task_specs())
    if (path == entry.spec_file) text = &content;
  if (!text) throw std::logic_error("task " + entry.name + ": spec file tasks/" + entry.spec_file + " is not embedded");
  json j;
  try {
    j = json::parse(*text);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument("tasks/" + entry.spec_file + ": malformed JSON: " + e.what());
  }
  if (!entry.spec_patch.is_null()) j.merge_patch(entry.spec_patch);
  return TaskSpec::parse(j, "tasks/" + entry.spec_file);
}

std::unique_ptr<Task> load_task(std::string_view name, const datasets::DataDir& data, const ScoringContext& context) {
  const TaskEntry& entry = find_task(name);
  TaskSpec spec = task_spec(entry);
  DocumentSet docs = entry.documents(data, entry.source_args);
  std::unique_ptr<Scorer> scorer = entry.scorer ? entry.scorer(spec, docs, context) : make_spec_scorer(spec);
  return std::make_unique<Task>(entry.name, std::move(spec), std::move(docs), std::move(scorer));
}

}  // namespace dream::tasks
