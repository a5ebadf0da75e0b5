#pragma once
// Countdown in Dream's format: input "n1,...,nk,target", a solution is steps "a<op>b=c" joined by ','.
// A checker that accepts any valid solution (parsed, never evaluated as code), an exhaustive solver, and
// a seeded generator of instances with a reachable target.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sudoku.h"  // PlanningInstance

namespace dream::datasets {

struct CountdownProblem {
  std::vector<int64_t> numbers;  // the source numbers
  int64_t target = 0;
};

// Parses "n1,...,nk,target" (k >= 2, non-negative integers); nullopt when malformed.
std::optional<CountdownProblem> parse_countdown_input(std::string_view input);
std::string format_countdown_input(const CountdownProblem& problem);

struct CountdownCheck {
  bool valid = false;
  std::string reason;  // why not, for the per-sample record ("" when valid)
};

// Valid when every step "a op b=c" (op one of + - * /, non-negative integers or decimals, optional spaces)
// is exactly right in rational arithmetic (so "7/2=3.5" is right, "10/3=3.33" is not, as in upstream's
// float comparison), each operand is taken from the pool of unused source numbers and earlier results (each
// consumed once), every source number is used, and the last result equals the target.
CountdownCheck check_countdown(const CountdownProblem& problem, std::string_view solution);

// A solution that uses every number once with non-negative intermediate results, or nullopt.
std::optional<std::string> solve_countdown(const CountdownProblem& problem);

// `count` distinct instances with `n_numbers` (3..5) source numbers drawn from 1..99 and a target in
// 10..99 reachable by using every number once with +, -, *, exact / and non-negative intermediates (as in
// Dream's cd3/cd4/cd5 files); each output is checked with check_countdown. Deterministic in the arguments.
std::vector<PlanningInstance> generate_countdown(int n_numbers, int count, uint64_t seed);

}  // namespace dream::datasets
