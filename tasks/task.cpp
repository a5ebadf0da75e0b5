#include "task.h"

#include <stdexcept>

#include "datasets/sha256.h"

namespace dream::tasks {

const std::string& Document::field(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) throw std::invalid_argument("document " + id + ": no field '" + name + "'");
  return it->second;
}

nlohmann::json Request::to_json() const {
  nlohmann::json j;
  if (kind == RequestKind::loglikelihood) {
    j["kind"] = "loglikelihood";
    j["choices"] = nlohmann::json::array();
    for (const auto& c : choices) j["choices"].push_back({{"context", c.context}, {"continuation", c.continuation}});
    return j;
  }
  j["kind"] = "generate_until";
  j["prompt"] = prompt;
  j["messages"] = nlohmann::json::array();
  for (const auto& m : messages) j["messages"].push_back({{"role", m.role}, {"content", m.content}});
  j["assistant_prefill"] = assistant_prefill;
  j["stop"] = stop;
  return j;
}

std::string Request::hash() const { return datasets::sha256_hex(to_json().dump()); }

nlohmann::json GenerationDefaults::to_json() const {
  nlohmann::json j{{"max_new_tokens", max_new_tokens}, {"temperature", temperature}, {"alg", alg}, {"alg_temp", alg_temp}};
  j["steps"] = steps ? nlohmann::json(*steps) : nlohmann::json(nullptr);
  j["top_p"] = top_p ? nlohmann::json(*top_p) : nlohmann::json(nullptr);
  j["top_k"] = top_k ? nlohmann::json(*top_k) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json SampleScore::to_json() const {
  nlohmann::json m = nlohmann::json::object();
  for (const auto& [k, v] : metrics) m[k] = v;
  nlohmann::json j{{"metrics", m}, {"extracted", extracted}};
  if (!note.empty()) j["note"] = note;
  if (code) j["code"] = {{"status", code->status}, {"error_line", code->error_line}, {"warning", code->warning}};
  if (!error.empty()) j["error"] = error;
  return j;
}

std::vector<SampleScore> Scorer::score_all(const std::vector<ScoreItem>& items) const {
  std::vector<SampleScore> out;
  for (const auto& item : items) {
    try {
      out.push_back(score(*item.doc, item.response));
    } catch (const std::exception& e) {
      SampleScore failed;
      failed.error = e.what();
      out.push_back(std::move(failed));
    }
  }
  return out;
}

SampleScore Scorer::score_choices(const Document& doc, const std::vector<double>&) const {
  throw std::logic_error("document " + doc.id + ": this task scores generated text, not log-likelihoods of options");
}

std::string render_template(std::string_view tmpl, const Document& doc, const std::string& context) {
  std::string out;
  size_t pos = 0;
  while (pos < tmpl.size()) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    out.append(tmpl.substr(pos, open - pos));
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos)
      throw std::invalid_argument(context + ": unterminated '{{' in template at offset " + std::to_string(open));
    std::string name(tmpl.substr(open + 2, close - open - 2));
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    auto it = doc.fields.find(name);
    if (it == doc.fields.end()) {
      std::string known;
      for (const auto& [k, _] : doc.fields) known += (known.empty() ? "" : ", ") + k;
      throw std::invalid_argument(context + ": unknown field '" + name + "' (document " + doc.id + " has: " + known + ")");
    }
    out += it->second;
    pos = close + 2;
  }
  return out;
}

Task::Task(std::string name, TaskSpec spec, DocumentSet docs, std::unique_ptr<Scorer> scorer)
    : name_(std::move(name)), spec_(std::move(spec)), docs_(std::move(docs)), scorer_(std::move(scorer)) {
  for (size_t i = 0; i < docs_.documents.size(); ++i) {
    if (!index_.emplace(docs_.documents[i].id, i).second)
      throw std::logic_error("task " + name_ + ": duplicate document id '" + docs_.documents[i].id + "'");
  }
  for (size_t i = 0; i < spec_.fewshot_samples.size(); ++i) {
    Document d;
    d.id = "fewshot/" + std::to_string(i);
    d.fields = spec_.fewshot_samples[i];
    inline_shots_.push_back(std::move(d));
  }
}

std::vector<const Document*> Task::fewshot_for(const Document& doc) const {
  std::vector<const Document*> shots;
  if (spec_.num_fewshot == 0) return shots;
  const std::vector<Document>* pool = &inline_shots_;
  if (inline_shots_.empty()) {
    auto it = docs_.fewshot.find(doc.group);
    if (it == docs_.fewshot.end()) it = docs_.fewshot.find("");
    if (it == docs_.fewshot.end())
      throw std::runtime_error("task " + name_ + ": no few-shot exemplars for group '" + doc.group + "'");
    pool = &it->second;
  }
  for (const auto& shot : *pool) {
    if (static_cast<int>(shots.size()) == spec_.num_fewshot) break;
    if (shot.id == doc.id && shot.group == doc.group) continue;  // never show the item itself
    shots.push_back(&shot);
  }
  if (static_cast<int>(shots.size()) < spec_.num_fewshot)
    throw std::runtime_error("task " + name_ + ": group '" + doc.group + "' has " + std::to_string(shots.size()) +
                             " few-shot exemplars, the spec asks for " + std::to_string(spec_.num_fewshot));
  return shots;
}

