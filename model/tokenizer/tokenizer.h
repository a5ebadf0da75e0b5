#pragma once
// Dream's tokenizer: byte-level BPE of Qwen2 (151,643 base tokens) plus added tokens, bit-exact with
// Hugging Face tokenizers on Dream's files (see ../shared/docs/dream-reference.md section 4).
//
//   auto tok = dream::tokenizer::Tokenizer::load("path/to/Dream-v0-Instruct-7B");
//   std::vector<int32_t> ids = tok.encode("<|im_start|>user\nHi<|im_end|>\n");
//   std::string text = tok.decode(ids, /*skip_special=*/true);
//
// Encoding: added tokens (special or not) are cut out first, leftmost-longest, and map to their ids; the
// rest is NFC-normalised, split by Qwen2's pre-tokenisation pattern, and each piece is BPE-merged on its
// bytes. Input that is not valid UTF-8 is read as if each maximal ill-formed subsequence were U+FFFD
// (what a UTF-8 decoder with errors="replace" would have handed a Python tokenizer). No bos/eos is added.
// Decoding: token bytes are joined and decoded as UTF-8, ill-formed sequences becoming U+FFFD; ids the
// vocabulary lacks decode to kUnknownIdText.
//
// A Tokenizer is cheap to copy (shared, immutable state plus an internal cache) and safe to use from
// several threads at once.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dream::tokenizer {

// What decode() writes for an id outside the vocabulary (negative, >= vocab_size(), or a gap in the
// ids): U+FFFD. Dream's logits have 152,064 rows but its tokenizer 151,667 ids, so a sampler can produce
// such ids; Hugging Face drops them silently, we keep a visible mark.
inline constexpr std::string_view kUnknownIdText = "\xEF\xBF\xBD";

// Ids of the tokens with a role, where the tokenizer has them. eos/pad/bos/mask come from
// tokenizer_config.json (eos_token, pad_token, bos_token, mask_token); im_start/im_end are the added
// tokens "<|im_start|>" and "<|im_end|>". Dream: eos = pad = 151643, bos 151665, mask 151666,
// im_start 151644, im_end 151645.
struct SpecialIds {
  std::optional<int32_t> eos, pad, bos, mask, im_start, im_end;
};

class Tokenizer {
 public:
  // Loads a model folder. With tokenizer.json (Hugging Face's single file, as Qwen2/Qwen3 ship it) that
  // file is used; otherwise vocab.json + merges.txt, with the added tokens of tokenizer_config.json
  // (added_tokens_decoder), as Dream ships it. tokenizer_config.json is optional and also gives the special
  // token roles and the chat template. Throws std::runtime_error naming file, field and value when a file
  // is missing or malformed, or asks for a feature this tokenizer does not implement (another
  // pre-tokeniser or normaliser, byte fallback, dropout, lstrip/rstrip/single_word added tokens).
  static Tokenizer load(const std::filesystem::path& model_dir);

  // Token ids of `text` (UTF-8; see above for ill-formed input). Empty text gives no ids.
  std::vector<int32_t> encode(std::string_view text) const;

  // Text of `ids`. skip_special drops the special added tokens (eos, im_start, mask...), keeping
  // non-special added tokens such as <tool_call>, as Hugging Face's skip_special_tokens does.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // A token's id, spelled as in the vocabulary files (byte-level text: "Ġthe" for " the") or as an added
  // token's content ("<|im_end|>"); nullopt when absent.
  std::optional<int32_t> token_to_id(std::string_view token) const;
  // The spelling of an id (as above); nullopt outside the vocabulary.
  std::optional<std::string> id_to_token(int32_t id) const;

  // One past the largest id (Dream: 151,667). The model's embedding may have more rows.
  int32_t vocab_size() const;
  // True for added tokens marked special (Dream: all but <tool_call>, </tool_call> and the <|fim_*|>,
  // <|repo_name|>, <|file_sep|> tokens).
  bool is_special(int32_t id) const;
  const SpecialIds& special_ids() const;

  // The Jinja chat_template of tokenizer_config.json, empty when there is none; see chat_template.h.
  const std::string& chat_template() const;
  // The file the chat template came from (for error messages); empty when there is none.
  const std::filesystem::path& chat_template_source() const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace dream::tokenizer
