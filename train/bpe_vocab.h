#pragma once
// A tiny byte-level BPE vocabulary for the project's own models, learned from the training prompts, and its
// files in Dream's layout (vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json,
// added_tokens.json), so the model folder loads through the same tokenizer code as Dream's.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace dream::train {

struct ByteLevelBpe {
  std::vector<std::string> tokens;                          // byte-level spelling by id: 256 bytes, then one per merge
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

// Learns merges on the pre-tokenised pieces (Qwen2's split pattern) of `texts`, which must be ASCII: the
// most frequent adjacent pair (counted over all pieces) is merged everywhere, ties going to the smallest
// pair in byte order, until no pair occurs `min_count` times or `max_merges` merges exist. The 256 byte
// tokens come first, in GPT-2's order (printable bytes, then the others), as Qwen2's vocabulary has them.
ByteLevelBpe learn_byte_level_bpe(const std::vector<std::string>& texts, int max_merges, int64_t min_count);

// The added tokens, given ids right after the BPE tokens in this order; Dream's spellings and roles.
inline const std::vector<std::string>& planning_added_tokens() {
  static const std::vector<std::string> tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|beginoftext|>",
                                                  "<|mask|>"};
  return tokens;
}

struct VocabularyIds {
  int64_t eos = -1;         // <|endoftext|>: end of text and padding (Dream: eos = pad)
  int64_t bos = -1;         // <|beginoftext|>
  int64_t mask = -1;        // <|mask|>: the absorbing state
  int64_t vocab_size = 0;   // one past the largest id
};
VocabularyIds vocabulary_ids(const ByteLevelBpe& bpe);

// Writes the tokenizer files of `bpe` into `dir` (created if needed); returns the ids of the special tokens.
VocabularyIds write_tokenizer_files(const std::filesystem::path& dir, const ByteLevelBpe& bpe);

}  // namespace dream::train
