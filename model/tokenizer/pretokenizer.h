#pragma once
// Qwen2's pre-tokenisation (internal): splits normalised text into the pieces BPE works on, exactly as
// Hugging Face tokenizers (Oniguruma) applies the Split pattern of Qwen2/Qwen2.5/Qwen3/Dream:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with behaviour "Isolated" (every match is a piece; the pattern matches at every position, so there are
// no gaps). RE2 does the matching; two things differ from Oniguruma and are handled here:
//  - RE2's \s is ASCII-only ([\t\n\f\r ]). Oniguruma's \s on Unicode text is U+0009..U+000D, U+0085 and
//    the Zs/Zl/Zp characters (its doc/RE); we spell that class out.
//  - RE2 has no lookahead. `\s+(?!\S)` is tried only where every earlier alternative failed, and there it
//    means: the whole whitespace run if it reaches the end of the text, else the run minus its last
//    character (which then starts the next piece, e.g. " world"), else (a run of one) the `\s+` alternative
//    takes that one character. We match with the lookahead alternative left out and trim the run here.
#include <memory>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace dream::tokenizer {

// The pattern as tokenizer.json spells it; a tokenizer.json whose Split pattern differs is rejected.
inline constexpr std::string_view kQwen2SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

class Qwen2PreTokenizer {
 public:
  Qwen2PreTokenizer();
  ~Qwen2PreTokenizer();
  Qwen2PreTokenizer(const Qwen2PreTokenizer&) = delete;
  Qwen2PreTokenizer& operator=(const Qwen2PreTokenizer&) = delete;

  // Appends the pieces of `text` (valid UTF-8) to `pieces`, in order; they are views into `text` and
  // concatenate back to it.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;

 private:
  std::unique_ptr<re2::RE2> regex_;
};

}  // namespace dream::tokenizer
