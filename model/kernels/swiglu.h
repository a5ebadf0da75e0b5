#pragma once
// Fused SwiGLU (torch-free launcher): out = dtype(float(dtype(silu(float(gate)))) * float(up)) with
// silu(g) = g / (1 + exp(-g)) in fp32, i.e. exactly at::silu(gate) * up, each op rounded to the dtype.
#include <cstdint>

#include <cuda_runtime.h>

#include "model/kernels/dtype.h"

namespace dream::kernels {

// gate, up: [rows, I] with row strides gate_stride / up_stride elements (last dim contiguous), so the two halves
// of a fused gate_up GEMM output [rows, 2I] are gate = base, up = base + I, both with stride 2I. out: [rows, I]
// with row stride out_stride. 16-byte accesses when I, the strides and the pointers allow, else a scalar path.
cudaError_t swiglu(const void* gate, int64_t gate_stride, const void* up, int64_t up_stride, void* out,
                   int64_t out_stride, int64_t rows, int64_t I, DType dtype, cudaStream_t stream);

}  // namespace dream::kernels
