#pragma once
// Cutting added tokens out of text (internal): Hugging Face's AddedVocabulary splits the input on every
// occurrence of an added token's content before normalisation and pre-tokenisation, leftmost first and,
// among tokens starting at the same place, the longest (its Aho-Corasick automaton is LeftmostLongest).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dream::tokenizer {

class AddedTokenMatcher {
 public:
  struct Token {
    std::string content;
    int32_t id;
  };
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(std::vector<Token> tokens);

  bool empty() const { return tokens_.empty(); }

  // Calls on_text(std::string_view) for each stretch of ordinary text (non-empty) and on_token(int32_t id)
  // for each added token found, in order.
  template <class OnText, class OnToken>
  void split(std::string_view text, OnText&& on_text, OnToken&& on_token) const {
    std::size_t done = 0;
    Found f;
    while (find(text, done, &f)) {
      if (f.pos > done) on_text(text.substr(done, f.pos - done));
      on_token(f.id);
      done = f.pos + f.length;
    }
    if (done < text.size()) on_text(text.substr(done));
  }

 private:
  struct Found {
    std::size_t pos, length;
    int32_t id;
  };
  bool find(std::string_view text, std::size_t from, Found* found) const;

  std::vector<Token> tokens_;  // longest first
  bool starts_token_[256] = {};  // first bytes of any token
};

}  // namespace dream::tokenizer
