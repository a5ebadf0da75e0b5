#include "model/tokenizer/byte_level.h"

#include <algorithm>

#include "model/tokenizer/utf8.h"

namespace dream::tokenizer::byte_level {
namespace {

bool stands_for_itself(unsigned b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); }

std::array<char32_t, 256> make_byte_to_char() {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;
  for (unsigned b = 0; b < 256; ++b) table[b] = stands_for_itself(b) ? char32_t(b) : next++;
  return table;
}

// Inverse of the table above for code points 0..0x143 (the largest one used); -1 where unused.
std::array<int, 0x144> make_char_to_byte() {
  std::array<int, 0x144> inverse{};
  inverse.fill(-1);
  const auto& forward = byte_to_char();
  for (unsigned b = 0; b < 256; ++b) inverse[forward[b]] = static_cast<int>(b);
  return inverse;
}

}  // namespace

const std::array<char32_t, 256>& byte_to_char() {
  static const std::array<char32_t, 256> table = make_byte_to_char();
  return table;
}

std::optional<unsigned char> char_to_byte(char32_t c) {
  static const std::array<int, 0x144> inverse = make_char_to_byte();
  if (c >= inverse.size() || inverse[c] < 0) return std::nullopt;
  return static_cast<unsigned char>(inverse[c]);
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) utf8::append(out, byte_to_char()[static_cast<unsigned char>(ch)]);
  return out;
}

std::string decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    const std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < n && i + k < text.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (const auto b = char_to_byte(cp)) {
      out += static_cast<char>(*b);
    } else {
      out.append(text.data() + i, std::min(n, text.size() - i));
    }
    i += n;
  }
  return out;
}

}  // namespace dream::tokenizer::byte_level
