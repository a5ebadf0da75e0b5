#include "score_responses.h"

#include <algorithm>
#include <set>

#include "datasets/data_dir.h"
#include "datasets/records.h"
#include "build_info.h"
#include "datasets/sha256.h"
#include "task_results.h"
#include "tasks/registry.h"

namespace dream::harness {

reports::Results score_responses(const ScoreOptions& opt, std::ostream& log) {
  const datasets::DataDir data(opt.data_dir);
  const auto task = tasks::load_task(opt.task, data, make_scoring_context(opt.code_execution));
  // n samples per document only make sense where they are pooled (pass@k); elsewhere a repeat is a mistake.
  const bool samples_per_doc = !task->scorer().pass_at_k_metrics().empty();
  reports::Results results;
  results.provenance = base_provenance(opt.command_line);
  results.provenance.model = {opt.responses.string(), "sha256:" + datasets::sha256_file(opt.responses)};
  results.provenance.device = "external";
  results.provenance.environment["bootstrap_iterations"] = std::to_string(opt.aggregate.bootstrap_iterations);
  results.provenance.environment["bootstrap_seed"] = std::to_string(opt.aggregate.bootstrap_seed);
  note_code_execution(results.provenance, opt.code_execution, log);
  reports::Setting external;
  external.id = "external";
  external.label = "external generations";
  external.policy = "external";
  results.settings.push_back(external);
  results.tasks.push_back(task_info(*task));

  std::vector<ResponseToScore> responses;
  std::vector<reports::SampleRecord> choice_samples;  // multiple-choice tasks: scored line by line
  const bool multiple_choice = task->spec().is_multiple_choice();
  std::set<std::string> seen;
  for (const auto& r : datasets::read_jsonl(opt.responses)) {
    const auto& id_field = r.field("doc_id");
    std::string doc_id;
    if (id_field.is_string()) doc_id = id_field.get<std::string>();
    else if (id_field.is_number_integer()) doc_id = std::to_string(id_field.get<int64_t>());
    else throw datasets::DataError(r.where() + ": field 'doc_id': expected a string or an integer, got " + id_field.dump());
    size_t index = 0;
    try {
      index = task->index_of(doc_id);
    } catch (const std::invalid_argument&) {
      throw datasets::DataError(r.where() + ": field 'doc_id': task " + task->name() + " has no document '" + doc_id + "'");
    }
    if (!seen.insert(doc_id).second && !samples_per_doc)
      throw datasets::DataError(r.where() + ": field 'doc_id': '" + doc_id + "' appears twice");
    const tasks::Document& doc = task->documents()[index];
    const tasks::Request req = task->build_request(doc);
    if (multiple_choice) {
      const auto& lls = r.field("loglikelihoods");
      if (!lls.is_array() || lls.size() != req.choices.size() ||
          !std::all_of(lls.begin(), lls.end(), [](const auto& v) { return v.is_number(); }))
        throw datasets::DataError(r.where() + ": field 'loglikelihoods': expected " + std::to_string(req.choices.size()) +
                                  " numbers (one per option of document '" + doc_id + "'), got " + lls.dump());
      ChoicesToScore c{&doc, external.id, req.choices.front().context, choices_hash(req.choices),
                       lls.get<std::vector<double>>(), {}, {}};
      choice_samples.push_back(choice_record(*task, c));
      continue;
    }
    const std::string response = r.string_field("response");
    // Without a model there is no template: the prompt is the plain text or the chat request as JSON.
    const std::string prompt = req.is_chat() ? req.to_json().dump() : req.prompt;
    responses.push_back({&doc, external.id, prompt, "sha256:" + datasets::sha256_hex(prompt),
                         cut_at_stop(response, task->spec().stop)});
  }
  if (!responses.empty()) task->scorer().prepare();
  std::vector<reports::SampleRecord> samples = multiple_choice ? std::move(choice_samples) : sample_records(*task, responses);
  results.provenance.finished_at = utc_now_iso8601();
  sort_samples(samples, results);
  aggregate_results(results, samples, {{task->name(), static_cast<int64_t>(task->documents().size())}}, opt.aggregate);
  std::filesystem::create_directories(opt.output_dir);
  reports::write_samples_jsonl(opt.output_dir / reports::kSamplesFileName, samples);
  reports::write_results_json(opt.output_dir / reports::kResultsFileName, results);
  return results;
}

}  // namespace dream::harness
