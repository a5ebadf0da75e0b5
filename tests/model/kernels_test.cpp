// The fused CUDA kernels (model/kernels/) against their plain-LibTorch references (model/ops/), over dtypes and
// odd and tail sizes, with fresh random inputs, poisoned outputs and NaN checks that name the first bad index.
// CUDA builds only; every test skips when no device is present.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>

#include "model/kernels/rms_norm.h"
#include "model/kernels/rope.h"
#include "model/kernels/swiglu.h"
#include "model/ops/fused.h"
#include "model/ops/fused_sampling.h"
#include "model/ops/rms_norm.h"
#include "model/ops/rope.h"
#include "model/ops/swiglu.h"

namespace dream::model::ops {
namespace {

#define REQUIRE_CUDA()                                              \
  do {                                                              \
    if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device present";   \
  } while (0)

const std::vector<at::ScalarType> kDtypes = {at::kFloat, at::kBFloat16, at::kHalf};

double tolerance(at::ScalarType t) { return t == at::kFloat ? 1e-5 : (t == at::kHalf ? 2e-3 : 1e-2); }

at::TensorOptions cuda(at::ScalarType t) { return at::TensorOptions().dtype(t).device(at::kCUDA); }

// A fresh random tensor (never zeros: they hide unwritten outputs).
at::Tensor randn(at::IntArrayRef sizes, at::ScalarType t, double scale = 1.0) { return (at::randn(sizes, cuda(at::kFloat)) * scale).to(t); }

// Outputs the kernels write into, filled with NaN first so an unwritten element cannot pass.
at::Tensor poisoned(at::IntArrayRef sizes, at::ScalarType t) { return at::full(sizes, std::numeric_limits<double>::quiet_NaN(), cuda(t)); }

std::string describe(at::ScalarType t, const std::string& what) { return std::string(c10::toString(t)) + " " + what; }

// Empty string when `out` has no NaN, else the first NaN's flat index.
std::string first_nan(const at::Tensor& out) {
  const at::Tensor bad = at::isnan(out.to(at::kFloat)).flatten().nonzero();
  if (bad.numel() == 0) return "";
  return "NaN at flat index " + std::to_string(bad[0][0].item<int64_t>()) + " of " + c10::str(out.sizes());
}

void expect_close(const at::Tensor& out, const at::Tensor& ref, double tol, const std::string& what) {
  ASSERT_EQ(out.sizes(), ref.sizes()) << what;
  const std::string nan = first_nan(out);
  ASSERT_TRUE(nan.empty()) << what << ": " << nan;
  const at::Tensor o = out.to(at::kDouble), r = ref.to(at::kDouble);
  const double err = (o - r).norm().item<double>() / std::max(r.norm().item<double>(), 1e-30);
  EXPECT_LE(err, tol) << what << ": relative L2 error " << err;
}

void expect_bit_equal(const at::Tensor& out, const at::Tensor& ref, const std::string& what) {
  ASSERT_EQ(out.sizes(), ref.sizes()) << what;
  const std::string nan = first_nan(out);
  ASSERT_TRUE(nan.empty()) << what << ": " << nan;
  const at::Tensor diff = (out.to(at::kDouble) != ref.to(at::kDouble)).flatten().nonzero();
  if (diff.numel() > 0) {
    const int64_t i = diff[0][0].item<int64_t>();
    ADD_FAILURE() << what << ": " << diff.size(0) << " elements differ, first at flat index " << i << ": "
                  << out.flatten()[i].item<double>() << " vs " << ref.flatten()[i].item<double>();
  }
}

cudaStream_t stream() { return at::cuda::getCurrentCUDAStream(); }

void expect_cuda_ok(cudaError_t e, const std::string& what) {
  ASSERT_EQ(e, cudaSuccess) << what << ": " << cudaGetErrorString(e);
  const cudaError_t sync = cudaStreamSynchronize(stream());
  ASSERT_EQ(sync, cudaSuccess) << what << ": " << cudaGetErrorString(sync);
}

kernels::DType kdt(at::ScalarType t) { return detail::kernel_dtype(t, "test"); }

// ---- RMSNorm ----------------------------------------------------------------------------------------------

TEST(OpsKernelRmsNorm, MatchesReferenceOverDtypesAndSizes) {
  REQUIRE_CUDA();
  for (at::ScalarType t : kDtypes) {
    for (int64_t rows : {1, 7, 300}) {
      for (int64_t H : {1, 13, 64, 3584, 8200}) {
        const at::Tensor x = randn({rows, H}, t, 3.0), w = randn({H}, t);
        at::Tensor y = poisoned({rows, H}, t);
        expect_cuda_ok(kernels::rms_norm(x.data_ptr(), H, w.data_ptr(), y.data_ptr(), H, rows, H, 1e-6f, kdt(t), stream()), "rms_norm");
        expect_close(y, rms_norm_reference(x, w, 1e-6), tolerance(t), describe(t, "rms_norm rows " + std::to_string(rows) + " H " + std::to_string(H)));
      }
    }
  }
}

TEST(OpsKernelRmsNorm, StridedAndMisalignedRowsAndTheBinding) {
  REQUIRE_CUDA();
  for (at::ScalarType t : kDtypes) {
    // Rows of a wider tensor, starting one element in: the scalar path.
    const at::Tensor wide = randn({5, 3, 1000}, t);
    const at::Tensor x = wide.narrow(-1, 1, 997), w = randn({997}, t);
    expect_close(rms_norm(x, w, 1e-5), rms_norm_reference(x, w, 1e-5), tolerance(t), describe(t, "rms_norm strided"));
    // [B, N, H] through the binding, vector path.
    const at::Tensor x3 = randn({2, 9, 3584}, t), w3 = randn({3584}, t);
    expect_close(rms_norm(x3, w3, 1e-6), rms_norm_reference(x3, w3, 1e-6), tolerance(t), describe(t, "rms_norm binding"));
  }
}

TEST(OpsKernelRmsNorm, ResidualAddFused) {
  REQUIRE_CUDA();
  for (at::ScalarType t : kDtypes) {
    for (int64_t rows : {1, 7, 300}) {
      for (int64_t H : {13, 64, 3584}) {
        const std::string what = describe(t, "add_rms_norm rows " + std::to_string(rows) + " H " + std::to_string(H));
        const at::Tensor x = randn({rows, H}, t, 3.0), r = randn({rows, H}, t), w = randn({H}, t);
        at::Tensor h = poisoned({rows, H}, t), y = poisoned({rows, H}, t);
        expect_cuda_ok(kernels::add_rms_norm(x.data_ptr(), H, r.data_ptr(), H, w.data_ptr(), h.data_ptr(), H, y.data_ptr(), H, rows, H,
                                             1e-6f, kdt(t), stream()),
                       what);
        const AddRmsNorm ref = add_rms_norm_reference(x, r, w, 1e-6);
        expect_bit_equal(h, ref.sum, what + " sum");
        expect_close(y, ref.normed, tolerance(t), what + " normed");
        const AddRmsNorm bound = add_rms_norm(x.view({rows, 1, H}), r.view({rows, 1, H}), w, 1e-6);
        expect_bit_equal(bound.sum, ref.sum.view({rows, 1, H}), what + " binding sum");
        expect_close(bound.normed, ref.normed.view({rows, 1, H}), tolerance(t), what + " binding normed");
      }
    }
  }
}

TEST(OpsKernelFused, SwitchedOffByTheEnvironment) {
  REQUIRE_CUDA();
  const char* before = std::getenv("DREAM_EVAL_FUSED");
  const std::string saved = before ? before : "";
  unsetenv("DREAM_EVAL_FUSED");
  EXPECT_TRUE(fused_kernels_enabled());
  setenv("DREAM_EVAL_FUSED", "0", 1);
  EXPECT_FALSE(fused_kernels_enabled());
  const at::Tensor x = randn({4, 64}, at::kBFloat16), w = randn({64}, at::kBFloat16);
  expect_bit_equal(rms_norm(x, w, 1e-6), rms_norm_reference(x, w, 1e-6), "plain path when DREAM_EVAL_FUSED=0");
  if (before) {
    setenv("DREAM_EVAL_FUSED", saved.c_str(), 1);
  } else {
    unsetenv("DREAM_EVAL_FUSED");
  }
}

// ---- RoPE -------------------------------------------------------------------------------------------------

TEST(OpsKernelRope, BitIdenticalToThePlainOps) {
  REQUIRE_CUDA();
  struct Shape {
    int64_t B, N, nH, nKV, D;
  };
  for (at::ScalarType t : kDtypes) {
    for (const Shape s : {Shape{1, 1, 1, 1, 16}, Shape{2, 7, 4, 2, 64}, Shape{2, 33, 28, 4, 128}, Shape{3, 5, 6, 3, 24}, Shape{1, 4, 2, 1, 2}}) {
      const std::string what = describe(t, "rope B " + std::to_string(s.B) + " N " + std::to_string(s.N) + " nH " + std::to_string(s.nH) +
                                                " nKV " + std::to_string(s.nKV) + " D " + std::to_string(s.D));
      const at::Tensor positions = at::randint(0, 4000, {s.B, s.N}, cuda(at::kLong));
      const RopeTables tables = rope_tables(positions, s.D, 1e6, t);
      const at::Tensor q = randn({s.B, s.N, s.nH * s.D}, t, 2.0), k = randn({s.B, s.N, s.nKV * s.D}, t, 2.0);
      const RopeQK ref = apply_rope_qk_reference(q, k, tables, s.nH, s.nKV, s.D);
      // Launcher with poisoned outputs.
      at::Tensor q_out = poisoned({s.B, s.nH, s.N, s.D}, t), k_out = poisoned({s.B, s.nKV, s.N, s.D}, t);
      kernels::RopeQKArgs a;
      a.q = q.data_ptr();
      a.q_batch_stride = q.stride(0);
      a.q_token_stride = q.stride(1);
      a.k = k.data_ptr();
      a.k_batch_stride = k.stride(0);
      a.k_token_stride = k.stride(1);
      a.cos = tables.cos.data_ptr();
      a.sin = tables.sin.data_ptr();
      a.q_out = q_out.data_ptr();
      a.k_out = k_out.data_ptr();
      a.B = s.B;
      a.N = s.N;
      a.nH = s.nH;
      a.nKV = s.nKV;
      a.D = s.D;
      a.dtype = kdt(t);
      expect_cuda_ok(kernels::rope_qk(a, stream()), what);
      expect_bit_equal(q_out, ref.q, what + " q");
      expect_bit_equal(k_out, ref.k, what + " k");
      // The binding, with q and k as slices of one fused qkv output (token stride (nH + 2 nKV) * D).
      const at::Tensor qkv = randn({s.B, s.N, (s.nH + 2 * s.nKV) * s.D}, t, 2.0);
      const at::Tensor qs = qkv.narrow(-1, 0, s.nH * s.D), ks = qkv.narrow(-1, s.nH * s.D, s.nKV * s.D);
      const RopeQK fused = apply_rope_qk(qs, ks, tables, s.nH, s.nKV, s.D);
      const RopeQK plain = apply_rope_qk_reference(qs, ks, tables, s.nH, s.nKV, s.D);
      expect_bit_equal(fused.q, plain.q, what + " q from qkv");
      expect_bit_equal(fused.k, plain.k, what + " k from qkv");
      EXPECT_TRUE(fused.q.is_contiguous() && fused.k.is_contiguous()) << what;
    }
  }
}

// ---- SwiGLU -----------------------------------------------------------------------------------------------

TEST(OpsKernelSwiglu, BitIdenticalToThePlainOps) {
  REQUIRE_CUDA();
  for (at::ScalarType t : kDtypes) {
    for (int64_t rows : {1, 7, 300}) {
      for (int64_t I : {1, 7, 64, 1000, 18944}) {
        if (rows * I > 300 * 1000 && rows > 7) continue;  // keep the largest shape small
        const std::string what = describe(t, "swiglu rows " + std::to_string(rows) + " I " + std::to_string(I));
        const at::Tensor g = randn({rows, I}, t, 4.0), u = randn({rows, I}, t);
        at::Tensor out = poisoned({rows, I}, t);
        expect_cuda_ok(kernels::swiglu(g.data_ptr(), I, u.data_ptr(), I, out.data_ptr(), I, rows, I, kdt(t), stream()), what);
        expect_bit_equal(out, swiglu_reference(g, u), what);
        // The two halves of a fused gate_up output, through the binding.
        const at::Tensor gu = randn({rows, 2 * I}, t, 4.0);
        const at::Tensor gate = gu.narrow(-1, 0, I), up = gu.narrow(-1, I, I);
        expect_bit_equal(swiglu(gate, up), swiglu_reference(gate, up), what + " from gate_up");
      }
    }
  }
}

// ---- sampling ---------------------------------------------------------------------------------------------

TokenSamplingParams params_of(double temperature, std::optional<double> top_p, std::optional<int64_t> top_k) {
  TokenSamplingParams p;
  p.temperature = temperature;
  p.top_p = top_p;
  p.top_k = top_k;
  return p;
}

// Rows whose two largest reference probabilities are within `tol` (relative) of each other: their argmax may
// legitimately differ by rounding.
at::Tensor clear_rows(const at::Tensor& probs, double tol) {
  const at::Tensor top2 = std::get<0>(probs.to(at::kFloat).topk(std::min<int64_t>(2, probs.size(1)), -1));
  if (top2.size(1) < 2) return at::ones({probs.size(0)}, probs.options().dtype(at::kBool));
  return top2.select(1, 1) < top2.select(1, 0) * (1 - tol);
}

TEST(OpsKernelSampling, GreedyTokensAndConfidencesMatchTheReference) {
  REQUIRE_CUDA();
  for (at::ScalarType t : {at::kFloat, at::kBFloat16}) {
    for (int64_t V : {1, 7, 320, 152064}) {
      for (int64_t M : {1, 37, 300}) {
        if (V == 152064 && M > 37) continue;
        // top_p is left out here: its tie rule differs from the sort at the boundary, which moves the
        // confidences in bf16 (checked separately on fp32 below).
        for (const TokenSamplingParams& p : {params_of(0, std::nullopt, std::nullopt), params_of(0, std::nullopt, 50)}) {
          for (Alg alg : {Alg::MaskgitPlus, Alg::TopkMargin, Alg::Entropy}) {
            if (alg == Alg::TopkMargin && V < 2) continue;  // the reference needs two probabilities
            const std::string what = describe(t, "sampling V " + std::to_string(V) + " M " + std::to_string(M) + " alg " + alg_name(alg) +
                                                     (p.top_k ? " top_k 50" : ""));
            const at::Tensor logits = randn({M, V}, t, 3.0);
            const FusedSample fused = sample_masked_rows_fused(logits, p, alg, at::Tensor());
            const TokenSample ref = sample_masked_rows_reference(logits, p, alg, at::Tensor());
            const at::Tensor clear = clear_rows(sampling_probs(logits, p), tolerance(t));
            const at::Tensor differ = (fused.sample.tokens != ref.tokens).logical_and(clear).nonzero();
            EXPECT_EQ(differ.numel(), 0) << what << ": first row with another token " << (differ.numel() ? differ[0][0].item<int64_t>() : -1);
            const at::Tensor c = fused.sample.confidence.index({clear}), cr = ref.confidence.index({clear});
            if (c.numel() > 0) expect_close(c, cr, tolerance(t), what + " confidence");
            // The dispatching entry point takes the kernel for bf16 and the reference for fp32.
            const TokenSample dispatched = sample_masked_rows(logits, p, alg, at::Tensor());
            expect_bit_equal(dispatched.tokens, t == at::kFloat ? ref.tokens : fused.sample.tokens, what + " dispatch");
          }
        }
      }
    }
  }
}

// Per-row distance between top_p and the sorted cumulative probability (double): rows closer than ~1e-5 may
// legitimately put the boundary elsewhere.
at::Tensor top_p_margin(const at::Tensor& scaled, double top_p) {
  const at::Tensor sorted = std::get<0>(at::softmax(scaled.to(at::kDouble), -1).sort(-1, /*descending=*/true));
  return (sorted.cumsum(-1) - top_p).abs().amin(-1);
}

TEST(OpsKernelSampling, KeptSetsEqualTheReferenceFilters) {
  REQUIRE_CUDA();
  int64_t checked = 0;
  for (int64_t V : {7, 320, 152064}) {
    for (double top_p : {0.5, 0.9, 0.95}) {
      for (std::optional<int64_t> top_k : {std::optional<int64_t>(), std::optional<int64_t>(1), std::optional<int64_t>(50)}) {
        for (double temperature : {0.0, 0.7}) {
          const int64_t M = V == 152064 ? 8 : 64;
          // fp32 logits: distinct values, so the tie rule cannot differ.
          const at::Tensor logits = randn({M, V}, at::kFloat, 2.0);
          const TokenSamplingParams p = params_of(temperature, top_p, top_k);
          const at::Tensor u = at::rand({M}, cuda(at::kFloat));
          const FusedSample fused = sample_masked_rows_fused(logits, p, Alg::Entropy, u);
          const at::Tensor scaled = temperature > 0 ? logits / temperature : logits;
          at::Tensor filtered = top_p_filter(scaled, top_p);
          if (top_k) filtered = top_k_filter(filtered, *top_k);
          const at::Tensor kept_ref = filtered != std::numeric_limits<float>::lowest();
          const at::Tensor kept = scaled >= fused.threshold.unsqueeze(-1);
          const at::Tensor usable = top_p_margin(scaled, top_p) > 1e-5;
          const at::Tensor bad = (kept != kept_ref).any(-1).logical_and(usable).nonzero();
          const std::string what = "kept set V " + std::to_string(V) + " top_p " + std::to_string(top_p) + " top_k " +
                                   (top_k ? std::to_string(*top_k) : "none") + " T " + std::to_string(temperature);
          EXPECT_EQ(bad.numel(), 0) << what << ": first bad row " << (bad.numel() ? bad[0][0].item<int64_t>() : -1);
          // The drawn token is always a kept one.
          EXPECT_TRUE(kept.gather(-1, fused.sample.tokens.unsqueeze(-1)).all().item<bool>()) << what << ": drew a filtered token";
          checked += usable.sum().item<int64_t>();
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(OpsKernelSampling, DrawsLandWhereTheReferenceCdfSays) {
  REQUIRE_CUDA();
  for (at::ScalarType t : {at::kFloat, at::kBFloat16}) {
    for (int64_t V : {1, 7, 320, 152064}) {
      const int64_t M = V == 152064 ? 16 : 300;
      for (const TokenSamplingParams& p : {params_of(1.0, std::nullopt, std::nullopt), params_of(0.7, std::nullopt, 20)}) {
        const std::string what = describe(t, "draw V " + std::to_string(V) + (p.top_k ? " top_k 20" : ""));
        const at::Tensor logits = randn({M, V}, t, 2.0);
        const at::Tensor u = at::rand({M}, cuda(at::kFloat));
        const FusedSample fused = sample_masked_rows_fused(logits, p, Alg::MaskgitPlus, u);
        const at::Tensor probs = sampling_probs(logits, p).to(at::kDouble);
        const at::Tensor cdf = probs.cumsum(-1);
        const at::Tensor target = u.to(at::kDouble) * cdf.select(1, V - 1);
        const at::Tensor tok = fused.sample.tokens.unsqueeze(-1);
        const at::Tensor hi = cdf.gather(-1, tok).squeeze(-1), lo = hi - probs.gather(-1, tok).squeeze(-1);
        const double tol = t == at::kFloat ? 1e-5 : 2e-2;
        const at::Tensor bad = ((lo > target + tol).logical_or(hi < target - tol)).nonzero();
        EXPECT_EQ(bad.numel(), 0) << what << ": first row drawn outside its CDF interval " << (bad.numel() ? bad[0][0].item<int64_t>() : -1);
        EXPECT_TRUE((probs.gather(-1, tok) > 0).all().item<bool>()) << what << ": drew a token of probability 0";
        const std::string nan = first_nan(fused.sample.confidence);
        EXPECT_TRUE(nan.empty()) << what << ": " << nan;
      }
    }
  }
}

}  // namespace
}  // namespace dream::model::ops
