#pragma once
// A paired significance test for two settings scored on the same documents.
// Kept in reports/ so reports depend on the results schema only (see the architecture doc); metrics/ may
// grow its own statistics for the harness, this one serves `compare` and the report.
#include <cstdint>
#include <string>
#include <vector>

namespace dream::reports {

struct PairedTestResult {
  double mean_a = 0.0;      // mean of a over the pairs
  double mean_b = 0.0;
  double delta = 0.0;       // mean_b - mean_a
  double p_value = 1.0;     // two-sided; 1 when there are no pairs or no differences
  std::string method;       // which test ran, for the report
  std::int64_t n = 0;       // number of pairs
};

// Two-sided test of "a and b have the same mean" on pairs (a[i], b[i]) (sizes must match):
// - every value 0 or 1 (exact match, pass@1): exact McNemar test, a binomial test on the discordant pairs;
// - otherwise a sign-flip permutation test of the summed differences, exact up to 20 non-zero differences,
//   else Monte Carlo with `draws` draws from a fixed seed (so reports are reproducible), p = (k+1)/(draws+1).
PairedTestResult paired_test(const std::vector<double>& a, const std::vector<double>& b, int draws = 20000);

}  // namespace dream::reports
