#pragma once
// Aggregation and uncertainty for per-sample scores: mean, lm-eval's analytic standard error, bootstrap
// standard error and paired comparison of two settings on the same items (pass@k: pass_at_k.h).
//
// Paired comparison (documented choice): both a paired bootstrap and, for 0/1 scores, McNemar's exact
// test are reported. The paired bootstrap resamples item indices with replacement (the same indices for
// both settings), giving the standard error and a 95% percentile interval of mean(b) - mean(a) and a
// two-sided p-value 2 * min(P*(d <= 0), P*(d >= 0)) (capped at 1). McNemar's exact test uses only the
// discordant items: n01 = a wrong & b right, n10 = a right & b wrong; p = min(1, 2 * P[Binomial(n01+n10,
// 1/2) <= min(n01, n10)]). All resampling is seeded, so results are reproducible.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dream::metrics {

struct BootstrapOptions {
  int iterations = 10000;  // resamples
  uint64_t seed = 1234;    // fixed so a results file is reproducible
};

double mean(std::span<const double> values);
// sqrt(sample variance (n-1) / n): lm-eval's stderr for `mean` aggregation; 0 when n < 2.
double analytic_stderr(std::span<const double> values);
// Standard deviation of the means of `iterations` resamples with replacement; 0 when n < 2.
double bootstrap_stderr(std::span<const double> values, const BootstrapOptions& options = {});

struct PairedComparison {
  size_t n = 0;                // items scored under both settings
  double mean_a = 0, mean_b = 0;
  double difference = 0;       // mean_b - mean_a
  double difference_stderr = 0;  // paired bootstrap
  double ci95_low = 0, ci95_high = 0;
  double p_value_bootstrap = 1;  // two-sided, paired bootstrap
  bool binary = false;           // every score is 0 or 1
  size_t a_only = 0;             // n10: right under a, wrong under b
  size_t b_only = 0;             // n01: wrong under a, right under b
  double p_value_mcnemar = 1;    // exact; 1 when not binary
};

// `a` and `b` hold the scores of the same items in the same order; throws std::invalid_argument when the
// sizes differ.
PairedComparison compare_paired(std::span<const double> a, std::span<const double> b,
                                const BootstrapOptions& options = {});

// The q-quantile (0..1) with linear interpolation between order statistics (numpy's default); values
// must be non-empty.
double percentile(std::vector<double> values, double q);

// Two-sided exact McNemar p-value from the discordant counts.
double mcnemar_exact_p(size_t a_only, size_t b_only);

}  // namespace dream::metrics
