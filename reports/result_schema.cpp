#include "result_schema.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

namespace dream::reports {
namespace {

// ---- reading with JSON paths in every error ------------------------------------------------------

std::string show(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

void require_object(const Json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object, got " + show(j));
}

template <class T>
T as(const Json& v, const std::string& path);

template <>
std::string as<std::string>(const Json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a string, got " + show(v));
  return v.get<std::string>();
}

template <>
bool as<bool>(const Json& v, const std::string& path) {
  if (!v.is_boolean()) fail(path, "expected true or false, got " + show(v));
  return v.get<bool>();
}

template <>
std::int64_t as<std::int64_t>(const Json& v, const std::string& path) {
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
    fail(path, "integer out of range: " + show(v));
  if (!v.is_number_integer()) fail(path, "expected an integer, got " + show(v));
  return v.get<std::int64_t>();
}

template <>
int as<int>(const Json& v, const std::string& path) {
  const std::int64_t x = as<std::int64_t>(v, path);
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
    fail(path, "integer out of range: " + show(v));
  return int(x);
}

// JSON has no NaN or infinity; nlohmann writes them as null, so null reads back as NaN.
template <>
double as<double>(const Json& v, const std::string& path) {
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) fail(path, "expected a number, got " + show(v));
  return v.get<double>();
}

std::string key_path(const std::string& where, const char* key) { return where + "." + key; }

template <class T>
T required(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(key_path(where, key), "missing required field");
  return as<T>(*it, key_path(where, key));
}

// Absent or null reads as nullopt.
template <class T>
std::optional<T> optional(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  return as<T>(*it, key_path(where, key));
}

template <class T>
T value_or(const Json& obj, const char* key, const std::string& where, T fallback) {
  return optional<T>(obj, key, where).value_or(std::move(fallback));
}

// A member that must be an array (absent reads as empty); calls each(element, path) per element.
template <class F>
void for_each_in_array(const Json& obj, const char* key, const std::string& where, F&& each) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return;
  const std::string path = key_path(where, key);
  if (!it->is_array()) fail(path, "expected an array, got " + show(*it));
  for (std::size_t i = 0; i < it->size(); ++i) each((*it)[i], path + "[" + std::to_string(i) + "]");
}

// A member that must be an object (absent reads as empty); calls each(key, value, path) per member.
template <class F>
void for_each_in_object(const Json& obj, const char* key, const std::string& where, F&& each) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return;
  const std::string path = key_path(where, key);
  require_object(*it, path);
  for (auto m = it->begin(); m != it->end(); ++m) each(m.key(), m.value(), path + "[\"" + m.key() + "\"]");
}

Json object_or_empty(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Json::object();
  require_object(*it, key_path(where, key));
  return *it;
}

template <class T>
void put_optional(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

// ---- structs <-> JSON ----------------------------------------------------------------------------

Json artifact_to_json(const Artifact& a) { return Json{{"path", a.path}, {"fingerprint", a.fingerprint}}; }

Artifact artifact_from_json(const Json& j, const std::string& where) {
  require_object(j, where);
  return Artifact{value_or<std::string>(j, "path", where, ""), value_or<std::string>(j, "fingerprint", where, "")};
}

Json provenance_to_json(const Provenance& p) {
  Json j;
  j["dream_eval_version"] = p.dream_eval_version;
  j["git_commit"] = p.git_commit;
  j["git_dirty"] = p.git_dirty;
  j["host"] = p.host;
  j["device"] = p.device;
  j["dtype"] = p.dtype;
  j["seeds"] = p.seeds;
  j["started_at"] = p.started_at;
  j["finished_at"] = p.finished_at;
  j["model"] = artifact_to_json(p.model);
  j["tokenizer"] = artifact_to_json(p.tokenizer);
  j["command_line"] = p.command_line;
  j["environment"] = Json::object();
  for (const auto& [k, v] : p.environment) j["environment"][k] = v;
  return j;
}

Provenance provenance_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  Provenance p;
  p.dream_eval_version = value_or<std::string>(j, "dream_eval_version", w, "");
  p.git_commit = value_or<std::string>(j, "git_commit", w, "");
  p.git_dirty = value_or<bool>(j, "git_dirty", w, false);
  p.host = value_or<std::string>(j, "host", w, "");
  p.device = value_or<std::string>(j, "device", w, "");
  p.dtype = value_or<std::string>(j, "dtype", w, "");
  for_each_in_array(j, "seeds", w, [&](const Json& e, const std::string& path) { p.seeds.push_back(as<std::int64_t>(e, path)); });
  p.started_at = value_or<std::string>(j, "started_at", w, "");
  p.finished_at = value_or<std::string>(j, "finished_at", w, "");
  if (j.contains("model")) p.model = artifact_from_json(j["model"], key_path(w, "model"));
  if (j.contains("tokenizer")) p.tokenizer = artifact_from_json(j["tokenizer"], key_path(w, "tokenizer"));
  p.command_line = value_or<std::string>(j, "command_line", w, "");
  for_each_in_object(j, "environment", w, [&](const std::string& k, const Json& v, const std::string& path) {
    p.environment[k] = as<std::string>(v, path);
  });
  return p;
}

