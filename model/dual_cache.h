#pragma once
// The network forward of a generation under the decoding policy dual_cache (decoding_policy.h): Fast-dLLM's
// dual cache. A full forward, which keeps every layer's keys and values, whenever a row that still has work has
// entered a new block since the last one; otherwise, per row, a forward of its window only: the current block
// and the position before it (whose logit row predicts the block's first token), attending to the cached keys
// and values of every other position. The cached positions do not see tokens revealed since the refresh, which is
// the approximation; the window's own keys and values are always fresh.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "dream_model.h"
#include "policy_progress.h"

namespace dream::model {

struct CachedForward {
  at::Tensor hidden;        // [B, W, H]: positions window_start[b] .. + W - 1 of each row
  at::Tensor window_start;  // [B] int64 on the model's device; undefined when W = N from position 0 (a full forward)
};

class DualCacheForward {
 public:
  // padding: the generation's layout over prompt + answer (undefined members when nothing is padded).
  DualCacheForward(const DreamModel& model, const PaddingLayout& padding, int64_t prompt_length, int64_t answer_length,
                   int64_t block_length);
  CachedForward forward(const at::Tensor& x, const PolicyProgress& progress);
  // Forward passes that ran the whole sequence for at least one row (the cache refreshes).
  int64_t full_forwards() const { return full_forwards_; }

 private:
  const DreamModel& model_;
  PaddingLayout padding_;
  int64_t prompt_length_, answer_length_, width_;
  KvCache cache_;
  std::vector<int64_t> cached_begin_;  // per row: the block its cache entry was made for (-1: none yet)
  int64_t full_forwards_ = 0;
};

}  // namespace dream::model
