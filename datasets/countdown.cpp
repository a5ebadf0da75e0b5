#include "countdown.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>

#include "random.h"

namespace dream::datasets {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

// Applies op; nullopt when undefined (division by zero or inexact) or overflowing.
std::optional<int64_t> apply(int64_t a, char op, int64_t b) {
  int64_t r = 0;
  switch (op) {
    case '+': if (__builtin_add_overflow(a, b, &r)) return std::nullopt; return r;
    case '-': if (__builtin_sub_overflow(a, b, &r)) return std::nullopt; return r;
    case '*': if (__builtin_mul_overflow(a, b, &r)) return std::nullopt; return r;
    case '/': if (b == 0 || a % b != 0) return std::nullopt; return a / b;
  }
  return std::nullopt;
}

// Exact rationals for checking answers: upstream accepts any step whose decimal result is exactly right
// (e.g. "7/2=3.5"), so the checker must too; reduced, denominator > 0.
struct Rational {
  int64_t num = 0, den = 1;
  static std::optional<Rational> make(__int128 n, __int128 d) {
    if (d == 0) return std::nullopt;
    if (d < 0) n = -n, d = -d;
    __int128 a = n < 0 ? -n : n, b = d;
    while (b != 0) {
      __int128 t = a % b;
      a = b;
      b = t;
    }
    if (a > 1) n /= a, d /= a;
    if (n > INT64_MAX || n < INT64_MIN || d > INT64_MAX) return std::nullopt;
    return Rational{static_cast<int64_t>(n), static_cast<int64_t>(d)};
  }
  bool operator==(const Rational& o) const { return num == o.num && den == o.den; }
  bool operator<(const Rational& o) const { return static_cast<__int128>(num) * o.den < static_cast<__int128>(o.num) * den; }
  std::string str() const {
    return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
  }
};

// "12", "3.5" (non-negative, at most 9 decimals) as an exact rational.
std::optional<Rational> parse_decimal(std::string_view s) {
  s = trim(s);
  const size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || frac.size() > 9 || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
  for (char ch : frac)
    if (ch < '0' || ch > '9') return std::nullopt;
  if (whole.front() == '-' || whole.front() == '+') return std::nullopt;
  auto w = parse_int(whole);
  if (!w) return std::nullopt;
  __int128 den = 1, num = *w;
  for (char ch : frac) {
    num = num * 10 + (ch - '0');
    den *= 10;
  }
  return Rational::make(num, den);
}

std::optional<Rational> apply_exact(const Rational& a, char op, const Rational& b) {
  const __int128 an = a.num, ad = a.den, bn = b.num, bd = b.den;
  switch (op) {
    case '+': return Rational::make(an * bd + bn * ad, ad * bd);
    case '-': return Rational::make(an * bd - bn * ad, ad * bd);
    case '*': return Rational::make(an * bn, ad * bd);
    case '/': return Rational::make(an * bd, ad * bn);
  }
  return std::nullopt;
}

struct Step {
  int64_t a, b, c;
  char op;
};

std::string format_steps(const std::vector<Step>& steps) {
  std::string s;
  for (const auto& st : steps) {
    if (!s.empty()) s += ',';
    s += std::to_string(st.a) + st.op + std::to_string(st.b) + "=" + std::to_string(st.c);
  }
  return s;
}

// Depth-first over pairs of the pool; records, for every value reachable as the last remaining number,
// the first step list found. Results stay non-negative (as in Dream's files: larger minus smaller).
void explore(std::vector<int64_t>& pool, std::vector<Step>& steps, std::map<int64_t, std::vector<Step>>& reached,
             std::optional<int64_t> stop_at) {
  if (pool.size() == 1) {
    reached.emplace(pool[0], steps);
    return;
  }
  for (size_t i = 0; i < pool.size(); ++i) {
    for (size_t j = i + 1; j < pool.size(); ++j) {
      const int64_t x = pool[i], y = pool[j];
      const int64_t hi = std::max(x, y), lo = std::min(x, y);
      const Step candidates[] = {{x, y, 0, '+'}, {x, y, 0, '*'}, {hi, lo, 0, '-'}, {hi, lo, 0, '/'}};
      for (Step st : candidates) {
        auto c = apply(st.a, st.op, st.b);
        if (!c) continue;
        st.c = *c;
        std::vector<int64_t> next;
        for (size_t k = 0; k < pool.size(); ++k)
          if (k != i && k != j) next.push_back(pool[k]);
        next.push_back(st.c);
        steps.push_back(st);
        explore(next, steps, reached, stop_at);
        steps.pop_back();
        if (stop_at && reached.count(*stop_at)) return;
      }
    }
  }
}

}  // namespace