Json task_to_json(const TaskInfo& t) {
  Json j;
  j["name"] = t.name;
  j["version"] = t.version;
  j["n_shot"] = t.n_shot;
  j["primary_metric"] = t.primary_metric;
  j["higher_is_better"] = t.higher_is_better;
  j["options"] = t.options;
  if (!t.pass_at_k.empty()) {
    j["pass_at_k"] = Json::array();
    for (const auto& m : t.pass_at_k) j["pass_at_k"].push_back(Json{{"name", m.name}, {"k", m.k}});
  }
  return j;
}

TaskInfo task_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  TaskInfo t;
  t.name = required<std::string>(j, "name", w);
  t.version = required<std::string>(j, "version", w);
  t.n_shot = value_or<int>(j, "n_shot", w, 0);
  t.primary_metric = value_or<std::string>(j, "primary_metric", w, "");
  t.higher_is_better = value_or<bool>(j, "higher_is_better", w, true);
  t.options = object_or_empty(j, "options", w);
  for_each_in_array(j, "pass_at_k", w, [&](const Json& e, const std::string& p) {
    require_object(e, p);
    PassAtKMetric m{required<std::string>(e, "name", p), required<std::int64_t>(e, "k", p)};
    if (m.k < 1) fail(key_path(p, "k"), "expected k >= 1, got " + std::to_string(m.k));
    t.pass_at_k.push_back(std::move(m));
  });
  return t;
}

Json metric_to_json(const MetricValue& m) {
  Json j;
  j["value"] = m.value;
  j["stderr"] = m.std_error ? Json(*m.std_error) : Json(nullptr);
  return j;
}

MetricValue metric_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  return MetricValue{required<double>(j, "value", w), optional<double>(j, "stderr", w)};
}

Json performance_to_json(const Performance& p) {
  Json j = Json::object();
  put_optional(j, "forward_passes", p.forward_passes);
  put_optional(j, "ms_per_step", p.ms_per_step);
  if (p.latency_per_sample)
    j["latency_per_sample_ms"] = Json{{"mean", p.latency_per_sample->mean_ms},
                                      {"median", p.latency_per_sample->median_ms},
                                      {"p90", p.latency_per_sample->p90_ms}};
  put_optional(j, "generated_tokens", p.generated_tokens);
  put_optional(j, "tokens_per_second", p.tokens_per_second);
  if (!p.tokens_per_second_definition.empty()) j["tokens_per_second_definition"] = p.tokens_per_second_definition;
  put_optional(j, "peak_memory_bytes", p.peak_memory_bytes);
  put_optional(j, "wall_time_s", p.wall_time_s);
  put_optional(j, "batch_size", p.batch_size);
  return j;
}

