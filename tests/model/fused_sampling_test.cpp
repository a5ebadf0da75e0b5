// The selection arithmetic of the fused sampling kernel (model/kernels/sampling_select.h) on the CPU: the
// order-preserving keys, and the radix walk for top_p / top_k thresholds (the host mirror walks the kernel's
// levels, lane split and bin picks) against the sort-based filters of model/sampler.cpp. Then the plain path
// of ops::sample_masked_rows (the inverse-CDF draw with given uniforms).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/sampling_select.h"
#include "model/ops/fused_sampling.h"
#include "model/sampler.h"
#include "model/torch_compat.h"

namespace dream::kernels::select {
namespace {

uint32_t f32_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}
float f32_of(uint32_t b) {
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

TEST(OpsSamplingSelect, KeysPreserveFloatOrder) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 30.0f);
  std::vector<float> v = {0.0f, -0.0f, 1e-40f, -1e-40f, std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::lowest(),
                          std::numeric_limits<float>::max(), 1.0f, -1.0f};
  for (int i = 0; i < 2000; ++i) v.push_back(normal(rng));
  for (float a : v) {
    EXPECT_EQ(pattern_of_key(order_key(f32_bits(a), 32), 32), f32_bits(a)) << "round trip of " << a;
    for (float b : {v[0], v[3], v[7], v[20], v[500]}) {
      if (a < b) {
        EXPECT_LT(order_key(f32_bits(a), 32), order_key(f32_bits(b), 32)) << a << " < " << b;
      } else if (a > b) {
        EXPECT_GT(order_key(f32_bits(a), 32), order_key(f32_bits(b), 32)) << a << " > " << b;
      }
    }
  }
  EXPECT_LT(order_key(f32_bits(-0.0f), 32), order_key(f32_bits(0.0f), 32)) << "-0 sorts just below +0";
}

TEST(OpsSamplingSelect, SixteenBitKeysPreserveOrder) {
  // Every finite bf16 pattern (its upper 16 bits of a float), sorted by value, must give increasing keys.
  std::vector<uint32_t> patterns;
  for (uint32_t p = 0; p < 65536; ++p) {
    const float v = f32_of(p << 16);
    if (std::isfinite(v)) patterns.push_back(p);
  }
  std::sort(patterns.begin(), patterns.end(), [](uint32_t a, uint32_t b) { return f32_of(a << 16) < f32_of(b << 16); });
  for (size_t i = 1; i < patterns.size(); ++i) {
    const float a = f32_of(patterns[i - 1] << 16), b = f32_of(patterns[i] << 16);
    const uint32_t ka = order_key(patterns[i - 1], 16), kb = order_key(patterns[i], 16);
    ASSERT_LT(ka, 65536u);
    if (a < b) {
      ASSERT_LT(ka, kb) << a << " < " << b;
    }
    ASSERT_EQ(pattern_of_key(kb, 16), patterns[i]);
  }
}

struct Row {
  std::vector<float> v;  // the scaled logits
  std::vector<uint32_t> keys;
  std::vector<uint64_t> weights;
};

Row make_row(const std::vector<float>& v) {
  Row r{v, {}, {}};
  const float vmax = *std::max_element(v.begin(), v.end());
  for (float x : v) {
    r.keys.push_back(order_key(f32_bits(x), 32));
    r.weights.push_back(mass_of(std::exp(x - vmax)));
  }
  return r;
}

std::vector<bool> kept_by_threshold(const Row& r, const Threshold& t) {
  std::vector<bool> kept;
  for (uint32_t k : r.keys) kept.push_back(k >= t.key);
  return kept;
}

std::vector<bool> kept_by_reference(const std::vector<float>& v, std::optional<double> top_p, std::optional<int64_t> top_k) {
  at::Tensor logits = at::tensor(v).unsqueeze(0);
  if (top_p) logits = model::top_p_filter(logits, *top_p);
  if (top_k) logits = model::top_k_filter(logits, *top_k);
  const at::Tensor kept = (logits != std::numeric_limits<float>::lowest()).squeeze(0).contiguous();
  std::vector<bool> out;
  for (int64_t j = 0; j < kept.size(0); ++j) out.push_back(kept[j].item<bool>());
  return out;
}

// Distance, in probability, from top_p to the sorted cumulative mass at the boundary: below ~1e-6 the two
// implementations' rounding may legitimately decide differently.
double boundary_margin(const std::vector<float>& v, double top_p) {
  std::vector<double> p(v.begin(), v.end());
  const double vmax = *std::max_element(p.begin(), p.end());
  double total = 0;
  for (double& x : p) total += (x = std::exp(x - vmax));
  std::sort(p.begin(), p.end(), std::greater<>());
  double cum = 0, margin = 1;
  for (double x : p) {
    cum += x / total;
    margin = std::min(margin, std::abs(cum - top_p));
  }
  return margin;
}

size_t first_difference(const std::vector<bool>& a, const std::vector<bool>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return i;
  return a.size();
}

