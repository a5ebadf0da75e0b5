#pragma once
// The per-row bookkeeping of a generation under a decoding policy other than `dream` (decoding_policy.h):
// which block each row is in, which candidates a step reveals. Host-side, testable without a model.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "decoding_policy.h"
#include "sampler.h"

namespace dream::model {

// A confidence of `alg` on the scale a threshold is given in, a probability in [0, 1]: the token's probability
// (maskgit_plus, Fast-dLLM's definition, and origin, which ranks positions at random but still has its token's
// probability), top1 - top2 (topk_margin), exp(-entropy) (entropy: the probability of a uniform choice among as
// many tokens as the distribution effectively spreads over; 1 when it is one-hot).
double confidence_as_probability(Alg alg, double confidence);

// Where each row of a batch stands in a generation under a policy other than `dream` (host-side bookkeeping,
// testable without a model). Every row walks its blocks left to right; block j has its share of the steps,
// steps / blocks plus one for the first steps % blocks blocks, and Dream's time grid linspace(1, eps, share + 1)
// over them. A row moves to its next block as soon as its current one has no mask left (at once for a block
// the caller fixed completely), so with a threshold rows advance at their own pace, or when the block has used
// its share (the last step reveals every candidate, so only a position where the model wrote the mask id itself
// stays masked, as it would under dream); a row never runs more forward passes than `steps`.
class PolicyProgress {
 public:
  // Throws std::invalid_argument naming the values when steps < the number of blocks.
  PolicyProgress(const DecodingPolicy& policy, int64_t rows, int64_t answer_length, int64_t steps, double eps);

  int64_t blocks() const { return static_cast<int64_t>(block_steps_.size()); }
  // Moves each row past its blocks that hold no mask or have used their steps; `answer_masked` is
  // rows x answer_length, row-major.
  // Returns false when no row has a masked position left (the generation is done).
  bool advance(std::span<const bool> answer_masked);
  // [begin, end) answer offsets of the row's current block; empty when the row is done.
  std::pair<int64_t, int64_t> current_block(int64_t row) const;
  // The candidates to reveal now, as indices into the given arrays: candidate m belongs to row row_of[m]
  // (candidates of a row are contiguous, rows ascending), ranks rank[m] (higher first; equal ranks go to the
  // leftmost position) and has confidence probability[m] on the threshold's scale (confidence_as_probability;
  // unread without a threshold). Per row (m candidates, this block's step i with times t > s): the int(m (1 - s/t))
  // best ranked (all m at the block's last step), and with a threshold also every candidate whose probability
  // reaches it, at least one. Then counts the step for every row that had candidates.
  std::vector<int64_t> choose(std::span<const int64_t> row_of, std::span<const float> rank, std::span<const float> probability);

 private:
  DecodingPolicy policy_;
  int64_t answer_length_, block_length_;
  std::vector<int64_t> block_steps_;       // per block: its share of the steps
  std::vector<std::vector<float>> times_;  // per block: linspace(1, eps, share + 1) in fp32, as Dream computes it
  std::vector<int64_t> block_, step_;      // per row: current block (blocks() = done), step within it
};

}  // namespace dream::model
