#pragma once
// MMLU (57 subjects): documents with `question` (stripped), `choice_a`..`choice_d`, `target` (the answer
// letter) and `subject_name` (underscores as spaces), the options as Document::choices with the answer's
// index as Document::gold, grouped by subject; few-shot pools are each subject's
// dev rows in file order (lm-eval's first_n sampler over the dev split).
#include "tasks/sources.h"

namespace dream::tasks {

// The test set comes from mmlu_test.jsonl when present, else from the 57 test/<subject>_test.csv files
// (same rows, same order); the dev set from dev/<subject>_dev.csv. args {"subjects": [...]} keeps those
// subjects only (document ids stay positions in the whole test set).
DocumentSet load_mmlu_documents(const datasets::DataDir& data, const nlohmann::json& args);

// The 57 subjects in alphabetical order (from the dataset registry's dev files).
std::vector<std::string> mmlu_subjects();

}  // namespace dream::tasks
