#pragma once
// Just enough of Python's lexical structure to sanitise model-written code without running it: split a
// source into top-level statements (imports, functions, classes, assignments, anything else), know which
// names each defines and which identifiers it mentions, and keep only what the tests can reach.
//
// The lexer knows strings (all prefixes, triple quotes, f-string expressions), comments, brackets and
// line continuations. It recovers from prose around code: an unterminated single-quoted string ends at
// the line end, and a `def`/`class`/`import`/`from`/`@` at column 0 closes brackets left open by prose.
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dream::tasks::code {

struct TopLevelStatement {
  enum class Kind { import, function, class_definition, assignment, other };
  Kind kind = Kind::other;
  std::size_t begin = 0, end = 0;        // byte range in the source: column 0 of its first line to its last token
  std::vector<std::string> names;        // what it defines: the function or class name, the assignment targets
  std::set<std::string> identifiers;     // identifiers it mentions (code only; f-string expressions count)
  bool returns = false;                  // a `return` or `yield` appears anywhere inside
};

std::vector<TopLevelStatement> top_level_statements(std::string_view source);

// Identifiers mentioned in a piece of code (keywords, strings and comments excluded).
std::set<std::string> identifiers_in(std::string_view source);

// Sanitises like evalplus (evalplus/sanitize.py): keeps every import, then the first definition of each
// name (functions only if they contain a return, which drops stubs such as a repeated signature with a
// docstring), classes and simple assignments, each only if reachable from `roots` through the identifiers
// the definitions mention; everything else (tests, prints, `if __name__ == ...` blocks, prose) goes.
// Imports first, then definitions in source order, joined by newlines. Differences from evalplus: no
// "longest syntactically valid chunk" step (callers take the code out of its fence first), decorated
// definitions and generators are kept, and tuple assignments define each name.
std::string sanitize(std::string_view code, const std::set<std::string>& roots);

}  // namespace dream::tasks::code
