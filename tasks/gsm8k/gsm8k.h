#pragma once
// GSM8K: documents with `question`, `answer` (the worked solution) and `target` (the number after "####").
#include "tasks/sources.h"

namespace dream::tasks {

// args: {"split": "test" | "train"}
DocumentSet load_gsm8k_documents(const datasets::DataDir& data, const nlohmann::json& args);

}  // namespace dream::tasks