std::vector<std::string> choice_texts(const TaskSpec& spec, const Document& doc) {
  std::vector<std::string> out;
  if (spec.doc_to_choice.empty()) {
    out = doc.choices;
  } else {
    for (size_t i = 0; i < spec.doc_to_choice.size(); ++i)
      out.push_back(render_template(spec.doc_to_choice[i], doc, spec.spec_file + ": doc_to_choice[" + std::to_string(i) + "]"));
  }
  if (out.size() < 2)
    throw std::invalid_argument(spec.spec_file + ": document " + doc.id + ": field 'choices': expected at least 2 options, got " +
                                std::to_string(out.size()));
  return out;
}

int gold_choice(const TaskSpec& spec, const Document& doc) {
  const size_t n = spec.doc_to_choice.empty() ? doc.choices.size() : spec.doc_to_choice.size();
  if (doc.gold < 0 || static_cast<size_t>(doc.gold) >= n)
    throw std::invalid_argument(spec.spec_file + ": document " + doc.id + ": field 'gold': expected an option index 0-" +
                                std::to_string(n == 0 ? 0 : n - 1) + ", got " + std::to_string(doc.gold));
  return doc.gold;
}

// lm-eval's multiple_choice construction: the few-shot block shows each exemplar with its right option (or,
// for multiple-input tasks, the right option as the text and the shared continuation as the target); every
// option then becomes one (context, continuation) pair.
Request Task::build_multiple_choice_request(const Document& doc) const {
  const std::string& f = spec_.spec_file;
  std::string context = render_template(spec_.description, doc, f + ": description");
  for (const Document* shot : fewshot_for(doc)) {
    const std::string right = choice_texts(spec_, *shot)[static_cast<size_t>(gold_choice(spec_, *shot))];
    if (spec_.choices_are_contexts)
      context += right + spec_.target_delimiter + render_template(spec_.doc_to_target, *shot, f + ": doc_to_target");
    else
      context += render_template(spec_.doc_to_text, *shot, f + ": doc_to_text") + spec_.target_delimiter + right;
    context += spec_.fewshot_delimiter;
  }
  Request r;
  r.kind = RequestKind::loglikelihood;
  gold_choice(spec_, doc);  // a document without a valid answer fails here, not after the model ran
  if (spec_.choices_are_contexts) {
    const std::string continuation = spec_.target_delimiter + render_template(spec_.doc_to_target, doc, f + ": doc_to_target");
    for (const auto& option : choice_texts(spec_, doc)) r.choices.push_back({context + option, continuation});
  } else {
    context += render_template(spec_.doc_to_text, doc, f + ": doc_to_text");
    for (const auto& option : choice_texts(spec_, doc)) r.choices.push_back({context, spec_.target_delimiter + option});
  }
  return r;
}

Request Task::build_request(const Document& doc) const {
  if (spec_.is_multiple_choice()) return build_multiple_choice_request(doc);
  const std::string& f = spec_.spec_file;
  std::string shots_block;
  for (const Document* shot : fewshot_for(doc)) {
    shots_block += render_template(spec_.doc_to_text, *shot, f + ": doc_to_text") + spec_.target_delimiter +
                   render_template(spec_.doc_to_target, *shot, f + ": doc_to_target") + spec_.fewshot_delimiter;
  }
  const std::string description = render_template(spec_.description, doc, f + ": description");
  const std::string question = render_template(spec_.doc_to_text, doc, f + ": doc_to_text");
  const std::string prefix = spec_.gen_prefix ? render_template(*spec_.gen_prefix, doc, f + ": gen_prefix") : "";
  Request r;
  r.stop = spec_.stop;
  if (spec_.format == "chat") {
    if (!description.empty()) r.messages.push_back({"system", description});
    r.messages.push_back({"user", shots_block + question});
    r.assistant_prefill = prefix;
  } else {
    r.prompt = description + shots_block + question;
    if (spec_.gen_prefix) r.prompt += spec_.target_delimiter + prefix;
  }
  return r;
}

size_t Task::index_of(const std::string& doc_id) const {
  auto it = index_.find(doc_id);
  if (it == index_.end()) throw std::invalid_argument("task " + name_ + " has no document with id '" + doc_id + "'");
  return it->second;
}

}  // namespace dream::tasks
