#include "compare.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "reports/paired_test.h"

namespace dream::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// doc_id -> value for one (task, setting).
std::map<std::string, double> values_by_doc(const std::vector<SampleRecord>& samples, const std::string& task,
                                            const std::string& setting, const std::string& metric) {
  std::map<std::string, double> out;
  for (const auto& s : samples)
    if (s.task == task && s.setting_id == setting) out[s.doc_id] = sample_metric_value(s, metric);
  return out;
}

// Every decoding axis except steps.
auto decoding_without_steps(const Setting& s) {
  return std::tuple(s.alg, s.temperature, s.top_p, s.top_k, s.alg_temp, s.max_new_tokens, s.seed, s.policy);
}

bool has_samples(const std::vector<SampleRecord>& samples, const std::string& task, const std::string& setting) {
  for (const auto& s : samples)
    if (s.task == task && s.setting_id == setting) return true;
  return false;
}

}  // namespace

std::string primary_metric(const Results& results, const std::string& task) {
  if (const TaskInfo* t = find_task(results, task); t && !t->primary_metric.empty()) return t->primary_metric;
  std::set<std::string> names;
  for (const auto& r : results.results)
    if (r.task == task)
      for (const auto& [name, value] : r.metrics) names.insert(name);
  return names.empty() ? std::string() : *names.begin();
}

double sample_metric_value(const SampleRecord& sample, const std::string& metric) {
  if (auto it = sample.metrics.find(metric); it != sample.metrics.end()) return it->second;
  if (sample.correct) return *sample.correct ? 1.0 : 0.0;
  if (!sample.error.empty()) return 0.0;
  return kNaN;
}

Comparison compare_paired(const std::string& task, const std::string& metric, const std::string& setting_a,
                          const std::vector<SampleRecord>& a, const std::string& setting_b,
                          const std::vector<SampleRecord>& b) {
  const auto va = values_by_doc(a, task, setting_a, metric);
  const auto vb = values_by_doc(b, task, setting_b, metric);
  std::vector<double> xa, xb;
  for (const auto& [doc, x] : va) {
    auto it = vb.find(doc);
    if (it == vb.end() || std::isnan(x) || std::isnan(it->second)) continue;
    xa.push_back(x);
    xb.push_back(it->second);
  }
  const PairedTestResult t = paired_test(xa, xb);
  return Comparison{task, metric, setting_a, setting_b, t.mean_a, t.mean_b, t.delta, t.p_value, t.method, t.n};
}

std::vector<Comparison> compare_within_run(const Results& results, const std::vector<SampleRecord>& samples) {
  std::vector<Comparison> out;
  for (const auto& task : results.tasks) {
    const std::string metric = primary_metric(results, task.name);
    std::vector<const Setting*> settings;
    for (const auto& s : results.settings)
      if (find_result(results, task.name, s.id) && has_samples(samples, task.name, s.id)) settings.push_back(&s);
    for (const Setting* s : settings) {
      const Setting* reference = s;
      for (const Setting* other : settings)
        if (decoding_without_steps(*other) == decoding_without_steps(*s) && other->steps > reference->steps)
          reference = other;
      if (reference != s) out.push_back(compare_paired(task.name, metric, reference->id, samples, s->id, samples));
    }
  }
  return out;
}

std::vector<Comparison> compare_runs(const ResultsBundle& a, const ResultsBundle& b) {
  std::vector<Comparison> out;
  for (const auto& task : a.results.tasks) {
    if (!find_task(b.results, task.name)) continue;
    const std::string metric = primary_metric(a.results, task.name);
    std::vector<std::pair<std::string, std::string>> pairs;
    std::vector<std::string> in_a, in_b;
    for (const auto& r : a.results.results)
      if (r.task == task.name) in_a.push_back(r.setting_id);
    for (const auto& r : b.results.results)
      if (r.task == task.name) in_b.push_back(r.setting_id);
    if (in_a.size() == 1 && in_b.size() == 1) {
      pairs.emplace_back(in_a[0], in_b[0]);
    } else {
      for (const auto& id : in_a)
        if (find_result(b.results, task.name, id)) pairs.emplace_back(id, id);
    }
    for (const auto& [sa, sb] : pairs) {
      if (has_samples(a.samples, task.name, sa) && has_samples(b.samples, task.name, sb)) {
        out.push_back(compare_paired(task.name, metric, sa, a.samples, sb, b.samples));
        continue;
      }
      const TaskResult* ra = find_result(a.results, task.name, sa);
      const TaskResult* rb = find_result(b.results, task.name, sb);
      auto value = [&](const TaskResult* r) {
        auto it = r->metrics.find(metric);
        return it == r->metrics.end() ? kNaN : it->second.value;
      };
      out.push_back(Comparison{task.name, metric, sa, sb, value(ra), value(rb), value(rb) - value(ra), kNaN,
                               "no per-sample records on both sides: delta of the reported values, no test", 0});
    }
  }
  return out;
}

}  // namespace dream::reports
