#include "scoring.h"

#include <algorithm>
#include <stdexcept>

#include "math/math.h"
#include "planning/planning.h"

namespace dream::tasks {

namespace {

class ExactMatchMetric : public Metric {
 public:
  explicit ExactMatchMetric(metrics::ExactMatchOptions o) : options_(std::move(o)) {}
  double score(const Document& doc, const std::string& extracted, std::string&) const override {
    return metrics::exact_match(extracted, doc.field("target"), options_) ? 1.0 : 0.0;
  }

 private:
  metrics::ExactMatchOptions options_;
};

std::unique_ptr<Metric> make_exact_match(const MetricSpec& spec, const std::string& file) {
  return std::make_unique<ExactMatchMetric>(exact_match_options(spec, file));
}

class SpecScorer : public Scorer {
 public:
  explicit SpecScorer(const TaskSpec& spec) : filters_(spec.filters) {
    for (const auto& m : spec.metrics) metrics_.emplace_back(m.name, make_metric(m, spec.spec_file));
    for (const auto& f : filters_)
      for (const auto& [name, _] : metrics_) names_.push_back(name + "," + f.name);
  }
  std::vector<std::string> metric_names() const override { return names_; }
  SampleScore score(const Document& doc, std::string_view response) const override {
    SampleScore s;
    for (const auto& f : filters_) {
      const std::string extracted = f.apply_one(response);
      s.extracted[f.name] = extracted;
      for (const auto& [name, metric] : metrics_) {
        std::string note;
        s.metrics.emplace_back(name + "," + f.name, metric->score(doc, extracted, note));
        if (!note.empty() && s.note.empty()) s.note = note;
      }
    }
    return s;
  }

 private:
  std::vector<metrics::FilterPipeline> filters_;
  std::vector<std::pair<std::string, std::unique_ptr<Metric>>> metrics_;
  std::vector<std::string> names_;
};

// lm-eval's multiple-choice metrics from the log-likelihood of each option: acc (the most likely option is
// the right one) and acc_norm (the same after dividing each log-likelihood by its option's length in
// characters, lm-eval's `len(choice)`). Both under the filter name "none" ("acc,none"), as lm-eval names them.
class MultipleChoiceScorer : public Scorer {
 public:
  explicit MultipleChoiceScorer(const TaskSpec& spec) : spec_(spec) {
    for (const auto& m : spec.metrics) {
      if (m.name != "acc" && m.name != "acc_norm")
        throw std::invalid_argument(spec.spec_file + ": metric '" + m.name + "': a multiple_choice task has acc and acc_norm");
      if (!m.options.empty()) throw std::invalid_argument(spec.spec_file + ": metric '" + m.name + "' takes no options");
      names_.push_back(m.name + ",none");
    }
  }
  std::vector<std::string> metric_names() const override { return names_; }
  SampleScore score(const Document& doc, std::string_view) const override {
    throw std::invalid_argument(spec_.spec_file + ": document " + doc.id +
                                ": a multiple-choice task is scored from the log-likelihood of each option, not from text");
  }
  SampleScore score_choices(const Document& doc, const std::vector<double>& lls) const override {
    const std::vector<std::string> options = choice_texts(spec_, doc);
    const int gold = gold_choice(spec_, doc);
    if (lls.size() != options.size())
      throw std::invalid_argument(spec_.spec_file + ": document " + doc.id + ": " + std::to_string(lls.size()) +
                                  " log-likelihoods for " + std::to_string(options.size()) + " options");
    size_t best = 0, best_norm = 0;
    auto norm = [&](size_t i) { return lls[i] / static_cast<double>(std::max<size_t>(1, code_points(options[i]))); };
    for (size_t i = 1; i < lls.size(); ++i) {
      if (lls[i] > lls[best]) best = i;  // ties keep the first option, as numpy's argmax
      if (norm(i) > norm(best_norm)) best_norm = i;
    }
    SampleScore s;
    for (const auto& m : spec_.metrics) {
      const size_t pick = m.name == "acc" ? best : best_norm;
      s.metrics.emplace_back(m.name + ",none", static_cast<int>(pick) == gold ? 1.0 : 0.0);
    }
    const size_t primary_pick = spec_.metrics.front().name == "acc" ? best : best_norm;
    s.extracted["none"] = options[primary_pick];
    if (best != best_norm) s.note = "acc picks option " + std::to_string(best) + ", acc_norm option " + std::to_string(best_norm);
    return s;
  }

 private:
  static size_t code_points(const std::string& text) {
    size_t n = 0;
    for (const unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
  }
  TaskSpec spec_;
  std::vector<std::string> names_;
};

}  // namespace

metrics::ExactMatchOptions exact_match_options(const MetricSpec& spec, const std::string& file) {
  metrics::ExactMatchOptions o;
  for (const auto& [k, v] : spec.options.items()) {
    auto flag = [&](bool& out) {
      if (!v.is_boolean()) throw std::invalid_argument(file + ": metric exact_match: '" + k + "' must be true or false");
      out = v.get<bool>();
    };
    if (k == "ignore_case") flag(o.ignore_case);
    else if (k == "ignore_punctuation") flag(o.ignore_punctuation);
    else if (k == "ignore_numbers") flag(o.ignore_numbers);
    else if (k == "regexes_to_ignore") {
      if (!v.is_array()) throw std::invalid_argument(file + ": metric exact_match: regexes_to_ignore must be an array");
      for (const auto& r : v) o.regexes_to_ignore.push_back(r.get<std::string>());
    } else {
      throw std::invalid_argument(file + ": metric exact_match: unknown option '" + k +
                                  "' (known: ignore_case, ignore_punctuation, ignore_numbers, regexes_to_ignore)");
    }
  }
  metrics::normalize_for_exact_match("", o);  // compiles the regexes now, so a bad one fails at load time
  return o;
}

const std::vector<MetricEntry>& metric_registry() {
  static const std::vector<MetricEntry> registry = {
      {"exact_match", make_exact_match, "lm-eval exact match of the extracted answer against the document's target"},
      {"minerva_equivalent", make_minerva_equivalent_metric, "Minerva-normalised MATH answer equals the gold answer"},
      {"sudoku_valid", make_sudoku_valid_metric, "the answer grid is a valid completion of the puzzle (any solution)"},
      {"countdown_valid", make_countdown_valid_metric, "the answer's steps reach the target using every number once"},
  };
  return registry;
}

std::unique_ptr<Metric> make_metric(const MetricSpec& spec, const std::string& spec_file) {
  for (const auto& e : metric_registry())
    if (e.name == spec.name) return e.make(spec, spec_file);
  std::string known;
  for (const auto& e : metric_registry()) known += (known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument(spec_file + ": unknown metric '" + spec.name + "' (known: " + known + ")");
}

std::unique_ptr<Scorer> make_spec_scorer(const TaskSpec& spec) {
  if (spec.is_multiple_choice()) return std::make_unique<MultipleChoiceScorer>(spec);
  return std::make_unique<SpecScorer>(spec);
}

}  // namespace dream::tasks
