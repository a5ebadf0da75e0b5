#include "bbh.h"

#include <stdexcept>

#include "datasets/records.h"
#include "datasets/registry.h"

namespace dream::tasks {

std::vector<std::string> bbh_subtasks() {
  std::vector<std::string> names;
  for (const auto& f : datasets::find_dataset("bbh").files)
    if (f.path.rfind("bbh/", 0) == 0) names.push_back(f.path.substr(4, f.path.size() - 4 - 5));  // bbh/<name>.json
  return names;
}

BbhPrompt parse_bbh_cot_prompt(const std::string& text, const std::string& file) {
  const std::string header_end = "-----\n";
  const size_t h = text.find(header_end);
  if (h == std::string::npos) throw datasets::DataError(file + ": no '-----' line after the canary");
  const std::string body = text.substr(h + header_end.size());
  BbhPrompt p;
  const size_t first_q = body.find("\n\nQ: ");
  if (first_q == std::string::npos) throw datasets::DataError(file + ": no 'Q: ' exemplar");
  p.description = body.substr(0, first_q);
  const std::string cue = "\nA: Let's think step by step.";
  size_t pos = first_q + 2;
  while (pos < body.size()) {
    size_t next = body.find("\n\nQ: ", pos);
    const std::string ex = body.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    const size_t a = ex.find(cue);
    if (ex.rfind("Q: ", 0) != 0 || a == std::string::npos)
      throw datasets::DataError(file + ": exemplar " + std::to_string(p.exemplars.size() + 1) +
                                " is not 'Q: ...\\nA: Let's think step by step. ...'");
    size_t t = a + cue.size();
    if (t < ex.size() && (ex[t] == '\n' || ex[t] == ' ')) ++t;
    p.exemplars.emplace_back(ex.substr(3, a - 3), ex.substr(t));
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  return p;
}

DocumentSet load_bbh_documents(const datasets::DataDir& data, const nlohmann::json& args) {
  DocumentSet set;
  const auto all = bbh_subtasks();
  std::vector<std::string> wanted = args.contains("subtasks") ? args["subtasks"].get<std::vector<std::string>>() : all;
  for (const auto& name : wanted) {
    const BbhPrompt prompt =
        parse_bbh_cot_prompt(datasets::read_text(use_file(set, data, "bbh", "cot-prompts/" + name + ".txt")),
                             "bbh/cot-prompts/" + name + ".txt");
    auto& pool = set.fewshot[name];
    for (size_t i = 0; i < prompt.exemplars.size(); ++i) {
      Document shot;
      shot.id = name + "/fewshot/" + std::to_string(i);
      shot.group = name;
      shot.fields = {{"input", prompt.exemplars[i].first}, {"target", prompt.exemplars[i].second}};
      pool.push_back(std::move(shot));
    }
    for (const auto& r : datasets::read_json_array(use_file(set, data, "bbh", "bbh/" + name + ".json"), "examples")) {
      Document d;
      d.id = name + "/" + std::to_string(r.index);
      d.group = name;
      d.fields["input"] = r.string_field("input");
      d.fields["target"] = r.string_field("target");
      d.fields["task_description"] = prompt.description;
      set.documents.push_back(std::move(d));
    }
  }
  return set;
}

}  // namespace dream::tasks
