#include <stdexcept>

#include "datasets/records.h"
#include "math.h"
#include "metrics/minerva_math.h"

namespace dream::tasks {

DocumentSet load_math500_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "math500", "test.jsonl"))) {
    Document d;
    d.id = r.string_field("unique_id");
    d.group = r.string_field("subject");
    d.fields["problem"] = r.string_field("problem");
    d.fields["solution"] = r.string_field("solution");
    d.fields["answer"] = r.string_field("answer");
    d.fields["target"] = metrics::minerva_gold_answer(d.fields["solution"]);
    if (d.fields["target"].empty()) throw datasets::DataError(r.where() + ": field 'solution': no \\boxed{} answer");
    set.documents.push_back(std::move(d));
  }
  return set;
}

namespace {

class MinervaEquivalent : public Metric {
 public:
  double score(const Document& doc, const std::string& extracted, std::string&) const override {
    return metrics::minerva_answers_equivalent(extracted, doc.field("target")) ? 1.0 : 0.0;
  }
};

}  // namespace

std::unique_ptr<Metric> make_minerva_equivalent_metric(const MetricSpec& spec, const std::string& file) {
  if (!spec.options.empty()) throw std::invalid_argument(file + ": metric minerva_equivalent takes no options");
  return std::make_unique<MinervaEquivalent>();
}

}  // namespace dream::tasks
