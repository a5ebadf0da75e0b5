#pragma once
// The selection arithmetic of the fused sampling kernel (sampling.cu), shared with host code so it can be
// unit-tested on the CPU build (tests/model/sampling_select_test.cpp). No CUDA or LibTorch needed to include it.
//
// Keys: an order-preserving map from float bit patterns to unsigned integers (a < b as floats <=> key(a) <
// key(b) as integers, -0 just below +0), so a k-th largest value or a mass threshold is found by a radix walk
// over the key bits instead of a sort.
//
// Masses: probabilities are accumulated as unnormalised weights e = exp(v - max) in (0, 1], in fixed point
// (kMassOne = 2^40 per unit) so the histograms are integer sums: exact, order-independent, and therefore the
// same on every run whatever order the atomics land in. A row of 152,064 weights sums below 2^58.
#include <algorithm>
#include <cstdint>
#include <vector>

#if defined(__CUDACC__)
#define DREAM_HD __host__ __device__ __forceinline__
#else
#define DREAM_HD inline
#endif

namespace dream::kernels::select {

constexpr double kMassOne = 1099511627776.0;  // 2^40

// Fixed-point weight of e in [0, 1]; weights below 2^-40 count as 0 (a token that far below the maximum can
// never be kept by top_p < 1, and its probability underflows the model dtype anyway).
// (Scaling by a power of two is exact in float, so no double arithmetic is needed on the device.)
DREAM_HD uint64_t mass_of(float e) { return static_cast<uint64_t>(e * static_cast<float>(kMassOne)); }

// Order-preserving key of an IEEE float bit pattern of `bits` width (16 for bf16/fp16, 32 for fp32): negative
// values get all bits flipped, positive values get the sign bit set.
DREAM_HD uint32_t order_key(uint32_t pattern, int bits) {
  const uint32_t sign = 1u << (bits - 1);
  const uint32_t all = bits == 32 ? 0xffffffffu : ((1u << bits) - 1u);
  return (pattern & sign) ? (~pattern & all) : (pattern | sign);
}
// Inverse of order_key.
DREAM_HD uint32_t pattern_of_key(uint32_t key, int bits) {
  const uint32_t sign = 1u << (bits - 1);
  const uint32_t all = bits == 32 ? 0xffffffffu : ((1u << bits) - 1u);
  return (key & sign) ? (key & ~sign) : (~key & all);
}

// Radix levels: the first level resolves the top 11 bits (2048 bins), which spreads logits that share an
// exponent octave over 16 bins instead of 1 and so cuts histogram contention where it is worst; the rest follow.
constexpr int kMaxBins = 2048;
DREAM_HD int level_count(int key_bits) { return key_bits == 16 ? 2 : 3; }
DREAM_HD int level_bits(int key_bits, int level) {
  if (level == 0) return 11;
  return key_bits == 16 ? 5 : (level == 1 ? 11 : 10);
}

// The bin of `key` at a level that starts after `consumed` bits and resolves `bits` more, and whether the key
// matches `prefix` (the bins chosen at the earlier levels).
DREAM_HD bool matches_prefix(uint32_t key, uint32_t prefix, int consumed, int key_bits) {
  return consumed == 0 || (key >> (key_bits - consumed)) == prefix;
}
DREAM_HD int bin_of(uint32_t key, int consumed, int bits, int key_bits) {
  return static_cast<int>((key >> (key_bits - consumed - bits)) & ((1u << bits) - 1u));
}

// Result of scanning a range of bins from the top down: the chosen bin (-1 when the range has none) and the
// count and mass of everything above it.
struct BinPick {
  int bin;
  uint32_t above_count;
  uint64_t above_mass;
};

// top_p: token j is kept iff the mass of tokens with a value STRICTLY greater than v_j is <= budget
// (budget = top_p * total mass). That mass grows as the value falls, so the kept tokens are those with
// v >= tau, tau the lowest value still inside the budget; this finds the bin holding tau: the lowest bin with
// mass whose mass-above is <= budget. Bins [begin, end) are scanned from end-1 down; `above_mass` is the mass
// above bin end-1.
DREAM_HD BinPick pick_top_p_bin(const uint64_t* mass, int begin, int end, uint64_t above_mass, uint64_t budget) {
  BinPick pick{-1, 0, 0};
  for (int b = end - 1; b >= begin && above_mass <= budget; --b) {
    if (mass[b] > 0) pick = BinPick{b, 0, above_mass};
    above_mass += mass[b];
  }
  return pick;
}

// top_k: the bin holding the k-th largest value (above_count < k <= above_count + count[bin]); `mass` (may be
// null) accumulates the mass above it as well, for the kept mass of the final level.
DREAM_HD BinPick pick_top_k_bin(const uint32_t* count, const uint64_t* mass, int begin, int end, uint32_t above_count,
                                uint64_t above_mass, uint32_t k) {
  for (int b = end - 1; b >= begin; --b) {
    if (above_count < k && k <= above_count + count[b]) return BinPick{b, above_count, above_mass};
    above_count += count[b];
    if (mass) above_mass += mass[b];
  }
  return BinPick{-1, above_count, above_mass};
}

// The kernel splits each level's bins over the 32 lanes of one warp: lane i scans bins
// [i * per_lane, (i + 1) * per_lane) after a suffix sum across lanes gives the count/mass above its range, and
// the answer is the lowest lane that found a bin. Shared here so the host reference walks the same split.
constexpr int kLanes = 32;
DREAM_HD int bins_per_lane(int bins) { return (bins + kLanes - 1) / kLanes; }

// Host mirror of the kernel's walk for one row, for tests: keys [V] (order_key of the scaled values), weights
// [V] (mass_of(exp(v - max))), top_p applied when < 1, top_k when in [1, V). Walks the same levels, lane split
// and picks as sample_rows_kernel. Returns the threshold key (kept: key >= it; 0 = nothing filtered) and the
// kept weight.
struct Threshold {
  uint32_t key;
  uint64_t kept_mass;
};
inline Threshold select_threshold_host(const uint32_t* keys, const uint64_t* weights, int64_t V, int key_bits, float top_p, int64_t top_k) {
  const bool use_p = top_p < 1.0f, use_k = top_k > 0 && top_k < V;
  uint64_t all = 0;
  for (int64_t j = 0; j < V; ++j) all += weights[j];
  if (!use_p && !use_k) return Threshold{0, all};
  std::vector<uint64_t> p_mass(kMaxBins), k_mass(kMaxBins);
  std::vector<uint32_t> k_count(kMaxBins);
  uint32_t p_prefix = 0, k_prefix = 0, k_above_count = 0;
  uint64_t p_above = 0, k_above_mass = 0, budget = 0, p_kept = 0, k_kept = 0;
  int consumed = 0;
  for (int level = 0; level < level_count(key_bits); ++level) {
    const int bits = level_bits(key_bits, level), nb = 1 << bits, per = bins_per_lane(nb);
    std::fill(p_mass.begin(), p_mass.end(), 0);
    std::fill(k_mass.begin(), k_mass.end(), 0);
    std::fill(k_count.begin(), k_count.end(), 0);
    for (int64_t j = 0; j < V; ++j) {
      const bool in_p = use_p && matches_prefix(keys[j], p_prefix, consumed, key_bits);
      const bool in_k = use_k && matches_prefix(keys[j], k_prefix, consumed, key_bits);
      const int bin = bin_of(keys[j], consumed, bits, key_bits);
      if (in_p) p_mass[bin] += weights[j];
      if (in_k) {
        k_count[bin] += 1;
        k_mass[bin] += weights[j];
      }
    }
    const bool last = level == level_count(key_bits) - 1;
    // Lane sums, then each lane's scan from the top of its range with everything above it carried in.
    uint64_t p_lane[kLanes], km_lane[kLanes];
    uint32_t kc_lane[kLanes];
    for (int lane = 0; lane < kLanes; ++lane) {
      const int begin = lane * per < nb ? lane * per : nb, end = begin + per < nb ? begin + per : nb;
      p_lane[lane] = km_lane[lane] = 0;
      kc_lane[lane] = 0;
      for (int b = begin; b < end; ++b) {
        p_lane[lane] += p_mass[b];
        km_lane[lane] += k_mass[b];
        kc_lane[lane] += k_count[b];
      }
    }
    if (use_p) {
      if (level == 0) {
        uint64_t total = 0;
        for (int lane = 0; lane < kLanes; ++lane) total += p_lane[lane];
        budget = static_cast<uint64_t>(static_cast<double>(top_p) * static_cast<double>(total));
      }
      uint64_t above = 0;  // lanes above this one
      BinPick found{-1, 0, 0};
      for (int lane = kLanes - 1; lane >= 0; --lane) {
        const int begin = lane * per < nb ? lane * per : nb, end = begin + per < nb ? begin + per : nb;
        const BinPick pick = pick_top_p_bin(p_mass.data(), begin, end, p_above + above, budget);
        if (pick.bin >= 0) found = pick;  // the lowest lane that finds a bin wins
        above += p_lane[lane];
      }
      p_prefix = (p_prefix << bits) | static_cast<uint32_t>(found.bin);
      p_above = found.above_mass;
      if (last) p_kept = found.above_mass + p_mass[found.bin];
    }
    if (use_k) {
      uint32_t above_count = 0;
      uint64_t above_mass = 0;
      for (int lane = kLanes - 1; lane >= 0; --lane) {
        const int begin = lane * per < nb ? lane * per : nb, end = begin + per < nb ? begin + per : nb;
        const BinPick pick = pick_top_k_bin(k_count.data(), k_mass.data(), begin, end, k_above_count + above_count,
                                            k_above_mass + above_mass, static_cast<uint32_t>(top_k));
        if (pick.bin >= 0) {
          k_prefix = (k_prefix << bits) | static_cast<uint32_t>(pick.bin);
          k_above_count = pick.above_count;
          k_above_mass = pick.above_mass;
          if (last) k_kept = pick.above_mass + k_mass[pick.bin];
          break;
        }
        above_count += kc_lane[lane];
        above_mass += km_lane[lane];
      }
    }
    consumed += bits;
  }
  const bool k_tighter = use_k && (!use_p || k_prefix > p_prefix);
  return k_tighter ? Threshold{k_prefix, k_kept} : Threshold{p_prefix, p_kept};
}

}  // namespace dream::kernels::select
