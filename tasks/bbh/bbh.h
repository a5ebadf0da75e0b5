#pragma once
// BIG-Bench Hard, 27 subtasks: documents with `input`, `target` and `task_description` grouped by
// subtask (ids "<subtask>/<index>"); few-shot pools are the three chain-of-thought exemplars of
// cot-prompts/<subtask>.txt, parsed into `input` and `target`.
#include <string>
#include <vector>

#include "tasks/sources.h"

namespace dream::tasks {

// The 27 subtask names, from the dataset registry.
std::vector<std::string> bbh_subtasks();

// args: {"subtasks": [names]} (default: all 27)
DocumentSet load_bbh_documents(const datasets::DataDir& data, const nlohmann::json& args);

// A cot-prompts file: its description line and exemplars. lm-eval renders each exemplar as
// "Q: {input}\nA: Let's think step by step.\n{target}"; the files agree except sports_understanding,
// whose reasoning starts on the "A:" line (lm-eval's rendering is what Dream was evaluated with).
struct BbhPrompt {
  std::string description;
  std::vector<std::pair<std::string, std::string>> exemplars;  // (input, target)
};
BbhPrompt parse_bbh_cot_prompt(const std::string& text, const std::string& file_for_errors);

}  // namespace dream::tasks
