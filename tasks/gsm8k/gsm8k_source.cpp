#include "gsm8k.h"

#include "datasets/records.h"

namespace dream::tasks {

DocumentSet load_gsm8k_documents(const datasets::DataDir& data, const nlohmann::json& args) {
  DocumentSet set;
  const std::string split = arg_or<std::string>(args, "split", "test");
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "gsm8k", split + ".jsonl"))) {
    Document d;
    d.id = std::to_string(r.index);
    d.fields["question"] = r.string_field("question");
    d.fields["answer"] = r.string_field("answer");
    // lm-eval: answer.split('####')[-1].strip()
    const std::string& a = d.fields["answer"];
    const size_t marker = a.rfind("####");
    if (marker == std::string::npos) throw datasets::DataError(r.where() + ": field 'answer': no '####' final answer");
    std::string t = a.substr(marker + 4);
    t.erase(0, t.find_first_not_of(" \t\n\r"));
    t.erase(t.find_last_not_of(" \t\n\r") + 1);
    d.fields["target"] = t;
    set.documents.push_back(std::move(d));
  }
  return set;
}

}  // namespace dream::tasks
