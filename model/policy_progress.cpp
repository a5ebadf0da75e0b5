#include "policy_progress.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <ATen/ATen.h>

namespace dream::model {

double confidence_as_probability(Alg alg, double confidence) {
  return alg == Alg::Entropy ? std::exp(confidence) : confidence;  // the entropy confidence is sum(p log p) = -H
}

PolicyProgress::PolicyProgress(const DecodingPolicy& policy, int64_t rows, int64_t answer_length, int64_t steps, double eps)
    : policy_(policy),
      answer_length_(answer_length),
      block_length_(policy.block_length > 0 ? std::min(policy.block_length, answer_length) : answer_length),
      block_(static_cast<size_t>(rows), 0),
      step_(static_cast<size_t>(rows), 0) {
  const int64_t n_blocks = (answer_length + block_length_ - 1) / block_length_;
  if (steps < n_blocks)
    throw std::invalid_argument("params.steps = " + std::to_string(steps) + ": policy " + policy.name() + " cuts " +
                                std::to_string(answer_length) + " new tokens into " + std::to_string(n_blocks) +
                                " blocks, which need at least one step each");
  for (int64_t j = 0; j < n_blocks; ++j) {
    const int64_t share = steps / n_blocks + (j < steps % n_blocks ? 1 : 0);
    block_steps_.push_back(share);
    const at::Tensor t = at::linspace(1.0, eps, share + 1, at::TensorOptions().dtype(at::kFloat));
    times_.emplace_back(t.data_ptr<float>(), t.data_ptr<float>() + share + 1);
  }
}

std::pair<int64_t, int64_t> PolicyProgress::current_block(int64_t row) const {
  const int64_t j = block_[static_cast<size_t>(row)];
  if (j >= blocks()) return {answer_length_, answer_length_};
  return {j * block_length_, std::min(answer_length_, (j + 1) * block_length_)};
}

bool PolicyProgress::advance(std::span<const bool> answer_masked) {
  bool any = false;
  for (size_t b = 0; b < block_.size(); ++b) {
    const bool* row = answer_masked.data() + b * static_cast<size_t>(answer_length_);
    while (block_[b] < blocks()) {
      const auto [begin, end] = current_block(static_cast<int64_t>(b));
      const bool steps_left = step_[b] < block_steps_[static_cast<size_t>(block_[b])];
      if (steps_left && std::any_of(row + begin, row + end, [](bool m) { return m; })) break;
      ++block_[b];
      step_[b] = 0;
    }
    any = any || block_[b] < blocks();
  }
  return any;
}

std::vector<int64_t> PolicyProgress::choose(std::span<const int64_t> row_of, std::span<const float> rank,
                                            std::span<const float> probability) {
  std::vector<int64_t> chosen;
  for (size_t first = 0; first < row_of.size();) {
    const int64_t row = row_of[first];
    size_t last = first;
    while (last < row_of.size() && row_of[last] == row) ++last;
    const size_t b = static_cast<size_t>(row);
    const size_t j = static_cast<size_t>(block_[b]), i = static_cast<size_t>(step_[b]);
    if (j >= block_steps_.size()) throw std::logic_error("PolicyProgress::choose: a candidate in a finished row");
    const int64_t m = static_cast<int64_t>(last - first);
    const bool last_step = static_cast<int64_t>(i) + 1 >= block_steps_[j];
    int64_t k = tokens_to_reveal(m, 1, times_[j][i], times_[j][i + 1], last_step);
    std::vector<int64_t> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), static_cast<int64_t>(first));
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t c) { return rank[a] > rank[c]; });
    if (policy_.threshold) k = std::max<int64_t>(k, 1);
    // The k best ranked, and with a threshold every other candidate that reaches it (with ranks = confidences
    // those are the next best ranked anyway; with origin's random ranks they are not).
    for (int64_t n = 0; n < m; ++n) {
      const int64_t c = order[static_cast<size_t>(n)];
      if (n < k || (policy_.threshold && probability[static_cast<size_t>(c)] >= *policy_.threshold)) chosen.push_back(c);
    }
    ++step_[b];
    first = last;
  }
  return chosen;
}

}  // namespace dream::model
