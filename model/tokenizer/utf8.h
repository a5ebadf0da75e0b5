#pragma once
// UTF-8 helpers of the tokenizer (internal): validation with replacement, NFC normalisation, encoding one
// code point. Text in and out of the tokenizer is UTF-8 bytes in std::string / std::string_view.
#include <cstddef>
#include <string>
#include <string_view>

namespace dream::tokenizer::utf8 {

// U+FFFD REPLACEMENT CHARACTER, in UTF-8.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Length of the longest prefix of `bytes` that is well-formed UTF-8.
std::size_t valid_prefix_length(std::string_view bytes);

// `bytes` with every maximal ill-formed subsequence replaced by one U+FFFD: the "substitution of maximal
// subparts" practice of Unicode (chapter 3, U+FFFD substitution), which Python's errors="replace" and
// Rust's String::from_utf8_lossy (hence Hugging Face tokenizers) follow.
std::string replace_invalid(std::string_view bytes);

// Canonical composition (NFC) of well-formed UTF-8: returns `valid_utf8` itself when it is ASCII (nothing
// to do), else the normalised text, stored in `storage`. ASCII stretches are copied untouched: an ASCII
// character never composes with what precedes it, so only the non-ASCII runs (with the one character
// before each) go through utf8proc.
std::string_view nfc(std::string_view valid_utf8, std::string& storage);

// Appends the UTF-8 encoding of code point `cp` (which must be a Unicode scalar value) to `out`.
void append(std::string& out, char32_t cp);

}  // namespace dream::tokenizer::utf8
