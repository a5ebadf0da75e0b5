#include "model/tokenizer/pretokenizer.h"

#include <stdexcept>
#include <string>

#include <re2/re2.h>

namespace dream::tokenizer {
namespace {

// Oniguruma's Unicode \s (see the header), as the body of an RE2 character class.
constexpr std::string_view kSpaceClass = R"(\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

std::string re2_pattern() {
  const std::string s(kSpaceClass);
  // Alternatives in the order of kQwen2SplitPattern, without `\s+(?!\S)` (handled in split()).
  return R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^)" + s + R"(\p{L}\p{N}]+[\r\n]*|[)" + s +
         R"(]*[\r\n]+|[)" + s + "]+";
}

// Decodes the code point at text[i] (valid UTF-8) and its length in bytes.
char32_t code_point_at(std::string_view text, std::size_t i, std::size_t* length) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = b(0);
  if (b0 < 0x80) return *length = 1, b0;
  if (b0 < 0xE0) return *length = 2, ((b0 & 0x1Fu) << 6) | (b(1) & 0x3Fu);
  if (b0 < 0xF0) return *length = 3, ((b0 & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  return *length = 4, ((b0 & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Byte offset of the last character of `piece` (valid UTF-8, non-empty).
std::size_t last_char_offset(std::string_view piece) {
  std::size_t i = piece.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(piece[i]) & 0xC0) == 0x80) --i;
  return i;
}

// True when `piece` is whitespace only and was matched by the final `\s+` alternative: the only other
// all-whitespace alternative, `\s*[\r\n]+`, ends with '\r' or '\n', and it is tried first, so a run
// that contains a line break never reaches `\s+`.
bool is_trailing_space_run(std::string_view piece) {
  const char last = piece.back();
  if (last == '\r' || last == '\n') return false;
  for (std::size_t i = 0, n = 0; i < piece.size(); i += n) {
    if (!is_space(code_point_at(piece, i, &n))) return false;
  }
  return true;
}

}  // namespace

Qwen2PreTokenizer::Qwen2PreTokenizer() {
  RE2::Options options;
  options.set_log_errors(false);
  regex_ = std::make_unique<RE2>(re2_pattern(), options);
  if (!regex_->ok()) throw std::logic_error("Qwen2 split pattern does not compile in RE2: " + regex_->error());
}

Qwen2PreTokenizer::~Qwen2PreTokenizer() = default;

void Qwen2PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  const re2::StringPiece input(text.data(), text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    re2::StringPiece match;
    if (!regex_->Match(input, pos, text.size(), RE2::ANCHOR_START, &match, 1) || match.size() == 0) {
      // Unreachable for valid UTF-8 (every character is a letter, a digit, whitespace or something else),
      // kept so that a surprise can never loop forever.
      throw std::logic_error("Qwen2 split pattern matched nothing at byte " + std::to_string(pos));
    }
    std::string_view piece(match.data(), match.size());
    // `\s+(?!\S)`: a run that stops before a non-space gives up its last character (unless that is all of it).
    if (pos + piece.size() < text.size() && is_trailing_space_run(piece)) {
      const std::size_t last = last_char_offset(piece);
      if (last > 0) piece = piece.substr(0, last);
    }
    pieces.push_back(piece);
    pos += piece.size();
  }
}

}  // namespace dream::tokenizer
