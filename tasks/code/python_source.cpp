#include "tasks/code/python_source.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <deque>
#include <map>

namespace dream::tasks::code {
namespace {

struct Token {
  enum class Kind { name, number, string, op };
  Kind kind;
  std::string_view text;
  std::size_t begin, end;
};

struct LogicalLine {
  std::size_t line_begin = 0;  // offset of the physical line where it starts (column 0)
  std::size_t end = 0;         // end of its last token
  bool at_column_zero = false;
  std::vector<Token> tokens;
  std::set<std::string> fstring_identifiers;  // identifiers inside f-string replacement fields
};

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",   "True",    "and",      "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",      "elif", "else",   "except", "finally",  "for",
    "from",  "global", "if",      "import",   "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",   "raise",   "return",   "try",  "while",  "with",   "yield"};

bool is_keyword(std::string_view s) { return std::find(kKeywords.begin(), kKeywords.end(), s) != kKeywords.end(); }

bool identifier_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool identifier_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

bool is_string_prefix(std::string_view s) {
  if (s.size() > 2) return false;
  for (char c : s)
    if (!std::strchr("rRbBuUfF", c)) return false;
  return true;
}

constexpr std::array<std::string_view, 25> kLongOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "+=", "-=",
    "*=",  "/=",  "%=",  "&=",  "|=",  "^=", "@=", "**", "//", "<<", ">>", "<>"};

// Lines that can only start a new top-level statement; seeing one at column 0 means brackets left open
// before it were prose, not code.
bool starts_definition_line(std::string_view rest) {
  for (std::string_view head : {"def ", "class ", "async def ", "import ", "from ", "@"})
    if (rest.substr(0, head.size()) == head) return true;
  return false;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<LogicalLine> lines() {
    std::vector<LogicalLine> out;
    LogicalLine current;
    std::size_t physical_line_begin = 0;
    int depth = 0;
    auto finish_line = [&] {
      if (!current.tokens.empty()) out.push_back(std::move(current));
      current = LogicalLine{};
    };
    std::size_t i = 0;
    while (i < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i]);
      if (c == '\n') {
        ++i;
        physical_line_begin = i;
        if (depth > 0 && starts_definition_line(s_.substr(i))) depth = 0;
        if (depth == 0) finish_line();
        continue;
      }
      if (c == '\\' && i + 1 < s_.size() && (s_[i + 1] == '\n' || s_[i + 1] == '\r')) {  // explicit continuation
        i += s_[i + 1] == '\r' && i + 2 < s_.size() && s_[i + 2] == '\n' ? 3 : 2;
        continue;
      }
      if (c == '#') {
        while (i < s_.size() && s_[i] != '\n') ++i;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++i;
        continue;
      }
      if (current.tokens.empty()) {
        current.line_begin = physical_line_begin;
        current.at_column_zero = i == physical_line_begin;
      }
      Token t{};
      t.begin = i;
      if (identifier_start(c)) {
        std::size_t j = i;
        while (j < s_.size() && identifier_char(static_cast<unsigned char>(s_[j]))) ++j;
        if (j < s_.size() && (s_[j] == '\'' || s_[j] == '"') && is_string_prefix(s_.substr(i, j - i))) {
          const bool formatted = s_.substr(i, j - i).find_first_of("fF") != std::string_view::npos;
          i = read_string(j, formatted ? &current.fstring_identifiers : nullptr);
          t.kind = Token::Kind::string;
        } else {
          i = j;
          t.kind = Token::Kind::name;
        }
      } else if (std::isdigit(c) || (c == '.' && i + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i + 1])))) {
        std::size_t j = i + 1;
        while (j < s_.size()) {
          const unsigned char d = static_cast<unsigned char>(s_[j]);
          const bool exponent_sign = (d == '+' || d == '-') && (s_[j - 1] == 'e' || s_[j - 1] == 'E') &&
                                     !(s_[i] == '0' && i + 1 < s_.size() && (s_[i + 1] == 'x' || s_[i + 1] == 'X'));
          if (!(std::isalnum(d) || d == '_' || d == '.' || exponent_sign)) break;
          ++j;
        }
        i = j;
        t.kind = Token::Kind::number;
      } else if (c == '\'' || c == '"') {
        i = read_string(i, nullptr);
        t.kind = Token::Kind::string;
      } else {
        std::size_t length = 1;
        for (std::string_view op : kLongOperators)
          if (s_.substr(i, op.size()) == op) {
            length = op.size();
            break;
          }
        if (length == 1 && std::strchr("([{", c)) ++depth;
        if (length == 1 && std::strchr(")]}", c)) depth = std::max(0, depth - 1);
        i += length;
        t.kind = Token::Kind::op;
      }
      t.end = i;
      t.text = s_.substr(t.begin, t.end - t.begin);
      current.tokens.push_back(t);
      current.end = t.end;
    }
    finish_line();
    return out;
  }

 private:
  // Reads a string literal whose opening quote is at `i`; returns the offset after it. For f-strings,
  // adds the identifiers of the replacement fields to `fields`.
  std::size_t read_string(std::size_t i, std::set<std::string>* fields) {
    const char quote = s_[i];
    const bool triple = s_.substr(i, 3) == std::string(3, quote);
    std::size_t j = i + (triple ? 3 : 1);
    const std::size_t content_begin = j;
    std::size_t content_end = s_.size();
    while (j < s_.size()) {
      const char c = s_[j];
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (!triple && c == '\n') {  // unterminated: prose such as "Here's the code"
        content_end = j;
        break;
      }
      if (c == quote && (!triple || s_.substr(j, 3) == std::string(3, quote))) {
        content_end = j;
        j += triple ? 3 : 1;
        break;
      }
      ++j;
    }
    j = std::min(j, s_.size());
    if (fields) add_fstring_fields(s_.substr(content_begin, std::min(content_end, s_.size()) - content_begin), *fields);
    return j;
  }

  static void add_fstring_fields(std::string_view content, std::set<std::string>& fields) {
    for (std::size_t k = 0; k < content.size(); ++k) {
      if (content[k] != '{') continue;
      if (k + 1 < content.size() && content[k + 1] == '{') {
        ++k;  // "{{" is a literal brace
        continue;
      }
      int depth = 1;
      std::size_t e = k + 1;
      for (; e < content.size() && depth > 0; ++e) {
        if (content[e] == '{') ++depth;
        if (content[e] == '}') --depth;
      }
      for (const auto& name : identifiers_in(content.substr(k + 1, e - k - 1))) fields.insert(name);
      k = e;
    }
  }

  std::string_view s_;
};