Performance performance_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  Performance p;
  p.forward_passes = optional<std::int64_t>(j, "forward_passes", w);
  p.ms_per_step = optional<double>(j, "ms_per_step", w);
  if (auto it = j.find("latency_per_sample_ms"); it != j.end() && !it->is_null()) {
    const std::string lw = key_path(w, "latency_per_sample_ms");
    require_object(*it, lw);
    p.latency_per_sample = LatencyStats{required<double>(*it, "mean", lw), required<double>(*it, "median", lw),
                                        required<double>(*it, "p90", lw)};
  }
  p.generated_tokens = optional<std::int64_t>(j, "generated_tokens", w);
  p.tokens_per_second = optional<double>(j, "tokens_per_second", w);
  p.tokens_per_second_definition = value_or<std::string>(j, "tokens_per_second_definition", w, "");
  if (p.tokens_per_second && p.tokens_per_second_definition.empty())
    fail(key_path(w, "tokens_per_second_definition"), "required when tokens_per_second is given");
  p.peak_memory_bytes = optional<std::int64_t>(j, "peak_memory_bytes", w);
  p.wall_time_s = optional<double>(j, "wall_time_s", w);
  p.batch_size = optional<int>(j, "batch_size", w);
  return p;
}

Json task_result_to_json(const TaskResult& r) {
  Json j;
  j["task"] = r.task;
  j["setting"] = r.setting_id;
  j["n_samples"] = Json{{"original", r.n_samples_original}, {"effective", r.n_samples_effective}};
  j["n_failed"] = r.n_failed;
  j["metrics"] = Json::object();
  for (const auto& [name, m] : r.metrics) j["metrics"][name] = metric_to_json(m);
  if (r.performance) j["performance"] = performance_to_json(*r.performance);
  return j;
}

TaskResult task_result_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  TaskResult r;
  r.task = required<std::string>(j, "task", w);
  r.setting_id = required<std::string>(j, "setting", w);
  if (auto it = j.find("n_samples"); it != j.end()) {
    const std::string nw = key_path(w, "n_samples");
    require_object(*it, nw);
    r.n_samples_original = required<std::int64_t>(*it, "original", nw);
    r.n_samples_effective = required<std::int64_t>(*it, "effective", nw);
  }
  r.n_failed = value_or<std::int64_t>(j, "n_failed", w, 0);
  for_each_in_object(j, "metrics", w, [&](const std::string& name, const Json& v, const std::string& path) {
    r.metrics[name] = metric_from_json(v, path);
  });
  if (auto it = j.find("performance"); it != j.end() && !it->is_null())
    r.performance = performance_from_json(*it, key_path(w, "performance"));
  return r;
}

Json comparison_to_json_impl(const Comparison& c) {
  Json j;
  j["task"] = c.task;
  j["metric"] = c.metric;
  j["setting_a"] = c.setting_a;
  j["setting_b"] = c.setting_b;
  j["value_a"] = c.value_a;
  j["value_b"] = c.value_b;
  j["delta"] = c.delta;
  j["p_value"] = c.p_value;
  j["method"] = c.method;
  j["n_shared"] = c.n_shared;
  return j;
}

Comparison comparison_from_json_impl(const Json& j, const std::string& w) {
  require_object(j, w);
  Comparison c;
  c.task = required<std::string>(j, "task", w);
  c.metric = required<std::string>(j, "metric", w);
  c.setting_a = required<std::string>(j, "setting_a", w);
  c.setting_b = required<std::string>(j, "setting_b", w);
  c.value_a = required<double>(j, "value_a", w);
  c.value_b = required<double>(j, "value_b", w);
  c.delta = required<double>(j, "delta", w);
  c.p_value = required<double>(j, "p_value", w);
  c.method = required<std::string>(j, "method", w);
  c.n_shared = required<std::int64_t>(j, "n_shared", w);
  return c;
}

