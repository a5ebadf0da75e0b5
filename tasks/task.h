#pragma once
// Tasks turn documents into model requests and score the responses, independently of any model.
//
// A task = a declarative spec (a JSON file under tasks/<family>/, embedded in the binary: templates,
// few-shot, stop strings, filters, metrics, generation defaults, version) + a document source (C++ that
// reads the verified data files into Documents) + a scorer (by default the spec's filters x metrics; a
// task can bring its own, e.g. code execution). The registry (registry.h) binds names to these.
//
// Prompt construction follows lm-eval's (lm_eval/api/task.py fewshot_context): plain prompts are
//   description + join(fewshot_delimiter, [text(shot) + target_delimiter + target(shot)]) + fewshot_delimiter
//   + text(doc) [+ target_delimiter + gen_prefix when the spec has a gen_prefix];
// chat prompts put the description in a system message, the few-shot block and the question in one user
// message, and gen_prefix as the assistant turn's prefill. The harness renders chat with the model's
// template and prepends the model's base prefix (bos text) to plain prompts.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/exact_match.h"
#include "metrics/filters.h"

namespace dream::tasks {

// One evaluation item.
struct Document {
  std::string id;     // the dataset's own id where it has one (e.g. "test/algebra/1.json"), else the 0-based
                      // record index in its file, prefixed with the group for grouped tasks ("navigate/12")
  std::string group;  // BBH subtask, MMLU subject, countdown size; "" when the task has no groups
  std::map<std::string, std::string> fields;  // what templates and scorers read; "target" is the reference
  // Multiple-choice sources: the options in order (WinoGrande: the sentence up to the blank filled with each
  // option) and the index of the right one. A spec's doc_to_choice can replace the options (MMLU: "A".."D").
  std::vector<std::string> choices;
  int gold = -1;
  const std::string& field(const std::string& name) const;  // throws naming the document and field
};

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

// What a task asks of a model for one document: a generation (generate_until), or the log-likelihood of
// each option of a multiple-choice question (loglikelihood, lm-eval's multiple_choice output type).
enum class RequestKind { generate_until, loglikelihood };

// One option of a multiple-choice request: the model scores log p(continuation | context). Contexts are
// plain text; the harness prepends the model's base prefix as for plain prompts.
struct ChoicePair {
  std::string context;
  std::string continuation;  // starts with the spec's target_delimiter (" Paris"), as lm-eval builds it
};

struct Request {
  RequestKind kind = RequestKind::generate_until;
  std::string prompt;                 // plain prompt (used when `messages` is empty)
  std::vector<ChatMessage> messages;  // chat prompt, rendered by the model's chat template
  std::string assistant_prefill;      // chat: the assistant turn starts with this text
  std::vector<std::string> stop;      // generation ends before the first of these
  std::vector<ChoicePair> choices;    // loglikelihood: one pair per option, in option order

  bool is_chat() const { return !messages.empty(); }
  // Canonical JSON of everything above (sorted keys); its sha256 is the prompt hash pinned in tests and
  // stored with every sample.
  nlohmann::json to_json() const;
  std::string hash() const;
};

// Generation settings a task suggests (the paper's protocol); the harness's grid flags override them.
struct GenerationDefaults {
  int max_new_tokens = 256;
  std::optional<int> steps;  // unset: steps = max_new_tokens (Dream's protocol)
  double temperature = 0.0;
  std::optional<double> top_p;
  std::optional<int> top_k;
  std::string alg = "entropy";
  double alg_temp = 0.0;
  nlohmann::json to_json() const;
};

// One metric to compute on every filter's output.
struct MetricSpec {
  std::string name;         // "exact_match", "minerva_equivalent", "sudoku_valid", "countdown_valid", ...
  nlohmann::json options;   // metric-specific (exact_match: ignore_case, ignore_punctuation, regexes_to_ignore)
};

// A task spec as read from its JSON file; field meanings in docs of tasks/README.md.
struct TaskSpec {
  std::string spec_file;          // path under tasks/, for error messages
  std::string output_type = "generate_until";  // or "multiple_choice": the log-likelihood of each option decides
  std::vector<std::string> doc_to_choice;      // multiple_choice: templates of the options; empty = the document's
  bool choices_are_contexts = false;  // multiple_choice: each option replaces doc_to_text and doc_to_target is the
                                      // continuation they share (lm-eval's multiple-input tasks: WinoGrande)
  std::string version;            // bumped whenever prompts or scoring change
  std::string upstream;           // what the spec reproduces (e.g. "lm-eval gsm8k_cot v3.0")
  std::string format = "plain";   // "plain" or "chat"
  std::string description;        // template; plain: prepended, chat: the system message
  std::string doc_to_text;        // template of the question
  std::string doc_to_target;      // template of a few-shot answer
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  std::optional<std::string> gen_prefix;  // plain: appended after target_delimiter; chat: assistant prefill
  int num_fewshot = 0;
  std::vector<std::map<std::string, std::string>> fewshot_samples;  // inline exemplars; else the source's pool
  std::vector<std::string> stop;
  GenerationDefaults generation;
  std::vector<metrics::FilterPipeline> filters;
  std::vector<MetricSpec> metrics;
  nlohmann::json raw;             // the whole file, copied into results

