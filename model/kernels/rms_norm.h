#pragma once
// Fused RMSNorm (torch-free launcher). Semantics of ops::rms_norm_reference, in Dream's order:
//   r = rsqrt(mean_f32(x^2) + eps);  n = dtype(x_f32 * r);  y = dtype(float(n) * float(weight))
// i.e. the cast to the model dtype happens BEFORE the weight multiply, and the multiply rounds to the dtype.
#include <cstdint>

#include <cuda_runtime.h>

#include "model/kernels/dtype.h"

namespace dream::kernels {

// x: [rows, H] with row stride x_stride elements (last dim contiguous); weight: [H] contiguous;
// y: [rows, H] with row stride y_stride. All three of dtype `dtype`, on the current device.
// One block per row; 16-byte accesses when H, both strides and the pointers allow, else a scalar path.
// Returns the launch status (cudaGetLastError after the launch); rows == 0 launches nothing.
cudaError_t rms_norm(const void* x, int64_t x_stride, const void* weight, void* y, int64_t y_stride, int64_t rows,
                     int64_t H, float eps, DType dtype, cudaStream_t stream);

// Residual add fused in front: h = dtype(float(x) + float(residual)) (at::add's rounding), written to h_out,
// and y = RMSNorm(h) as above, in one launch (the decoder's "h = x + attn; n = norm(h)"). residual and h_out have
// their own row strides; weight and y as above. Returns the launch status.
cudaError_t add_rms_norm(const void* x, int64_t x_stride, const void* residual, int64_t r_stride, const void* weight,
                         void* h_out, int64_t h_stride, void* y, int64_t y_stride, int64_t rows, int64_t H, float eps,
                         DType dtype, cudaStream_t stream);

}  // namespace dream::kernels
