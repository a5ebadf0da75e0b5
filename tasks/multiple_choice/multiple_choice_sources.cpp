#include "multiple_choice.h"

#include "datasets/records.h"
#include "metrics/filters.h"

namespace dream::tasks {

namespace {

int gold_index(int64_t value, size_t n_options, const datasets::Record& r, const char* field) {
  if (value < 0 || static_cast<size_t>(value) >= n_options)
    throw datasets::DataError(r.where() + ": field '" + field + "': expected 0-" + std::to_string(n_options - 1) + ", got " +
                              std::to_string(value));
  return static_cast<int>(value);
}

}  // namespace

// One ARC record: {"id", "question": {"stem", "choices": [{"text", "label"}]}, "answerKey"}.
Document arc_document(const datasets::Record& r) {
  const nlohmann::json& q = r.field("question");
  if (!q.is_object() || !q.contains("stem") || !q["stem"].is_string() || !q.contains("choices") || !q["choices"].is_array())
    throw datasets::DataError(r.where() + ": field 'question': expected {\"stem\": string, \"choices\": [...]}");
  Document d;
  d.id = r.string_field("id");
  d.fields["question"] = q["stem"].get<std::string>();
  const std::string key = r.string_field("answerKey");
  for (const auto& c : q["choices"]) {
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string() || !c.contains("label") || !c["label"].is_string())
      throw datasets::DataError(r.where() + ": field 'question.choices': expected {\"text\": string, \"label\": string}, got " + c.dump());
    if (c["label"].get<std::string>() == key) d.gold = static_cast<int>(d.choices.size());
    d.choices.push_back(c["text"].get<std::string>());
  }
  if (d.gold < 0) throw datasets::DataError(r.where() + ": field 'answerKey': '" + key + "' is not one of the choice labels");
  if (d.choices.size() < 2) throw datasets::DataError(r.where() + ": field 'question.choices': fewer than 2 choices");
  d.fields["target"] = d.choices[static_cast<size_t>(d.gold)];
  return d;
}

// One WinoGrande record: {"qID", "sentence" with one "_", "option1", "option2", "answer": "1" | "2"}.
Document winogrande_document(const datasets::Record& r) {
  const std::string sentence = r.string_field("sentence");
  const size_t blank = sentence.find('_');
  if (blank == std::string::npos) throw datasets::DataError(r.where() + ": field 'sentence': no '_' blank in \"" + sentence + "\"");
  const std::string answer = r.string_field("answer");
  if (answer != "1" && answer != "2") throw datasets::DataError(r.where() + ": field 'answer': expected \"1\" or \"2\", got \"" + answer + "\"");
  Document d;
  d.id = r.string_field("qID");
  d.choices = {sentence.substr(0, blank) + r.string_field("option1"), sentence.substr(0, blank) + r.string_field("option2")};
  d.gold = answer == "1" ? 0 : 1;
  d.fields["continuation"] = std::string(metrics::strip_whitespace(sentence.substr(blank + 1)));
  d.fields["sentence"] = sentence;
  d.fields["target"] = r.string_field(answer == "1" ? "option1" : "option2");
  return d;
}

std::string hellaswag_preprocess(const std::string& text) {
  std::string s = std::string(metrics::strip_whitespace(text));
  for (size_t at; (at = s.find(" [title]")) != std::string::npos;) s.replace(at, 8, ". ");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '[') {
      const size_t close = s.find(']', i);
      if (close != std::string::npos) {  // lm-eval's re.sub("\\[.*?\\]", "", text)
        i = close;
        continue;
      }
    }
    out += s[i];
  }
  // Python's str.replace("  ", " ") is one left-to-right pass: "   " becomes "  ".
  std::string single;
  for (size_t i = 0; i < out.size(); ++i) {
    single += out[i];
    if (out[i] == ' ' && i + 1 < out.size() && out[i + 1] == ' ') ++i;
  }
  return single;
}

DocumentSet load_arc_documents(const datasets::DataDir& data, const nlohmann::json& args) {
  const std::string subset = arg_or<std::string>(args, "subset", "Easy");
  if (subset != "Easy" && subset != "Challenge")
    throw std::invalid_argument("arc: argument 'subset': expected \"Easy\" or \"Challenge\", got \"" + subset + "\"");
  DocumentSet set;
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "arc", "ARC-" + subset + "-Test.jsonl")))
    set.documents.push_back(arc_document(r));
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "arc", "ARC-" + subset + "-Dev.jsonl")))
    set.fewshot[""].push_back(arc_document(r));
  return set;
}

DocumentSet load_hellaswag_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "hellaswag", "hellaswag_val_full.jsonl"))) {
    Document d;
    d.id = std::to_string(r.index);
    d.fields["query"] = hellaswag_preprocess(r.string_field("ctx"));
    for (const auto& ending : r.string_list_field("endings")) d.choices.push_back(hellaswag_preprocess(ending));
    if (d.choices.size() != 4) throw datasets::DataError(r.where() + ": field 'endings': expected 4, got " + std::to_string(d.choices.size()));
    d.gold = gold_index(r.int_field("label"), d.choices.size(), r, "label");
    d.fields["target"] = d.choices[static_cast<size_t>(d.gold)];
    set.documents.push_back(std::move(d));
  }
  return set;
}

DocumentSet load_piqa_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "piqa", "piqa_valid_with_labels.jsonl"))) {
    Document d;
    d.id = std::to_string(r.index);
    d.fields["goal"] = r.string_field("goal");
    d.choices = {r.string_field("sol1"), r.string_field("sol2")};
    d.gold = gold_index(r.int_field("label"), 2, r, "label");
    d.fields["target"] = d.choices[static_cast<size_t>(d.gold)];
    set.documents.push_back(std::move(d));
  }
  return set;
}

DocumentSet load_winogrande_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  for (const auto& r : datasets::read_jsonl(use_file(set, data, "winogrande", "dev.jsonl")))
    set.documents.push_back(winogrande_document(r));
  set.fewshot[""] = set.documents;
  return set;
}

}  // namespace dream::tasks
