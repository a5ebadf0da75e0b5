// Means, standard errors, paired comparisons and pass@k on hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "metrics/stats.h"

using namespace dream::metrics;

TEST(Stats, MeanAndAnalyticStderr) {
  std::vector<double> v{0, 1, 1, 0};
  EXPECT_DOUBLE_EQ(mean(v), 0.5);
  EXPECT_NEAR(analytic_stderr(v), std::sqrt(1.0 / 3.0) / 2.0, 1e-12);
  EXPECT_EQ(analytic_stderr(std::vector<double>{1}), 0);
}

TEST(Stats, BootstrapStderrApproachesBinomialAndIsSeeded) {
  std::vector<double> v(400);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i % 2;
  const double se = bootstrap_stderr(v);
  EXPECT_NEAR(se, 0.025, 0.0025);  // sqrt(p(1-p)/n) = 0.025
  EXPECT_EQ(se, bootstrap_stderr(v));
  EXPECT_NE(se, bootstrap_stderr(v, {.iterations = 10000, .seed = 99}));
  EXPECT_EQ(bootstrap_stderr(std::vector<double>(10, 1.0)), 0);
}

TEST(Stats, McNemarExact) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 5), 2.0 / 32.0);
  EXPECT_NEAR(mcnemar_exact_p(1, 9), 2.0 * 11.0 / 1024.0, 1e-12);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(4, 4), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_LT(mcnemar_exact_p(200, 300), 1e-5);
}

TEST(Stats, PairedComparison) {
  std::vector<double> a{1, 1, 0, 0, 1, 0, 1, 0, 0, 0};
  std::vector<double> b{1, 1, 1, 1, 1, 1, 1, 0, 1, 0};
  auto r = compare_paired(a, b);
  EXPECT_EQ(r.n, 10u);
  EXPECT_DOUBLE_EQ(r.difference, 0.4);
  EXPECT_TRUE(r.binary);
  EXPECT_EQ(r.a_only, 0u);
  EXPECT_EQ(r.b_only, 4u);
  EXPECT_DOUBLE_EQ(r.p_value_mcnemar, 2.0 / 16.0);
  EXPECT_LE(r.ci95_low, 0.4);
  EXPECT_GE(r.ci95_high, 0.4);
  EXPECT_GT(r.difference_stderr, 0);
  auto same = compare_paired(a, a);
  EXPECT_EQ(same.difference, 0);
  EXPECT_DOUBLE_EQ(same.p_value_bootstrap, 1.0);
  EXPECT_THROW(compare_paired(a, std::vector<double>{1}), std::invalid_argument);
  auto cont = compare_paired(std::vector<double>{0.5, 0.2}, std::vector<double>{0.7, 0.1});
  EXPECT_FALSE(cont.binary);
  EXPECT_EQ(cont.p_value_mcnemar, 1.0);
}