std::optional<CountdownProblem> parse_countdown_input(std::string_view input) {
  auto parts = split(trim(input), ',');
  if (parts.size() < 3) return std::nullopt;
  CountdownProblem p;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto v = parse_int(parts[i]);
    if (!v || *v < 0) return std::nullopt;
    if (i + 1 < parts.size()) p.numbers.push_back(*v);
    else p.target = *v;
  }
  return p;
}

std::string format_countdown_input(const CountdownProblem& p) {
  std::string s;
  for (int64_t n : p.numbers) s += std::to_string(n) + ",";
  return s + std::to_string(p.target);
}

CountdownCheck check_countdown(const CountdownProblem& problem, std::string_view solution) {
  solution = trim(solution);
  if (solution.empty()) return {false, "empty answer"};
  std::multiset<Rational> pool;
  for (int64_t n : problem.numbers) pool.insert(Rational{n, 1});
  Rational last{0, 1};
  for (std::string_view raw : split(solution, ',')) {
    const std::string_view step = trim(raw);
    const size_t eq = step.find('=');
    if (eq == std::string_view::npos) return {false, "step '" + std::string(step) + "' has no '='"};
    const std::string_view lhs = trim(step.substr(0, eq));
    // The operator is the first + - * / after the first character (operands are non-negative).
    size_t op_pos = std::string_view::npos;
    for (size_t i = 1; i < lhs.size(); ++i)
      if (lhs[i] == '+' || lhs[i] == '-' || lhs[i] == '*' || lhs[i] == '/') {
        op_pos = i;
        break;
      }
    if (op_pos == std::string_view::npos) return {false, "step '" + std::string(step) + "' has no operator"};
    auto a = parse_decimal(lhs.substr(0, op_pos));
    auto b = parse_decimal(lhs.substr(op_pos + 1));
    auto c = parse_decimal(step.substr(eq + 1));
    if (!a || !b || !c) return {false, "step '" + std::string(step) + "' is not 'a op b=c' with numbers"};
    auto value = apply_exact(*a, lhs[op_pos], *b);
    if (!value || !(*value == *c)) return {false, "step '" + std::string(step) + "' is wrong"};
    for (const Rational& operand : {*a, *b}) {
      auto it = pool.find(operand);
      if (it == pool.end())
        return {false, "step '" + std::string(step) + "' uses " + operand.str() + ", which is not available"};
      pool.erase(it);
    }
    pool.insert(*c);
    last = *c;
  }
  if (pool.size() != 1) return {false, "not every number was used exactly once"};
  if (!(last == Rational{problem.target, 1}))
    return {false, "last result " + last.str() + " is not the target " + std::to_string(problem.target)};
  return {true, ""};
}

std::optional<std::string> solve_countdown(const CountdownProblem& problem) {
  std::map<int64_t, std::vector<Step>> reached;
  std::vector<int64_t> pool = problem.numbers;
  std::vector<Step> steps;
  explore(pool, steps, reached, problem.target);
  auto it = reached.find(problem.target);
  if (it == reached.end()) return std::nullopt;
  return format_steps(it->second);
}

std::vector<PlanningInstance> generate_countdown(int n_numbers, int count, uint64_t seed) {
  if (n_numbers < 3 || n_numbers > 5)
    throw std::invalid_argument("countdown: numbers per instance must be 3..5, got " + std::to_string(n_numbers));
  if (count < 0) throw std::invalid_argument("countdown: count must be >= 0");
  SplitMix64 rng(seed ^ (static_cast<uint64_t>(n_numbers) << 56));
  std::vector<PlanningInstance> out;
  std::set<std::string> seen;
  for (int attempt = 0; static_cast<int>(out.size()) < count; ++attempt) {
    if (attempt > 1000 * (count + 1)) throw std::runtime_error("countdown generator: too many rejected draws");
    CountdownProblem p;
    for (int i = 0; i < n_numbers; ++i) p.numbers.push_back(rng.between(1, 99));
    std::map<int64_t, std::vector<Step>> reached;
    std::vector<int64_t> pool = p.numbers;
    std::vector<Step> steps;
    explore(pool, steps, reached, std::nullopt);
    std::vector<int64_t> targets;
    for (const auto& [value, _] : reached)
      if (value >= 10 && value <= 99) targets.push_back(value);
    if (targets.empty()) continue;
    p.target = targets[rng.below(targets.size())];
    PlanningInstance inst{format_countdown_input(p), format_steps(reached.at(p.target))};
    if (!check_countdown(p, inst.output).valid) throw std::logic_error("countdown generator produced an invalid solution");
    if (!seen.insert(inst.input).second) continue;
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace dream::datasets
