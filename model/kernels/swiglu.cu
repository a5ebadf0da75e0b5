#include "model/kernels/swiglu.h"

#include <algorithm>

#include "model/kernels/device_common.cuh"

namespace dream::kernels {
namespace {

using namespace detail;

// at::silu's CUDA functor computes x / (1 + exp(-x)) in fp32 with the accurate expf and an IEEE division;
// the same expression here (no fast-math intrinsics) rounds identically.
__device__ __forceinline__ float silu(float g) { return __fdiv_rn(g, __fadd_rn(1.0f, expf(-g))); }

// grid.x walks rows, grid.y and the threads walk VEC-element chunks of a row.
template <typename T, int VEC>
__global__ void swiglu_kernel(const T* __restrict__ gate, int64_t gs, const T* __restrict__ up, int64_t us,
                              T* __restrict__ out, int64_t os, int64_t rows, int64_t chunks) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    for (int64_t c = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x; c < chunks;
         c += static_cast<int64_t>(gridDim.y) * blockDim.x) {
      const Vec<T, VEC> g = load_vec<T, VEC>(gate + r * gs + c * VEC);
      const Vec<T, VEC> u = load_vec<T, VEC>(up + r * us + c * VEC);
      Vec<T, VEC> o;
#pragma unroll
      for (int i = 0; i < VEC; ++i) o.v[i] = from_float<T>(mul_rn(round_to<T>(silu(to_float(g.v[i]))), to_float(u.v[i])));
      store_vec<T, VEC>(out + r * os + c * VEC, o);
    }
  }
}

template <typename T, int VEC>
void launch_shape(const T* g, int64_t gs, const T* u, int64_t us, T* o, int64_t os, int64_t rows, int64_t I,
                  cudaStream_t stream) {
  constexpr int kThreads = 256;
  const int64_t chunks = I / VEC;
  const unsigned gy = static_cast<unsigned>(std::min<int64_t>((chunks + kThreads - 1) / kThreads, 65535));
  const unsigned gx = static_cast<unsigned>(std::min<int64_t>(rows, INT32_MAX));
  swiglu_kernel<T, VEC><<<dim3(gx, gy), kThreads, 0, stream>>>(g, gs, u, us, o, os, rows, chunks);
}

template <typename T>
cudaError_t launch(const void* gate, int64_t gs, const void* up, int64_t us, void* out, int64_t os, int64_t rows,
                   int64_t I, cudaStream_t stream) {
  constexpr int V16 = kVec16<T>;
  const bool vec = I % V16 == 0 && gs % V16 == 0 && us % V16 == 0 && os % V16 == 0 && aligned16(gate) &&
                   aligned16(up) && aligned16(out);
  const T* g = static_cast<const T*>(gate);
  const T* u = static_cast<const T*>(up);
  T* o = static_cast<T*>(out);
  if (vec) {
    launch_shape<T, V16>(g, gs, u, us, o, os, rows, I, stream);
  } else {
    launch_shape<T, 1>(g, gs, u, us, o, os, rows, I, stream);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t swiglu(const void* gate, int64_t gate_stride, const void* up, int64_t up_stride, void* out,
                   int64_t out_stride, int64_t rows, int64_t I, DType dtype, cudaStream_t stream) {
  if (rows < 0 || I < 0) return cudaErrorInvalidValue;
  if (rows == 0 || I == 0) return cudaSuccess;
  switch (dtype) {
    case DType::F32: return launch<float>(gate, gate_stride, up, up_stride, out, out_stride, rows, I, stream);
    case DType::BF16: return launch<__nv_bfloat16>(gate, gate_stride, up, up_stride, out, out_stride, rows, I, stream);
    case DType::F16: return launch<__half>(gate, gate_stride, up, up_stride, out, out_stride, rows, I, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace dream::kernels
