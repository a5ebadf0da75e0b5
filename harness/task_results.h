#pragma once
// Building result records from tasks and generations; shared by `run` and `score` so both write the same
// fields the same way.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "backend.h"
#include "reports/result_schema.h"
#include "tasks/task.h"

namespace dream::harness {

// Version, git commit, host and start time; the caller adds model, device, dtype and seeds.
reports::Provenance base_provenance(const std::string& command_line);

// Name, version, n-shot, primary metric and the full spec (plus the data files read).
reports::TaskInfo task_info(const tasks::Task& task);

// Cuts `text` before the first occurrence of any stop string (lm-eval's `until`); run and score both
// apply the task's stop strings this way.
std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stop);

// A record's identity: task, document, setting, prompt and its hash, and the document's "target" field as
// `expected` (where it has one). Every record the harness writes starts here.
reports::SampleRecord new_record(const tasks::Task& task, const tasks::Document& doc, const std::string& setting_id,
                                 const std::string& prompt, const std::string& prompt_hash);

// One response to score, with what its record shows.
struct ResponseToScore {
  const tasks::Document* doc = nullptr;
  std::string setting_id;
  std::string prompt;       // as sent to the model
  std::string prompt_hash;  // "sha256:<hex>" of `prompt`
  std::string response;     // cut at the task's stop strings
};

// Scores the responses of one task together (a code task runs their tests in parallel in the sandbox) and
// builds one record each, in order: metrics under lm-eval names, the primary filter's extraction (and every
// filter's when there are several), the expected answer, `correct` for 0/1 primary metrics, and the code
// run of code tasks. A scorer that fails gives records with `error` set instead of a crash.
std::vector<reports::SampleRecord> sample_records(const tasks::Task& task, const std::vector<ResponseToScore>& responses);

// The log-likelihoods of one multiple-choice document's options, to score.
struct ChoicesToScore {
  const tasks::Document* doc = nullptr;
  std::string setting_id;
  std::string prompt;                                   // the (first) context as sent to the model
  std::string prompt_hash;                              // "sha256:<hex>" of every (context, continuation) pair
  std::vector<double> loglikelihoods;                   // one per option, in option order
  std::vector<std::optional<double>> std_errors;        // same length, or empty
  std::vector<std::optional<std::int64_t>> tokens;      // same length, or empty
};

// "sha256:<hex>" of a multiple-choice request's (context, continuation) pairs: its prompt hash.
std::string choices_hash(const std::vector<tasks::ChoicePair>& choices);

// Scores one multiple-choice document (acc / acc_norm) into a record: every option with its log-likelihood,
// the option acc picks as the response, the right option as `expected`. A scorer failure (e.g. a wrong
// number of log-likelihoods) gives a record with `error` set instead of a throw.
reports::SampleRecord choice_record(const tasks::Task& task, const ChoicesToScore& choices);

// How code tasks run generated programs in a run or a `score` (the --unsafe-no-sandbox flag).
struct CodeExecutionOptions {
  bool unsafe_no_sandbox = false;  // no isolation: a warning goes into the log, the provenance and every code record
  unsigned sandbox_workers = 0;    // programs run at once; 0 = one per hardware thread
};

// The shared scoring resources of one run: one CodeExecutor (sandbox and pool started on first use).
tasks::ScoringContext make_scoring_context(const CodeExecutionOptions& options);

// In unsafe mode: puts the warning into the provenance (environment "code_execution") and on `log`.
void note_code_execution(reports::Provenance& provenance, const CodeExecutionOptions& options, std::ostream& log);

// The sample's generation figures and, when kept, its diffusion trace.
void add_timing(reports::SampleRecord& record, const GenerationOutput& output, int batch_size, size_t peak_memory_bytes,
                int steps, bool keep_trace);

}  // namespace dream::harness
