#include "rope.h"

#include <stdexcept>
#include <string>

#include "fused.h"

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "model/kernels/rope.h"
#endif

namespace dream::model::ops {

RopeTables rope_tables(const at::Tensor& positions, int64_t head_dim, double theta, at::ScalarType dtype) {
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(positions.device());
  // Same expression as the official code: base ** (arange(0, D, 2).float() / D), then its reciprocal.
  const at::Tensor exponent = at::arange(0, head_dim, 2, f32.dtype(at::kLong)).to(at::kFloat) / static_cast<double>(head_dim);
  const at::Tensor inv_freq = 1.0 / at::pow(theta, exponent);  // [D/2]
  const at::Tensor angle = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;  // [B, N, D/2]
  const at::Tensor emb = at::cat({angle, angle}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables) {
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  const at::Tensor cos = tables.cos.unsqueeze(1), sin = tables.sin.unsqueeze(1);
  return x * cos + rotated * sin;
}

namespace {

void check_rope_shapes(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("apply_rope_qk: " + what); };
  if (q_lin.dim() != 3 || k_lin.dim() != 3) fail("q_lin and k_lin must be [B, N, heads*D], got " + c10::str(q_lin.sizes()) + " and " + c10::str(k_lin.sizes()));
  const int64_t B = q_lin.size(0), N = q_lin.size(1);
  if (q_lin.size(2) != nH * D) fail("q_lin has last dim " + std::to_string(q_lin.size(2)) + ", expected nH*D = " + std::to_string(nH * D));
  if (k_lin.size(0) != B || k_lin.size(1) != N || k_lin.size(2) != nKV * D)
    fail("k_lin has shape " + c10::str(k_lin.sizes()) + ", expected [" + std::to_string(B) + ", " + std::to_string(N) + ", " + std::to_string(nKV * D) + "]");
  if (D % 2 != 0) fail("head dim " + std::to_string(D) + " is odd");
  for (const at::Tensor* t : {&tables.cos, &tables.sin})
    if (t->dim() != 3 || t->size(0) != B || t->size(1) != N || t->size(2) != D)
      fail("rope table has shape " + c10::str(t->sizes()) + ", expected [" + std::to_string(B) + ", " + std::to_string(N) + ", " + std::to_string(D) + "]");
}

#ifdef DREAM_EVAL_WITH_CUDA
RopeQK apply_rope_qk_cuda(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D) {
  const int64_t B = q_lin.size(0), N = q_lin.size(1);
  const c10::cuda::CUDAGuard guard(q_lin.device());
  // The kernel needs the last dim contiguous; any batch and token strides are fine.
  const at::Tensor q = q_lin.stride(2) == 1 ? q_lin : q_lin.contiguous();
  const at::Tensor k = k_lin.stride(2) == 1 ? k_lin : k_lin.contiguous();
  const at::Tensor cos = tables.cos.contiguous(), sin = tables.sin.contiguous();
  RopeQK out{at::empty({B, nH, N, D}, q_lin.options().memory_format(at::MemoryFormat::Contiguous)),
             at::empty({B, nKV, N, D}, k_lin.options().memory_format(at::MemoryFormat::Contiguous))};
  kernels::RopeQKArgs a;
  a.q = q.data_ptr();
  a.q_batch_stride = q.stride(0);
  a.q_token_stride = q.stride(1);
  a.k = k.data_ptr();
  a.k_batch_stride = k.stride(0);
  a.k_token_stride = k.stride(1);
  a.cos = cos.data_ptr();
  a.sin = sin.data_ptr();
  a.q_out = out.q.data_ptr();
  a.k_out = out.k.data_ptr();
  a.B = B;
  a.N = N;
  a.nH = nH;
  a.nKV = nKV;
  a.D = D;
  a.dtype = detail::kernel_dtype(q_lin.scalar_type(), "apply_rope_qk");
  detail::check_cuda(kernels::rope_qk(a, at::cuda::getCurrentCUDAStream()), "apply_rope_qk");
  return out;
}
#endif

}  // namespace

RopeQK apply_rope_qk_reference(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D) {
  check_rope_shapes(q_lin, k_lin, tables, nH, nKV, D);
  const int64_t B = q_lin.size(0), N = q_lin.size(1);
  return {apply_rope(q_lin.view({B, N, nH, D}).transpose(1, 2), tables).contiguous(),
          apply_rope(k_lin.view({B, N, nKV, D}).transpose(1, 2), tables).contiguous()};
}

RopeQK apply_rope_qk(const at::Tensor& q_lin, const at::Tensor& k_lin, const RopeTables& tables, int64_t nH, int64_t nKV, int64_t D) {
#ifdef DREAM_EVAL_WITH_CUDA
  const at::ScalarType t = q_lin.scalar_type();
  if (use_fused(q_lin) && use_fused(k_lin) && detail::has_kernel_dtype(t) && k_lin.scalar_type() == t &&
      tables.cos.scalar_type() == t && tables.sin.scalar_type() == t && tables.cos.device() == q_lin.device() &&
      tables.sin.device() == q_lin.device() && k_lin.device() == q_lin.device()) {
    check_rope_shapes(q_lin, k_lin, tables, nH, nKV, D);
    return apply_rope_qk_cuda(q_lin, k_lin, tables, nH, nKV, D);
  }
#endif
  return apply_rope_qk_reference(q_lin, k_lin, tables, nH, nKV, D);
}

}  // namespace dream::model::ops
