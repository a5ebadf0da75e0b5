// The fused ops' entry points on the CPU: they take the plain LibTorch path (the reference) and keep its
// results, shapes and layouts, and bad shapes are errors naming the values. The CUDA side is kernels_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include <ATen/ATen.h>

#include "model/ops/fused.h"
#include "model/ops/rms_norm.h"
#include "model/ops/rope.h"
#include "model/ops/swiglu.h"

namespace dream::model::ops {
namespace {

using ::testing::HasSubstr;

// The implementation switches (DREAM_EVAL_FUSED, DREAM_EVAL_ATTENTION) go through env_switch: a misspelt value is
// an error naming it, never a silent run of the other path.
TEST(EnvSwitch, UnsetGivesTheDefaultKnownValuesPassOthersAreErrors) {
  const char* name = "DREAM_EVAL_TEST_SWITCH";
  ::unsetenv(name);
  EXPECT_EQ(env_switch(name, {"sdpa", "gemm"}, "sdpa"), "sdpa");
  ::setenv(name, "", 1);
  EXPECT_EQ(env_switch(name, {"sdpa", "gemm"}, "sdpa"), "sdpa");
  ::setenv(name, "gemm", 1);
  EXPECT_EQ(env_switch(name, {"sdpa", "gemm"}, "sdpa"), "gemm");
  ::setenv(name, "GEMM", 1);
  EXPECT_THAT([&] { env_switch(name, {"sdpa", "gemm"}, "sdpa"); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::StrEq("environment DREAM_EVAL_TEST_SWITCH=GEMM: expected one of sdpa, gemm")));
  ::unsetenv(name);
  ::setenv("DREAM_EVAL_FUSED", "off", 1);
  EXPECT_THAT([] { fused_kernels_enabled(); }, ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("DREAM_EVAL_FUSED=off")));
  ::unsetenv("DREAM_EVAL_FUSED");
}

TEST(OpsPlainPath, CpuTensorsNeverTakeAKernel) {
  const at::Tensor x = at::randn({3, 8});
  EXPECT_FALSE(use_fused(x));
  const at::Tensor w = at::randn({8});
  EXPECT_TRUE(rms_norm(x, w, 1e-6).equal(rms_norm_reference(x, w, 1e-6)));
  const at::Tensor r = at::randn({3, 8});
  const AddRmsNorm a = add_rms_norm(x, r, w, 1e-6);
  EXPECT_TRUE(a.sum.equal(x + r));
  EXPECT_TRUE(a.normed.equal(rms_norm_reference(x + r, w, 1e-6)));
  EXPECT_THAT([&] { add_rms_norm(x, r.narrow(1, 0, 4), w, 1e-6); }, ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("[3, 4]")));
  const at::Tensor g = at::randn({3, 8}), u = at::randn({3, 8});
  EXPECT_TRUE(swiglu(g, u).equal(at::silu(g) * u));
  EXPECT_THAT([&] { swiglu(g, u.narrow(1, 0, 4)); }, ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("[3, 8]")));
}

TEST(OpsPlainPath, RopeQkTransposesLikeTheUnfusedForward) {
  const int64_t B = 2, N = 5, nH = 4, nKV = 2, D = 8;
  const RopeTables tables = rope_tables(at::arange(N).unsqueeze(0).expand({B, N}), D, 10000.0, at::kFloat);
  // q and k as slices of one qkv projection output, as a fused GEMM would give them.
  const at::Tensor qkv = at::randn({B, N, (nH + 2 * nKV) * D});
  const at::Tensor q_lin = qkv.narrow(-1, 0, nH * D), k_lin = qkv.narrow(-1, nH * D, nKV * D);
  const RopeQK out = apply_rope_qk(q_lin, k_lin, tables, nH, nKV, D);
  EXPECT_EQ(out.q.sizes(), (at::IntArrayRef{B, nH, N, D}));
  EXPECT_EQ(out.k.sizes(), (at::IntArrayRef{B, nKV, N, D}));
  EXPECT_TRUE(out.q.is_contiguous() && out.k.is_contiguous());
  EXPECT_TRUE(out.q.equal(apply_rope(q_lin.reshape({B, N, nH, D}).transpose(1, 2), tables)));
  EXPECT_TRUE(out.k.equal(apply_rope(k_lin.reshape({B, N, nKV, D}).transpose(1, 2), tables)));
  EXPECT_THAT([&] { apply_rope_qk(q_lin, k_lin, tables, nH, nKV + 1, D); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("expected [2, 5, 24]")));
}

}  // namespace
}  // namespace dream::model::ops
