#include "model/kernels/rope.h"

#include "model/kernels/device_common.cuh"

namespace dream::kernels {
namespace {

using namespace detail;

template <typename T>
struct RopePtrs {
  const T* q;
  const T* k;
  const T* cos;
  const T* sin;
  T* q_out;
  T* k_out;
};

// Block = one token (b, n); each thread takes VEC elements of the first half of one head and the matching VEC
// of the second half, so both halves of rotate_half come from registers.
template <typename T, int VEC>
__global__ void rope_qk_kernel(RopePtrs<T> p, int64_t q_bs, int64_t q_ts, int64_t k_bs, int64_t k_ts, int N, int nH,
                               int nKV, int D) {
  const int64_t token = blockIdx.x;  // b * N + n
  const int64_t b = token / N, n = token % N;
  const int half = D / 2;
  const int chunks = half / VEC;  // per head
  const int items = (nH + nKV) * chunks;
  const T* cos = p.cos + token * D;
  const T* sin = p.sin + token * D;
  for (int item = threadIdx.x; item < items; item += blockDim.x) {
    const int head = item / chunks;
    const int d0 = (item % chunks) * VEC;
    const T* src;
    T* dst;
    if (head < nH) {
      src = p.q + b * q_bs + n * q_ts + static_cast<int64_t>(head) * D;
      dst = p.q_out + ((b * nH + head) * N + n) * D;
    } else {
      const int kh = head - nH;
      src = p.k + b * k_bs + n * k_ts + static_cast<int64_t>(kh) * D;
      dst = p.k_out + ((b * nKV + kh) * N + n) * D;
    }
    const Vec<T, VEC> x1 = load_vec<T, VEC>(src + d0), x2 = load_vec<T, VEC>(src + half + d0);
    const Vec<T, VEC> c1 = load_vec<T, VEC>(cos + d0), c2 = load_vec<T, VEC>(cos + half + d0);
    const Vec<T, VEC> s1 = load_vec<T, VEC>(sin + d0), s2 = load_vec<T, VEC>(sin + half + d0);
    Vec<T, VEC> o1, o2;
#pragma unroll
    for (int i = 0; i < VEC; ++i) {
      const float a1 = to_float(x1.v[i]), a2 = to_float(x2.v[i]);
      // first half: x1 * cos1 + (-x2) * sin1; second half: x2 * cos2 + x1 * sin2 (negation is exact)
      const float lo = add_rn(round_to<T>(mul_rn(a1, to_float(c1.v[i]))), round_to<T>(mul_rn(-a2, to_float(s1.v[i]))));
      const float hi = add_rn(round_to<T>(mul_rn(a2, to_float(c2.v[i]))), round_to<T>(mul_rn(a1, to_float(s2.v[i]))));
      o1.v[i] = from_float<T>(lo);
      o2.v[i] = from_float<T>(hi);
    }
    store_vec<T, VEC>(dst + d0, o1);
    store_vec<T, VEC>(dst + half + d0, o2);
  }
}

template <typename T>
cudaError_t launch(const RopeQKArgs& a, cudaStream_t stream) {
  constexpr int V16 = kVec16<T>;
  const int64_t half = a.D / 2;
  const bool vec = half % V16 == 0 && a.q_batch_stride % V16 == 0 && a.q_token_stride % V16 == 0 &&
                   a.k_batch_stride % V16 == 0 && a.k_token_stride % V16 == 0 && aligned16(a.q) && aligned16(a.k) &&
                   aligned16(a.cos) && aligned16(a.sin) && aligned16(a.q_out) && aligned16(a.k_out);
  const RopePtrs<T> p{static_cast<const T*>(a.q),   static_cast<const T*>(a.k), static_cast<const T*>(a.cos),
                      static_cast<const T*>(a.sin), static_cast<T*>(a.q_out),   static_cast<T*>(a.k_out)};
  const unsigned blocks = static_cast<unsigned>(a.B * a.N);
  const int N = static_cast<int>(a.N), nH = static_cast<int>(a.nH), nKV = static_cast<int>(a.nKV),
            D = static_cast<int>(a.D);
  if (vec) {
    const int threads = threads_for((a.nH + a.nKV) * (half / V16));
    rope_qk_kernel<T, V16><<<blocks, threads, 0, stream>>>(p, a.q_batch_stride, a.q_token_stride, a.k_batch_stride,
                                                           a.k_token_stride, N, nH, nKV, D);
  } else {
    const int threads = threads_for((a.nH + a.nKV) * half);
    rope_qk_kernel<T, 1><<<blocks, threads, 0, stream>>>(p, a.q_batch_stride, a.q_token_stride, a.k_batch_stride,
                                                         a.k_token_stride, N, nH, nKV, D);
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t rope_qk(const RopeQKArgs& a, cudaStream_t stream) {
  if (a.B < 0 || a.N < 0 || a.nH < 0 || a.nKV < 0 || a.D <= 0 || a.D % 2 != 0 || a.B * a.N > INT32_MAX ||
      a.N > INT32_MAX || (a.nH + a.nKV) * a.D > INT32_MAX)
    return cudaErrorInvalidValue;
  if (a.B * a.N == 0 || a.nH + a.nKV == 0) return cudaSuccess;
  switch (a.dtype) {
    case DType::F32: return launch<float>(a, stream);
    case DType::BF16: return launch<__nv_bfloat16>(a, stream);
    case DType::F16: return launch<__half>(a, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace dream::kernels