// The sorted rule in double precision: keep the tokens whose cumulative probability before them (descending
// order) is <= top_p.
std::vector<bool> kept_by_sorted_rule(const std::vector<float>& v, double top_p) {
  const double vmax = *std::max_element(v.begin(), v.end());
  std::vector<double> p(v.size());
  double total = 0;
  for (size_t j = 0; j < v.size(); ++j) total += (p[j] = std::exp(static_cast<double>(v[j]) - vmax));
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  std::vector<bool> kept(v.size());
  double before = 0;
  for (size_t j : order) {
    kept[j] = before <= top_p;
    before += p[j] / total;
  }
  return kept;
}

TEST(OpsSamplingSelect, TopPMatchesTheSortedRule) {
  std::mt19937 rng(7);
  int checked = 0;
  for (int64_t V : {1, 2, 7, 320, 5000, 152064}) {
    for (float scale : {0.5f, 3.0f}) {
      for (float top_p : {0.05f, 0.5f, 0.9f, 0.95f, 0.999f}) {
        std::normal_distribution<float> normal(0.0f, scale);
        std::vector<float> v(V);
        for (float& x : v) x = normal(rng);
        // Closer than this to top_p, float rounding of the weights may legitimately move the boundary.
        if (boundary_margin(v, top_p) < 1e-6) continue;
        const Row r = make_row(v);
        const Threshold t = select_threshold_host(r.keys.data(), r.weights.data(), V, 32, top_p, 0);
        const std::vector<bool> mine = kept_by_threshold(r, t);
        const size_t bad = first_difference(mine, kept_by_sorted_rule(v, top_p));
        ASSERT_EQ(bad, mine.size()) << "V " << V << " top_p " << top_p << ": first differing id " << bad;
        // The LibTorch filter itself accumulates its cumsum in fp32: compare where that error is small.
        if (V <= 5000 && boundary_margin(v, top_p) > 1e-5) {
          const size_t bad_ref = first_difference(mine, kept_by_reference(v, top_p, std::nullopt));
          ASSERT_EQ(bad_ref, mine.size()) << "V " << V << " top_p " << top_p << ": first id differing from top_p_filter " << bad_ref;
        }
        uint64_t kept_mass = 0;
        for (int64_t j = 0; j < V; ++j) kept_mass += mine[j] ? r.weights[j] : 0;
        EXPECT_EQ(kept_mass, t.kept_mass);
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 50);
}

TEST(OpsSamplingSelect, TopKMatchesTheFilterWithTies) {
  std::mt19937 rng(3);
  for (int64_t V : {1, 7, 320, 152064}) {
    for (int64_t k : {1, 2, 5, 50, 1000}) {
      std::uniform_int_distribution<int> small(-20, 20);  // many exact ties, including at the k-th value
      std::vector<float> v(V);
      for (float& x : v) x = static_cast<float>(small(rng)) * 0.25f;
      const Row r = make_row(v);
      const Threshold t = select_threshold_host(r.keys.data(), r.weights.data(), V, 32, 1.0f, k);
      const std::vector<bool> mine = kept_by_threshold(r, t), ref = kept_by_reference(v, std::nullopt, k);
      const size_t bad = first_difference(mine, ref);
      ASSERT_EQ(bad, mine.size()) << "V " << V << " k " << k << ": first differing id " << bad;
    }
  }
}

TEST(OpsSamplingSelect, TopPThenTopKIsTheTighterThreshold) {
  std::mt19937 rng(11);
  for (int64_t k : {1, 3, 40, 400}) {
    for (float top_p : {0.3f, 0.9f}) {
      std::normal_distribution<float> normal(0.0f, 2.0f);
      std::vector<float> v(3000);
      for (float& x : v) x = normal(rng);
      if (boundary_margin(v, top_p) < 1e-6) continue;
      const Row r = make_row(v);
      const Threshold t = select_threshold_host(r.keys.data(), r.weights.data(), 3000, 32, top_p, k);
      const std::vector<bool> mine = kept_by_threshold(r, t), ref = kept_by_reference(v, top_p, k);
      const size_t bad = first_difference(mine, ref);
      ASSERT_EQ(bad, mine.size()) << "k " << k << " top_p " << top_p << ": first differing id " << bad;
    }
  }
}

// The documented difference: tokens tied at the boundary are kept or dropped together.
TEST(OpsSamplingSelect, TopPKeepsAllTokensTiedAtTheBoundary) {
  // p = [0.4, 0.2, 0.2, 0.2]: the mass above the tied group is 0.4 <= 0.5, so all three tied tokens stay;
  // sort + cumsum keeps the first of them only (0.4 + 0.2 = 0.6 > 0.5 for the next).
  const std::vector<float> v = {std::log(0.4f), std::log(0.2f), std::log(0.2f), std::log(0.2f)};
  const Row r = make_row(v);
  const Threshold t = select_threshold_host(r.keys.data(), r.weights.data(), 4, 32, 0.5f, 0);
  EXPECT_EQ(kept_by_threshold(r, t), (std::vector<bool>{true, true, true, true}));
  const std::vector<bool> ref = kept_by_reference(v, 0.5, std::nullopt);
  EXPECT_EQ(std::count(ref.begin(), ref.end(), true), 2);
  // Above the budget the whole group goes.
  const Threshold tight = select_threshold_host(r.keys.data(), r.weights.data(), 4, 32, 0.3f, 0);
  EXPECT_EQ(kept_by_threshold(r, tight), (std::vector<bool>{true, false, false, false}));
}

TEST(OpsSamplingSelect, SixteenBitWalkMatchesTheDefinition) {
  // bf16 values: two radix levels; many ties. Checked against the rule itself computed by brute force.
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t V = 4000;
    std::vector<uint32_t> keys(V);
    std::vector<float> v(V);
    for (int64_t j = 0; j < V; ++j) {
      const uint32_t pattern = f32_bits(normal(rng)) >> 16;  // truncated to bf16
      v[j] = f32_of(pattern << 16);
      keys[j] = order_key(pattern, 16);
    }
    const float vmax = *std::max_element(v.begin(), v.end());
    std::vector<uint64_t> w(V);
    uint64_t total = 0;
    for (int64_t j = 0; j < V; ++j) total += (w[j] = mass_of(std::exp(v[j] - vmax)));
    const float top_p = 0.05f * static_cast<float>(trial % 19 + 1);
    const int64_t k = trial % 3 == 0 ? 10 : 0;
    const Threshold t = select_threshold_host(keys.data(), w.data(), V, 16, top_p, k);
    const uint64_t budget = static_cast<uint64_t>(static_cast<double>(top_p) * static_cast<double>(total));
    for (int64_t j = 0; j < V; ++j) {
      uint64_t above = 0;
      int64_t greater_count = 0;
      for (int64_t i = 0; i < V; ++i) {
        if (keys[i] > keys[j]) {
          above += w[i];
          ++greater_count;
        }
      }
      const bool keep = above <= budget && (k == 0 || greater_count < k);
      ASSERT_EQ(keys[j] >= t.key, keep) << "trial " << trial << " id " << j << " value " << v[j];
    }
  }
}

}  // namespace
}  // namespace dream::kernels::select

