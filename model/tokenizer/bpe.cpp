#include "model/tokenizer/bpe.h"

#include <queue>

namespace dream::tokenizer {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

BytePairEncoder::BytePairEncoder(std::array<int32_t, 256> byte_ids, const std::vector<Merge>& merges, bool ignore_merges,
                                 StringMap<int32_t> vocab)
    : byte_ids_(byte_ids), ignore_merges_(ignore_merges), vocab_(std::move(vocab)) {
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const Merge& m = merges[rank];
    // A repeated pair keeps its first (best) rank, as when Hugging Face builds its merge map.
    merges_.try_emplace(pair_key(m.left, m.right), RankedMerge{static_cast<uint32_t>(rank), m.result});
  }
}

void BytePairEncoder::encode_piece(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.size() == 1) {
    out.push_back(byte_ids_[static_cast<unsigned char>(piece[0])]);
    return;
  }
  if (ignore_merges_) {
    if (const auto it = vocab_.find(piece); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  if (piece.size() > kMaxCachedPieceBytes) {
    merge(piece, out);
    return;
  }
  {
    const std::lock_guard lock(cache_mutex_);
    if (const auto it = cache_.find(piece); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const std::size_t first = out.size();
  merge(piece, out);
  const std::lock_guard lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedPieces) cache_.clear();
  cache_.try_emplace(std::string(piece), out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

void BytePairEncoder::merge(std::string_view piece, std::vector<int32_t>& out) const {
  // Symbols form a doubly linked list over the piece's bytes; a merge keeps the left symbol and unlinks
  // the right one. Candidates wait in a min-heap by (rank, position); a candidate whose symbols changed
  // since it was pushed is stale and skipped when popped.
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1 at the ends
  };
  struct Candidate {
    uint32_t rank;
    int32_t left;  // position of the left symbol
    int32_t left_id, right_id;
    int32_t result;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  const auto n = static_cast<int32_t>(piece.size());
  std::vector<Symbol> symbols(static_cast<std::size_t>(n));
  for (int32_t i = 0; i < n; ++i) symbols[i] = {byte_ids_[static_cast<unsigned char>(piece[i])], i - 1, i + 1 < n ? i + 1 : -1};

  std::vector<Candidate> storage;
  storage.reserve(static_cast<std::size_t>(n));
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap(std::greater<>{}, std::move(storage));
  const auto push_candidate = [&](int32_t left) {
    if (left < 0 || symbols[left].next < 0) return;
    const int32_t right = symbols[left].next;
    const auto it = merges_.find(pair_key(symbols[left].id, symbols[right].id));
    if (it != merges_.end()) heap.push({it->second.rank, left, symbols[left].id, symbols[right].id, it->second.result});
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_candidate(i);

  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    Symbol& left = symbols[c.left];
    if (left.id != c.left_id || left.next < 0 || symbols[left.next].id != c.right_id) continue;  // stale
    const int32_t right = left.next;
    left.id = c.result;
    left.next = symbols[right].next;
    if (left.next >= 0) symbols[left.next].prev = c.left;
    symbols[right].id = -1;  // unlinked
    push_candidate(left.prev);
    push_candidate(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace dream::tokenizer
