#include "model/kernels/sampling.h"

#include <cmath>

#include "model/kernels/device_common.cuh"
#include "model/kernels/sampling_select.h"

namespace dream::kernels {
namespace {

using namespace detail;
namespace sel = select;

constexpr int kThreads = 512;
constexpr int kWarps = kThreads / 32;
constexpr int64_t kNoIndex = INT64_MAX;

__device__ __forceinline__ uint32_t bits_of(float v) { return __float_as_uint(v); }
__device__ __forceinline__ uint32_t bits_of(__nv_bfloat16 v) { return __bfloat16_as_ushort(v); }
__device__ __forceinline__ uint32_t bits_of(__half v) { return __half_as_ushort(v); }
template <typename T>
__device__ __forceinline__ T value_of_bits(uint32_t b);
template <>
__device__ __forceinline__ float value_of_bits<float>(uint32_t b) { return __uint_as_float(b); }
template <>
__device__ __forceinline__ __nv_bfloat16 value_of_bits<__nv_bfloat16>(uint32_t b) {
  return __ushort_as_bfloat16(static_cast<unsigned short>(b));
}
template <>
__device__ __forceinline__ __half value_of_bits<__half>(uint32_t b) { return __ushort_as_half(static_cast<unsigned short>(b)); }

// A logit after the temperature, as the value the unfused path holds in the logits dtype, and its order key.
struct Scaled {
  float v;
  uint32_t key;
};

template <typename T>
struct Row {
  const T* p;
  int64_t V;
  bool vec;       // 16-byte loads possible for this row
  bool scale;     // temperature > 0
  float inv_t;    // 1 / temperature in fp32, as LibTorch's CUDA division by a scalar multiplies by it

  static constexpr int kKeyBits = 8 * sizeof(T);

  __device__ __forceinline__ Scaled scaled(T x) const {
    const T t = scale ? from_float<T>(mul_rn(to_float(x), inv_t)) : x;
    return Scaled{to_float(t), sel::order_key(bits_of(t), kKeyBits)};
  }

