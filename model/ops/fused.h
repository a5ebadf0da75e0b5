#pragma once
// The switch for the fused CUDA kernels of model/kernels/ and what their LibTorch bindings share.
#include <initializer_list>
#include <string>

#include <ATen/ATen.h>

namespace dream::model::ops {

// The value of the implementation switch `name` in the environment: `fallback` when unset or empty, else one of
// `allowed`; any other value throws std::invalid_argument naming the variable, the value and the allowed ones
// (a misspelt switch must not silently measure the other path).
std::string env_switch(const char* name, std::initializer_list<const char*> allowed, const char* fallback);

// True in CUDA builds unless the environment sets DREAM_EVAL_FUSED=0 (1 or unset: on); always false in CPU
// builds. Read at every call, so one process (the GPU check script, a benchmark) can compare fused and plain paths.
bool fused_kernels_enabled();

// Whether an op on `t` takes its fused kernel: a CUDA tensor, fused kernels enabled, and no autograd recording
// (the kernels have no backward; the trainer's graphs go through the plain ops).
bool use_fused(const at::Tensor& t);

}  // namespace dream::model::ops

#ifdef DREAM_EVAL_WITH_CUDA
#include <cuda_runtime_api.h>

#include "model/kernels/dtype.h"

namespace dream::model::ops::detail {

// Throws std::runtime_error naming the op and CUDA's message unless status is cudaSuccess.
void check_cuda(cudaError_t status, const char* op);

// The kernels' name for a tensor dtype; throws std::invalid_argument naming op and dtype for others.
kernels::DType kernel_dtype(at::ScalarType t, const char* op);
bool has_kernel_dtype(at::ScalarType t);

// `t` as a 2-D [rows, t.size(-1)] tensor whose last dim is contiguous: a view when the strides allow (a slice
// of a wider GEMM output keeps its row stride), a copy otherwise.
at::Tensor as_rows(const at::Tensor& t);
// The row stride of such a 2-D tensor, in elements (any value is fine for a single row).
inline int64_t row_stride(const at::Tensor& rows) { return rows.size(0) > 1 ? rows.stride(0) : rows.size(1); }

}  // namespace dream::model::ops::detail
#endif
