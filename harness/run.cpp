#include "run.h"

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <set>

#include "build_info.h"
#include "datasets/data_dir.h"
#include "datasets/sha256.h"
#include "sample_cache.h"
#include "task_results.h"
#include "tasks/registry.h"

namespace dream::harness {

namespace {

struct PreparedDoc {
  const tasks::Document* doc;
  std::string prompt;       // rendered as sent to the model (multiple choice: the first option's context)
  std::string prompt_hash;  // "sha256:<hex>" of `prompt` (multiple choice: of every rendered pair)
  int tokens = 0;
  std::vector<tasks::ChoicePair> choices;  // multiple choice: the rendered (context, continuation) pairs
};

struct PendingItem {
  const tasks::Task* task;
  const PreparedDoc* prepared;
  const GenerationSettings* settings;      // generation tasks
  const LikelihoodSettings* likelihood;    // multiple-choice tasks
  std::string setting_id;
  std::string key;
  uint64_t seed;
};

PreparedDoc prepare(const GenerationBackend& backend, const tasks::Task& task, const tasks::Document& doc) {
  const tasks::Request r = task.build_request(doc);
  PreparedDoc p{&doc, "", "", 0, {}};
  if (r.kind == tasks::RequestKind::loglikelihood) {
    for (const auto& c : r.choices) {
      p.choices.push_back({backend.base_prompt_prefix() + c.context, c.continuation});
      p.tokens = std::max(p.tokens, backend.count_tokens(p.choices.back().context + c.continuation));
    }
    p.prompt = p.choices.front().context;
    p.prompt_hash = choices_hash(p.choices);
    return p;
  }
  p.prompt = r.is_chat() ? backend.render_chat(r.messages, r.assistant_prefill) : backend.base_prompt_prefix() + r.prompt;
  p.prompt_hash = "sha256:" + datasets::sha256_hex(p.prompt);
  p.tokens = backend.count_tokens(p.prompt);
  return p;
}

struct RowResult {
  bool ok = false;
  GenerationOutput output;
  std::string error;
};

// Generates a batch; when the backend throws, retries its rows one by one so one bad sample does not sink
// the others, and reports the rows that still fail.
std::vector<RowResult> generate_with_retry(GenerationBackend& backend, const std::vector<PendingItem*>& batch,
                                           const GenerationSettings& settings) {
  std::vector<GenerationRequest> requests;
  for (const PendingItem* item : batch)
    requests.push_back({item->prepared->prompt, item->task->spec().stop, item->seed});
  std::vector<RowResult> out(batch.size());
  try {
    const auto t0 = std::chrono::steady_clock::now();
    auto outputs = backend.generate(requests, settings);
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (outputs.size() != batch.size())
      throw std::runtime_error("backend returned " + std::to_string(outputs.size()) + " outputs for " +
                               std::to_string(batch.size()) + " requests");
    for (size_t i = 0; i < outputs.size(); ++i) {
      GenerationOutput& o = outputs[i];
      if (o.latency_ms <= 0) o.latency_ms = wall_ms;
      if (o.ms_per_step <= 0) o.ms_per_step = o.latency_ms / std::max(1, o.forward_passes > 0 ? o.forward_passes : settings.steps);
      out[i] = {true, std::move(o), ""};
    }
  } catch (const std::exception& e) {
    if (batch.size() == 1) {
      out[0] = {false, {}, e.what()};
    } else {
      for (size_t i = 0; i < batch.size(); ++i) out[i] = std::move(generate_with_retry(backend, {batch[i]}, settings)[0]);
    }
  }
  return out;
}

// The log-likelihoods of every option of a batch of documents in one backend call (every option of a
// document gets the document's seed: common random numbers). When the call throws, retries document by
// document; a document that still fails gets its error.
struct ChoiceResult {
  bool ok = false;
  std::vector<LikelihoodOutput> options;
  double latency_ms = 0;
  std::string error;
};

std::vector<ChoiceResult> loglikelihood_with_retry(GenerationBackend& backend, const std::vector<PendingItem*>& batch,
                                                   const LikelihoodSettings& settings) {
  std::vector<LikelihoodRequest> requests;
  for (const PendingItem* item : batch)
    for (const auto& c : item->prepared->choices) requests.push_back({c.context, c.continuation, item->seed});
  std::vector<ChoiceResult> out(batch.size());
  try {
    const auto t0 = std::chrono::steady_clock::now();
    auto outputs = backend.loglikelihood(requests, settings);
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (outputs.size() != requests.size())
      throw std::runtime_error("backend returned " + std::to_string(outputs.size()) + " log-likelihoods for " +
                               std::to_string(requests.size()) + " options");
    size_t next = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      out[i].ok = true;
      for (size_t k = 0; k < batch[i]->prepared->choices.size(); ++k, ++next) {
        LikelihoodOutput& o = outputs[next];
        // A backend that does not time requests: each option gets its share of the call.
        if (o.latency_ms <= 0) o.latency_ms = wall_ms / static_cast<double>(requests.size());
        out[i].latency_ms += o.latency_ms;
        out[i].options.push_back(o);
      }
    }
  } catch (const std::exception& e) {
    if (batch.size() == 1) {
      out[0].error = e.what();
    } else {
      for (size_t i = 0; i < batch.size(); ++i) out[i] = std::move(loglikelihood_with_retry(backend, {batch[i]}, settings)[0]);
    }
  }
  return out;
}

// Similar lengths together: less left padding per batch; longest first so memory problems show early.
std::vector<std::vector<PendingItem*>> batches_of(std::vector<PendingItem>& group, int batch_size) {
  std::stable_sort(group.begin(), group.end(),
                   [](const PendingItem& a, const PendingItem& b) { return a.prepared->tokens > b.prepared->tokens; });
  std::vector<std::vector<PendingItem*>> batches;
  for (size_t start = 0; start < group.size(); start += static_cast<size_t>(batch_size)) {
    batches.emplace_back();
    for (size_t i = start; i < std::min(group.size(), start + static_cast<size_t>(batch_size)); ++i) batches.back().push_back(&group[i]);
  }
  return batches;
}

SampleCache::Row cache_row(const PendingItem& item, const reports::SampleRecord& rec) {
  return {item.key, rec.task, rec.doc_id, rec.setting_id,
          reports::to_json(rec).dump(-1, ' ', false, reports::Json::error_handler_t::replace)};
}

reports::SampleRecord failed_record(const PendingItem& item, const std::string& error) {
  reports::SampleRecord s = new_record(*item.task, *item.prepared->doc, item.setting_id, item.prepared->prompt, item.prepared->prompt_hash);
  s.error = error;
  return s;
}

// One batch of multiple-choice documents: every option's log-likelihood, then acc / acc_norm per document;
// one record per document of the batch, in batch order (failed documents included).
std::vector<reports::SampleRecord> score_choice_batch(GenerationBackend& backend, const std::vector<PendingItem*>& batch,
                                                      const LikelihoodSettings& settings, RunSummary& summary) {
  const auto estimates = loglikelihood_with_retry(backend, batch, settings);
  std::vector<reports::SampleRecord> records;
  for (size_t i = 0; i < batch.size(); ++i) {
    const PendingItem& item = *batch[i];
    const ChoiceResult& r = estimates[i];
    if (!r.ok) {
      records.push_back(failed_record(item, r.error));
      ++summary.failed;
      continue;
    }
    ChoicesToScore c{item.prepared->doc, item.setting_id, item.prepared->prompt, item.prepared->prompt_hash, {}, {}, {}};
    std::int64_t forward_passes = 0;
    for (const auto& o : r.options) {
      c.loglikelihoods.push_back(o.loglikelihood);
      c.std_errors.push_back(o.std_error);
      c.tokens.push_back(o.continuation_tokens);
      forward_passes += o.forward_passes;
    }
    reports::SampleRecord rec = choice_record(*item.task, c);
    rec.timing.latency_ms = r.latency_ms;
    rec.timing.forward_passes = forward_passes;
    // "ms per step" of a likelihood sample: ms per forward pass of the estimator.
    rec.timing.ms_per_step = r.latency_ms / static_cast<double>(std::max<std::int64_t>(1, forward_passes));
    rec.timing.batch_size = 1;  // the options are estimated one after another: the latency is this document's own
    if (const size_t peak = backend.peak_memory_bytes(); peak > 0) rec.timing.peak_memory_bytes = static_cast<std::int64_t>(peak);
    records.push_back(std::move(rec));
    ++summary.computed;
  }
  return records;
}

}  // namespace

