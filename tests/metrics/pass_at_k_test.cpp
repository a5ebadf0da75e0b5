// pass@k against values computed by hand from 1 - C(n-c, k) / C(n, k).
#include <gtest/gtest.h>

#include <cmath>

#include "metrics/pass_at_k.h"

namespace dream::metrics {
namespace {

TEST(PassAtK, HandComputedValues) {
  EXPECT_DOUBLE_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(1, 0, 1), 0.0);
  EXPECT_NEAR(pass_at_k(10, 3, 1), 0.3, 1e-15);                   // pass@1 = c / n
  EXPECT_NEAR(pass_at_k(10, 3, 2), 1.0 - 21.0 / 45.0, 1e-15);     // C(7,2)=21, C(10,2)=45
  EXPECT_NEAR(pass_at_k(20, 5, 10), 1.0 - 3003.0 / 184756.0, 1e-14);  // C(15,10), C(20,10)
  EXPECT_NEAR(pass_at_k(200, 1, 100), 0.5, 1e-14);                // C(199,100)/C(200,100) = 100/200
  EXPECT_DOUBLE_EQ(pass_at_k(5, 2, 4), 1.0);                      // n - c = 3 < k: always a correct one
  EXPECT_DOUBLE_EQ(pass_at_k(200, 0, 100), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(7, 7, 7), 1.0);
}

TEST(PassAtK, LargeCountsStayFiniteAndAccurate) {
  // Binomials of this size overflow doubles; the product form must not. References: exact rationals,
  // 1 - C(1963,100)/C(2000,100) and 1 - (99988*99989*99990)/(99998*99999*100000), evaluated with Python's
  // fractions and rounded to 16 digits.
  EXPECT_NEAR(pass_at_k(2000, 37, 100), 0.8527465721620684, 1e-14);
  EXPECT_NEAR(pass_at_k(100000, 3, 10), 0.0002999730004500189, 1e-17);
  const double v = pass_at_k(1000, 500, 100);
  EXPECT_TRUE(std::isfinite(v));
  EXPECT_LE(v, 1.0);
  EXPECT_GT(v, 1.0 - 1e-12);
}

TEST(PassAtK, InvalidCountsThrowNamingThem) {
  EXPECT_THROW(pass_at_k(0, 0, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(10, 11, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(10, -1, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(10, 3, 0), std::invalid_argument);
  try {
    pass_at_k(5, 2, 10);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("k=10"), std::string::npos) << e.what();
  }
}

TEST(PassAtK, MeanOverProblemsKeepsOnlyKsThatNAllows) {
  const auto r = mean_pass_at_k({{10, 3}, {10, 0}, {20, 20}});
  ASSERT_EQ(r.size(), 2u);  // k = 1, 10; not 100 (min n = 10)
  EXPECT_EQ(r[0].k, 1);
  EXPECT_NEAR(r[0].value, (0.3 + 0.0 + 1.0) / 3.0, 1e-15);
  EXPECT_EQ(r[1].k, 10);
  EXPECT_NEAR(r[1].value, (1.0 + 0.0 + 1.0) / 3.0, 1e-15);  // n - c = 7 < 10 for the first
  EXPECT_THROW(mean_pass_at_k({}), std::invalid_argument);
  EXPECT_EQ(mean_pass_at_k({{1, 1}}, {1, 10}).size(), 1u);
}

}  // namespace
}  // namespace dream::metrics
