#include "exact_match.h"

#include <re2/re2.h>

#include <stdexcept>

#include "regex_cache.h"

namespace dream::metrics {

namespace {

bool is_ascii_punctuation(char c) {
  // Python's string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

}  // namespace

std::string normalize_for_exact_match(std::string_view text, const ExactMatchOptions& options) {
  std::string s(text);
  for (const auto& pattern : options.regexes_to_ignore) RE2::GlobalReplace(&s, compiled_regex(pattern), "");
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (options.ignore_punctuation && is_ascii_punctuation(c)) continue;
    if (options.ignore_numbers && c >= '0' && c <= '9') continue;
    if (options.ignore_case && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += c;
  }
  return out;
}

bool exact_match(std::string_view prediction, std::string_view reference, const ExactMatchOptions& options) {
  return normalize_for_exact_match(prediction, options) == normalize_for_exact_match(reference, options);
}

}  // namespace dream::metrics
