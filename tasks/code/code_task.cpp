#include "tasks/code/code_task.h"

#include <stdexcept>

#include "tasks/sources.h"

namespace dream::tasks {

namespace {

using code::Benchmark;
using code::CodeProblem;
using code::PromptStyle;

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// The pass_at_k metric of a code task's spec; see code_task.h.
std::vector<PassAtKMetric> parse_pass_at_k(const TaskSpec& spec) {
  const std::string& file = spec.spec_file;
  if (spec.filters.size() != 1 || !spec.filters[0].steps.empty())
    throw std::invalid_argument(file + ": field 'filters': a code task takes one filter without steps (it names the "
                                "extraction, e.g. \"create_test\"; the code is extracted by the code scorer)");
  if (spec.metrics.size() != 1 || spec.metrics[0].name != "pass_at_k")
    throw std::invalid_argument(file + ": field 'metrics': a code task takes one metric {\"name\": \"pass_at_k\", ...}");
  const nlohmann::json& o = spec.metrics[0].options;
  for (const auto& [key, _] : o.items())
    if (key != "k" && key != "report_as")
      throw std::invalid_argument(file + ": field 'metrics[0]." + key + "': unknown key (known: k, report_as)");
  const std::string report_as = o.value("report_as", std::string("pass@{k}"));
  const size_t placeholder = report_as.find("{k}");
  if (placeholder == std::string::npos)
    throw std::invalid_argument(file + ": field 'metrics[0].report_as': '" + report_as + "' has no {k}");
  std::vector<PassAtKMetric> out;
  const nlohmann::json ks = o.value("k", nlohmann::json::array({1}));
  for (const auto& k : ks) {
    if (!k.is_number_integer() || k.get<int>() < 1)
      throw std::invalid_argument(file + ": field 'metrics[0].k': expected positive integers, got " + ks.dump());
    std::string name = report_as;
    name.replace(placeholder, 3, std::to_string(k.get<int>()));
    out.push_back({name + "," + spec.filters[0].name, k.get<int>()});
  }
  if (out.empty() || out.front().k != 1)
    throw std::invalid_argument(file + ": field 'metrics[0].k': must start with 1 (the per-sample score), got " + ks.dump());
  return out;
}

class CodeScorer : public Scorer {
 public:
  CodeScorer(Benchmark benchmark, PromptStyle style, const TaskSpec& spec, const DocumentSet& docs,
             std::shared_ptr<code::CodeExecutor> executor)
      : style_(style), filter_(spec.filters.empty() ? "none" : spec.filters[0].name), pass_at_k_(parse_pass_at_k(spec)),
        executor_(executor ? std::move(executor) : std::make_shared<code::CodeExecutor>()) {
    for (const auto& d : docs.documents) {
      index_.emplace(d.id, problems_.size());
      problems_.push_back(code_problem(d, benchmark));
    }
  }

  std::vector<std::string> metric_names() const override { return {pass_at_k_.front().name}; }
  std::vector<PassAtKMetric> pass_at_k_metrics() const override { return pass_at_k_; }
  void prepare() const override { executor_->start(); }

  SampleScore score(const Document& doc, std::string_view response) const override {
    return score_all({{&doc, response}}).front();
  }

  std::vector<SampleScore> score_all(const std::vector<ScoreItem>& items) const override {
    std::vector<SampleScore> out(items.size());
    std::vector<code::CodeSample> samples;
    std::vector<size_t> sample_item;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto it = index_.find(items[i].doc->id);
      if (it == index_.end()) {
        out[i].error = "document " + items[i].doc->id + " is not a problem of this task";
        continue;
      }
      samples.push_back({it->second, std::string(items[i].response)});
      sample_item.push_back(i);
    }
    const auto scored = executor_->score(problems_, style_, samples);
    for (size_t k = 0; k < scored.size(); ++k) {
      const code::ScoredSample& r = scored[k];
      SampleScore& s = out[sample_item[k]];
      s.metrics = {{pass_at_k_.front().name, r.not_run.empty() && r.run.passed() ? 1.0 : 0.0}};
      s.extracted[filter_] = r.solution;
      if (!r.not_run.empty()) {
        s.code = CodeRun{"not_run", r.not_run, ""};
        s.error = "not run: " + r.not_run;
      } else {
        s.code = CodeRun{std::string(sandbox::status_name(r.run.status)), r.run.message, r.run.warning};
        if (r.run.status == sandbox::Status::sandbox_error) s.error = "sandbox error: " + r.run.message;
      }
    }
    return out;
  }

 private:
  PromptStyle style_;
  std::string filter_;
  std::vector<PassAtKMetric> pass_at_k_;
  std::shared_ptr<code::CodeExecutor> executor_;
  std::vector<CodeProblem> problems_;
  std::map<std::string, size_t> index_;
};

}  // namespace

Document code_document(const CodeProblem& p) {
  Document d;
  d.id = p.task_id;
  d.fields["prompt"] = p.prompt;
  d.fields["entry_point"] = p.entry_point;
  d.fields["reference_solution"] = p.reference_solution;
  d.fields["test_code"] = p.test_code;
  d.fields["test_list"] = nlohmann::json(p.test_list).dump();
  if (p.benchmark == Benchmark::humaneval) {
    d.fields["target"] = p.test_code + "\ncheck(" + p.entry_point + ")";  // lm-eval's doc_to_target
  } else {
    for (size_t i = 0; i < 3 && i < p.test_list.size(); ++i) d.fields["test_" + std::to_string(i)] = p.test_list[i];
    d.fields["target"] = joined_lines({p.test_list.begin(), p.test_list.begin() + std::min<size_t>(3, p.test_list.size())});
  }
  return d;
}

CodeProblem code_problem(const Document& doc, Benchmark benchmark) {
  CodeProblem p;
  p.benchmark = benchmark;
  p.task_id = doc.id;
  p.prompt = doc.field("prompt");
  p.entry_point = doc.field("entry_point");
  p.reference_solution = doc.field("reference_solution");
  p.test_code = doc.field("test_code");
  nlohmann::json tests;
  try {
    tests = nlohmann::json::parse(doc.field("test_list"));
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument("document " + doc.id + ": field 'test_list': not JSON: " + e.what());
  }
  if (!tests.is_array()) throw std::invalid_argument("document " + doc.id + ": field 'test_list': expected a JSON array");
  for (const auto& t : tests) {
    if (!t.is_string()) throw std::invalid_argument("document " + doc.id + ": field 'test_list': holds a non-string");
    p.test_list.push_back(t.get<std::string>());
  }
  return p;
}

DocumentSet load_humaneval_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  for (const auto& p : code::load_problems(Benchmark::humaneval, use_file(set, data, "humaneval", "HumanEval.jsonl")))
    set.documents.push_back(code_document(p));
  return set;
}

DocumentSet load_mbpp_documents(const datasets::DataDir& data, const nlohmann::json&) {
  DocumentSet set;
  const auto all = code::load_problems(Benchmark::mbpp, use_file(set, data, "mbpp", "mbpp.jsonl"));
  for (const auto& p : code::mbpp_test_split(all)) set.documents.push_back(code_document(p));
  for (const auto& p : code::mbpp_fewshot_exemplars(all)) set.fewshot[""].push_back(code_document(p));
  return set;
}

ScorerFactory code_scorer(Benchmark benchmark, PromptStyle style) {
  return [benchmark, style](const TaskSpec& spec, const DocumentSet& docs, const ScoringContext& context) {
    return std::make_unique<CodeScorer>(benchmark, style, spec, docs, context.code_executor);
  };
}

}  // namespace dream::tasks
