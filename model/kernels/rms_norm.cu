#include "model/kernels/rms_norm.h"

#include "model/kernels/device_common.cuh"

namespace dream::kernels {
namespace {

using namespace detail;

// One block per row. The row is read twice (sum of squares, then the scaled write); the second read hits L1/L2
// (a 3584-wide bf16 row is 7 KB), so DRAM sees each byte once.
template <typename T, int VEC>
__global__ void rms_norm_kernel(const T* __restrict__ x, int64_t x_stride, const T* __restrict__ w, T* __restrict__ y,
                                int64_t y_stride, int H, float eps) {
  __shared__ float scratch[32];
  const T* xr = x + static_cast<int64_t>(blockIdx.x) * x_stride;
  T* yr = y + static_cast<int64_t>(blockIdx.x) * y_stride;
  const int chunks = H / VEC;  // the launcher picks VEC dividing H

  float ss = 0.0f;
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    const Vec<T, VEC> v = load_vec<T, VEC>(xr + c * VEC);
#pragma unroll
    for (int i = 0; i < VEC; ++i) {
      const float f = to_float(v.v[i]);
      ss += f * f;
    }
  }
  ss = block_sum(ss, scratch);
  // mean as LibTorch's reduction computes it (sum times 1/H), eps added in fp32.
  const float r = rsqrtf(ss * (1.0f / static_cast<float>(H)) + eps);

  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    const Vec<T, VEC> v = load_vec<T, VEC>(xr + c * VEC);
    const Vec<T, VEC> wv = load_vec<T, VEC>(w + c * VEC);
    Vec<T, VEC> out;
#pragma unroll
    for (int i = 0; i < VEC; ++i) {
      const float normed = round_to<T>(mul_rn(to_float(v.v[i]), r));
      out.v[i] = from_float<T>(mul_rn(normed, to_float(wv.v[i])));
    }
    store_vec<T, VEC>(yr + c * VEC, out);
  }
}

template <typename T>
cudaError_t launch(const void* x, int64_t x_stride, const void* weight, void* y, int64_t y_stride, int64_t rows,
                   int64_t H, float eps, cudaStream_t stream) {
  constexpr int V16 = kVec16<T>;
  const bool vec = H % V16 == 0 && x_stride % V16 == 0 && y_stride % V16 == 0 && aligned16(x) && aligned16(weight) &&
                   aligned16(y);
  const T* xp = static_cast<const T*>(x);
  const T* wp = static_cast<const T*>(weight);
  T* yp = static_cast<T*>(y);
  const int h = static_cast<int>(H);
  if (vec) {
    rms_norm_kernel<T, V16><<<static_cast<unsigned>(rows), threads_for(H / V16), 0, stream>>>(xp, x_stride, wp, yp,
                                                                                               y_stride, h, eps);
  } else {
    rms_norm_kernel<T, 1><<<static_cast<unsigned>(rows), threads_for(H), 0, stream>>>(xp, x_stride, wp, yp, y_stride,
                                                                                      h, eps);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t rms_norm(const void* x, int64_t x_stride, const void* weight, void* y, int64_t y_stride, int64_t rows,
                     int64_t H, float eps, DType dtype, cudaStream_t stream) {
  if (rows < 0 || H <= 0 || H > INT32_MAX || rows > INT32_MAX) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  switch (dtype) {
    case DType::F32: return launch<float>(x, x_stride, weight, y, y_stride, rows, H, eps, stream);
    case DType::BF16: return launch<__nv_bfloat16>(x, x_stride, weight, y, y_stride, rows, H, eps, stream);
    case DType::F16: return launch<__half>(x, x_stride, weight, y, y_stride, rows, H, eps, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace dream::kernels
