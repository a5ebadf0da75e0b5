#include "latex_expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

namespace dream::metrics {

namespace {

constexpr int kPoints = 3;
constexpr double kPi = 3.14159265358979323846;

// Variable values: a fixed pseudo-random number in [0.5, 2.5) per (letter, point), away from 0 and 1 so that
// x and x^2, or x and 1/x, differ.
double variable_value(char letter, int point) {
  uint64_t h = (static_cast<uint64_t>(static_cast<unsigned char>(letter)) << 8) ^ static_cast<uint64_t>(point + 1);
  h *= 0x9E3779B97F4A7C15ULL;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 29;
  return 0.5 + 2.0 * static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
}

// Recursive descent over the text; any failure throws Unparsable.
struct Unparsable {};

class Parser {
 public:
  Parser(std::string_view s, int point) : s_(s), point_(point) {}

  double parse_all() {
    const double v = expression();
    skip_space();
    if (pos_ != s_.size()) throw Unparsable{};
    return v;
  }

 private:
  void skip_space() {
    while (true) {
      while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
      // Spacing and sizing commands carry no value.
      bool skipped = false;
      for (std::string_view cmd : {"\\left", "\\right", "\\,", "\\;", "\\!", "\\ ", "\\displaystyle"}) {
        if (s_.substr(pos_, cmd.size()) == cmd) {
          pos_ += cmd.size();
          skipped = true;
          break;
        }
      }
      if (!skipped) return;
    }
  }
  bool at(std::string_view token) {
    skip_space();
    return s_.substr(pos_, token.size()) == token;
  }
  bool take(std::string_view token) {
    if (!at(token)) return false;
    pos_ += token.size();
    return true;
  }
  void expect(std::string_view token) {
    if (!take(token)) throw Unparsable{};
  }
  // A command name must not run on into letters (\pi vs \pix).
  bool take_command(std::string_view name) {
    if (!at(name)) return false;
    const size_t end = pos_ + name.size();
    if (end < s_.size() && std::isalpha(static_cast<unsigned char>(s_[end]))) return false;
    pos_ = end;
    return true;
  }

  // Nesting guard: answers are model text, and "((((..." or "----...1" thousands deep must not exhaust the
  // stack of the thread that scores them.
  struct Depth {
    explicit Depth(int& d) : d_(d) {
      if (++d_ > kMaxDepth) throw Unparsable{};
    }
    ~Depth() { --d_; }
    int& d_;
  };
  static constexpr int kMaxDepth = 200;

  double expression() {
    const Depth guard(depth_);
    double v = term();
    while (true) {
      if (take("+")) v += term();
      else if (take("-")) v -= term();
      else return v;
    }
  }

  double term() {
    double v = unary();
    while (true) {
      if (take("*") || take_command("\\cdot") || take_command("\\times")) v *= unary();
      else if (take("/") || take_command("\\div")) v /= unary();
      else if (starts_factor()) v *= power();  // implicit multiplication: 2x, 2\sqrt{3}, x(x+1)
      else return v;
    }
  }

  double unary() {
    const Depth guard(depth_);
    if (take("-")) return -unary();
    if (take("+")) return unary();
    return power();
  }

  double power() {
    const double base = primary();
    if (take("^")) {
      // ^2, ^x, ^{...}, ^(-1): a single digit or letter binds without braces, as in TeX.
      skip_space();
      double exponent;
      if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) exponent = s_[pos_++] - '0';
      else if (take("-")) exponent = -power_operand();
      else exponent = power_operand();
      return std::pow(base, exponent);
    }
    return base;
  }
  double power_operand() {
    skip_space();
    if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) return s_[pos_++] - '0';
    return primary();
  }

  bool starts_factor() {
    skip_space();
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || std::isalpha(static_cast<unsigned char>(c)) || c == '(' ||
        c == '[' || c == '{')
      return true;
    for (std::string_view cmd : {"\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pi"})
      if (s_.substr(pos_, cmd.size()) == cmd) return true;
    return false;
  }

  double group(char open, char close) {
    expect(std::string_view(&open, 1));
    const double v = expression();
    expect(std::string_view(&close, 1));
    return v;
  }

  double primary() {
    skip_space();
    if (pos_ >= s_.size()) throw Unparsable{};
    const char c = s_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (c == '(') return group('(', ')');
    if (c == '[') return group('[', ']');
    if (c == '{') return group('{', '}');
    if (std::isalpha(static_cast<unsigned char>(c))) {
      // One or two adjacent letters are variables (2xy); a longer run is a word ("yes", "Evelyn"), which sympy
      // would read as a product of symbols, so anagrams would compare equal: words compare as strings.
      size_t begin = pos_, end = pos_;
      while (begin > 0 && std::isalpha(static_cast<unsigned char>(s_[begin - 1]))) --begin;
      while (end < s_.size() && std::isalpha(static_cast<unsigned char>(s_[end]))) ++end;
      if (end - begin > 2) throw Unparsable{};
      ++pos_;
      return variable_value(c, point_);
    }
    if (take_command("\\frac") || take_command("\\dfrac") || take_command("\\tfrac")) {
      const double num = group('{', '}');
      return num / group('{', '}');
    }
    if (take_command("\\sqrt")) {
      double degree = 2;
      if (at("[")) degree = group('[', ']');
      const double radicand = at("{") ? group('{', '}') : power_operand();
      return std::pow(radicand, 1.0 / degree);
    }
    if (take_command("\\pi")) return kPi;
    throw Unparsable{};
  }

  double number() {
    const size_t start = pos_;
    bool dot = false;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || (s_[pos_] == '.' && !dot))) {
      dot = dot || s_[pos_] == '.';
      ++pos_;
    }
    const std::string digits(s_.substr(start, pos_ - start));
    // "." alone, or a second decimal point ("2..3", "1.2.3"), is not a number.
    if (digits == "." || (pos_ < s_.size() && s_[pos_] == '.')) throw Unparsable{};
    return std::strtod(digits.c_str(), nullptr);
  }

  std::string_view s_;
  int point_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::optional<double> evaluate_latex(std::string_view text, int point) {
  if (text.empty()) return std::nullopt;
  try {
    return Parser(text, point).parse_all();
  } catch (const Unparsable&) {
    return std::nullopt;
  }
}

bool latex_numerically_equivalent(std::string_view a, std::string_view b) {
  for (int point = 0; point < kPoints; ++point) {
    const auto x = evaluate_latex(a, point), y = evaluate_latex(b, point);
    if (!x || !y || !std::isfinite(*x) || !std::isfinite(*y)) return false;
    if (std::fabs(*x - *y) > 1e-9 * std::max(1.0, std::max(std::fabs(*x), std::fabs(*y)))) return false;
  }
  return true;
}

}  // namespace dream::metrics
