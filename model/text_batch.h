#pragma once
// Text in and out of diffusion generation: tokenize and left-pad a batch of rendered prompts, and turn the
// generated ids back into text cut at the end of the answer. Shared by `dream-eval generate` and the
// harness's Dream backend.
#include <cstdint>
#include <span>
#include <string>
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

}  // namespace dream::model
