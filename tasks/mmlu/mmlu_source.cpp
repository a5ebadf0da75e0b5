#include "mmlu.h"

#include <algorithm>
#include <stdexcept>

#include "datasets/records.h"
#include "datasets/registry.h"
#include "metrics/filters.h"

namespace dream::tasks {

namespace {

}  // namespace

std::vector<std::string> mmlu_subjects() {
  std::vector<std::string> out;
  const std::string suffix = "_dev.csv";
  for (const auto& f : datasets::find_dataset("mmlu").files)
    if (f.path.rfind("dev/", 0) == 0) out.push_back(f.path.substr(4, f.path.size() - 4 - suffix.size()));
  return out;
}

namespace {

Document make_doc(std::string id, const std::string& subject, const std::string& question,
                  const std::vector<std::string>& choices, int answer, const std::string& where) {
  if (choices.size() != 4) throw datasets::DataError(where + ": field 'choices': expected 4, got " + std::to_string(choices.size()));
  if (answer < 0 || answer > 3) throw datasets::DataError(where + ": field 'answer': expected 0-3 or A-D, got " + std::to_string(answer));
  Document d;
  d.id = std::move(id);
  d.group = subject;
  std::string name = subject;
  for (auto& c : name) c = c == '_' ? ' ' : c;
  d.fields = {{"question", std::string(metrics::strip_whitespace(question))}, {"choice_a", choices[0]}, {"choice_b", choices[1]},
              {"choice_c", choices[2]},      {"choice_d", choices[3]}, {"target", std::string(1, "ABCD"[answer])},
              {"subject", subject},          {"subject_name", name}};
  d.choices = choices;  // the option texts; the likelihood task scores the letters (its doc_to_choice)
  d.gold = answer;
  return d;
}

// Rows of one subject's CSV (question, A, B, C, D, answer letter).
std::vector<Document> read_subject_csv(const std::filesystem::path& path, const std::string& subject, const std::string& id_prefix,
                                       size_t first_index) {
  std::vector<Document> docs;
  for (const auto& row : datasets::read_csv(path)) {
    const std::string where = path.string() + ":" + std::to_string(row.line);
    if (row.fields.size() != 6)
      throw datasets::DataError(where + ": expected 6 columns (question, A, B, C, D, answer), got " + std::to_string(row.fields.size()));
    const std::string& letter = row.fields[5];
    if (letter.size() != 1 || letter[0] < 'A' || letter[0] > 'D')
      throw datasets::DataError(where + ": field 'answer' (column 6): expected A-D, got '" + letter + "'");
    docs.push_back(make_doc(id_prefix + std::to_string(first_index + docs.size()), subject, row.fields[0],
                            {row.fields[1], row.fields[2], row.fields[3], row.fields[4]}, letter[0] - 'A', where));
  }
  return docs;
}

}  // namespace

DocumentSet load_mmlu_documents(const datasets::DataDir& data, const nlohmann::json& args) {
  DocumentSet set;
  const auto all = mmlu_subjects();
  const auto subjects = args.contains("subjects") ? args["subjects"].get<std::vector<std::string>>() : all;
  for (const auto& s : subjects)
    if (std::find(all.begin(), all.end(), s) == all.end()) throw std::invalid_argument("mmlu: unknown subject '" + s + "'");
  for (const auto& s : subjects) {
    auto dev = read_subject_csv(use_file(set, data, "mmlu", "dev/" + s + "_dev.csv"), s, s + "/dev/", 0);
    set.fewshot[s] = std::move(dev);
  }
  if (data.exists("mmlu", "mmlu_test.jsonl")) {
    for (const auto& r : datasets::read_jsonl(use_file(set, data, "mmlu", "mmlu_test.jsonl"))) {
      const std::string subject = r.string_field("subject");
      if (std::find(all.begin(), all.end(), subject) == all.end())
        throw datasets::DataError(r.where() + ": field 'subject': unknown subject '" + subject + "'");
      if (!set.fewshot.count(subject)) continue;  // a subject this task does not evaluate
      set.documents.push_back(make_doc(std::to_string(r.index), subject, r.string_field("question"),
                                       r.string_list_field("choices"), static_cast<int>(r.int_field("answer")), r.where()));
    }
  } else {
    // Ids are positions in the whole test set (as in mmlu_test.jsonl), so every subject's file is read for its count.
    size_t offset = 0;
    for (const auto& s : all) {
      auto docs = read_subject_csv(use_file(set, data, "mmlu", "test/" + s + "_test.csv"), s, "", offset);
      offset += docs.size();
      if (!set.fewshot.count(s)) continue;
      for (auto& d : docs) set.documents.push_back(std::move(d));
    }
  }
  return set;
}

}  // namespace dream::tasks