bool is_op(const Token& t, std::string_view op) { return t.kind == Token::Kind::op && t.text == op; }
bool is_name(const Token& t, std::string_view name) { return t.kind == Token::Kind::name && t.text == name; }

// Targets of a simple assignment (`x = ...`, `x: T = ...`, `a, b = ...`, `(a, b) = ...`), or empty if the
// line is not one (comparisons, attribute or subscript targets, augmented assignments, expressions).
std::vector<std::string> assignment_targets(const std::vector<Token>& tokens) {
  std::size_t equals = tokens.size();
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::op && t.text.size() == 1 && std::strchr("([{", t.text[0])) ++depth;
    if (t.kind == Token::Kind::op && t.text.size() == 1 && std::strchr(")]}", t.text[0])) --depth;
    if (depth == 0 && is_op(t, "=")) {
      equals = i;
      break;
    }
  }
  if (equals == tokens.size() || equals == 0) return {};
  std::vector<std::string> names;
  // Annotated: NAME ':' annotation '='.
  if (equals >= 2 && tokens[0].kind == Token::Kind::name && is_op(tokens[1], ":")) {
    if (!is_keyword(tokens[0].text)) names.emplace_back(tokens[0].text);
    return names;
  }
  for (std::size_t i = 0; i < equals; ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::name && !is_keyword(t.text)) {
      names.emplace_back(t.text);
    } else if (!(is_op(t, ",") || is_op(t, "(") || is_op(t, ")") || is_op(t, "[") || is_op(t, "]") || is_op(t, "*"))) {
      return {};  // x.y = ..., x[i] = ..., f(x) == ... and the like
    }
  }
  return names;
}

}  // namespace

std::set<std::string> identifiers_in(std::string_view source) {
  std::set<std::string> names;
  for (const auto& line : Lexer(source).lines()) {
    for (const auto& t : line.tokens)
      if (t.kind == Token::Kind::name && !is_keyword(t.text)) names.emplace(t.text);
    names.insert(line.fstring_identifiers.begin(), line.fstring_identifiers.end());
  }
  return names;
}

