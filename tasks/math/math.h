#pragma once
// MATH-500 with Minerva answer handling: documents with `problem`, `solution`, `target` (the normalised
// last \boxed{} of the solution, as lm-eval's minerva_math process_docs), `answer`, grouped by `subject`.
#include <memory>

#include "tasks/scoring.h"
#include "tasks/sources.h"

namespace dream::tasks {

DocumentSet load_math500_documents(const datasets::DataDir& data, const nlohmann::json& args);

// minerva_equivalent: the extracted answer (filter minerva_answer) is equivalent to the document's target.
std::unique_ptr<Metric> make_minerva_equivalent_metric(const MetricSpec& spec, const std::string& spec_file);

}  // namespace dream::tasks
