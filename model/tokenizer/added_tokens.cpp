#include "model/tokenizer/added_tokens.h"

#include <algorithm>

namespace dream::tokenizer {

AddedTokenMatcher::AddedTokenMatcher(std::vector<Token> tokens) : tokens_(std::move(tokens)) {
  std::erase_if(tokens_, [](const Token& t) { return t.content.empty(); });
  std::stable_sort(tokens_.begin(), tokens_.end(), [](const Token& a, const Token& b) { return a.content.size() > b.content.size(); });
  for (const Token& t : tokens_) starts_token_[static_cast<unsigned char>(t.content[0])] = true;
}

bool AddedTokenMatcher::find(std::string_view text, std::size_t from, Found* found) const {
  if (tokens_.empty()) return false;
  for (std::size_t pos = from; pos < text.size(); ++pos) {
    if (!starts_token_[static_cast<unsigned char>(text[pos])]) continue;
    const std::string_view rest = text.substr(pos);
    for (const Token& t : tokens_) {  // longest first: the first hit is the longest
      if (rest.starts_with(t.content)) {
        *found = {pos, t.content.size(), t.id};
        return true;
      }
    }
  }
  return false;
}

}  // namespace dream::tokenizer
