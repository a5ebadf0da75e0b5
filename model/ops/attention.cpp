#include "attention.h"

#include <cmath>
#include <limits>

#include "fused.h"
#include "model/torch_compat.h"

namespace dream::model::ops {
namespace {

// Whether attention on `device` goes through SDPA (LibTorch >= 2.1) or the explicit two-GEMM path (the 1.13 code;
// full fp32 cuBLAS products on a GPU). DREAM_EVAL_ATTENTION (read once): `auto`, the default, takes SDPA on GPUs
// (flash and memory-efficient kernels) and the GEMMs on the CPU, where LibTorch 2.6's SDPA kernel was up to 1.5x
// slower (docs/benchmarks.md); `sdpa` or `gemm` force one path everywhere, to check one against the other.
bool use_sdpa(const at::Device& device) {
  static const std::string choice = env_switch("DREAM_EVAL_ATTENTION", {"auto", "sdpa", "gemm"}, "auto");
  return DREAM_HAS_SDPA && (choice == "sdpa" || (choice == "auto" && !device.is_cpu()));
}

}  // namespace

at::Tensor prepare_attention_mask(const at::Tensor& allowed, int64_t group_size, at::ScalarType dtype) {
  if (!allowed.defined() || !use_sdpa(allowed.device())) return allowed;
  const int64_t B = allowed.size(0), Nq = allowed.size(-2), Nk = allowed.size(-1);
  const at::Tensor bias = at::zeros({B, 1, Nq, Nk}, allowed.options().dtype(dtype))
                              .masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
  return bias.unsqueeze(2).expand({B, 1, group_size, Nq, Nk}).reshape({B, 1, group_size * Nq, Nk});
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
  const int64_t B = q.size(0), nH = q.size(1), N = q.size(2), D = q.size(3), nKV = k.size(1), Nk = k.size(2);
  const int64_t G = nH / nKV;
  const at::Tensor qg = q.reshape({B, nKV, G * N, D});
#if DREAM_HAS_SDPA
  if (use_sdpa(q.device())) {
    const at::Tensor out = mask.defined() ? at::scaled_dot_product_attention(qg, k, v, mask)
                                          : at::scaled_dot_product_attention(qg, k, v);
    return out.view({B, nH, N, D});
  }
#endif
  at::Tensor scores = at::matmul(qg, k.transpose(-1, -2)) * (1.0 / std::sqrt(static_cast<double>(D)));
  if (mask.defined()) {
    scores = scores.view({B, nKV, G, N, Nk})
                 .masked_fill(mask.reshape({B, 1, 1, N, Nk}).logical_not(), -std::numeric_limits<double>::infinity())
                 .view({B, nKV, G * N, Nk});
  }
  return at::matmul(at::softmax(scores, -1), v).view({B, nH, N, D});
}

}  // namespace dream::model::ops
