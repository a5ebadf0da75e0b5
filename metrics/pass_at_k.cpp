#include "metrics/pass_at_k.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dream::metrics {

double pass_at_k(std::int64_t n, std::int64_t c, std::int64_t k) {
  if (n < 1 || c < 0 || c > n || k < 1 || k > n)
    throw std::invalid_argument("pass@k: need 0 <= c <= n and 1 <= k <= n, got n=" + std::to_string(n) +
                                " c=" + std::to_string(c) + " k=" + std::to_string(k));
  if (c == 0) return 0.0;
  if (n - c < k) return 1.0;  // every k-subset contains a correct sample
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i): c factors, each in (0, 1). Summed as logs and
  // subtracted from 1 with expm1, so a small pass@k keeps its relative precision (1 - 0.9997... would not).
  double log_all_wrong = 0.0;
  for (std::int64_t i = n - c + 1; i <= n; ++i) log_all_wrong += std::log1p(-static_cast<double>(k) / static_cast<double>(i));
  return -std::expm1(log_all_wrong);
}

std::vector<PassAtK> mean_pass_at_k(const std::vector<ProblemSamples>& problems, const std::vector<std::int64_t>& ks) {
  if (problems.empty()) throw std::invalid_argument("pass@k: no problems to average over");
  std::int64_t min_n = problems.front().n;
  for (const auto& p : problems) min_n = std::min(min_n, p.n);
  std::vector<PassAtK> out;
  for (const std::int64_t k : ks) {
    if (k < 1 || k > min_n) continue;
    double sum = 0.0;
    for (const auto& p : problems) sum += pass_at_k(p.n, p.correct, k);
    out.push_back({k, sum / static_cast<double>(problems.size())});
  }
  return out;
}

}  // namespace dream::metrics
