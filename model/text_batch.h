#pragma once
// Text in and out of the model: tokenize and left-pad a batch of rendered prompts, turn the generated ids
// back into text cut at the end of the answer (shared by `dream-eval generate` and the harness's Dream
// backend), and encode a (context, continuation) pair for log-likelihood scoring.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ATen/ATen.h>

#include "model/config.h"
#include "model/tokenizer/tokenizer.h"

namespace dream::model {

struct EncodedBatch {
  at::Tensor input_ids;       // [B, P] int64, left-padded with the pad id
  at::Tensor attention_mask;  // [B, P] int64, 1 = real token
  std::vector<int64_t> prompt_tokens;  // real tokens per row
};

// Encodes each prompt as given (chat template or bos prefix already applied) and left-pads to the longest.
EncodedBatch encode_batch(const tokenizer::Tokenizer& tok, std::span<const std::string> prompts, int64_t pad_id);

// The ids that end an answer: the config's eos plus the tokenizer's eos and <|im_end|> when it has them.
std::vector<int64_t> end_of_text_ids(const tokenizer::Tokenizer& tok, const DreamConfig& config);

struct DecodedAnswer {
  std::string text;              // decoded answer, cut before the first end-of-text id
  int64_t generated_tokens = 0;  // tokens up to and including the first end-of-text (all when none)
  std::vector<int32_t> ids;      // the answer ids before the end-of-text
};

// answer: [new_tokens] int64 (the generated part of one row).
DecodedAnswer decode_answer(const tokenizer::Tokenizer& tok, const at::Tensor& answer, std::span<const int64_t> end_ids);

// A (context, continuation) pair as the likelihood estimator (likelihood.h) takes it.
struct EncodedPair {
  std::vector<int64_t> context;       // context ids after truncation
  std::vector<int64_t> continuation;  // continuation ids, ending with the end-of-text id
};

// The longest context + continuation the official Dream evaluation scores (its max_length); longer pairs lose
// context tokens on the left.
inline constexpr int64_t kLikelihoodMaxLength = 4096;

// The official Dream evaluation's `_encode_pair` (lm-eval's rule plus an appended end-of-text): whitespace at
// the end of `context` (what Python's str.rstrip removes) moves to the start of `continuation`; whole =
// encode(context + continuation) + [eos_id]; the context ids are encode(context) and the continuation ids
// the rest of whole after as many ids (a BPE merge across the boundary is counted as the official code counts
// it). When whole is longer than max_length, context ids are dropped from the left; when that is not enough,
// the context is empty and the continuation is the last max_length ids of whole. `context` is fully rendered
// (the harness prepends the bos text).
EncodedPair encode_pair(const tokenizer::Tokenizer& tok, std::string_view context, std::string_view continuation,
                        int64_t eos_id, int64_t max_length = kLikelihoodMaxLength);

// The end-of-text id the official likelihood encoding appends: the tokenizer's eos, else the config's.
int64_t likelihood_eos_id(const tokenizer::Tokenizer& tok, const DreamConfig& config);

}  // namespace dream::model
