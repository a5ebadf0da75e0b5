#pragma once
// Decoding policies (no LibTorch here: the harness parses them): which masked positions a generation reveals at each step, beyond the choice of `alg`.
//
//   dream                    Dream's diffusion_generate exactly (the official code, the goldens): the whole
//                            answer is one canvas, the batch's average masked count sets how many positions
//                            each row reveals, and every one of the `steps` forward passes runs.
//   blocks:L                 semi-autoregressive decoding (LLaDA's and Fast-dLLM's block decoding): the answer
//                            is cut into blocks of L tokens, decoded left to right; the steps are shared out
//                            over the blocks and each block runs Dream's schedule over its own masked positions.
//   threshold:T              confidence-aware parallel decoding (Fast-dLLM, Wu et al. 2025): every step also
//                            reveals each masked position whose confidence reaches T (0 < T <= 1), and at least
//                            one; `steps` becomes a budget, and the generation stops when nothing is masked.
//   blocks:L+threshold:T     both (Fast-dLLM's setting for Dream is blocks:32+threshold:0.9).
//   ...+dual_cache           Fast-dLLM's dual cache, an approximation: a full forward when a row enters a block
//                            keeps every layer's keys and values; until the next block starts, steps run the
//                            network only over the current block's window and reuse the rest.
//
// Unlike `dream`, the other policies count each row's own masked positions, so a row's output does not depend
// on the rows that share its batch (docs/inference-core.md, "Decoding policies").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dream::model {

struct DecodingPolicy {
  int64_t block_length = 0;         // 0: the whole answer is one block
  std::optional<double> threshold;  // reveal every candidate whose confidence is >= threshold
  bool dual_cache = false;          // reuse keys/values outside the current block until the next block starts

  bool is_dream() const { return block_length == 0 && !threshold && !dual_cache; }
  // The canonical spelling, e.g. "dream", "blocks:32", "blocks:32+threshold:0.9+dual_cache": parse(name()) == *this.
  std::string name() const;
  // Reads the forms above (parts in either order, numbers in any spelling std::from_chars reads). Throws
  // std::invalid_argument naming the text and the part that is wrong.
  static DecodingPolicy parse(std::string_view text);

  bool operator==(const DecodingPolicy&) const = default;
};

}  // namespace dream::model
