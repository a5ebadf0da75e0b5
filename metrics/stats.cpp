#include "stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace dream::metrics {

namespace {

// xoshiro-style resampling source with a fixed sequence (std distributions differ between libraries).
class Resampler {
 public:
  explicit Resampler(uint64_t seed) : s_(seed) {}
  size_t index_below(size_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next(); while (x >= limit);
    return static_cast<size_t>(x % n);
  }

 private:
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_;
};

double stddev_of(const std::vector<double>& xs) {
  if (xs.size() < 2) return 0;
  double m = 0;
  for (double x : xs) m += x;
  m /= static_cast<double>(xs.size());
  double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(xs.size() - 1));
}

}  // namespace

double percentile(std::vector<double> xs, double q) {
  std::sort(xs.begin(), xs.end());
  const double pos = q * static_cast<double>(xs.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (pos - static_cast<double>(lo)) * (xs[hi] - xs[lo]);
}

double mean(std::span<const double> values) {
  if (values.empty()) return 0;
  double s = 0;
  for (double v : values) s += v;
  return s / static_cast<double>(values.size());
}

double analytic_stderr(std::span<const double> values) {
  if (values.size() < 2) return 0;
  return stddev_of(std::vector<double>(values.begin(), values.end())) / std::sqrt(static_cast<double>(values.size()));
}

double bootstrap_stderr(std::span<const double> values, const BootstrapOptions& options) {
  const size_t n = values.size();
  if (n < 2 || options.iterations < 2) return 0;
  Resampler rng(options.seed);
  std::vector<double> means(static_cast<size_t>(options.iterations));
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += values[rng.index_below(n)];
    m = s / static_cast<double>(n);
  }
  return stddev_of(means);
}

double mcnemar_exact_p(size_t a_only, size_t b_only) {
  const size_t n = a_only + b_only;
  if (n == 0) return 1;
  const size_t k = std::min(a_only, b_only);
  // P[X <= k] for X ~ Binomial(n, 1/2), summed in log space so large n does not overflow.
  double tail = 0;
  for (size_t i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
                            std::lgamma(static_cast<double>(n - i) + 1) - static_cast<double>(n) * std::log(2.0);
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2 * tail);
}

PairedComparison compare_paired(std::span<const double> a, std::span<const double> b, const BootstrapOptions& options) {
  if (a.size() != b.size())
    throw std::invalid_argument("compare_paired: " + std::to_string(a.size()) + " scores vs " + std::to_string(b.size()));
  PairedComparison r;
  r.n = a.size();
  r.mean_a = mean(a);
  r.mean_b = mean(b);
  r.difference = r.mean_b - r.mean_a;
  r.binary = true;
  for (size_t i = 0; i < r.n; ++i) {
    const bool ab = (a[i] == 0 || a[i] == 1) && (b[i] == 0 || b[i] == 1);
    r.binary &= ab;
    if (a[i] == 1 && b[i] == 0) ++r.a_only;
    if (a[i] == 0 && b[i] == 1) ++r.b_only;
  }
  if (r.binary) r.p_value_mcnemar = mcnemar_exact_p(r.a_only, r.b_only);
  else r.a_only = r.b_only = 0;
  if (r.n < 2 || options.iterations < 2) {
    r.ci95_low = r.ci95_high = r.difference;
    return r;
  }
  Resampler rng(options.seed);
  std::vector<double> diffs(static_cast<size_t>(options.iterations));
  size_t le0 = 0, ge0 = 0;
  for (auto& d : diffs) {
    double s = 0;
    for (size_t i = 0; i < r.n; ++i) {
      const size_t j = rng.index_below(r.n);
      s += b[j] - a[j];
    }
    d = s / static_cast<double>(r.n);
    le0 += d <= 0;
    ge0 += d >= 0;
  }
  r.difference_stderr = stddev_of(diffs);
  r.ci95_low = percentile(diffs, 0.025);
  r.ci95_high = percentile(diffs, 0.975);
  r.p_value_bootstrap = std::min(1.0, 2.0 * static_cast<double>(std::min(le0, ge0)) / static_cast<double>(diffs.size()));
  return r;
}

}  // namespace dream::metrics
