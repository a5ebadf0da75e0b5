#pragma once
// The results schema of dream-eval: what `dream-eval run` writes and every report reads.
//
// A results folder holds two files (docs/results-schema.md is the full reference):
//   results.json   one `Results` object: provenance, the decoding settings of the sweep, per task its spec
//                  facts, per (task, setting) metrics with stderr and performance, paired comparisons.
//   samples.jsonl  one `SampleRecord` per line: one document of one task under one setting.
// The layout follows lm-eval's results file in spirit (metric names such as "exact_match,strict-match",
// n-shot, n-samples {original, effective}, versions, provenance) but is normalised into arrays of rows so
// a sweep over many settings stays one readable file.
//
// Reading validates: a missing or mistyped field is a std::runtime_error naming the file, the JSON path
// and the offending value. Writing is atomic (temporary file, then rename).
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dream::reports {

// JSON with keys kept in the order they were written, so results files read top-down like the structs.
using Json = nlohmann::ordered_json;

// Bumped on any change that an older reader would misread. Readers accept this version and older ones.
inline constexpr int kResultsSchemaVersion = 1;
inline constexpr const char* kResultsSchemaName = "dream-eval.results";
inline constexpr const char* kResultsFileName = "results.json";
inline constexpr const char* kSamplesFileName = "samples.jsonl";

// The definition written next to every tokens/s figure unless the producer measured something else.
inline constexpr const char* kTokensPerSecondDefinition =
    "generated tokens (after the prompt, up to and including the first end-of-text) summed over samples, "
    "divided by the wall time of generation";

// Something identified by where it was loaded from and a content hash (e.g. "sha256:<hex>").
struct Artifact {
  std::string path;         // as given on the command line or resolved; may be empty
  std::string fingerprint;  // content hash; empty when unknown
  bool operator==(const Artifact&) const = default;
};

// Where and how the results were produced (house style 9: every result carries provenance).
struct Provenance {
  std::string dream_eval_version;            // e.g. "0.1.0"
  std::string git_commit;                    // commit of the dream-eval source; empty when unknown
  bool git_dirty = false;                    // uncommitted changes in the source tree at build time
  std::string host;                          // hostname
  std::string device;                        // e.g. "NVIDIA H100 80GB HBM3" or "cpu (Intel Xeon ...)"
  std::string dtype;                         // compute dtype: "bfloat16", "float32", ...
  std::vector<std::int64_t> seeds;           // every seed used by the sweep
  std::string started_at;                    // ISO 8601 UTC, e.g. "2026-11-27T14:03:00Z"
  std::string finished_at;                   // ISO 8601 UTC; empty while a run is in progress
  Artifact model;                            // checkpoint folder and fingerprint
  Artifact tokenizer;                        // tokenizer files and fingerprint
  std::string command_line;                  // the command that produced the results
  std::map<std::string, std::string> environment;  // anything else worth knowing: libtorch, CUDA, driver...
  bool operator==(const Provenance&) const = default;
};

// One point of the decoding grid. `id` is stable and unique within a results file (make_setting_id).
struct Setting {
  std::string id;                            // make_setting_id(*this) unless the producer chose another
  std::string label;                         // short human label for tables and legends (make_setting_label)
  int steps = 0;                             // diffusion denoising steps
  std::string alg;                           // Dream's remasking algorithm: origin, maskgit_plus, topk_margin, entropy
  double temperature = 0.0;                  // sampling temperature (0 = greedy)
  std::optional<double> top_p;               // nucleus sampling; nullopt = off
  std::optional<int> top_k;                  // top-k sampling; nullopt = off
  std::optional<double> alg_temp;            // temperature of the confidence-based order; nullopt = deterministic
  int max_new_tokens = 0;                    // generation length (Dream fills a fixed canvas of this many tokens)
  std::int64_t seed = 0;                     // sampling seed
  std::string policy = "dream";              // decoding policy with its parameters, e.g. "dream", "threshold:0.9"
  Json options = Json::object();  // the full generation options struct as the run used it
  bool operator==(const Setting&) const = default;
};

// A metric estimated with the unbiased pass@k estimator (metrics/pass_at_k.h) from several samples per
// document: the samples of every setting of the task that differs from a row's only in the seed (and any
// repeated samples of a document within a setting). k = 1 names the per-sample 0/1 metric, whose row value
// stays the mean of that row's own samples.
struct PassAtKMetric {
  std::string name;                          // e.g. "pass@10,create_test"
  std::int64_t k = 1;
  bool operator==(const PassAtKMetric&) const = default;
};

// Per task: facts of the task spec that do not change with the setting.
struct TaskInfo {
  std::string name;                          // e.g. "gsm8k", "bbh_boolean_expressions"
  std::string version;                       // task version; bumped whenever prompts or scoring change
  int n_shot = 0;                            // few-shot examples in each prompt
  std::string primary_metric;                // the metric charts and `compare` use, e.g. "exact_match,strict-match"
  bool higher_is_better = true;              // for the primary metric
  Json options = Json::object();  // the full task spec (template, stop strings, filters...)
  std::vector<PassAtKMetric> pass_at_k;      // code tasks: how their pass@k metrics are aggregated; else empty
  bool operator==(const TaskInfo&) const = default;
};

// One metric value, named as lm-eval names it ("<metric>,<filter>").
struct MetricValue {
  double value = 0.0;                        // NaN (JSON null) when nothing was scored
  std::optional<double> std_error;           // bootstrap standard error; JSON key "stderr"; nullopt = not computed
  bool operator==(const MetricValue&) const = default;
};

struct LatencyStats {
  double mean_ms = 0.0;
  double median_ms = 0.0;
  double p90_ms = 0.0;
  bool operator==(const LatencyStats&) const = default;
};

// How fast one (task, setting) ran. Every field is optional: results scored from external generations
// (`dream-eval score`) have no timings.
struct Performance {
  std::optional<std::int64_t> forward_passes;     // network forward calls, summed over all batches
  std::optional<double> ms_per_step;              // wall ms of one denoising step of one batch (mean)
  std::optional<LatencyStats> latency_per_sample; // wall ms from batch start to the sample's last step
  std::optional<std::int64_t> generated_tokens;   // summed over samples, as in tokens_per_second_definition
  std::optional<double> tokens_per_second;        // generated_tokens / generation wall time
  std::string tokens_per_second_definition;       // what was counted; kTokensPerSecondDefinition by default
  std::optional<std::int64_t> peak_memory_bytes;  // peak device memory allocated (CUDA) or RSS (CPU)
  std::optional<double> wall_time_s;              // generation wall time of this (task, setting)
  std::optional<int> batch_size;                  // batch size used
  bool operator==(const Performance&) const = default;
};

// The scores and performance of one task under one setting.
struct TaskResult {
  std::string task;                          // TaskInfo::name
  std::string setting_id;                    // Setting::id
  std::int64_t n_samples_original = 0;       // documents in the task's evaluation set
  std::int64_t n_samples_effective = 0;      // documents evaluated (after --limit / sharding)
  std::int64_t n_failed = 0;                 // samples whose generation or scoring failed (counted as wrong)
  std::map<std::string, MetricValue> metrics;
  std::optional<Performance> performance;
  bool operator==(const TaskResult&) const = default;
};

// A paired comparison of two settings on the documents both evaluated.
struct Comparison {
  std::string task;
  std::string metric;                        // metric name, e.g. "exact_match,strict-match"
  std::string setting_a;                     // baseline setting id
  std::string setting_b;                     // compared setting id
  double value_a = 0.0;                      // mean of the metric over the shared documents under a
  double value_b = 0.0;                      // ... under b
  double delta = 0.0;                        // value_b - value_a
  double p_value = 1.0;                      // two-sided
  std::string method;                        // e.g. "paired sign-flip permutation test (exact)"
  std::int64_t n_shared = 0;                 // documents scored under both settings
  bool operator==(const Comparison&) const = default;
};

struct Results {
  int schema_version = kResultsSchemaVersion;
  Provenance provenance;
  std::vector<Setting> settings;
  std::vector<TaskInfo> tasks;
  std::vector<TaskResult> results;
  std::vector<Comparison> comparisons;
  bool operator==(const Results&) const = default;
};

// ---- per-sample records (samples.jsonl) ---------------------------------------------------------

// The outcome of running generated code in the sandbox (code tasks only).
struct CodeExecution {
  std::string status;                        // one of kCodeStatuses
  std::string error_line;                    // the line that explains a failure (last line of stderr, ...)
  std::string warning;                       // non-empty when the code ran without isolation (--unsafe-no-sandbox)
  bool operator==(const CodeExecution&) const = default;
};
// The sandbox's statuses (sandbox/sandbox.h), "not_run" (e.g. the problem's reference solution fails, so
// the sample cannot be judged), and "error", which files written before the sandbox statuses existed use
// for what is now sandbox_error. Reading rejects anything else.
inline constexpr const char* kCodeStatuses[] = {"passed",       "failed",           "timeout",       "out_of_memory",
                                                "output_limit", "killed_by_signal", "sandbox_error", "not_run",
                                                "error"};

// One generated position of a diffusion trace: its final text and the step at which it was unmasked.
struct TraceToken {
  std::string text;                          // decoded text of the final token at this position
  int step = -1;                             // 0-based denoising step that revealed it; -1 = never revealed
  std::optional<std::int64_t> token_id;
  bool operator==(const TraceToken&) const = default;
};

// Which token was revealed when, for samples where the per-step history was kept.
struct DiffusionTrace {
  int steps = 0;                             // total denoising steps of the generation
  std::vector<TraceToken> tokens;            // the generated canvas in position order
  bool operator==(const DiffusionTrace&) const = default;
};

struct SampleTiming {
  std::optional<double> latency_ms;          // wall ms from batch start to this sample's last step
  std::optional<std::int64_t> forward_passes;
  std::optional<std::int64_t> generated_tokens;  // as in kTokensPerSecondDefinition
  // Added for the harness, so per-(task, setting) performance can be recomputed from samples alone
  // (resume, `dream-eval merge`): the batch this sample was generated in.
  std::optional<double> ms_per_step;         // wall ms of one denoising step of the sample's batch
  std::optional<int> batch_size;             // rows in the sample's batch
  std::optional<std::int64_t> peak_memory_bytes;  // process peak device memory after the batch
  bool operator==(const SampleTiming&) const = default;
};

// One option of a multiple-choice sample, as the model scored it.
struct ChoiceScore {
  std::string text;                          // the option (its continuation, or for multiple-input tasks its context)
  double loglikelihood = 0.0;                // estimated log p(continuation | context)
  std::optional<double> std_error;           // Monte Carlo standard error of that estimate
  std::optional<std::int64_t> tokens;        // continuation tokens scored (including an appended end-of-text)
  bool operator==(const ChoiceScore&) const = default;
};

struct SampleRecord {
  std::string task;
  std::string doc_id;                        // the dataset's id (e.g. "HumanEval/0") or the 0-based record index
  std::string setting_id;
  std::string prompt_hash;                   // "sha256:<hex>" of the rendered prompt
  std::string prompt;                        // rendered prompt as sent to the model (after the chat template)
  std::string response;                      // generated text, cut at stop strings
  std::string extracted;                     // the answer extracted by the primary metric's filter
  std::map<std::string, std::string> extracted_by_filter;  // every filter's extraction, when there are several
  std::string expected;                      // the reference answer as the metric compares it
  std::map<std::string, double> metrics;     // per-sample metric values under lm-eval names
  std::optional<bool> correct;               // primary metric judged correct; nullopt for graded metrics
  SampleTiming timing;
  std::optional<CodeExecution> code;
  std::optional<DiffusionTrace> trace;
  std::vector<ChoiceScore> choices;          // multiple-choice tasks: every option with its log-likelihood; else empty
  std::string error;                         // why generation or scoring failed; empty on success
  bool operator==(const SampleRecord&) const = default;
};

// ---- JSON conversion ----------------------------------------------------------------------------
// `where` is the JSON path used in error messages (e.g. "results[3]").
Json to_json(const Results& results);
Results results_from_json(const Json& j, const std::string& where = "$");
Json to_json(const SampleRecord& sample);
SampleRecord sample_from_json(const Json& j, const std::string& where = "$");
Json to_json(const Setting& setting);
Setting setting_from_json(const Json& j, const std::string& where = "$");
Json to_json(const Comparison& comparison);
Comparison comparison_from_json(const Json& j, const std::string& where = "$");

// ---- files --------------------------------------------------------------------------------------
// Reads results.json; errors name the file. Throws when schema_version is newer than this build knows.
Results read_results_json(const std::filesystem::path& file);
// Writes atomically (temporary file in the same folder, then rename), pretty-printed.
void write_results_json(const std::filesystem::path& file, const Results& results);
// Reads samples.jsonl; errors name the file and the 1-based line. Blank lines are skipped.
std::vector<SampleRecord> read_samples_jsonl(const std::filesystem::path& file);
// Writes atomically, one compact JSON object per line.
void write_samples_jsonl(const std::filesystem::path& file, const std::vector<SampleRecord>& samples);
// One line (with its '\n') for streaming writers.
void append_sample_jsonl(std::ostream& out, const SampleRecord& sample);

// Writes `content` to `file` through a temporary file in the same folder, fsync and rename, so readers see
// the old file or the new one, never half of one. Used for every file the reports write.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

// A results folder: results.json plus samples.jsonl (the samples file may be absent).
struct ResultsBundle {
  Results results;
  std::vector<SampleRecord> samples;
  std::filesystem::path results_file;
  std::filesystem::path samples_file;        // empty when there is none
  bool operator==(const ResultsBundle&) const = default;
};
// `path` is a results folder or a results JSON file (samples.jsonl is then looked for next to it).
ResultsBundle load_results_bundle(const std::filesystem::path& path);

// ---- settings -----------------------------------------------------------------------------------
// "steps=16,alg=entropy,temperature=0.2,top_p=0.95,top_k=none,alg_temp=none,max_new_tokens=256,seed=1234,
// policy=dream": every grid axis in a fixed order, numbers in shortest round-trip form, so equal settings
// give equal ids across runs (lm-eval's model_args style).
std::string make_setting_id(const Setting& setting);
// The policy prefix of a multiple-choice setting (log-likelihood by Monte Carlo ELBO, no decoding).
inline constexpr const char* kLikelihoodPolicy = "mc_elbo";
bool is_likelihood_setting(const Setting& setting);
// "entropy T=0.2 16 steps" plus the policy when it is not "dream"; "MC ELBO, 128 samples" for likelihood
// settings: short, for legends.
std::string make_setting_label(const Setting& setting);

// Lookups; nullptr when absent.
const Setting* find_setting(const Results& results, const std::string& id);
const TaskInfo* find_task(const Results& results, const std::string& name);
const TaskResult* find_result(const Results& results, const std::string& task, const std::string& setting_id);

// Shortest decimal that reads back to the same double ("0.1", "16", "nan", "inf").
std::string format_number(double value);

}  // namespace dream::reports
