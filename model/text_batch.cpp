#include "text_batch.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace dream::model {
namespace {

// The characters Python's str.isspace() accepts (so str.rstrip() removes), in UTF-8: U+0009..U+000D,
// U+001C..U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
constexpr std::array<std::string_view, 29> kPythonWhitespace = {
    "\t", "\n", "\v", "\f", "\r", "\x1C", "\x1D", "\x1E", "\x1F", " ",
    "\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80",
    "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85",
    "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A",
    "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};

// Length of `text` without its trailing whitespace (Python's len(text.rstrip())).
size_t rstripped_length(std::string_view text) {
  for (;;) {
    const auto it = std::find_if(kPythonWhitespace.begin(), kPythonWhitespace.end(),
                                 [&](std::string_view w) { return text.ends_with(w); });
    if (it == kPythonWhitespace.end()) return text.size();
    text.remove_suffix(it->size());
  }
}

std::vector<int64_t> widen(const std::vector<int32_t>& ids) { return {ids.begin(), ids.end()}; }

}  // namespace

EncodedBatch encode_batch(const tokenizer::Tokenizer& tok, std::span<const std::string> prompts, int64_t pad_id) {
  std::vector<std::vector<int32_t>> rows;
  size_t longest = 0;
  for (const std::string& p : prompts) {
    rows.push_back(tok.encode(p));
    longest = std::max(longest, rows.back().size());
  }
  const int64_t B = static_cast<int64_t>(rows.size()), P = static_cast<int64_t>(longest);
  EncodedBatch out;
  out.input_ids = at::full({B, P}, pad_id, at::kLong);
  out.attention_mask = at::zeros({B, P}, at::kLong);
  auto ids = out.input_ids.accessor<int64_t, 2>();
  auto mask = out.attention_mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t offset = P - static_cast<int64_t>(rows[b].size());
    for (size_t j = 0; j < rows[b].size(); ++j) {
      ids[b][offset + static_cast<int64_t>(j)] = rows[b][j];
      mask[b][offset + static_cast<int64_t>(j)] = 1;
    }
    out.prompt_tokens.push_back(static_cast<int64_t>(rows[b].size()));
  }
  return out;
}

std::vector<int64_t> end_of_text_ids(const tokenizer::Tokenizer& tok, const DreamConfig& config) {
  std::vector<int64_t> ids = {config.eos_token_id};
  const auto& special = tok.special_ids();
  for (const auto& id : {special.eos, special.im_end})
    if (id && std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  return ids;
}

DecodedAnswer decode_answer(const tokenizer::Tokenizer& tok, const at::Tensor& answer, std::span<const int64_t> end_ids) {
  const at::Tensor a = answer.to(at::kCPU).contiguous();
  const int64_t* p = a.data_ptr<int64_t>();
  DecodedAnswer out;
  out.generated_tokens = a.numel();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (std::find(end_ids.begin(), end_ids.end(), p[i]) != end_ids.end()) {
      out.generated_tokens = i + 1;
      break;
    }
    out.ids.push_back(static_cast<int32_t>(p[i]));
  }
  out.text = tok.decode(out.ids);
  return out;
}

EncodedPair encode_pair(const tokenizer::Tokenizer& tok, std::string_view context, std::string_view continuation,
                        int64_t eos_id, int64_t max_length) {
  if (max_length < 1) throw std::invalid_argument("encode_pair: max_length " + std::to_string(max_length) + " must be at least 1");
  const size_t kept = rstripped_length(context);
  const std::string moved_continuation = std::string(context.substr(kept)) + std::string(continuation);
  context = context.substr(0, kept);

  std::vector<int64_t> whole = widen(tok.encode(std::string(context) + moved_continuation));
  whole.push_back(eos_id);
  EncodedPair out;
  out.context = widen(tok.encode(context));
  const int64_t C = static_cast<int64_t>(out.context.size()), W = static_cast<int64_t>(whole.size());
  out.continuation.assign(whole.begin() + std::min(C, W), whole.end());
  const int64_t cut = W - max_length;
  if (cut > 0) {
    if (C - cut > 0) {
      out.context.erase(out.context.begin(), out.context.begin() + cut);
    } else {
      out.context.clear();
      out.continuation.assign(whole.end() - max_length, whole.end());
    }
  }
  return out;
}

int64_t likelihood_eos_id(const tokenizer::Tokenizer& tok, const DreamConfig& config) {
  return tok.special_ids().eos.value_or(static_cast<int32_t>(config.eos_token_id));
}

}  // namespace dream::model
