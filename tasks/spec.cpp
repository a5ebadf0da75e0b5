// TaskSpec::parse: the JSON spec files under tasks/<family>/ into a TaskSpec, with errors that name the
// spec file and the field.
#include <set>
#include <stdexcept>

#include "task.h"

namespace dream::tasks {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& what) {
  throw std::invalid_argument(file + ": field '" + field + "': " + what);
}

std::string get_string(const json& j, const std::string& key, const std::string& file, const std::string& path) {
  if (!j.is_string()) fail(file, path + key, "expected a string, got " + j.dump());
  return j.get<std::string>();
}

std::vector<std::string> get_strings(const json& j, const std::string& file, const std::string& field) {
  if (!j.is_array()) fail(file, field, "expected an array of strings, got " + j.dump());
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) fail(file, field, "expected strings, got " + s.dump());
    out.push_back(s.get<std::string>());
  }
  return out;
}

void check_keys(const json& j, const std::set<std::string>& allowed, const std::string& file, const std::string& where) {
  if (!j.is_object()) fail(file, where, "expected an object, got " + j.dump());
  for (const auto& [k, _] : j.items()) {
    if (!allowed.count(k)) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      fail(file, where.empty() ? k : where + "." + k, "unknown key (known: " + known + ")");
    }
  }
}

metrics::FilterStep parse_step(const json& s, const std::string& file, const std::string& where) {
  if (!s.is_object() || !s.contains("function") || !s["function"].is_string())
    fail(file, where, "expected {\"function\": ...}, got " + s.dump());
  const std::string fn = s["function"];
  auto keys = [&](std::set<std::string> allowed) {
    allowed.insert("function");
    check_keys(s, allowed, file, where);
  };
  if (fn == "regex") {
    keys({"pattern", "group_select", "fallback"});
    metrics::RegexStep r;
    if (!s.contains("pattern")) fail(file, where + ".pattern", "missing");
    r.pattern = get_string(s["pattern"], "pattern", file, where + ".");
    if (s.contains("group_select")) {
      if (!s["group_select"].is_number_integer()) fail(file, where + ".group_select", "expected an integer");
      r.group_select = s["group_select"];
    }
    if (s.contains("fallback")) r.fallback = get_string(s["fallback"], "fallback", file, where + ".");
    return r;
  }
  if (fn == "cut_at") {
    keys({"markers"});
    if (!s.contains("markers")) fail(file, where + ".markers", "missing");
    return metrics::CutAtStep{get_strings(s["markers"], file, where + ".markers")};
  }
  if (fn == "delete_chars") {
    keys({"chars"});
    if (!s.contains("chars")) fail(file, where + ".chars", "missing");
    return metrics::DeleteCharsStep{get_string(s["chars"], "chars", file, where + ".")};
  }
  keys({});
  if (fn == "take_first") return metrics::TakeFirstStep{};
  if (fn == "lowercase") return metrics::LowercaseStep{};
  if (fn == "uppercase") return metrics::UppercaseStep{};
  if (fn == "strip") return metrics::StripStep{};
  if (fn == "remove_whitespace") return metrics::RemoveWhitespaceStep{};
  if (fn == "first_line") return metrics::FirstLineStep{};
  if (fn == "minerva_answer") return metrics::MinervaAnswerStep{};
  fail(file, where + ".function",
       "unknown filter '" + fn +
           "' (known: regex, take_first, lowercase, uppercase, strip, remove_whitespace, cut_at, first_line, "
           "delete_chars, minerva_answer)");
}

}  // namespace

