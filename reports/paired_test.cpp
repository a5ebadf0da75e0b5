#include "paired_test.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace dream::reports {
namespace {

bool all_binary(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0 || x == 1.0; });
}

// P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so n in the thousands does not underflow.
double binomial_half_cdf(std::int64_t k, std::int64_t n) {
  double total = 0.0;
  const double log_half_n = double(n) * std::log(0.5);
  for (std::int64_t i = 0; i <= k; ++i)
    total += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) - std::lgamma(double(n - i) + 1) + log_half_n);
  return total;
}

}  // namespace

PairedTestResult paired_test(const std::vector<double>& a, const std::vector<double>& b, int draws) {
  if (a.size() != b.size())
    throw std::invalid_argument("paired_test: " + std::to_string(a.size()) + " values for a but " +
                                std::to_string(b.size()) + " for b");
  PairedTestResult r;
  r.n = std::int64_t(a.size());
  if (a.empty()) {
    r.p_value = 1.0;
    r.method = "no shared documents";
    return r;
  }
  double sum_a = 0.0, sum_b = 0.0;
  std::vector<double> diffs;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum_a += a[i];
    sum_b += b[i];
    if (a[i] != b[i]) diffs.push_back(b[i] - a[i]);
  }
  r.mean_a = sum_a / double(r.n);
  r.mean_b = sum_b / double(r.n);
  r.delta = r.mean_b - r.mean_a;

  if (all_binary(a) && all_binary(b)) {
    r.method = "exact McNemar test (binomial on discordant pairs)";
    const auto m = std::int64_t(diffs.size());
    const auto b_better = std::int64_t(std::count_if(diffs.begin(), diffs.end(), [](double d) { return d > 0; }));
    r.p_value = m == 0 ? 1.0 : std::min(1.0, 2.0 * binomial_half_cdf(std::min(b_better, m - b_better), m));
    return r;
  }

  // Sign flips of the non-zero differences; ties to the observed |sum| count as extreme (with a tolerance
  // for the rounding of sums taken in another order).
  double observed = 0.0, scale = 0.0;
  for (double d : diffs) {
    observed += d;
    scale += std::abs(d);
  }
  observed = std::abs(observed);
  const double tolerance = 1e-9 * std::max(1.0, scale);
  const std::size_t m = diffs.size();
  if (m == 0) {
    r.p_value = 1.0;
    r.method = "paired sign-flip permutation test (exact)";
  } else if (m <= 20) {
    std::int64_t extreme = 0;
    const std::uint64_t patterns = std::uint64_t(1) << m;
    for (std::uint64_t mask = 0; mask < patterns; ++mask) {
      double s = 0.0;
      for (std::size_t i = 0; i < m; ++i) s += (mask >> i & 1) ? -diffs[i] : diffs[i];
      if (std::abs(s) >= observed - tolerance) ++extreme;
    }
    r.p_value = double(extreme) / double(patterns);
    r.method = "paired sign-flip permutation test (exact)";
  } else {
    std::mt19937_64 rng(0x5eedULL);
    std::int64_t extreme = 0;
    for (int k = 0; k < draws; ++k) {
      double s = 0.0;
      for (std::size_t i = 0; i < m; i += 64) {
        const std::uint64_t bits = rng();
        for (std::size_t j = i; j < std::min(m, i + 64); ++j) s += (bits >> (j - i) & 1) ? -diffs[j] : diffs[j];
      }
      if (std::abs(s) >= observed - tolerance) ++extreme;
    }
    r.p_value = double(extreme + 1) / double(draws + 1);
    r.method = "paired sign-flip permutation test (Monte Carlo, " + std::to_string(draws) + " draws)";
  }
  return r;
}

}  // namespace dream::reports
