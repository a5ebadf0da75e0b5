#include "model/kernels/rms_norm.h"

#include "model/kernels/device_common.cuh"

namespace dream::kernels {
namespace {

using namespace detail;

struct RowPtrs {
  const void* x;
  int64_t x_stride;
  const void* r;  // residual, or null: plain RMSNorm
  int64_t r_stride;
  const void* w;
  void* h;  // x + residual out (with r)
  int64_t h_stride;
  void* y;
  int64_t y_stride;
};

// One block per row. The row is read twice (sum of squares, then the scaled write); the second read hits L1/L2
// (a 3584-wide bf16 row is 7 KB), so DRAM sees each byte once. With kAdd the first loop forms h = x + r,
// writes it, and the second loop reads h back (each thread its own chunks).
template <typename T, int VEC, bool kAdd>
__global__ void rms_norm_kernel(RowPtrs p, int H, float eps) {
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  const T* xr = static_cast<const T*>(p.x) + row * p.x_stride;
  const T* rr = kAdd ? static_cast<const T*>(p.r) + row * p.r_stride : nullptr;
  T* hr = kAdd ? static_cast<T*>(p.h) + row * p.h_stride : nullptr;
  const T* w = static_cast<const T*>(p.w);
  T* yr = static_cast<T*>(p.y) + row * p.y_stride;
  const int chunks = H / VEC;  // the launcher picks VEC dividing H

  float ss = 0.0f;
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    Vec<T, VEC> v = load_vec<T, VEC>(xr + c * VEC);
    if constexpr (kAdd) {
      const Vec<T, VEC> res = load_vec<T, VEC>(rr + c * VEC);
#pragma unroll
      for (int i = 0; i < VEC; ++i) v.v[i] = from_float<T>(add_rn(to_float(v.v[i]), to_float(res.v[i])));
      store_vec<T, VEC>(hr + c * VEC, v);
    }
#pragma unroll
    for (int i = 0; i < VEC; ++i) {
      const float f = to_float(v.v[i]);
      ss += f * f;
    }
  }
  ss = block_sum(ss, scratch);
  // mean as LibTorch's reduction computes it (sum times 1/H), eps added in fp32.
  const float r = rsqrtf(ss * (1.0f / static_cast<float>(H)) + eps);

  const T* src = kAdd ? hr : xr;
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    const Vec<T, VEC> v = load_vec<T, VEC>(src + c * VEC);
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

template <typename T, bool kAdd>
cudaError_t launch(const RowPtrs& p, int64_t rows, int64_t H, float eps, cudaStream_t stream) {
  constexpr int V16 = kVec16<T>;
  bool vec = H % V16 == 0 && p.x_stride % V16 == 0 && p.y_stride % V16 == 0 && aligned16(p.x) && aligned16(p.w) &&
             aligned16(p.y);
  if (kAdd) vec = vec && p.r_stride % V16 == 0 && p.h_stride % V16 == 0 && aligned16(p.r) && aligned16(p.h);
  const int h = static_cast<int>(H);
  if (vec) {
    rms_norm_kernel<T, V16, kAdd><<<static_cast<unsigned>(rows), threads_for(H / V16), 0, stream>>>(p, h, eps);
  } else {
    rms_norm_kernel<T, 1, kAdd><<<static_cast<unsigned>(rows), threads_for(H), 0, stream>>>(p, h, eps);
  }
  return cudaGetLastError();
}

template <bool kAdd>
cudaError_t dispatch(const RowPtrs& p, int64_t rows, int64_t H, float eps, DType dtype, cudaStream_t stream) {
  if (rows < 0 || H <= 0 || H > INT32_MAX || rows > INT32_MAX) return cudaErrorInvalidValue;
  if (rows == 0) return cudaSuccess;
  switch (dtype) {
    case DType::F32: return launch<float, kAdd>(p, rows, H, eps, stream);
    case DType::BF16: return launch<__nv_bfloat16, kAdd>(p, rows, H, eps, stream);
    case DType::F16: return launch<__half, kAdd>(p, rows, H, eps, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t rms_norm(const void* x, int64_t x_stride, const void* weight, void* y, int64_t y_stride, int64_t rows,
                     int64_t H, float eps, DType dtype, cudaStream_t stream) {
  const RowPtrs p{x, x_stride, nullptr, 0, weight, nullptr, 0, y, y_stride};
  return dispatch<false>(p, rows, H, eps, dtype, stream);
}

cudaError_t add_rms_norm(const void* x, int64_t x_stride, const void* residual, int64_t r_stride, const void* weight,
                         void* h_out, int64_t h_stride, void* y, int64_t y_stride, int64_t rows, int64_t H, float eps,
                         DType dtype, cudaStream_t stream) {
  const RowPtrs p{x, x_stride, residual, r_stride, weight, h_out, h_stride, y, y_stride};
  return dispatch<true>(p, rows, H, eps, dtype, stream);
}

}  // namespace dream::kernels