// Every reference between rows must resolve, so reports never meet a dangling id.
void check_references(const Results& r) {
  std::set<std::string> settings, tasks;
  for (std::size_t i = 0; i < r.settings.size(); ++i)
    if (!settings.insert(r.settings[i].id).second)
      fail("$.settings[" + std::to_string(i) + "].id", "duplicate setting id \"" + r.settings[i].id + "\"");
  for (std::size_t i = 0; i < r.tasks.size(); ++i)
    if (!tasks.insert(r.tasks[i].name).second)
      fail("$.tasks[" + std::to_string(i) + "].name", "duplicate task \"" + r.tasks[i].name + "\"");
  for (std::size_t i = 0; i < r.results.size(); ++i) {
    const std::string w = "$.results[" + std::to_string(i) + "]";
    if (!tasks.count(r.results[i].task)) fail(w + ".task", "unknown task \"" + r.results[i].task + "\"");
    if (!settings.count(r.results[i].setting_id))
      fail(w + ".setting", "unknown setting \"" + r.results[i].setting_id + "\"");
  }
  for (std::size_t i = 0; i < r.comparisons.size(); ++i) {
    const std::string w = "$.comparisons[" + std::to_string(i) + "]";
    const Comparison& c = r.comparisons[i];
    if (!tasks.count(c.task)) fail(w + ".task", "unknown task \"" + c.task + "\"");
    if (!settings.count(c.setting_a)) fail(w + ".setting_a", "unknown setting \"" + c.setting_a + "\"");
    if (!settings.count(c.setting_b)) fail(w + ".setting_b", "unknown setting \"" + c.setting_b + "\"");
  }
}

// ---- files ---------------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open for reading");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// ---- public conversions --------------------------------------------------------------------------

Json to_json(const Setting& s) {
  Json j;
  j["id"] = s.id;
  j["label"] = s.label;
  j["steps"] = s.steps;
  j["alg"] = s.alg;
  j["temperature"] = s.temperature;
  j["top_p"] = s.top_p ? Json(*s.top_p) : Json(nullptr);
  j["top_k"] = s.top_k ? Json(*s.top_k) : Json(nullptr);
  j["alg_temp"] = s.alg_temp ? Json(*s.alg_temp) : Json(nullptr);
  j["max_new_tokens"] = s.max_new_tokens;
  j["seed"] = s.seed;
  j["policy"] = s.policy;
  j["options"] = s.options;
  return j;
}

Setting setting_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  Setting s;
  s.steps = required<int>(j, "steps", w);
  s.alg = required<std::string>(j, "alg", w);
  s.temperature = required<double>(j, "temperature", w);
  s.top_p = optional<double>(j, "top_p", w);
  s.top_k = optional<int>(j, "top_k", w);
  s.alg_temp = optional<double>(j, "alg_temp", w);
  s.max_new_tokens = required<int>(j, "max_new_tokens", w);
  s.seed = value_or<std::int64_t>(j, "seed", w, 0);
  s.policy = value_or<std::string>(j, "policy", w, "dream");
  s.options = object_or_empty(j, "options", w);
  s.id = value_or<std::string>(j, "id", w, make_setting_id(s));
  s.label = value_or<std::string>(j, "label", w, make_setting_label(s));
  return s;
}

Json to_json(const Comparison& c) { return comparison_to_json_impl(c); }

Comparison comparison_from_json(const Json& j, const std::string& w) { return comparison_from_json_impl(j, w); }

Json to_json(const Results& r) {
  Json j;
  j["schema"] = kResultsSchemaName;
  j["schema_version"] = r.schema_version;
  j["provenance"] = provenance_to_json(r.provenance);
  j["settings"] = Json::array();
  for (const auto& s : r.settings) j["settings"].push_back(to_json(s));
  j["tasks"] = Json::array();
  for (const auto& t : r.tasks) j["tasks"].push_back(task_to_json(t));
  j["results"] = Json::array();
  for (const auto& x : r.results) j["results"].push_back(task_result_to_json(x));
  j["comparisons"] = Json::array();
  for (const auto& c : r.comparisons) j["comparisons"].push_back(to_json(c));
  return j;
}

