#pragma once
// The byte-level alphabet of GPT-2 style BPE (internal): every byte 0..255 is shown as one printable
// Unicode character so that vocabulary files can hold arbitrary bytes as text. Bytes that are printable
// Latin-1 ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves; the other 68 bytes, in
// increasing order, become U+0100, U+0101, ... (so ' ' is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
// The mapping is the one of OpenAI's GPT-2 encoder (bytes_to_unicode), used by Qwen2 and Dream.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace dream::tokenizer::byte_level {

// Character that stands for each byte.
const std::array<char32_t, 256>& byte_to_char();

// The byte a character stands for, or nullopt for characters outside the alphabet.
std::optional<unsigned char> char_to_byte(char32_t c);

// Raw bytes -> their byte-level text (UTF-8), as vocabulary files spell tokens.
std::string encode(std::string_view bytes);

// Byte-level text (valid UTF-8) -> raw bytes. Characters outside the alphabet are kept as their own UTF-8
// bytes, as Hugging Face's ByteLevel decoder does.
std::string decode(std::string_view text);

}  // namespace dream::tokenizer::byte_level
