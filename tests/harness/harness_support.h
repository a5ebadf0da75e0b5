#pragma once
// Helpers for the harness tests: fresh folders and result comparisons that leave out what is measured
// (provenance dates, timings) and keep what must be identical (scores, responses, extractions).
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "reports/result_schema.h"

namespace dream::test {

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
