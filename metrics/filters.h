#pragma once
// Answer-extraction filters in the manner of lm-eval's filter pipelines: a named list of steps applied to
// the responses of one document (one response per request here; lm-eval allows repeats), e.g. gsm8k's
// "strict-match" = regex "The answer is (\-?[0-9\.\,]+)." then take_first.
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dream::metrics {

// Python's str.strip() for ASCII whitespace (space, \t, \n, \r, \f, \v): the strip of lm-eval's filters and of
// the data cleaning that follows upstream Python code.
std::string_view strip_whitespace(std::string_view text);

// lm-eval's RegexFilter: all non-overlapping matches (Python re.findall); the one at `group_select`
// (negative counts from the end); with several capture groups, the first non-empty group; then strip().
// No match (or an index out of range) gives `fallback`.
struct RegexStep {
  std::string pattern;
  int group_select = 0;
  std::string fallback = "[invalid]";
};
struct TakeFirstStep {};         // keep only the first response
struct LowercaseStep {};         // ASCII lower-case
struct UppercaseStep {};         // ASCII upper-case
struct StripStep {};             // remove leading and trailing whitespace
struct RemoveWhitespaceStep {};  // lm-eval remove_whitespace: remove leading whitespace
struct CutAtStep {               // keep the text before the first occurrence of any of `markers`
  std::vector<std::string> markers;
};
struct FirstLineStep {};         // keep the text before the first '\n'
struct DeleteCharsStep {         // delete every occurrence of these characters
  std::string chars;
};
struct MinervaAnswerStep {};     // normalize_final_answer(minerva_unnormalized_answer(text)), see minerva_math.h

using FilterStep = std::variant<RegexStep, TakeFirstStep, LowercaseStep, UppercaseStep, StripStep, RemoveWhitespaceStep,
                                CutAtStep, FirstLineStep, DeleteCharsStep, MinervaAnswerStep>;

struct FilterPipeline {
  std::string name;  // lm-eval's filter name, e.g. "strict-match"; "none" for no filtering
  std::vector<FilterStep> steps;

  // Applies every step in order. Throws std::invalid_argument naming the pattern for a bad regex.
  std::vector<std::string> apply(std::vector<std::string> responses) const;
  // Convenience for one response: the first result, or "" when a step removed everything.
  std::string apply_one(std::string_view response) const;
};

// Python re.findall: for each non-overlapping match, the whole match (no groups), the group (one group),
// or all groups (several). Exposed for tests.
std::vector<std::vector<std::string>> regex_findall(const std::string& pattern, std::string_view text);

}  // namespace dream::metrics
