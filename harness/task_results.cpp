#include "task_results.h"

#include "build_info.h"

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
  return info;
}

std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stop) {
  size_t cut = text.size();
  for (const auto& s : stop)
    if (!s.empty()) cut = std::min(cut, text.find(s));
  return text.substr(0, cut);
}

reports::SampleRecord sample_record(const tasks::Task& task, const tasks::Document& doc, const std::string& setting_id,
                                    const std::string& prompt, const std::string& prompt_hash, const std::string& response) {
  reports::SampleRecord s;
  s.task = task.name();
  s.doc_id = doc.id;
  s.setting_id = setting_id;
  s.prompt = prompt;
  s.prompt_hash = prompt_hash;
  s.response = response;
  if (auto it = doc.fields.find("target"); it != doc.fields.end()) s.expected = it->second;
  try {
    const tasks::SampleScore score = task.score(doc, response);
    for (const auto& [name, value] : score.metrics) s.metrics[name] = value;
    const std::string primary = task.primary_metric();
    const std::string filter = primary.substr(primary.find(',') + 1);
    if (auto it = score.extracted.find(filter); it != score.extracted.end()) s.extracted = it->second;
    if (score.extracted.size() > 1) s.extracted_by_filter = score.extracted;
    if (auto it = s.metrics.find(primary); it != s.metrics.end() && (it->second == 0 || it->second == 1))
      s.correct = it->second == 1;
  } catch (const std::exception& e) {
    s.metrics.clear();
    s.error = std::string("scoring failed: ") + e.what();
  }
  return s;
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