Results results_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  const std::string schema = required<std::string>(j, "schema", w);
  if (schema != kResultsSchemaName)
    fail(key_path(w, "schema"), "expected \"" + std::string(kResultsSchemaName) + "\", got \"" + schema + "\"");
  Results r;
  r.schema_version = required<int>(j, "schema_version", w);
  if (r.schema_version < 1 || r.schema_version > kResultsSchemaVersion)
    fail(key_path(w, "schema_version"), "version " + std::to_string(r.schema_version) +
                                            " is not supported by this build (it reads 1.." +
                                            std::to_string(kResultsSchemaVersion) + ")");
  if (j.contains("provenance")) r.provenance = provenance_from_json(j["provenance"], key_path(w, "provenance"));
  for_each_in_array(j, "settings", w, [&](const Json& e, const std::string& p) { r.settings.push_back(setting_from_json(e, p)); });
  for_each_in_array(j, "tasks", w, [&](const Json& e, const std::string& p) { r.tasks.push_back(task_from_json(e, p)); });
  for_each_in_array(j, "results", w, [&](const Json& e, const std::string& p) { r.results.push_back(task_result_from_json(e, p)); });
  for_each_in_array(j, "comparisons", w, [&](const Json& e, const std::string& p) { r.comparisons.push_back(comparison_from_json_impl(e, p)); });
  check_references(r);
  return r;
}

