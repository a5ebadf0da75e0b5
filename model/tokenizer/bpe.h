#pragma once
// Byte-level BPE by merge rank (internal). Works on raw bytes: a piece starts as one symbol per byte
// (the vocabulary id of that byte's character) and the adjacent pair of lowest merge rank is merged,
// leftmost first among equal ranks, until no pair has a merge; this is Hugging Face's BPE model
// (merge priority queue ordered by rank, then position) without dropout. Results of short pieces are
// cached; the cache is shared by threads (a mutex guards it).
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dream::tokenizer {

// Transparent string hashing so maps keyed by std::string can be searched with a std::string_view. Not
// noexcept on purpose: libstdc++ then stores each node's hash, so lookups do not rehash the strings of a
// bucket's chain (measured: 14% of encode time before).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

class BytePairEncoder {
 public:
  struct Merge {
    int32_t left, right;  // the ids merged
    int32_t result;       // the id of their concatenation
  };
  // byte_ids[b]: id of the token of the single byte b. merges: in rank order (rank = index).
  // ignore_merges: a piece that is itself in `vocab` becomes that one id without merging (tokenizer.json's
  // model.ignore_merges; false for Qwen2/Dream). vocab: raw bytes of every base token -> id.
  BytePairEncoder(std::array<int32_t, 256> byte_ids, const std::vector<Merge>& merges, bool ignore_merges,
                  StringMap<int32_t> vocab);

  // Appends the ids of one pre-tokenised piece (raw bytes, non-empty) to `out`.
  void encode_piece(std::string_view piece, std::vector<int32_t>& out) const;

 private:
  void merge(std::string_view piece, std::vector<int32_t>& out) const;

  struct RankedMerge {
    uint32_t rank;
    int32_t result;
  };
  std::array<int32_t, 256> byte_ids_;
  std::unordered_map<uint64_t, RankedMerge> merges_;  // key: (left << 32) | right
  bool ignore_merges_;
  StringMap<int32_t> vocab_;

  // Pieces longer than this are not cached (rare, and they would crowd the cache out).
  static constexpr std::size_t kMaxCachedPieceBytes = 256;
  // The cache is emptied when it reaches this many pieces; real text has far fewer distinct pieces.
  static constexpr std::size_t kMaxCachedPieces = 1 << 18;
  mutable std::mutex cache_mutex_;
  mutable StringMap<std::vector<int32_t>> cache_;
};

}  // namespace dream::tokenizer
