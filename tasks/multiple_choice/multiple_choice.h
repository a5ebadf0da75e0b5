#pragma once
// Document sources of the multiple-choice (log-likelihood) tasks of Dream's base-model evaluation: ARC,
// HellaSwag, PIQA and WinoGrande (MMLU's source is tasks/mmlu). Each document carries its options in
// Document::choices and the right one in Document::gold; the fields are what the specs' templates read.
#include "datasets/records.h"
#include "tasks/sources.h"

namespace dream::tasks {

// ARC (args: "subset" "Easy" or "Challenge"): test split; fields `question` (the stem); options are the
// choice texts; gold = the position of answerKey among the labels (A-E or 1-5). Few-shot pool: the dev split.
DocumentSet load_arc_documents(const datasets::DataDir& data, const nlohmann::json& args);

// HellaSwag validation: field `query` (activity label + context, cleaned as lm-eval's preprocess); options
// are the four endings, cleaned the same way.
DocumentSet load_hellaswag_documents(const datasets::DataDir& data, const nlohmann::json& args);

// PIQA validation: field `goal`; options sol1, sol2.
DocumentSet load_piqa_documents(const datasets::DataDir& data, const nlohmann::json& args);

// WinoGrande dev (= validation): options are the sentence up to the blank filled with option1 / option2,
// field `continuation` is the rest of the sentence after the blank (lm-eval's partial evaluation). Few-shot
// pool: the dev set itself (the train split is not in the data folder; see tasks/README.md).
DocumentSet load_winogrande_documents(const datasets::DataDir& data, const nlohmann::json& args);

// One record of each file as a document (exposed for tests: verified data files cannot hold malformed
// records); a malformed record throws datasets::DataError naming the file, line and field.
Document arc_document(const datasets::Record& record);
Document winogrande_document(const datasets::Record& record);

// lm-eval's hellaswag text cleaning: strip, " [title]" -> ". ", drop "[...]" tags, "  " -> " ".
std::string hellaswag_preprocess(const std::string& text);

}  // namespace dream::tasks