uint64_t request_seed(uint64_t run_seed, const std::string& task, const std::string& doc_id) {
  const std::string h = datasets::sha256_hex(std::to_string(run_seed) + "\n" + task + "\n" + doc_id);
  return std::stoull(h.substr(0, 16), nullptr, 16);
}

RunSummary run_evaluation(GenerationBackend& backend, const RunOptions& opt, std::ostream& log) {
  if (opt.tasks.empty()) throw std::invalid_argument("--tasks: no task given");
  if (opt.batch_size < 1) throw std::invalid_argument("--batch-size must be >= 1, got " + std::to_string(opt.batch_size));
  RunSummary summary;
  summary.folder = opt.shard.sharded() ? opt.output_dir / opt.shard.dir_name() : opt.output_dir;
  std::filesystem::create_directories(summary.folder);

  reports::Results& results = summary.results;
  results.provenance = base_provenance(opt.command_line);
  results.provenance.model = {backend.model_path(), backend.fingerprint()};
  results.provenance.tokenizer = {"", backend.tokenizer_fingerprint()};
  results.provenance.device = backend.device();
  results.provenance.dtype = backend.dtype();
  results.provenance.environment = backend.environment();
  if (opt.shard.sharded()) results.provenance.environment["shard"] = opt.shard.to_string();
  // Merge recomputes aggregates with these, so it needs them.
  results.provenance.environment["bootstrap_iterations"] = std::to_string(opt.aggregate.bootstrap_iterations);
  results.provenance.environment["bootstrap_seed"] = std::to_string(opt.aggregate.bootstrap_seed);
  results.provenance.environment["batch_size"] = std::to_string(opt.batch_size);
  note_code_execution(results.provenance, opt.code_execution, log);

  // Tasks, their documents (limit, then shard), prompts rendered once.
  const datasets::DataDir data(opt.data_dir);
  const tasks::ScoringContext scoring = make_scoring_context(opt.code_execution);
  std::vector<std::unique_ptr<tasks::Task>> loaded;
  std::map<std::string, std::vector<PreparedDoc>> prepared;
  std::map<std::string, std::int64_t> n_original;
  size_t global_index = 0;
  std::set<std::string> seen_tasks;
  for (const auto& name : opt.tasks) {
    if (!seen_tasks.insert(name).second) throw std::invalid_argument("--tasks: '" + name + "' is listed twice");
    loaded.push_back(tasks::load_task(name, data, scoring));
    const tasks::Task& task = *loaded.back();
    n_original[name] = static_cast<std::int64_t>(task.documents().size());
    results.tasks.push_back(task_info(task));
    size_t n = task.documents().size();
    if (opt.limit) n = std::min(n, static_cast<size_t>(std::max<int64_t>(0, *opt.limit)));
    for (size_t i = 0; i < n; ++i, ++global_index) {
      if (static_cast<int>(global_index % static_cast<size_t>(opt.shard.count)) != opt.shard.index) continue;
      prepared[name].push_back(prepare(backend, task, task.documents()[i]));
    }
  }

  // The grid of every task, and the work: cached records or pending items.
  SampleCache cache(summary.folder / kCacheFileName);
  std::map<std::string, std::vector<GenerationSettings>> grids;
  std::map<std::string, std::vector<LikelihoodSettings>> likelihood_grids;
  std::set<std::string> setting_ids;
  std::vector<reports::SampleRecord> records;
  std::vector<std::vector<PendingItem>> pending_groups;  // per (task, setting)
  for (const auto& task : loaded) {
    // One list of grid points per task: generation settings, or likelihood settings for multiple choice.
    struct Point {
      const GenerationSettings* generation;
      const LikelihoodSettings* likelihood;
      reports::Setting setting;
      nlohmann::json key_settings;
    };
    std::vector<Point> points;
    if (task->spec().is_multiple_choice()) {
      likelihood_grids[task->name()] = expand_likelihood_grid(opt.grid, opt.likelihood);
      for (const auto& ls : likelihood_grids[task->name()]) ls.validate();  // before any model call
      for (const auto& ls : likelihood_grids[task->name()]) points.push_back({nullptr, &ls, to_setting(ls), ls.to_json()});
    } else {
      grids[task->name()] = expand_grid(opt.grid, task->spec().generation);
      for (const auto& gs : grids[task->name()]) backend.check(gs);  // before any model call
      for (const auto& gs : grids[task->name()]) points.push_back({&gs, nullptr, to_setting(gs), gs.to_json()});
    }
    for (const Point& point : points) {
      const reports::Setting& setting = point.setting;
      if (setting_ids.insert(setting.id).second) results.settings.push_back(setting);
      if (std::find(results.provenance.seeds.begin(), results.provenance.seeds.end(), setting.seed) == results.provenance.seeds.end())
        results.provenance.seeds.push_back(setting.seed);
      std::vector<PendingItem> group;
      for (const auto& p : prepared[task->name()]) {
        PendingItem item{task.get(), &p, point.generation, point.likelihood, setting.id, "",
                         request_seed(static_cast<uint64_t>(setting.seed), task->name(), p.doc->id)};
        item.key = CacheKeyParts{backend.fingerprint(), backend.tokenizer_fingerprint(), task->name(), task->version(),
                                 p.doc->id, p.prompt_hash, point.key_settings, item.seed}
                       .key();
        if (auto rec = cache.get(item.key)) {
          reports::Json j;
          try {
            j = reports::Json::parse(*rec);
          } catch (const reports::Json::parse_error& e) {
            throw std::runtime_error((summary.folder / kCacheFileName).string() + ": corrupt record " + item.key + ": " + e.what());
          }
          records.push_back(reports::sample_from_json(j, (summary.folder / kCacheFileName).string() + ": " + item.key));
          ++summary.cached;
        } else {
          group.push_back(std::move(item));
        }
        ++summary.samples;
      }
      pending_groups.push_back(std::move(group));
    }
  }
  size_t pending_total = 0;
  for (const auto& g : pending_groups) pending_total += g.size();
  log << "dream-eval run: " << summary.samples << " samples (" << opt.tasks.size() << " tasks, " << results.settings.size()
      << " settings" << (opt.shard.sharded() ? ", shard " + opt.shard.to_string() : std::string()) << "); "
      << summary.cached << " already done, " << pending_total << " to generate\n";

  // Scoring resources (a code task's sandbox) before anything is generated, so a missing one stops the run early.
  std::set<const tasks::Task*> prepared_tasks;
  for (const auto& group : pending_groups)
    if (!group.empty() && prepared_tasks.insert(group.front().task).second) group.front().task->scorer().prepare();

  Progress progress(pending_total, opt.progress, log);
  for (auto& group : pending_groups) {
    if (group.empty()) continue;
    if (const LikelihoodSettings* ls = group.front().likelihood) {
      progress.set_label(group.front().task->name() + ", " + reports::make_setting_label(to_setting(*ls)));
      for (const auto& batch : batches_of(group, opt.batch_size)) {
        std::vector<SampleCache::Row> rows;
        std::vector<reports::SampleRecord> scored = score_choice_batch(backend, batch, *ls, summary);
        for (size_t i = 0; i < scored.size(); ++i) {
          if (scored[i].error.empty()) rows.push_back(cache_row(*batch[i], scored[i]));
          records.push_back(std::move(scored[i]));
        }
        cache.put_batch(rows);
        progress.advance(batch.size());
      }
      continue;
    }
    progress.set_label(group.front().task->name() + ", " + reports::make_setting_label(to_setting(*group.front().settings)));
    for (const auto& batch : batches_of(group, opt.batch_size)) {
      auto outputs = generate_with_retry(backend, batch, *group.front().settings);
      std::vector<ResponseToScore> responses;
      std::vector<size_t> scored_rows;  // batch rows in `responses`
      for (size_t i = 0; i < batch.size(); ++i) {
        const PendingItem& item = *batch[i];
        if (!outputs[i].ok) {
          records.push_back(failed_record(item, outputs[i].error));
          ++summary.failed;
          continue;
        }
        responses.push_back({item.prepared->doc, item.setting_id, item.prepared->prompt, item.prepared->prompt_hash,
                             cut_at_stop(outputs[i].output.text, item.task->spec().stop)});
        scored_rows.push_back(i);
      }
      auto scored = sample_records(*group.front().task, responses);
      std::vector<SampleCache::Row> rows;
      for (size_t k = 0; k < scored.size(); ++k) {
        const PendingItem& item = *batch[scored_rows[k]];
        reports::SampleRecord& rec = scored[k];
        add_timing(rec, outputs[scored_rows[k]].output, static_cast<int>(batch.size()), backend.peak_memory_bytes(),
                   item.settings->steps, opt.keep_traces);
        // A sample that could not be scored (e.g. a sandbox failure) is not cached either: a rerun retries it.
        if (rec.error.empty()) rows.push_back(cache_row(item, rec));
        records.push_back(std::move(rec));
        ++summary.computed;
      }
      cache.put_batch(rows);
      progress.advance(batch.size());
    }
  }
  progress.finish();

  results.provenance.finished_at = utc_now_iso8601();
  sort_samples(records, results);
  aggregate_results(results, records, n_original, opt.aggregate);
  reports::write_samples_jsonl(summary.folder / reports::kSamplesFileName, records);
  reports::write_results_json(summary.folder / reports::kResultsFileName, results);
  log << "dream-eval run: " << summary.computed << " generated, " << summary.cached << " from the cache, " << summary.failed
      << " failed; wrote " << (summary.folder / reports::kResultsFileName).string() << "\n";
  return summary;
}

}  // namespace dream::harness
