#include "minerva_math.h"
#include <re2/re2.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "filters.h"
#include "latex_expression.h"
#include "regex_cache.h"

namespace dream::metrics {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// From lm-eval minerva_math/utils.py (Minerva appendix D).
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kSubstitutions{{
    {"an ", ""}, {"a ", ""}, {".$", "$"}, {"\\$", ""}, {"\\ ", ""},
    {" ", ""}, {"mbox", "text"}, {",\\text{and}", ","}, {"\\text{and}", ","}, {"\\text{m}", "\\text{}"},
}};
constexpr std::array<std::string_view, 42> kRemovedExpressions{
    "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units", "\\ldots", "sue",
    "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm", "pounds", "meters", "meals", "edges",
    "students", "childrentickets", "multiples", "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2",
    "\\text{}^3", "\\text{\n}", "\\text{}", "\\mathrm{th}", "^\\circ", "^{\\circ}", "\\;", ",\\!", "{,}", "\"",
    "\\dots",
};


}  // namespace

std::optional<std::string> last_boxed_only_string(std::string_view text) {
  if (size_t sp = text.find("\\boxed "); sp != std::string_view::npos) {
    // Upstream: the part after the LAST "\boxed " up to the next "$".
    const size_t last = text.rfind("\\boxed ");
    std::string_view rest = text.substr(last + 7);
    return "\\boxed " + std::string(rest.substr(0, rest.find('$')));
  }
  size_t idx = text.rfind("\\boxed");
  if (idx == std::string_view::npos) idx = text.rfind("\\fbox");
  if (idx == std::string_view::npos) return std::nullopt;
  int open = 0;
  for (size_t i = idx; i < text.size(); ++i) {
    if (text[i] == '{') ++open;
    if (text[i] == '}') {
      --open;
      if (open == 0) return std::string(text.substr(idx, i - idx + 1));
    }
  }
  return std::nullopt;
}

std::string remove_boxed(std::string_view s) {
  if (s.rfind("\\boxed ", 0) == 0) return std::string(s.substr(7));
  if (s.rfind("\\boxed{", 0) == 0 && !s.empty() && s.back() == '}') return std::string(s.substr(7, s.size() - 8));
  return std::string(s);
}

std::string minerva_unnormalized_answer(std::string_view generation) {
  std::string text(generation);
  text += "I hope it is correct.";
  std::string answer;
  if (RE2::PartialMatch(text, compiled_regex(R"(Final Answer: The final answer is(.*?). I hope it is correct.)"), &answer))
    return std::string(strip_whitespace(answer));
  return "[invalidanswer]";
}

std::string normalize_final_answer(std::string_view answer) {
  std::string s(answer);
  if (size_t eq = s.rfind('='); eq != std::string::npos) s = s.substr(eq + 1);
  for (const auto& [before, after] : kSubstitutions) replace_all(s, before, after);
  for (auto expr : kRemovedExpressions) replace_all(s, expr, "");
  // Keep what is inside $...$, \text{}, \textbf{}, \overline{}, \boxed{}.
  RE2::GlobalReplace(&s, compiled_regex(R"((.*?)(\$)(.*?)(\$)(.*))"), "$\\3$");
  RE2::GlobalReplace(&s, compiled_regex(R"((\\text\{)(.*?)(\}))"), "\\2");
  RE2::GlobalReplace(&s, compiled_regex(R"((\\textbf\{)(.*?)(\}))"), "\\2");
  RE2::GlobalReplace(&s, compiled_regex(R"((\\overline\{)(.*?)(\}))"), "\\2");
  RE2::GlobalReplace(&s, compiled_regex(R"((\\boxed\{)(.*)(\}))"), "\\2");
  // Shorthand TeX: \fracab -> \frac{a}{b}, \sqrta -> \sqrt{a}.
  RE2::GlobalReplace(&s, compiled_regex(R"((frac)([^{])(.))"), "frac{\\2}{\\3}");
  RE2::GlobalReplace(&s, compiled_regex(R"((sqrt)([^{]))"), "sqrt{\\2}");
  replace_all(s, "$", "");
  // 100,000 -> 100000 when only digits and commas remain.
  std::string no_commas;
  for (char c : s)
    if (c != ',') no_commas += c;
  bool digits = !no_commas.empty();
  for (char c : no_commas) digits &= c >= '0' && c <= '9';
  if (digits) s = no_commas;
  return s;
}

bool minerva_answers_equivalent(std::string_view a, std::string_view b) {
  if (a == b) return !a.empty() && a != "[invalidanswer]";
  return latex_numerically_equivalent(a, b);
}

std::string minerva_gold_answer(std::string_view solution) {
  auto boxed = last_boxed_only_string(solution);
  if (!boxed) return "";
  return normalize_final_answer(remove_boxed(*boxed));
}

}  // namespace dream::metrics