  bool is_multiple_choice() const { return output_type == "multiple_choice"; }
  // Throws std::invalid_argument naming the spec file and field.
  static TaskSpec parse(const nlohmann::json& j, const std::string& spec_file);
};

// Fills {{name}} placeholders from the document's fields; an unknown name throws naming the template's
// owner (e.g. "tasks/gsm8k/gsm8k.json: doc_to_text"), the field and the document id.
std::string render_template(std::string_view tmpl, const Document& doc, const std::string& context);

// Multiple-choice tasks: the options of `doc` (the spec's doc_to_choice rendered, else the document's own) and
// the index of the right one; errors name the spec file, the document and the field.
std::vector<std::string> choice_texts(const TaskSpec& spec, const Document& doc);
int gold_choice(const TaskSpec& spec, const Document& doc);

// Documents and few-shot pools of a task, read from verified data.
struct DocumentSet {
  std::vector<Document> documents;
  std::map<std::string, std::vector<Document>> fewshot;  // per group ("" for all); first_n selection
  std::vector<std::string> data_files;                   // "dataset/file" read, for provenance
};

// How a code sample's test program ended (code tasks only).
struct CodeRun {
  std::string status;      // a sandbox status name (sandbox/sandbox.h: "passed", "failed", "timeout", ...) or "not_run"
  std::string error_line;  // failed: the exception's last line; otherwise what happened (or why it did not run)
  std::string warning;     // non-empty when the program ran without isolation (--unsafe-no-sandbox)
};

struct SampleScore {
  std::vector<std::pair<std::string, double>> metrics;  // lm-eval names, e.g. "exact_match,strict-match"; first is primary
  std::map<std::string, std::string> extracted;         // filter name -> extracted answer
  std::string note;                                     // e.g. why a verifier rejected the answer
  std::optional<CodeRun> code;                          // code tasks: the sandboxed run of the tests
  std::string error;                                    // scoring failed for this sample (it counts as wrong)
  nlohmann::json to_json() const;
};

// A metric estimated over several samples per document with the unbiased pass@k estimator (code tasks):
// the harness pools the samples of settings that differ only in the seed. k = 1 names the per-sample
// 0/1 metric itself.
struct PassAtKMetric {
  std::string name;  // e.g. "pass@10,create_test"
  int k = 1;
};

struct ScoreItem {
  const Document* doc = nullptr;
  std::string_view response;
};

// Scores responses; a task's default scorer runs the spec's filters and metrics, a custom one (code
// execution) can do anything. Implementations must be safe to call from several threads.
class Scorer {
 public:
  virtual ~Scorer() = default;
  virtual std::vector<std::string> metric_names() const = 0;  // in the order of SampleScore::metrics
  virtual SampleScore score(const Document& doc, std::string_view response) const = 0;
  // Scores several responses, in order. The default calls score() on each and turns an exception into that
  // sample's `error`; code execution overrides it to run the tests in parallel.
  virtual std::vector<SampleScore> score_all(const std::vector<ScoreItem>& items) const;
  // Multiple-choice tasks: scores the estimated log-likelihood of each option (in the order of
  // Request::choices). The default throws: the task scores generated text.
  virtual SampleScore score_choices(const Document& doc, const std::vector<double>& loglikelihoods) const;
  // Acquires what scoring needs (a code task starts its sandbox), so that a missing resource stops a run
  // before anything is generated. Throws with a message saying how to fix it.
  virtual void prepare() const {}
  // pass@k metrics of the task (empty for all but code tasks).
  virtual std::vector<PassAtKMetric> pass_at_k_metrics() const { return {}; }
};

namespace code {
class CodeExecutor;
}

// Resources the scorers of all tasks of one run share; the harness makes one per run and passes it to
// every load_task.
struct ScoringContext {
  // Sandbox and worker pool for code tasks (tasks/code/code_tasks.h), started on first use; null: each
  // code task makes its own, with the sandbox's default options.
  std::shared_ptr<code::CodeExecutor> code_executor;
};

class Task {
 public:
  Task(std::string name, TaskSpec spec, DocumentSet docs, std::unique_ptr<Scorer> scorer);

  const std::string& name() const { return name_; }
  const TaskSpec& spec() const { return spec_; }
  const std::string& version() const { return spec_.version; }
  const std::vector<Document>& documents() const { return docs_.documents; }
  const DocumentSet& document_set() const { return docs_; }
  const Scorer& scorer() const { return *scorer_; }
  std::string primary_metric() const { return scorer_->metric_names().front(); }

  // The few-shot exemplars used for `doc` (first num_fewshot of its group's pool, skipping the doc).
  std::vector<const Document*> fewshot_for(const Document& doc) const;
  Request build_request(const Document& doc) const;
  SampleScore score(const Document& doc, std::string_view response) const { return scorer_->score(doc, response); }
  // Index of the document with this id; throws std::invalid_argument naming the task and id.
  size_t index_of(const std::string& doc_id) const;

 private:
  Request build_multiple_choice_request(const Document& doc) const;

  std::string name_;
  TaskSpec spec_;
  DocumentSet docs_;
  std::unique_ptr<Scorer> scorer_;
  std::map<std::string, size_t> index_;
  std::vector<Document> inline_shots_;
};

}  // namespace dream::tasks