namespace dream::model::ops {
namespace {

TEST(OpsSampleMaskedRows, InverseCdfInIndexOrder) {
  // p = [0.1, 0.6, 0.3]: cumulative 0.1, 0.7, 1.0.
  const at::Tensor logits = at::log(at::tensor({0.1, 0.6, 0.3}, at::kDouble)).to(at::kFloat).unsqueeze(0).repeat({4, 1});
  TokenSamplingParams p;
  p.temperature = 1.0;
  const at::Tensor u = at::tensor({0.0f, 0.05f, 0.5f, 0.99f});
  const TokenSample s = sample_masked_rows(logits, p, Alg::MaskgitPlus, u);
  const std::vector<int64_t> expected = {0, 0, 1, 2};
  for (int64_t r = 0; r < 4; ++r) EXPECT_EQ(s.tokens[r].item<int64_t>(), expected[r]) << "row " << r;
  EXPECT_NEAR(s.confidence[2].item<float>(), 0.6, 1e-6);
  EXPECT_NEAR(s.confidence[3].item<float>(), 0.3, 1e-6);
}

TEST(OpsSampleMaskedRows, GreedyAndConfidencesAsSampleTokens) {
  at::Generator gen = compat::make_cpu_generator(0);
  const at::Tensor logits = at::randn({5, 50}) * 3;
  TokenSamplingParams p;
  p.top_p = 0.9;
  p.top_k = 7;
  for (Alg alg : {Alg::MaskgitPlus, Alg::TopkMargin, Alg::Entropy}) {
    const TokenSample a = sample_masked_rows(logits, p, alg, at::Tensor());
    const TokenSample b = sample_tokens(logits, p, alg, gen);
    EXPECT_TRUE(a.tokens.equal(b.tokens)) << alg_name(alg);
    EXPECT_TRUE(a.confidence.equal(b.confidence)) << alg_name(alg);
  }
}

TEST(OpsSampleMaskedRows, DrawsOnlyKeptTokensAndNeedsUniforms) {
  const at::Tensor logits = at::randn({200, 30});
  TokenSamplingParams p;
  p.temperature = 0.8;
  p.top_k = 3;
  const TokenSample s = sample_masked_rows(logits, p, Alg::Origin, at::rand({200}));
  const at::Tensor kept = top_k_filter(logits / 0.8, 3) != std::numeric_limits<float>::lowest();
  EXPECT_TRUE(kept.gather(1, s.tokens.unsqueeze(1)).all().item<bool>());
  EXPECT_THROW(sample_masked_rows(logits, p, Alg::Origin, at::Tensor()), std::invalid_argument);
  EXPECT_THROW(sample_masked_rows(logits, p, Alg::Origin, at::rand({3})), std::invalid_argument);
}

}  // namespace
}  // namespace dream::model::ops
