#pragma once
// MATH answer handling of the Minerva paper (Lewkowycz et al. 2022, appendix D) as used by lm-eval's
// minerva_math tasks (lm_eval/tasks/minerva_math/utils.py; the substitution and removal lists below are
// carried over from there, MIT licence): the gold answer is the last \boxed{...} of the reference
// solution, the predicted one follows "Final Answer: The final answer is"; both are normalised and
// compared.
//
// Difference from lm-eval: lm-eval decides equivalence with sympy (parse_latex + simplify). Here two
// answers are equivalent when their normalised strings are equal, or when both are plain numbers
// (integers, decimals, a/b, \frac{a}{b}, \dfrac, with an optional sign) of equal value. Symbolic
// equivalence beyond that (e.g. "x+1" vs "1+x") counts as wrong, so scores can be slightly lower than
// lm-eval's on the same generations.
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
