#include "aggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "metrics/pass_at_k.h"
#include "metrics/stats.h"

namespace dream::harness {

namespace {

using reports::SampleRecord;

double metric_of(const SampleRecord& s, const std::string& name) {
  auto it = s.metrics.find(name);
  return it == s.metrics.end() ? 0.0 : it->second;  // failed samples count as wrong
}

std::optional<reports::Performance> performance_of(const std::vector<const SampleRecord*>& rows) {
  reports::Performance p;
  double fp = 0, wall_ms = 0, ms_per_step = 0;
  int64_t tokens = 0, peak = 0;
  int batch = 0;
  bool any_tokens = false;  // multiple-choice samples generate nothing: no tokens/s for them
  std::vector<double> latencies;
  for (const SampleRecord* s : rows) {
    const auto& t = s->timing;
    if (!s->error.empty() || !t.latency_ms) continue;
    const double bs = t.batch_size.value_or(1);
    latencies.push_back(*t.latency_ms);
    wall_ms += *t.latency_ms / bs;
    fp += static_cast<double>(t.forward_passes.value_or(0)) / bs;
    tokens += t.generated_tokens.value_or(0);
    any_tokens = any_tokens || t.generated_tokens.has_value();
    ms_per_step += t.ms_per_step.value_or(0);
    peak = std::max<int64_t>(peak, t.peak_memory_bytes.value_or(0));
    batch = std::max(batch, t.batch_size.value_or(1));
  }
  if (latencies.empty()) return std::nullopt;
  p.forward_passes = std::llround(fp);
  p.ms_per_step = ms_per_step / static_cast<double>(latencies.size());
  double mean = 0;
  for (double l : latencies) mean += l;
  p.latency_per_sample = reports::LatencyStats{mean / static_cast<double>(latencies.size()), metrics::percentile(latencies, 0.5),
                                               metrics::percentile(latencies, 0.9)};
  p.wall_time_s = wall_ms / 1000.0;
  if (any_tokens) {
    p.generated_tokens = tokens;
    if (wall_ms > 0) p.tokens_per_second = static_cast<double>(tokens) / (wall_ms / 1000.0);
    p.tokens_per_second_definition = reports::kTokensPerSecondDefinition;
  }
  if (peak > 0) p.peak_memory_bytes = peak;
  p.batch_size = batch;
  return p;
}

// Settings that differ only in the seed: the samples they share for pass@k.
std::string id_without_seed(const reports::Results& results, const std::string& setting_id) {
  const reports::Setting* setting = reports::find_setting(results, setting_id);
  if (!setting) return setting_id;
  reports::Setting seedless = *setting;
  seedless.seed = 0;
  return reports::make_setting_id(seedless);
}

// Adds the pass@k metrics with k > 1 to the rows of `task` (already in results.results): per group of
// settings that differ only in the seed, n and c per document over all the group's samples, the unbiased
// estimator per document, its mean and bootstrap stderr; each k that every document's n allows.
void add_pass_at_k(reports::Results& results, const reports::TaskInfo& task,
                   std::map<std::string, std::vector<const SampleRecord*>>& by_setting,
                   const std::vector<std::string>& setting_order, const metrics::BootstrapOptions& boot) {
  const auto per_sample = std::find_if(task.pass_at_k.begin(), task.pass_at_k.end(), [](const auto& m) { return m.k == 1; });
  if (per_sample == task.pass_at_k.end()) return;
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& sid : setting_order) groups[id_without_seed(results, sid)].push_back(sid);
  for (const auto& [_, group] : groups) {
    std::map<std::string, metrics::ProblemSamples> per_doc;
    for (const auto& sid : group) {
      for (const SampleRecord* s : by_setting[sid]) {
        auto& p = per_doc[s->doc_id];
        ++p.n;
        if (metric_of(*s, per_sample->name) == 1) ++p.correct;
      }
    }
    std::int64_t min_n = std::numeric_limits<std::int64_t>::max();
    for (const auto& [doc, p] : per_doc) min_n = std::min(min_n, p.n);
    for (const auto& m : task.pass_at_k) {
      if (m.k == 1 || m.k > min_n) continue;
      std::vector<double> values;
      for (const auto& [doc, p] : per_doc) values.push_back(metrics::pass_at_k(p.n, p.correct, m.k));
      const reports::MetricValue value{metrics::mean(values), metrics::bootstrap_stderr(values, boot)};
      for (auto& row : results.results)
        if (row.task == task.name && std::find(group.begin(), group.end(), row.setting_id) != group.end())
          row.metrics[m.name] = value;
    }
  }
}

std::string format_ci(double lo, double hi) {
  std::ostringstream o;
  o.precision(4);
  o << "[" << lo << ", " << hi << "]";
  return o.str();
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size() - 1));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size() - 1));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