TaskSpec TaskSpec::parse(const json& j, const std::string& file) {
  check_keys(j,
             {"version", "upstream", "format", "description", "doc_to_text", "doc_to_target", "target_delimiter",
              "fewshot_delimiter", "gen_prefix", "num_fewshot", "fewshot_samples", "stop", "generation", "filters",
              "metrics", "comment", "output_type", "doc_to_choice", "choices_are_contexts"},
             file, "");
  TaskSpec s;
  s.spec_file = file;
  s.raw = j;
  auto str = [&](const char* key, std::string& out, bool required) {
    if (!j.contains(key)) {
      if (required) fail(file, key, "missing");
      return;
    }
    out = get_string(j[key], key, file, "");
  };
  str("version", s.version, true);
  str("upstream", s.upstream, false);
  str("format", s.format, false);
  if (s.format != "plain" && s.format != "chat") fail(file, "format", "expected \"plain\" or \"chat\", got \"" + s.format + "\"");
  str("output_type", s.output_type, false);
  if (s.output_type != "generate_until" && s.output_type != "multiple_choice")
    fail(file, "output_type", "expected \"generate_until\" or \"multiple_choice\", got \"" + s.output_type + "\"");
  if (j.contains("doc_to_choice")) s.doc_to_choice = get_strings(j["doc_to_choice"], file, "doc_to_choice");
  if (j.contains("choices_are_contexts")) {
    if (!j["choices_are_contexts"].is_boolean()) fail(file, "choices_are_contexts", "expected true or false, got " + j["choices_are_contexts"].dump());
    s.choices_are_contexts = j["choices_are_contexts"];
  }
  if (s.is_multiple_choice()) {
    // Log-likelihoods are estimated on plain text (the base-model protocol of Dream's paper).
    if (s.format != "plain") fail(file, "format", "a multiple_choice task must be \"plain\", got \"" + s.format + "\"");
    for (const char* key : {"stop", "gen_prefix", "generation", "filters"})
      if (j.contains(key)) fail(file, key, "has no meaning for a multiple_choice task");
    if (s.choices_are_contexts && !j.contains("doc_to_target"))
      fail(file, "doc_to_target", "missing: with choices_are_contexts it is the continuation every option shares");
  } else {
    for (const char* key : {"doc_to_choice", "choices_are_contexts"})
      if (j.contains(key)) fail(file, key, "only a multiple_choice task has options");
  }
  str("description", s.description, false);
  str("doc_to_text", s.doc_to_text, !(s.is_multiple_choice() && s.choices_are_contexts));
  str("doc_to_target", s.doc_to_target, false);
  str("target_delimiter", s.target_delimiter, false);
  str("fewshot_delimiter", s.fewshot_delimiter, false);
  if (j.contains("gen_prefix") && !j["gen_prefix"].is_null()) s.gen_prefix = get_string(j["gen_prefix"], "gen_prefix", file, "");
  if (j.contains("num_fewshot")) {
    if (!j["num_fewshot"].is_number_integer() || j["num_fewshot"].get<int>() < 0)
      fail(file, "num_fewshot", "expected a non-negative integer, got " + j["num_fewshot"].dump());
    s.num_fewshot = j["num_fewshot"];
  }
  if (j.contains("fewshot_samples")) {
    if (!j["fewshot_samples"].is_array()) fail(file, "fewshot_samples", "expected an array of objects");
    for (size_t i = 0; i < j["fewshot_samples"].size(); ++i) {
      const auto& o = j["fewshot_samples"][i];
      const std::string where = "fewshot_samples[" + std::to_string(i) + "]";
      if (!o.is_object()) fail(file, where, "expected an object of strings");
      std::map<std::string, std::string> fields;
      for (const auto& [k, v] : o.items()) fields[k] = get_string(v, k, file, where + ".");
      s.fewshot_samples.push_back(std::move(fields));
    }
    if (static_cast<int>(s.fewshot_samples.size()) < s.num_fewshot)
      fail(file, "fewshot_samples", "has " + std::to_string(s.fewshot_samples.size()) + " samples, num_fewshot is " +
                                        std::to_string(s.num_fewshot));
  }
  if (j.contains("stop")) s.stop = get_strings(j["stop"], file, "stop");
  if (j.contains("generation")) {
    const auto& g = j["generation"];
    check_keys(g, {"max_new_tokens", "steps", "temperature", "top_p", "top_k", "alg", "alg_temp"}, file, "generation");
    auto num = [&](const char* key) -> const json* {
      if (!g.contains(key) || g[key].is_null()) return nullptr;
      if (!g[key].is_number()) fail(file, std::string("generation.") + key, "expected a number, got " + g[key].dump());
      return &g[key];
    };
    if (auto v = num("max_new_tokens")) s.generation.max_new_tokens = v->get<int>();
    if (auto v = num("steps")) s.generation.steps = v->get<int>();
    if (auto v = num("temperature")) s.generation.temperature = v->get<double>();
    if (auto v = num("top_p")) s.generation.top_p = v->get<double>();
    if (auto v = num("top_k")) s.generation.top_k = v->get<int>();
    if (auto v = num("alg_temp")) s.generation.alg_temp = v->get<double>();
    if (g.contains("alg")) s.generation.alg = get_string(g["alg"], "alg", file, "generation.");
  }
  if (j.contains("filters")) {
    if (!j["filters"].is_array()) fail(file, "filters", "expected an array");
    for (size_t i = 0; i < j["filters"].size(); ++i) {
      const auto& f = j["filters"][i];
      const std::string where = "filters[" + std::to_string(i) + "]";
      check_keys(f, {"name", "steps"}, file, where);
      if (!f.contains("name")) fail(file, where + ".name", "missing");
      metrics::FilterPipeline p;
      p.name = get_string(f["name"], "name", file, where + ".");
      if (f.contains("steps")) {
        if (!f["steps"].is_array()) fail(file, where + ".steps", "expected an array");
        for (size_t k = 0; k < f["steps"].size(); ++k)
          p.steps.push_back(parse_step(f["steps"][k], file, where + ".steps[" + std::to_string(k) + "]"));
      }
      s.filters.push_back(std::move(p));
    }
  }
  if (s.filters.empty()) s.filters.push_back({"none", {}});
  if (!j.contains("metrics") || !j["metrics"].is_array() || j["metrics"].empty())
    fail(file, "metrics", "expected a non-empty array of {\"name\": ...}");
  for (size_t i = 0; i < j["metrics"].size(); ++i) {
    const auto& m = j["metrics"][i];
    const std::string where = "metrics[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("name")) fail(file, where, "expected {\"name\": ...}");
    MetricSpec ms;
    ms.name = get_string(m["name"], "name", file, where + ".");
    ms.options = m;
    ms.options.erase("name");
    s.metrics.push_back(std::move(ms));
  }
  return s;
}

}  // namespace dream::tasks
