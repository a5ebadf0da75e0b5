#include "text_batch.h"

#include <algorithm>

namespace dream::model {

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

}  // namespace dream::model
