#include "task_results.h"

#include <ostream>

#include "build_info.h"
#include "datasets/sha256.h"
#include "tasks/code/code_tasks.h"

namespace dream::harness {

reports::Provenance base_provenance(const std::string& command_line) {
  reports::Provenance p;
  p.dream_eval_version = dream_eval_version();
  p.git_commit = git_commit();
  p.git_dirty = git_dirty();
  p.host = host_name();
  p.started_at = utc_now_iso8601();
  p.command_line = command_line;
  return p;
}

reports::TaskInfo task_info(const tasks::Task& task) {
  reports::TaskInfo info;
  info.name = task.name();
  info.version = task.version();
  info.n_shot = task.spec().num_fewshot;
  info.primary_metric = task.primary_metric();
  info.higher_is_better = true;
  info.options = reports::Json::parse(task.spec().raw.dump());
  info.options["data_files"] = task.document_set().data_files;
  info.options["metric_names"] = task.scorer().metric_names();
  for (const auto& m : task.scorer().pass_at_k_metrics()) info.pass_at_k.push_back({m.name, m.k});
  return info;
}

std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stop) {
  size_t cut = text.size();
  for (const auto& s : stop)
    if (!s.empty()) cut = std::min(cut, text.find(s));
  return text.substr(0, cut);
}

namespace {

// The fields every scored record shares: metrics under lm-eval names, the primary filter's extraction (and
// every filter's when there are several), `correct` for 0/1 primary metrics, the scorer's error.
void apply_score(reports::SampleRecord& s, const tasks::SampleScore& score, const std::string& primary) {
  const std::string primary_filter = primary.substr(primary.find(',') + 1);
  for (const auto& [name, value] : score.metrics) s.metrics[name] = value;
  if (auto it = score.extracted.find(primary_filter); it != score.extracted.end()) s.extracted = it->second;
  if (score.extracted.size() > 1) s.extracted_by_filter = score.extracted;
  if (auto it = s.metrics.find(primary); it != s.metrics.end() && (it->second == 0 || it->second == 1))
    s.correct = it->second == 1;
  if (score.code) s.code = reports::CodeExecution{score.code->status, score.code->error_line, score.code->warning};
  if (!score.error.empty()) s.error = "scoring failed: " + score.error;
}

}  // namespace

std::string choices_hash(const std::vector<tasks::ChoicePair>& choices) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& c : choices) pairs.push_back({c.context, c.continuation});
  return "sha256:" + datasets::sha256_hex(pairs.dump());
}

reports::SampleRecord new_record(const tasks::Task& task, const tasks::Document& doc, const std::string& setting_id,
                                 const std::string& prompt, const std::string& prompt_hash) {
  reports::SampleRecord s;
  s.task = task.name();
  s.doc_id = doc.id;
  s.setting_id = setting_id;
  s.prompt = prompt;
  s.prompt_hash = prompt_hash;
  if (auto it = doc.fields.find("target"); it != doc.fields.end()) s.expected = it->second;
  return s;
}

reports::SampleRecord choice_record(const tasks::Task& task, const ChoicesToScore& c) {
  reports::SampleRecord s = new_record(task, *c.doc, c.setting_id, c.prompt, c.prompt_hash);
  try {
    const std::vector<std::string> options = tasks::choice_texts(task.spec(), *c.doc);
    s.expected = options.at(static_cast<size_t>(tasks::gold_choice(task.spec(), *c.doc)));
    for (size_t i = 0; i < c.loglikelihoods.size(); ++i)
      s.choices.push_back({i < options.size() ? options[i] : std::string(), c.loglikelihoods[i],
                           i < c.std_errors.size() ? c.std_errors[i] : std::nullopt,
                           i < c.tokens.size() ? c.tokens[i] : std::nullopt});
    const tasks::SampleScore score = task.scorer().score_choices(*c.doc, c.loglikelihoods);
    apply_score(s, score, task.primary_metric());
    s.response = s.extracted;
  } catch (const std::exception& e) {
    s.error = std::string("scoring failed: ") + e.what();
  }
  return s;
}

std::vector<reports::SampleRecord> sample_records(const tasks::Task& task, const std::vector<ResponseToScore>& responses) {
  std::vector<tasks::ScoreItem> items;
  for (const auto& r : responses) items.push_back({r.doc, r.response});
  std::vector<tasks::SampleScore> scores;
  std::string batch_error;
  try {
    scores = task.scorer().score_all(items);
    if (scores.size() != items.size())
      throw std::logic_error("the scorer returned " + std::to_string(scores.size()) + " scores for " +
                             std::to_string(items.size()) + " responses");
  } catch (const std::exception& e) {
    batch_error = e.what();
  }
  const std::string primary = task.primary_metric();
  std::vector<reports::SampleRecord> records;
  for (size_t i = 0; i < responses.size(); ++i) {
    const ResponseToScore& r = responses[i];
    reports::SampleRecord s = new_record(task, *r.doc, r.setting_id, r.prompt, r.prompt_hash);
    s.response = r.response;
    if (!batch_error.empty()) {
      s.error = "scoring failed: " + batch_error;
      records.push_back(std::move(s));
      continue;
    }
    apply_score(s, scores[i], primary);
    records.push_back(std::move(s));
  }
  return records;
}

tasks::ScoringContext make_scoring_context(const CodeExecutionOptions& options) {
  tasks::code::ExecutorOptions executor;
  executor.sandbox.unsafe_no_sandbox = options.unsafe_no_sandbox;
  executor.workers = options.sandbox_workers;
  return {std::make_shared<tasks::code::CodeExecutor>(std::move(executor))};
}

void note_code_execution(reports::Provenance& provenance, const CodeExecutionOptions& options, std::ostream& log) {
  if (!options.unsafe_no_sandbox) return;
  const std::string warning =
      "UNSAFE: --unsafe-no-sandbox: generated code runs without filesystem or network isolation (rlimits, seccomp "
      "and timeouts still apply)";
  provenance.environment["code_execution"] = warning;
  log << "dream-eval: warning: " << warning << "\n";
}

void add_timing(reports::SampleRecord& s, const GenerationOutput& o, int batch_size, size_t peak_memory_bytes, int steps,
                bool keep_trace) {
  s.timing.latency_ms = o.latency_ms;
  s.timing.forward_passes = o.forward_passes;
  s.timing.generated_tokens = o.generated_tokens;
  s.timing.ms_per_step = o.ms_per_step;
  s.timing.batch_size = batch_size;
  if (peak_memory_bytes > 0) s.timing.peak_memory_bytes = static_cast<std::int64_t>(peak_memory_bytes);
  if (keep_trace && !o.reveal_step.empty()) {
    reports::DiffusionTrace trace;
    trace.steps = steps;
    for (size_t i = 0; i < o.reveal_step.size(); ++i) {
      const int step = o.reveal_step[i] < steps ? o.reveal_step[i] : -1;
      trace.tokens.push_back({i < o.token_texts.size() ? o.token_texts[i] : std::string(), step, std::nullopt});
    }
    s.trace = std::move(trace);
  }
}

}  // namespace dream::harness
