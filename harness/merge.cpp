#include "merge.h"

#include <map>
#include <stdexcept>

#include "shard.h"

namespace dream::harness {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> shard_folders(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> out;
  for (const auto& in : inputs) {
    if (!fs::is_directory(in)) throw std::runtime_error(in.string() + ": not a folder");
    if (shard_from_dir_name(in.filename().string())) {
      out.push_back(in);
      continue;
    }
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(in))
      if (e.is_directory() && shard_from_dir_name(e.path().filename().string())) found.push_back(e.path());
    if (found.empty()) throw std::runtime_error(in.string() + ": no shard-i-of-N folders in it");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

void require_same(bool same, const fs::path& folder, const std::string& what) {
  if (!same) throw std::runtime_error(folder.string() + ": " + what + " differs from shard 0's; not shards of one run");
}

}  // namespace

MergeSummary merge_shards(const std::vector<fs::path>& inputs, const fs::path& output_dir, const std::string& command_line) {
  const auto folders = shard_folders(inputs);
  std::map<int, reports::ResultsBundle> bundles;
  int count = -1;
  for (const auto& f : folders) {
    const Shard s = *shard_from_dir_name(f.filename().string());
    if (count == -1) count = s.count;
    if (s.count != count)
      throw std::runtime_error(f.string() + ": shard of " + std::to_string(s.count) + ", others are of " + std::to_string(count));
    if (bundles.count(s.index)) throw std::runtime_error(f.string() + ": shard " + s.to_string() + " given twice");
    bundles.emplace(s.index, reports::load_results_bundle(f));
  }
  for (int i = 0; i < count; ++i)
    if (!bundles.count(i))
      throw std::runtime_error("shard " + std::to_string(i) + "/" + std::to_string(count) + " is missing (looked in " +
                               folders.front().parent_path().string() + ")");

  const reports::Results& first = bundles.at(0).results;
  MergeSummary m;
  m.shards = static_cast<size_t>(count);
  reports::Results& r = m.results;
  r.provenance = first.provenance;
  r.settings = first.settings;
  r.tasks = first.tasks;
  std::vector<reports::SampleRecord> samples;
  std::map<std::string, std::int64_t> n_original;
  for (const auto& [index, bundle] : bundles) {
    const auto& p = bundle.results.provenance;
    const fs::path& where = bundle.results_file;
    require_same(p.model.fingerprint == first.provenance.model.fingerprint, where, "the model fingerprint");
    require_same(p.tokenizer.fingerprint == first.provenance.tokenizer.fingerprint, where, "the tokenizer fingerprint");
    require_same(bundle.results.tasks == first.tasks, where, "the task list (names, versions, specs)");
    require_same(bundle.results.settings == first.settings, where, "the settings grid");
    require_same(p.environment == first.provenance.environment ||
                     [&] {
                       auto a = p.environment, b = first.provenance.environment;
                       a.erase("shard"), b.erase("shard");
                       return a == b;
                     }(),
                 where, "the environment");
    if (p.started_at < r.provenance.started_at) r.provenance.started_at = p.started_at;
    if (p.finished_at > r.provenance.finished_at) r.provenance.finished_at = p.finished_at;
    for (const auto& row : bundle.results.results)
      n_original[row.task] = std::max(n_original[row.task], row.n_samples_original);
    samples.insert(samples.end(), bundle.samples.begin(), bundle.samples.end());
  }
  r.provenance.environment.erase("shard");
  r.provenance.environment["merged_shards"] = std::to_string(count);
  r.provenance.environment["merged_by"] = command_line;
  AggregateOptions agg;
  if (auto it = first.provenance.environment.find("bootstrap_iterations"); it != first.provenance.environment.end())
    agg.bootstrap_iterations = std::stoi(it->second);
  if (auto it = first.provenance.environment.find("bootstrap_seed"); it != first.provenance.environment.end())
    agg.bootstrap_seed = std::stoull(it->second);
  sort_samples(samples, r);
  aggregate_results(r, samples, n_original, agg);
  m.samples = samples.size();
  fs::create_directories(output_dir);
  reports::write_samples_jsonl(output_dir / reports::kSamplesFileName, samples);
  reports::write_results_json(output_dir / reports::kResultsFileName, r);
  return m;
}

}  // namespace dream::harness
