#pragma once
// pass@k: the probability that at least one of k samples, drawn without replacement from n generated
// samples of which c are correct, is correct. Unbiased estimator of Chen et al. 2021 ("Evaluating Large
// Language Models Trained on Code"): 1 - C(n-c, k) / C(n, k), computed as a sum of logarithms of the
// ratio's factors so it neither overflows for large n nor loses precision when small.
#include <cstdint>
#include <vector>

namespace dream::metrics {

// Throws std::invalid_argument (naming the values) unless 0 <= c <= n and 1 <= k <= n.
double pass_at_k(std::int64_t n, std::int64_t c, std::int64_t k);

struct ProblemSamples {
  std::int64_t n = 0;        // samples generated for the problem
  std::int64_t correct = 0;  // of which passed
};

struct PassAtK {
  std::int64_t k = 0;
  double value = 0.0;  // mean over problems, in [0, 1]
};

// Mean pass@k over problems for each k in `ks` that every problem's n allows (k <= min n); the others are
// left out, as the estimator is undefined for them. Throws on an empty problem list or invalid counts.
std::vector<PassAtK> mean_pass_at_k(const std::vector<ProblemSamples>& problems,
                                    const std::vector<std::int64_t>& ks = {1, 10, 100});

}  // namespace dream::metrics