  // Calls f(j, scaled value) for this thread's elements, in increasing j: 16-byte chunks strided over the
  // block, then the tail one element per thread.
  template <typename F>
  __device__ __forceinline__ void for_each(F&& f) const {
    constexpr int VEC = kVec16<T>;
    int64_t start = 0;
    if (vec) {
      const int64_t chunks = V / VEC;
      for (int64_t c = threadIdx.x; c < chunks; c += kThreads) {
        const Vec<T, VEC> x = load_vec<T, VEC>(p + c * VEC);
#pragma unroll
        for (int i = 0; i < VEC; ++i) f(c * VEC + i, scaled(x.v[i]));
      }
      start = chunks * VEC;
    }
    for (int64_t j = start + threadIdx.x; j < V; j += kThreads) f(j, scaled(p[j]));
  }
};

// ---- pass 1: max (first index), second largest (ties count), sum of exp(v - max) -------------------------
struct Stats {
  float max;
  float second;
  float sum;
  int64_t argmax;
};

__device__ __forceinline__ float rescale(float s, float from, float to) { return s == 0.0f ? 0.0f : s * expf(from - to); }

__device__ __forceinline__ Stats merge(const Stats& a, const Stats& b) {
  Stats r;
  r.max = fmaxf(a.max, b.max);
  r.sum = rescale(a.sum, a.max, r.max) + rescale(b.sum, b.max, r.max);
  r.second = fmaxf(fminf(a.max, b.max), fmaxf(a.second, b.second));
  r.argmax = a.max > b.max ? a.argmax : (b.max > a.max ? b.argmax : min(a.argmax, b.argmax));
  return r;
}

__device__ __forceinline__ Stats shfl_xor(const Stats& s, int o) {
  return Stats{__shfl_xor_sync(0xffffffffu, s.max, o), __shfl_xor_sync(0xffffffffu, s.second, o),
               __shfl_xor_sync(0xffffffffu, s.sum, o),
               static_cast<int64_t>(__shfl_xor_sync(0xffffffffu, static_cast<long long>(s.argmax), o))};
}

// The best (highest q, then lowest index) of two argmax candidates.
struct Best {
  float q;
  int64_t index;
};
__device__ __forceinline__ Best better(const Best& a, const Best& b) {
  return (a.q > b.q || (a.q == b.q && a.index < b.index)) ? a : b;
}

struct Shared {
  // radix select
  uint64_t p_mass[sel::kMaxBins];
  uint64_t k_mass[sel::kMaxBins];
  uint32_t k_count[sel::kMaxBins];
  uint32_t p_prefix, k_prefix;
  uint64_t p_above, k_above_mass, budget, p_kept, k_kept;
  uint32_t k_above_count;
  // reductions and the ordered scan
  Stats warp_stats[kWarps];
  Stats stats;
  Best warp_best[kWarps];
  float warp_sum[kWarps];
  float scan_offset[kWarps + 1];
  float scratch[32];
  int64_t warp_last[kWarps];
  int64_t drawn;
};

// Top-p pick of one level, run by one warp (see sampling_select.h for the lane split).
__device__ void pick_top_p(Shared& s, int bits, bool first_level, bool last_level, float top_p) {
  const int lane = threadIdx.x % 32, nb = 1 << bits, per = sel::bins_per_lane(nb);
  const int begin = min(lane * per, nb), end = min(begin + per, nb);
  uint64_t lane_mass = 0;
  for (int b = begin; b < end; ++b) lane_mass += s.p_mass[b];
  uint64_t incl = lane_mass;  // suffix sum: this lane and every lane above it
  for (int o = 1; o < 32; o <<= 1) {
    const uint64_t t = __shfl_down_sync(0xffffffffu, incl, o);
    if (lane + o < 32) incl += t;
  }
  if (first_level) {
    const uint64_t total = __shfl_sync(0xffffffffu, incl, 0);
    if (lane == 0) s.budget = static_cast<uint64_t>(static_cast<double>(top_p) * static_cast<double>(total));
    __syncwarp();
  }
  const sel::BinPick pick = sel::pick_top_p_bin(s.p_mass, begin, end, s.p_above + (incl - lane_mass), s.budget);
  const unsigned found = __ballot_sync(0xffffffffu, pick.bin >= 0);
  __syncwarp();
  if (found != 0 && lane == __ffs(found) - 1) {
    s.p_prefix = (s.p_prefix << bits) | static_cast<uint32_t>(pick.bin);
    s.p_above = pick.above_mass;
    if (last_level) s.p_kept = pick.above_mass + s.p_mass[pick.bin];
  }
}

// Top-k pick of one level, run by one warp.
__device__ void pick_top_k(Shared& s, int bits, bool last_level, uint32_t k) {
  const int lane = threadIdx.x % 32, nb = 1 << bits, per = sel::bins_per_lane(nb);
  const int begin = min(lane * per, nb), end = min(begin + per, nb);
  uint32_t lane_count = 0;
  uint64_t lane_mass = 0;
  for (int b = begin; b < end; ++b) {
    lane_count += s.k_count[b];
    lane_mass += s.k_mass[b];
  }
  uint32_t count_incl = lane_count;
  uint64_t mass_incl = lane_mass;
  for (int o = 1; o < 32; o <<= 1) {
    const uint32_t c = __shfl_down_sync(0xffffffffu, count_incl, o);
    const uint64_t m = __shfl_down_sync(0xffffffffu, mass_incl, o);
    if (lane + o < 32) {
      count_incl += c;
      mass_incl += m;
    }
  }
  const sel::BinPick pick = sel::pick_top_k_bin(s.k_count, s.k_mass, begin, end, s.k_above_count + (count_incl - lane_count),
                                                s.k_above_mass + (mass_incl - lane_mass), k);
  __syncwarp();
  if (pick.bin >= 0) {  // exactly one lane holds the k-th largest
    s.k_prefix = (s.k_prefix << bits) | static_cast<uint32_t>(pick.bin);
    s.k_above_count = pick.above_count;
    s.k_above_mass = pick.above_mass;
    if (last_level) s.k_kept = pick.above_mass + s.k_mass[pick.bin];
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads) sample_rows_kernel(SamplingArgs a) {
  __shared__ Shared s;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int64_t r = blockIdx.x;
  constexpr int kKeyBits = Row<T>::kKeyBits;
  const T* base = static_cast<const T*>(a.logits);
  constexpr int VEC = kVec16<T>;
  const Row<T> row{base + r * a.row_stride, a.V, aligned16(base) && a.row_stride % VEC == 0,
                   a.temperature > 0.0f, a.temperature > 0.0f ? __fdiv_rn(1.0f, a.temperature) : 1.0f};

  // ---- pass 1 ----
  Stats st{-INFINITY, -INFINITY, 0.0f, kNoIndex};
  row.for_each([&](int64_t j, const Scaled& x) {
    if (x.v > st.max) {
      st.sum = rescale(st.sum, st.max, x.v) + 1.0f;
      st.second = st.max;
      st.max = x.v;
      st.argmax = j;
    } else {
      if (x.v > -INFINITY) st.sum += expf(x.v - st.max);
      st.second = fmaxf(st.second, x.v);
    }
  });
  for (int o = 16; o > 0; o >>= 1) st = merge(st, shfl_xor(st, o));
  if (lane == 0) s.warp_stats[warp] = st;
  __syncthreads();
  if (threadIdx.x == 0) {
    Stats all = s.warp_stats[0];
    for (int w = 1; w < kWarps; ++w) all = merge(all, s.warp_stats[w]);
    s.stats = all;
  }
  __syncthreads();
  const Stats stats = s.stats;
  const float vmax = stats.max;

  // ---- radix select of the top_p and top_k thresholds ----
  const bool use_p = a.top_p < 1.0f;
  const bool use_k = a.top_k > 0 && a.top_k < a.V;
  uint32_t tau_key = 0;  // kept: key >= tau_key
  float total = stats.sum;
  if (use_p || use_k) {
    if (threadIdx.x == 0) {
      s.p_prefix = s.k_prefix = 0;
      s.p_above = s.k_above_mass = s.budget = s.p_kept = s.k_kept = 0;
      s.k_above_count = 0;
    }
    const int levels = sel::level_count(kKeyBits);
    int consumed = 0;
    for (int level = 0; level < levels; ++level) {
      const int bits = sel::level_bits(kKeyBits, level), nb = 1 << bits;
      for (int b = threadIdx.x; b < nb; b += kThreads) {
        s.p_mass[b] = 0;
        s.k_mass[b] = 0;
        s.k_count[b] = 0;
      }
      __syncthreads();
      const uint32_t p_prefix = s.p_prefix, k_prefix = s.k_prefix;
      row.for_each([&](int64_t, const Scaled& x) {
        const bool in_p = use_p && sel::matches_prefix(x.key, p_prefix, consumed, kKeyBits);
        const bool in_k = use_k && sel::matches_prefix(x.key, k_prefix, consumed, kKeyBits);
        if (!in_p && !in_k) return;
        const int bin = sel::bin_of(x.key, consumed, bits, kKeyBits);
        const uint64_t w = sel::mass_of(expf(x.v - vmax));
        if (in_p && w != 0) atomicAdd(reinterpret_cast<unsigned long long*>(&s.p_mass[bin]), static_cast<unsigned long long>(w));
        if (in_k) {
          atomicAdd(&s.k_count[bin], 1u);
          if (w != 0) atomicAdd(reinterpret_cast<unsigned long long*>(&s.k_mass[bin]), static_cast<unsigned long long>(w));
        }
      });
      __syncthreads();
      const bool last = level == levels - 1;
      if (use_p && warp == 0) pick_top_p(s, bits, level == 0, last, a.top_p);
      if (use_k && warp == 1) pick_top_k(s, bits, last, static_cast<uint32_t>(a.top_k));
      __syncthreads();
      consumed += bits;
    }
    const uint32_t key_p = use_p ? s.p_prefix : 0u, key_k = use_k ? s.k_prefix : 0u;
    // top_p keeps an upper set, so top_k applied after it only tightens when its k-th value lies above tau_p.
    const bool k_tighter = use_k && (!use_p || key_k > key_p);
    tau_key = k_tighter ? key_k : key_p;
    total = static_cast<float>(static_cast<double>(k_tighter ? s.k_kept : s.p_kept) / sel::kMassOne);
  }

  // ---- final pass, in index order: q, argmax of q, entropy, the inverse-CDF draw ----
  const bool draw = a.temperature > 0.0f;
  const bool entropy = a.confidence == Confidence::NegEntropy;
  const float target = draw ? a.uniforms[r] * total : 0.0f;
  if (threadIdx.x == 0) {
    s.drawn = -1;
    s.scan_offset[0] = 0.0f;
  }
  __syncthreads();
  Best best{-1.0f, kNoIndex};
  float ent = 0.0f;
  int64_t last_kept = -1;
  constexpr int64_t kTile = static_cast<int64_t>(kThreads) * VEC;
  for (int64_t tile = 0; tile < a.V; tile += kTile) {
    const int64_t j0 = tile + static_cast<int64_t>(threadIdx.x) * VEC;
    float e[VEC];
    const bool full = row.vec && j0 + VEC <= a.V;
    Vec<T, VEC> x;
    if (full) x = load_vec<T, VEC>(row.p + j0);
#pragma unroll
    for (int i = 0; i < VEC; ++i) {
      const int64_t j = j0 + i;
      e[i] = 0.0f;
      if (!full && j >= a.V) continue;
      const Scaled sv = row.scaled(full ? x.v[i] : row.p[j]);
      if (sv.key < tau_key) continue;
      e[i] = expf(sv.v - vmax);
      const float q = round_to<T>(__fdiv_rn(e[i], total));
      best = better(best, Best{q, j});
      if (entropy) ent += round_to<T>(mul_rn(q, round_to<T>(logf(round_to<T>(add_rn(q, 1e-10f))))));
      if (e[i] > 0.0f) last_kept = j;
    }
    if (draw && s.drawn < 0) {  // uniform across the block: s.drawn changes only before the barrier below
      float mine = 0.0f;
#pragma unroll
      for (int i = 0; i < VEC; ++i) mine += e[i];
      // Inclusive scan inside the warp, warp offsets chained sequentially from the running total, so that one
      // thread's upper bound is bit-identical to the next thread's lower bound: exactly one thread holds the
      // crossing.
      float incl = mine;
      for (int o = 1; o < 32; o <<= 1) {
        const float t = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += t;
      }
      const float prev = __shfl_up_sync(0xffffffffu, incl, 1);
      if (lane == 31) s.warp_sum[warp] = incl;
      __syncthreads();
      if (threadIdx.x == 0) {
        for (int w = 0; w < kWarps; ++w) s.scan_offset[w + 1] = s.scan_offset[w] + s.warp_sum[w];
      }
      __syncthreads();
      const float off = s.scan_offset[warp];
      const float lo = lane == 0 ? off : off + prev, hi = off + incl;
      if (mine > 0.0f && lo <= target && target < hi) {
        float c = lo;
        int64_t pick = -1;
#pragma unroll
        for (int i = 0; i < VEC; ++i) {
          if (e[i] > 0.0f && pick < 0) {
            c += e[i];
            if (c > target) pick = j0 + i;
          }
        }
        s.drawn = pick >= 0 ? pick : last_kept;  // rounding inside the thread: its last kept token
      }
      __syncthreads();
      if (threadIdx.x == 0) s.scan_offset[0] = s.scan_offset[kWarps];
      __syncthreads();
    }
  }

  // ---- reductions and outputs ----
  for (int o = 16; o > 0; o >>= 1) {
    const Best other{__shfl_xor_sync(0xffffffffu, best.q, o),
                     static_cast<int64_t>(__shfl_xor_sync(0xffffffffu, static_cast<long long>(best.index), o))};
    best = better(best, other);
  }
  long long lk = last_kept;
  for (int o = 16; o > 0; o >>= 1) lk = max(lk, __shfl_xor_sync(0xffffffffu, lk, o));
  if (lane == 0) {
    s.warp_best[warp] = best;
    s.warp_last[warp] = lk;
  }
  ent = entropy ? block_sum(ent, s.scratch) : 0.0f;  // contains barriers: every thread calls it or none does
  __syncthreads();
  if (threadIdx.x == 0) {
    Best all = s.warp_best[0];
    int64_t last = s.warp_last[0];
    for (int w = 1; w < kWarps; ++w) {
      all = better(all, s.warp_best[w]);
      last = max(last, s.warp_last[w]);
    }
    int64_t token = all.index == kNoIndex ? 0 : all.index;
    float q_token = all.q;
    if (draw) {
      token = s.drawn >= 0 ? s.drawn : (last >= 0 ? last : token);  // u * total past the last weight: last token
      const Scaled sv = row.scaled(row.p[token]);
      q_token = sv.key >= tau_key ? round_to<T>(__fdiv_rn(expf(sv.v - vmax), total)) : 0.0f;
    }
    float conf = q_token;
    if (a.confidence == Confidence::TopMargin) {
      const float q1 = round_to<T>(__fdiv_rn(1.0f, total));
      float q2 = 0.0f;
      if (stats.second > -INFINITY) {
        const uint32_t key2 = sel::order_key(bits_of(from_float<T>(stats.second)), kKeyBits);
        if (key2 >= tau_key) q2 = round_to<T>(__fdiv_rn(expf(stats.second - vmax), total));
      }
      conf = round_to<T>(q1 - q2);
    } else if (entropy) {
      conf = ent;
    }
    a.tokens[r] = token;
    a.confidence_out[r] = conf;
    if (a.threshold)
      a.threshold[r] = (use_p || use_k) ? to_float(value_of_bits<T>(sel::pattern_of_key(tau_key, kKeyBits))) : -INFINITY;
  }
}

template <typename T>
cudaError_t launch(const SamplingArgs& a, cudaStream_t stream) {
  sample_rows_kernel<T><<<static_cast<unsigned>(a.rows), kThreads, 0, stream>>>(a);
  return cudaGetLastError();
}

}  // namespace

cudaError_t sample_rows(const SamplingArgs& a, cudaStream_t stream) {
  if (a.rows < 0 || a.rows > INT32_MAX || a.V < 1 || a.V > UINT32_MAX || a.row_stride < a.V || !a.logits ||
      !a.tokens || !a.confidence_out || (a.temperature > 0.0f && !a.uniforms) || std::isnan(a.top_p))
    return cudaErrorInvalidValue;
  if (a.rows == 0) return cudaSuccess;
  switch (a.dtype) {
    case DType::F32: return launch<float>(a, stream);
    case DType::BF16: return launch<__nv_bfloat16>(a, stream);
    case DType::F16: return launch<__half>(a, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace dream::kernels