std::vector<TopLevelStatement> top_level_statements(std::string_view source) {
  const std::vector<LogicalLine> lines = Lexer(source).lines();

  // Group logical lines: a line at column 0 starts a statement unless it continues a compound one
  // (else/elif/except/finally) or follows a decorator; indented lines belong to the statement above.
  std::vector<std::vector<const LogicalLine*>> groups;
  bool after_decorator = false;
  for (const LogicalLine& line : lines) {
    const Token& first = line.tokens.front();
    const bool continuation = is_name(first, "else") || is_name(first, "elif") || is_name(first, "except") ||
                              is_name(first, "finally");
    if (groups.empty() || (line.at_column_zero && !continuation && !after_decorator)) groups.emplace_back();
    groups.back().push_back(&line);
    if (line.at_column_zero) after_decorator = is_op(first, "@");
  }

  std::vector<TopLevelStatement> statements;
  for (const auto& group : groups) {
    TopLevelStatement st;
    st.begin = group.front()->line_begin;
    st.end = group.back()->end;
    for (const LogicalLine* line : group) {
      for (const auto& t : line->tokens) {
        if (t.kind != Token::Kind::name) continue;
        if (is_name(t, "return") || is_name(t, "yield")) st.returns = true;
        if (!is_keyword(t.text)) st.identifiers.emplace(t.text);
      }
      st.identifiers.insert(line->fstring_identifiers.begin(), line->fstring_identifiers.end());
    }
    // The head: the first line at column 0 that is not a decorator.
    const auto head = std::find_if(group.begin(), group.end(), [](const LogicalLine* l) {
      return l->at_column_zero && !is_op(l->tokens.front(), "@");
    });
    if (head != group.end()) {
      const auto& tokens = (*head)->tokens;
      const std::size_t k = is_name(tokens[0], "async") && tokens.size() > 1 ? 1 : 0;
      if (is_name(tokens[k], "import") || is_name(tokens[k], "from")) {
        st.kind = TopLevelStatement::Kind::import;
      } else if ((is_name(tokens[k], "def") || is_name(tokens[k], "class")) && k + 1 < tokens.size() &&
                 tokens[k + 1].kind == Token::Kind::name) {
        st.kind = is_name(tokens[k], "def") ? TopLevelStatement::Kind::function : TopLevelStatement::Kind::class_definition;
        st.names = {std::string(tokens[k + 1].text)};
      } else if (head == group.begin()) {
        st.names = assignment_targets(tokens);
        if (!st.names.empty()) st.kind = TopLevelStatement::Kind::assignment;
      }
    }
    statements.push_back(std::move(st));
  }
  return statements;
}

std::string sanitize(std::string_view code, const std::set<std::string>& roots) {
  const auto statements = top_level_statements(code);
  std::set<std::string> defined;
  std::vector<const TopLevelStatement*> imports, definitions;
  std::map<std::string, const TopLevelStatement*> definition_of;
  for (const auto& st : statements) {
    using Kind = TopLevelStatement::Kind;
    if (st.kind == Kind::import) {
      imports.push_back(&st);
      continue;
    }
    if (st.kind == Kind::other || (st.kind == Kind::function && !st.returns)) continue;
    // The first definition of a name wins (a later one is usually a test's stub or a repeat).
    if (std::all_of(st.names.begin(), st.names.end(), [&](const std::string& n) { return defined.count(n); })) continue;
    definitions.push_back(&st);
    for (const auto& name : st.names) {
      if (defined.insert(name).second) definition_of[name] = &st;
    }
  }
  // Names reachable from the roots through what each definition mentions.
  std::set<std::string> reachable(roots.begin(), roots.end());
  std::deque<std::string> queue(roots.begin(), roots.end());
  while (!queue.empty()) {
    const std::string name = queue.front();
    queue.pop_front();
    const auto it = definition_of.find(name);
    if (it == definition_of.end()) continue;
    for (const auto& dep : it->second->identifiers)
      if (reachable.insert(dep).second) queue.push_back(dep);
  }
  std::string out;
  auto append = [&](const TopLevelStatement& st) {
    out.append(code.substr(st.begin, st.end - st.begin));
    out.push_back('\n');
  };
  for (const auto* st : imports) append(*st);
  for (const auto* st : definitions) {
    const bool used = std::any_of(st->names.begin(), st->names.end(), [&](const std::string& n) {
      return reachable.count(n) && definition_of.at(n) == st;
    });
    if (used) append(*st);
  }
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace dream::tasks::code
