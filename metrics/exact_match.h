#pragma once
// lm-eval's `exact_match` metric (the Hugging Face `evaluate` exact_match it wraps): both strings are
// normalised the same way, then compared. Normalisation order, as upstream: delete every match of each
// regex in regexes_to_ignore (in order), lower-case, delete ASCII punctuation, delete digits.
// Regexes are RE2 syntax; the ones in lm-eval's task files (e.g. gsm8k's ",", "\\$", "(?s).*#### ",
// "\\.$") mean the same in RE2 and Python, except that Python's `$` also matches before a final "\n".
#include <string>
#include <string_view>
#include <vector>

namespace dream::metrics {

struct ExactMatchOptions {
  bool ignore_case = false;                    // compare lower-cased (ASCII letters)
  bool ignore_punctuation = false;             // delete the 32 ASCII punctuation characters (Python string.punctuation)
  bool ignore_numbers = false;                 // delete the digits 0-9
  std::vector<std::string> regexes_to_ignore;  // each match is deleted before the other steps
};

// Throws std::invalid_argument naming the pattern when a regex does not compile.
std::string normalize_for_exact_match(std::string_view text, const ExactMatchOptions& options);
bool exact_match(std::string_view prediction, std::string_view reference, const ExactMatchOptions& options);

}  // namespace dream::metrics
