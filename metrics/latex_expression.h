#pragma once
// Numeric identity testing of LaTeX answers: the stand-in for lm-eval's sympy check (parse_latex, then
// simplify(a - b) == 0) in MATH scoring. An answer is parsed into an expression over single-letter variables
// and evaluated at a few fixed random points; two answers are equivalent when they agree at every point
// (to a relative 1e-9). For the rational, polynomial and radical expressions MATH answers are made of, this
// decides exactly what simplify(a - b) == 0 decides, except with vanishing probability (a nonzero
// difference that happens to vanish at every point).
//
// Grammar (after Minerva normalisation): numbers (12, 0.5, .5), single-letter variables, + - * / ^,
// implicit multiplication (2x, 2\sqrt{3}, x(x+1)), ( ) [ ] { } groups, \frac / \dfrac / \tfrac {a}{b},
// \sqrt{a}, \sqrt[n]{a}, \pi, \cdot, \times, \left / \right. Anything else (commas, intervals, \infty,
// text, relations) does not parse, and such answers are compared as strings only; so does nesting deeper than
// 200 levels (answers are model text).
#include <optional>
#include <string_view>

namespace dream::metrics {

// The value at evaluation point `point` (0, 1, 2, ...: variables take fixed pseudo-random values per point),
// or nullopt when `text` does not parse.
std::optional<double> evaluate_latex(std::string_view text, int point = 0);

// True when both parse and agree at every evaluation point (both finite there).
bool latex_numerically_equivalent(std::string_view a, std::string_view b);

}  // namespace dream::metrics
