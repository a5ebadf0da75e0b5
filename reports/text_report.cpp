#include "text_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "reports/compare.h"

namespace dream::reports {
namespace {

// ---- Markdown tables with padded columns, readable as plain text too ------------------------------

enum class Align { left, right };

// Code points, not bytes, so "Δ" and "±" do not break the padding.
std::size_t display_width(const std::string& s) {
  return std::size_t(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A cell may hold names from results files: keep it on one line and inert in Markdown renderers.
std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n': case '\r': case '\t': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

struct MarkdownTable {
  std::vector<std::string> headers;
  std::vector<Align> align;
  std::vector<std::vector<std::string>> rows;

  std::string str() const {
    std::vector<std::size_t> width(headers.size(), 3);
    auto measure = [&](const std::vector<std::string>& row) {
      for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(markdown_cell(row[i])));
    };
    measure(headers);
    for (const auto& r : rows) measure(r);
    std::ostringstream out;
    auto line = [&](const std::vector<std::string>& row) {
      out << '|';
      for (std::size_t i = 0; i < row.size(); ++i) {
        const std::string cell = markdown_cell(row[i]);
        const std::string pad(width[i] - display_width(cell), ' ');
        out << (align[i] == Align::right ? pad + cell : cell + pad) << '|';
      }
      out << '\n';
    };
    line(headers);
    out << '|';
    for (std::size_t i = 0; i < headers.size(); ++i)
      out << std::string(width[i] - 1, '-') << (align[i] == Align::right ? ':' : '-') << '|';
    out << '\n';
    for (const auto& r : rows) line(r);
    return out.str();
  }
};

std::string fixed(double x, int digits) {
  if (std::isnan(x)) return "N/A";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

template <class T>
std::string fixed_or_empty(const std::optional<T>& x, int digits) {
  return x ? fixed(double(*x), digits) : std::string();
}

std::string optional_number(const std::optional<double>& x) { return x ? format_number(*x) : std::string(); }
std::string optional_integer(const std::optional<std::int64_t>& x) { return x ? std::to_string(*x) : std::string(); }

// The task's metric names, its primary metric first, then by name.
std::vector<std::string> ordered_metrics(const Results& results, const TaskResult& r) {
  const std::string primary = primary_metric(results, r.task);
  std::vector<std::string> names;
  for (const auto& [name, value] : r.metrics) names.push_back(name);
  std::stable_partition(names.begin(), names.end(), [&](const std::string& n) { return n == primary; });
  return names;
}

std::string label_of(const Results& results, const std::string& setting_id) {
  const Setting* s = find_setting(results, setting_id);
  return s && !s->label.empty() ? s->label : setting_id;
}

// Rows grouped by task (in the order of `tasks`), then in the order of `settings`, as people read tables.
std::vector<const TaskResult*> rows_by_task(const Results& results) {
  std::vector<const TaskResult*> rows;
  for (const auto& t : results.tasks)
    for (const auto& s : results.settings)
      if (const TaskResult* r = find_result(results, t.name, s.id)) rows.push_back(r);
  return rows;
}

bool any_performance(const Results& results) {
  return std::any_of(results.results.begin(), results.results.end(), [](const TaskResult& r) { return r.performance.has_value(); });
}

// ---- CSV ----------------------------------------------------------------------------------------

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void csv_row(std::ostringstream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
  out << "\n";
}

}  // namespace

std::string score_table_markdown(const Results& results) {
  MarkdownTable t{{"Tasks", "Version", "Setting", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr"},
                  {Align::left, Align::right, Align::left, Align::left, Align::right, Align::left, Align::left,
                   Align::right, Align::left, Align::right},
                  {}};
  std::string previous_task, previous_setting;
  for (const TaskResult* row : rows_by_task(results)) {
    const TaskResult& r = *row;
    const TaskInfo* task = find_task(results, r.task);
    const std::string primary = primary_metric(results, r.task);
    for (const auto& name : ordered_metrics(results, r)) {
      const MetricValue& m = r.metrics.at(name);
      const auto comma = name.find(',');
      const std::string metric = name.substr(0, comma);
      const std::string filter = comma == std::string::npos ? "none" : name.substr(comma + 1);
      const bool lower_better = name == primary && task && !task->higher_is_better;
      // As lm-eval does, a task's name and version are printed on its first row only.
      const bool new_task = r.task != previous_task;
      const bool new_setting = new_task || r.setting_id != previous_setting;
      t.rows.push_back({new_task ? r.task : "", new_task && task ? task->version : "",
                        new_setting ? label_of(results, r.setting_id) : "", filter,
                        new_task && task ? std::to_string(task->n_shot) : "", metric, lower_better ? "↓" : "↑",
                        fixed(m.value, 4), m.std_error ? "±" : "", m.std_error ? fixed(*m.std_error, 4) : "N/A"});
      previous_task = r.task;
      previous_setting = r.setting_id;
    }
  }
  return t.str();
}

std::string performance_table_markdown(const Results& results) {
  if (!any_performance(results)) return "";
  MarkdownTable t{{"task", "setting", "steps", "alg", "T", "batch", "fwd passes", "ms/step", "latency ms mean",
                   "median", "p90", "gen. tokens", "tokens/s", "peak mem GiB"},
                  {Align::left, Align::left, Align::right, Align::left, Align::right, Align::right, Align::right,
                   Align::right, Align::right, Align::right, Align::right, Align::right, Align::right, Align::right},
                  {}};
  std::set<std::string> definitions;
  for (const TaskResult* row : rows_by_task(results)) {
    const TaskResult& r = *row;
    if (!r.performance) continue;
    const Performance& p = *r.performance;
    const Setting* s = find_setting(results, r.setting_id);
    const std::optional<LatencyStats>& l = p.latency_per_sample;
    std::optional<double> peak_gib;
    if (p.peak_memory_bytes) peak_gib = double(*p.peak_memory_bytes) / double(std::int64_t(1) << 30);
    // Multiple-choice settings decode nothing: no steps or algorithm to show (their label names the estimator).
    const bool decodes = s && !is_likelihood_setting(*s);
    t.rows.push_back({r.task, label_of(results, r.setting_id), decodes ? std::to_string(s->steps) : "", decodes ? s->alg : "",
                      decodes ? format_number(s->temperature) : "", p.batch_size ? std::to_string(*p.batch_size) : "",
                      optional_integer(p.forward_passes), fixed_or_empty(p.ms_per_step, 2),
                      l ? fixed(l->mean_ms, 1) : "", l ? fixed(l->median_ms, 1) : "", l ? fixed(l->p90_ms, 1) : "",
                      optional_integer(p.generated_tokens), fixed_or_empty(p.tokens_per_second, 2),
                      fixed_or_empty(peak_gib, 2)});
    if (!p.tokens_per_second_definition.empty()) definitions.insert(p.tokens_per_second_definition);
  }
  std::string out = t.str() + "\n";
  for (const auto& d : definitions) out += "tokens/s: " + d + ".\n";
  const Provenance& prov = results.provenance;
  out += "device: " + (prov.device.empty() ? std::string("unknown") : prov.device) +
         ", dtype: " + (prov.dtype.empty() ? std::string("unknown") : prov.dtype) +
         ". ms/step: wall time of one denoising step of one batch; latency: from batch start to the sample's last step.\n";
  return out;
}

std::string comparisons_markdown(const std::vector<Comparison>& comparisons, const Results& a, const Results& b) {
  MarkdownTable t{{"Task", "Metric", "Setting A", "Setting B", "A", "B", "Δ (B−A)", "p", "n shared", "test"},
                  {Align::left, Align::left, Align::left, Align::left, Align::right, Align::right, Align::right,
                   Align::right, Align::right, Align::left},
                  {}};
  for (const auto& c : comparisons) {
    char p[32] = "N/A";
    if (!std::isnan(c.p_value)) std::snprintf(p, sizeof p, "%.3g", c.p_value);
    std::string delta = fixed(c.delta, 4);
    if (c.delta > 0) delta.insert(delta.begin(), '+');  // not "+" + string: GCC 12 -Wrestrict false positive
    t.rows.push_back({c.task, c.metric, label_of(a, c.setting_a), label_of(b, c.setting_b), fixed(c.value_a, 4),
                      fixed(c.value_b, 4), delta, p,
                      std::to_string(c.n_shared), c.method});
  }
  return t.str();
}

std::string report_markdown(const Results& results) {
  const Provenance& p = results.provenance;
  std::ostringstream out;
  out << "# dream-eval results\n\n";
  out << "model: " << (p.model.path.empty() ? "unknown" : markdown_cell(p.model.path));
  if (!p.model.fingerprint.empty()) out << " (" << p.model.fingerprint << ")";
  out << "; device: " << (p.device.empty() ? "unknown" : markdown_cell(p.device)) << "; dtype: "
      << (p.dtype.empty() ? "unknown" : p.dtype) << "; dream-eval " << p.dream_eval_version;
  if (!p.git_commit.empty()) out << " (" << p.git_commit.substr(0, 12) << (p.git_dirty ? ", dirty" : "") << ")";
  out << "; " << (p.finished_at.empty() ? p.started_at : p.finished_at) << "\n\n";
  out << "## Scores\n\n" << score_table_markdown(results);
  if (any_performance(results)) out << "\n## Performance\n\n" << performance_table_markdown(results);
  if (!results.comparisons.empty())
    out << "\n## Paired comparisons\n\n" << comparisons_markdown(results.comparisons, results, results);
  return out.str();
}

std::string report_csv(const Results& results) {
  std::ostringstream out;
  csv_row(out, {"task", "task_version", "n_shot", "setting", "label", "steps", "alg", "temperature", "top_p", "top_k",
                "alg_temp", "max_new_tokens", "seed", "policy", "metric", "value", "stderr", "n_samples_original",
                "n_samples_effective", "n_failed", "forward_passes", "ms_per_step", "latency_mean_ms",
                "latency_median_ms", "latency_p90_ms", "generated_tokens", "tokens_per_second", "peak_memory_bytes",
                "wall_time_s", "batch_size", "tokens_per_second_definition", "device", "dtype", "model_fingerprint",
                "git_commit"});
  const Provenance& prov = results.provenance;
  for (const TaskResult* row : rows_by_task(results)) {
    const TaskResult& r = *row;
    const TaskInfo* task = find_task(results, r.task);
    const Setting* s = find_setting(results, r.setting_id);
    const Performance p = r.performance.value_or(Performance{});
    const std::optional<LatencyStats>& l = p.latency_per_sample;
    for (const auto& name : ordered_metrics(results, r)) {
      const MetricValue& m = r.metrics.at(name);
      csv_row(out, {r.task, task ? task->version : "", task ? std::to_string(task->n_shot) : "", r.setting_id,
                    s ? s->label : "", s ? std::to_string(s->steps) : "", s ? s->alg : "",
                    s ? format_number(s->temperature) : "", s ? optional_number(s->top_p) : "",
                    s && s->top_k ? std::to_string(*s->top_k) : "", s ? optional_number(s->alg_temp) : "",
                    s ? std::to_string(s->max_new_tokens) : "", s ? std::to_string(s->seed) : "", s ? s->policy : "",
                    name, std::isnan(m.value) ? "" : format_number(m.value), optional_number(m.std_error),
                    std::to_string(r.n_samples_original), std::to_string(r.n_samples_effective),
                    std::to_string(r.n_failed), optional_integer(p.forward_passes), optional_number(p.ms_per_step),
                    l ? format_number(l->mean_ms) : "", l ? format_number(l->median_ms) : "",
                    l ? format_number(l->p90_ms) : "", optional_integer(p.generated_tokens),
                    optional_number(p.tokens_per_second), optional_integer(p.peak_memory_bytes),
                    optional_number(p.wall_time_s), p.batch_size ? std::to_string(*p.batch_size) : "",
                    p.tokens_per_second_definition, prov.device, prov.dtype, prov.model.fingerprint, prov.git_commit});
    }
  }
  return out.str();
}

}  // namespace dream::reports
