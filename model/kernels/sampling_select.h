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
#include <cstdint>

#if defined(__CUDACC__)
#define DREAM_HD __host__ __device__ __forceinline__
#else
#define DREAM_HD inline
#endif

namespace dream::kernels::select {

constexpr double kMassOne = 1099511627776.0;  // 2^40

// Fixed-point weight of e in [0, 1]; weights below 2^-40 count as 0 (a token that far below the maximum can
// never be kept by top_p < 1, and its probability underflows the model dtype anyway).
DREAM_HD uint64_t mass_of(float e) { return static_cast<uint64_t>(static_cast<double>(e) * kMassOne); }

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

}  // namespace dream::kernels::select