Json to_json(const SampleRecord& s) {
  Json j;
  j["task"] = s.task;
  j["doc_id"] = s.doc_id;
  j["setting"] = s.setting_id;
  j["prompt_hash"] = s.prompt_hash;
  j["prompt"] = s.prompt;
  j["response"] = s.response;
  j["extracted"] = s.extracted;
  if (!s.extracted_by_filter.empty()) {
    j["extracted_by_filter"] = Json::object();
    for (const auto& [k, v] : s.extracted_by_filter) j["extracted_by_filter"][k] = v;
  }
  j["expected"] = s.expected;
  j["metrics"] = Json::object();
  for (const auto& [k, v] : s.metrics) j["metrics"][k] = v;
  if (s.correct) j["correct"] = *s.correct;
  Json timing = Json::object();
  put_optional(timing, "latency_ms", s.timing.latency_ms);
  put_optional(timing, "forward_passes", s.timing.forward_passes);
  put_optional(timing, "generated_tokens", s.timing.generated_tokens);
  put_optional(timing, "ms_per_step", s.timing.ms_per_step);
  put_optional(timing, "batch_size", s.timing.batch_size);
  put_optional(timing, "peak_memory_bytes", s.timing.peak_memory_bytes);
  if (!timing.empty()) j["timing"] = timing;
  if (s.code) {
    j["code"] = Json{{"status", s.code->status}, {"error_line", s.code->error_line}};
    if (!s.code->warning.empty()) j["code"]["warning"] = s.code->warning;
  }
  if (s.trace) {
    Json tokens = Json::array();
    for (const auto& t : s.trace->tokens) {
      Json tj{{"text", t.text}, {"step", t.step}};
      put_optional(tj, "id", t.token_id);
      tokens.push_back(std::move(tj));
    }
    j["trace"] = Json{{"steps", s.trace->steps}, {"tokens", std::move(tokens)}};
  }
  if (!s.choices.empty()) {
    j["choices"] = Json::array();
    for (const auto& c : s.choices) {
      Json cj{{"text", c.text}, {"loglikelihood", c.loglikelihood}};
      put_optional(cj, "stderr", c.std_error);
      put_optional(cj, "tokens", c.tokens);
      j["choices"].push_back(std::move(cj));
    }
  }
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

SampleRecord sample_from_json(const Json& j, const std::string& w) {
  require_object(j, w);
  SampleRecord s;
  s.task = required<std::string>(j, "task", w);
  // doc_id is a string in what we write; a bare index (as `dream-eval score` accepts) is taken too.
  if (auto it = j.find("doc_id"); it != j.end() && it->is_number_integer())
    s.doc_id = std::to_string(as<std::int64_t>(*it, key_path(w, "doc_id")));
  else
    s.doc_id = required<std::string>(j, "doc_id", w);
  s.setting_id = required<std::string>(j, "setting", w);
  s.prompt_hash = value_or<std::string>(j, "prompt_hash", w, "");
  s.prompt = value_or<std::string>(j, "prompt", w, "");
  s.response = value_or<std::string>(j, "response", w, "");
  s.extracted = value_or<std::string>(j, "extracted", w, "");
  for_each_in_object(j, "extracted_by_filter", w, [&](const std::string& k, const Json& v, const std::string& p) {
    s.extracted_by_filter[k] = as<std::string>(v, p);
  });
  s.expected = value_or<std::string>(j, "expected", w, "");
  for_each_in_object(j, "metrics", w, [&](const std::string& k, const Json& v, const std::string& p) {
    s.metrics[k] = as<double>(v, p);
  });
  s.correct = optional<bool>(j, "correct", w);
  if (auto it = j.find("timing"); it != j.end() && !it->is_null()) {
    const std::string tw = key_path(w, "timing");
    require_object(*it, tw);
    s.timing.latency_ms = optional<double>(*it, "latency_ms", tw);
    s.timing.forward_passes = optional<std::int64_t>(*it, "forward_passes", tw);
    s.timing.generated_tokens = optional<std::int64_t>(*it, "generated_tokens", tw);
    s.timing.ms_per_step = optional<double>(*it, "ms_per_step", tw);
    s.timing.batch_size = optional<int>(*it, "batch_size", tw);
    s.timing.peak_memory_bytes = optional<std::int64_t>(*it, "peak_memory_bytes", tw);
  }
  if (auto it = j.find("code"); it != j.end() && !it->is_null()) {
    const std::string cw = key_path(w, "code");
    require_object(*it, cw);
    s.code = CodeExecution{required<std::string>(*it, "status", cw), value_or<std::string>(*it, "error_line", cw, ""),
                           value_or<std::string>(*it, "warning", cw, "")};
    if (std::find(std::begin(kCodeStatuses), std::end(kCodeStatuses), s.code->status) == std::end(kCodeStatuses)) {
      std::string known;
      for (const char* k : kCodeStatuses) known += (known.empty() ? "" : ", ") + std::string(k);
      fail(key_path(cw, "status"), "unknown status \"" + s.code->status + "\" (known: " + known + ")");
    }
  }
  if (auto it = j.find("trace"); it != j.end() && !it->is_null()) {
    const std::string tw = key_path(w, "trace");
    require_object(*it, tw);
    DiffusionTrace trace;
    trace.steps = required<int>(*it, "steps", tw);
    for_each_in_array(*it, "tokens", tw, [&](const Json& e, const std::string& p) {
      require_object(e, p);
      TraceToken t{required<std::string>(e, "text", p), required<int>(e, "step", p), optional<std::int64_t>(e, "id", p)};
      if (t.step < -1 || t.step >= std::max(trace.steps, 1))
        fail(p + ".step", "step " + std::to_string(t.step) + " outside [-1, " + std::to_string(trace.steps) + ")");
      trace.tokens.push_back(std::move(t));
    });
    s.trace = std::move(trace);
  }
  for_each_in_array(j, "choices", w, [&](const Json& e, const std::string& p) {
    require_object(e, p);
    s.choices.push_back({required<std::string>(e, "text", p), required<double>(e, "loglikelihood", p),
                         optional<double>(e, "stderr", p), optional<std::int64_t>(e, "tokens", p)});
  });
  s.error = value_or<std::string>(j, "error", w, "");
  return s;
}

// ---- files ---------------------------------------------------------------------------------------

// Temporary file, fsync, rename: readers see the old file or the new one, never half of one.
void write_file_atomically(const std::filesystem::path& file, const std::string& content) {
  const std::filesystem::path tmp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot open for writing");
    out << content;
    out.flush();
    if (!out) throw std::runtime_error(tmp.string() + ": write failed");
  }
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw std::runtime_error(file.string() + ": cannot replace: " + ec.message());
  }
}

