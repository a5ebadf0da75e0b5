#pragma once
// MATH answer handling of the Minerva paper (Lewkowycz et al. 2022, appendix D) as used by lm-eval's
// minerva_math tasks (lm_eval/tasks/minerva_math/utils.py; the substitution and removal lists below are
// carried over from there, MIT licence): the gold answer is the last \boxed{...} of the reference
// solution, the predicted one follows "Final Answer: The final answer is"; both are normalised and
// compared.
//
// Equivalence: lm-eval decides it with sympy (parse_latex, then simplify(a - b) == 0). Here two normalised
// answers are equivalent when their strings are equal, or when both parse as expressions (numbers, letters,
// + - * / ^, \frac, \sqrt, \pi; metrics/latex_expression.h) that agree at several random points: numeric
// identity testing, which decides the same for the rational and radical expressions MATH answers are
// ("x+1" = "1+x", "\frac{\sqrt{3}}{2}" = "\frac{1}{2}\sqrt{3}", "0.5" = "\frac12"). Differences that remain:
// answers sympy cannot parse either (tuples, intervals) still match when their strings are equal, and
// functions beyond \sqrt (\sin, \log) are not parsed, so they match only as equal strings.
#include <optional>
#include <string>
#include <string_view>

namespace dream::metrics {

// The last "\boxed{...}" (balanced braces) or "\boxed ..." or "\fbox{...}" of `text`; nullopt if none.
std::optional<std::string> last_boxed_only_string(std::string_view text);
// "\boxed{x}" -> "x", "\boxed x" -> "x"; anything else is returned unchanged.
std::string remove_boxed(std::string_view boxed);
// The text after "Final Answer: The final answer is" up to ". I hope it is correct." (stripped), or
// "[invalidanswer]".
std::string minerva_unnormalized_answer(std::string_view generation);
// Minerva's normalize_final_answer.
std::string normalize_final_answer(std::string_view answer);
// Equivalence of two normalised answers (see the header comment).
bool minerva_answers_equivalent(std::string_view a, std::string_view b);

// The gold answer of a MATH solution: normalize_final_answer(remove_boxed(last_boxed_only_string(solution))),
// or "" when the solution has no box.
std::string minerva_gold_answer(std::string_view solution);

}  // namespace dream::metrics
