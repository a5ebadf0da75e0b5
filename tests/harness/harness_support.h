#pragma once
// Helpers for the harness tests: fresh folders and result comparisons that leave out what is measured
// (provenance dates, timings) and keep what must be identical (scores, responses, extractions).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/run.h"
#include "reports/result_schema.h"
#include "../support/test_paths.h"

namespace dream::test {

// A run of `tasks` on the shared data: first `limit` documents, no progress bar, few bootstrap resamples.
inline harness::RunOptions test_run(const std::filesystem::path& out, std::vector<std::string> tasks, int64_t limit,
                                    int batch_size) {
  harness::RunOptions o;
  o.tasks = std::move(tasks);
  o.limit = limit;
  o.batch_size = batch_size;
  o.data_dir = datasets_dir();
  o.output_dir = out;
  o.progress = harness::ProgressMode::never;
  o.aggregate.bootstrap_iterations = 200;
  return o;
}

// Runs the dream-eval program with `args` (a shell word list) to the end.
struct CliResult {
  int status;            // exit status, -1 when it did not exit
  std::string out, err;  // what it wrote to stdout and stderr
};
inline CliResult run_dream_eval(const std::string& args) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("dream_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cmd = dream_eval_bin().string() + " " + args + " >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  const int raw = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CliResult r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir / "out"), slurp(dir / "err")};
  fs::remove_all(dir);
  return r;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("dream_harness_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// results.json without provenance and performance figures.
inline reports::Json comparable_results(const std::filesystem::path& folder) {
  auto r = reports::read_results_json(folder / reports::kResultsFileName);
  r.provenance = {};
  for (auto& row : r.results) row.performance.reset();
  return reports::to_json(r);
}

// samples.jsonl without timings, in file order.
inline std::vector<reports::Json> comparable_samples(const std::filesystem::path& folder) {
  std::vector<reports::Json> out;
  for (auto s : reports::read_samples_jsonl(folder / reports::kSamplesFileName)) {
    s.timing = {};
    out.push_back(reports::to_json(s));
  }
  return out;
}

}  // namespace dream::test
