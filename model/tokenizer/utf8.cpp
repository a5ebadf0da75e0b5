#include "model/tokenizer/utf8.h"

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <utf8proc.h>

namespace dream::tokenizer::utf8 {
namespace {

// Length of the well-formed sequence starting at s[i] (1..4), or 0 if it is ill-formed; in that case
// `*maximal_subpart` is the length of its maximal ill-formed prefix (at least 1). Unicode Table 3-7.
std::size_t sequence_length(std::string_view s, std::size_t i, std::size_t* maximal_subpart) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;  // no overlong 4-byte forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    *maximal_subpart = 1;  // 80..C1, F5..FF never start a sequence
    return 0;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    const bool ok = i + k < s.size() &&
                    (k == 1 ? (byte(i + k) >= lo && byte(i + k) <= hi) : (byte(i + k) >= 0x80 && byte(i + k) <= 0xBF));
    if (!ok) {
      *maximal_subpart = k;
      return 0;
    }
  }
  return need + 1;
}

}  // namespace

std::size_t valid_prefix_length(std::string_view bytes) {
  std::size_t i = 0, unused = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sequence_length(bytes, i, &unused);
    if (n == 0) return i;
    i += n;
  }
  return i;
}

std::string replace_invalid(std::string_view bytes) {
  std::size_t i = valid_prefix_length(bytes);
  std::string out(bytes.substr(0, i));
  if (i == bytes.size()) return out;
  out.reserve(bytes.size() + 16);
  while (i < bytes.size()) {
    std::size_t subpart = 0;
    const std::size_t n = sequence_length(bytes, i, &subpart);
    if (n == 0) {
      out += kReplacementChar;
      i += subpart;
    } else {
      out.append(bytes.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string_view nfc(std::string_view s, std::string& out) {
  const auto is_ascii = [&](std::size_t k) { return static_cast<unsigned char>(s[k]) < 0x80; };
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t first_non_ascii = i;
    while (first_non_ascii < s.size() && is_ascii(first_non_ascii)) ++first_non_ascii;
    if (first_non_ascii == s.size()) break;
    // Start at the ASCII character before the run (a combining mark may compose with it); end before the
    // next ASCII character (a safe boundary: nothing composes with or reorders across it).
    const std::size_t begin = first_non_ascii > i ? first_non_ascii - 1 : first_non_ascii;
    std::size_t end = first_non_ascii;
    while (end < s.size() && !is_ascii(end)) ++end;
    out.append(s.data() + i, begin - i);
    utf8proc_uint8_t* normalized = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + begin), static_cast<utf8proc_ssize_t>(end - begin),
                     &normalized, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n < 0) throw std::runtime_error(std::string("NFC normalisation failed: ") + utf8proc_errmsg(n));
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(normalized, &std::free);
    out.append(reinterpret_cast<const char*>(normalized), static_cast<std::size_t>(n));
    i = end;
  }
  if (i == 0) return s;
  out.append(s.data() + i, s.size() - i);
  return out;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace dream::tokenizer::utf8