Results read_results_json(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw std::runtime_error(file.string() + ": not valid JSON: " + e.what());
  }
  try {
    return results_from_json(j);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

void write_results_json(const std::filesystem::path& file, const Results& results) {
  write_file_atomically(file, to_json(results).dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

std::vector<SampleRecord> read_samples_jsonl(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open for reading");
  std::vector<SampleRecord> samples;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    Json j;
    try {
      j = Json::parse(line);
    } catch (const Json::parse_error& e) {
      throw std::runtime_error(where + ": not valid JSON: " + e.what());
    }
    try {
      samples.push_back(sample_from_json(j));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + ": " + e.what());
    }
  }
  return samples;
}

void append_sample_jsonl(std::ostream& out, const SampleRecord& sample) {
  // Invalid UTF-8 in model output must not make a whole run unwritable: replace it.
  out << to_json(sample).dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

void write_samples_jsonl(const std::filesystem::path& file, const std::vector<SampleRecord>& samples) {
  std::ostringstream out;
  for (const auto& s : samples) append_sample_jsonl(out, s);
  write_file_atomically(file, out.str());
}

ResultsBundle load_results_bundle(const std::filesystem::path& path) {
  ResultsBundle b;
  if (std::filesystem::is_directory(path)) {
    b.results_file = path / kResultsFileName;
    if (!std::filesystem::exists(b.results_file))
      throw std::runtime_error(path.string() + ": no " + kResultsFileName + " in this folder");
  } else if (std::filesystem::exists(path)) {
    b.results_file = path;
  } else {
    throw std::runtime_error(path.string() + ": no such results folder or file");
  }
  b.results = read_results_json(b.results_file);
  const std::filesystem::path samples = b.results_file.parent_path() / kSamplesFileName;
  if (std::filesystem::exists(samples)) {
    b.samples_file = samples;
    b.samples = read_samples_jsonl(samples);
    for (std::size_t i = 0; i < b.samples.size(); ++i) {
      const SampleRecord& s = b.samples[i];
      if (!find_setting(b.results, s.setting_id))
        throw std::runtime_error(samples.string() + ": sample " + std::to_string(i + 1) + " (task " + s.task +
                                 ", doc " + s.doc_id + "): unknown setting \"" + s.setting_id + "\"");
      if (!find_task(b.results, s.task))
        throw std::runtime_error(samples.string() + ": sample " + std::to_string(i + 1) + ": unknown task \"" +
                                 s.task + "\"");
    }
  }
  return b;
}

// ---- settings ------------------------------------------------------------------------------------

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), end);
}

std::string make_setting_id(const Setting& s) {
  auto opt = [](const auto& v) { return v ? format_number(double(*v)) : std::string("none"); };
  return "steps=" + std::to_string(s.steps) + ",alg=" + s.alg + ",temperature=" + format_number(s.temperature) +
         ",top_p=" + opt(s.top_p) + ",top_k=" + opt(s.top_k) + ",alg_temp=" + opt(s.alg_temp) +
         ",max_new_tokens=" + std::to_string(s.max_new_tokens) + ",seed=" + std::to_string(s.seed) +
         ",policy=" + s.policy;
}

bool is_likelihood_setting(const Setting& s) { return s.policy.rfind(kLikelihoodPolicy, 0) == 0; }

std::string make_setting_label(const Setting& s) {
  if (is_likelihood_setting(s)) {
    const auto it = s.options.find("mc_num");
    return "MC ELBO" + (it != s.options.end() && it->is_number_integer() ? ", " + std::to_string(it->get<int>()) + " samples" : std::string());
  }
  std::string label = s.alg + " T=" + format_number(s.temperature) + " " + std::to_string(s.steps) + " steps";
  if (s.policy != "dream") label += " " + s.policy;
  return label;
}

const Setting* find_setting(const Results& r, const std::string& id) {
  for (const auto& s : r.settings)
    if (s.id == id) return &s;
  return nullptr;
}

const TaskInfo* find_task(const Results& r, const std::string& name) {
  for (const auto& t : r.tasks)
    if (t.name == name) return &t;
  return nullptr;
}

const TaskResult* find_result(const Results& r, const std::string& task, const std::string& setting_id) {
  for (const auto& x : r.results)
    if (x.task == task && x.setting_id == setting_id) return &x;
  return nullptr;
}

}  // namespace dream::reports