void sort_samples(std::vector<SampleRecord>& samples, const reports::Results& results) {
  std::map<std::string, size_t> task_pos, setting_pos;
  for (size_t i = 0; i < results.tasks.size(); ++i) task_pos[results.tasks[i].name] = i;
  for (size_t i = 0; i < results.settings.size(); ++i) setting_pos[results.settings[i].id] = i;
  std::stable_sort(samples.begin(), samples.end(), [&](const SampleRecord& x, const SampleRecord& y) {
    const size_t tx = task_pos[x.task], ty = task_pos[y.task];
    if (tx != ty) return tx < ty;
    const size_t sx = setting_pos[x.setting_id], sy = setting_pos[y.setting_id];
    if (sx != sy) return sx < sy;
    return natural_less(x.doc_id, y.doc_id);
  });
}

void aggregate_results(reports::Results& results, const std::vector<SampleRecord>& samples,
                       const std::map<std::string, std::int64_t>& n_original, const AggregateOptions& options) {
  results.results.clear();
  results.comparisons.clear();
  const metrics::BootstrapOptions boot{options.bootstrap_iterations, options.bootstrap_seed};
  for (const auto& task : results.tasks) {
    std::vector<std::string> setting_order;  // settings this task was run with, in results order
    std::map<std::string, std::vector<const SampleRecord*>> by_setting;
    for (const auto& s : samples)
      if (s.task == task.name) by_setting[s.setting_id].push_back(&s);
    for (const auto& st : results.settings)
      if (by_setting.count(st.id)) setting_order.push_back(st.id);
    for (const auto& sid : setting_order) {
      const auto& rows = by_setting[sid];
      reports::TaskResult r;
      r.task = task.name;
      r.setting_id = sid;
      r.n_samples_original = n_original.count(task.name) ? n_original.at(task.name) : static_cast<int64_t>(rows.size());
      std::set<std::string> documents;  // code tasks scored externally may have several samples per document
      for (const SampleRecord* s : rows) documents.insert(s->doc_id);
      r.n_samples_effective = static_cast<int64_t>(documents.size());
      std::set<std::string> names;
      for (const SampleRecord* s : rows) {
        if (!s->error.empty()) ++r.n_failed;
        for (const auto& [k, _] : s->metrics) names.insert(k);
      }
      names.insert(task.primary_metric);
      for (const auto& name : names) {
        std::vector<double> values;
        for (const SampleRecord* s : rows) values.push_back(metric_of(*s, name));
        r.metrics[name] = reports::MetricValue{metrics::mean(values), metrics::bootstrap_stderr(values, boot)};
      }
      r.performance = performance_of(rows);
      results.results.push_back(std::move(r));
    }
    if (!task.pass_at_k.empty()) add_pass_at_k(results, task, by_setting, setting_order, boot);
    // Paired comparisons of every pair of this task's settings on the documents both scored.
    for (size_t a = 0; a < setting_order.size(); ++a) {
      for (size_t b = a + 1; b < setting_order.size(); ++b) {
        std::map<std::string, double> va;
        for (const SampleRecord* s : by_setting[setting_order[a]]) va[s->doc_id] = metric_of(*s, task.primary_metric);
        std::vector<double> xa, xb;
        for (const SampleRecord* s : by_setting[setting_order[b]]) {
          auto it = va.find(s->doc_id);
          if (it == va.end()) continue;
          xa.push_back(it->second);
          xb.push_back(metric_of(*s, task.primary_metric));
        }
        if (xa.empty()) continue;
        const auto pc = metrics::compare_paired(xa, xb, boot);
        reports::Comparison c;
        c.task = task.name;
        c.metric = task.primary_metric;
        c.setting_a = setting_order[a];
        c.setting_b = setting_order[b];
        c.value_a = pc.mean_a;
        c.value_b = pc.mean_b;
        c.delta = pc.difference;
        c.n_shared = static_cast<int64_t>(pc.n);
        const std::string ci = "paired bootstrap 95% CI of delta " + format_ci(pc.ci95_low, pc.ci95_high) + ", " +
                               std::to_string(options.bootstrap_iterations) + " resamples";
        if (pc.binary) {
          c.p_value = pc.p_value_mcnemar;
          c.method = "exact McNemar test (" + std::to_string(pc.a_only) + " right only under a, " +
                     std::to_string(pc.b_only) + " only under b); " + ci;
        } else {
          c.p_value = pc.p_value_bootstrap;
          c.method = "paired bootstrap, two-sided; " + ci;
        }
        results.comparisons.push_back(std::move(c));
      }
    }
  }
}

}  // namespace dream::harness
