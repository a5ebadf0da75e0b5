#pragma once
// Compiled RE2 patterns shared across calls and threads (RE2 objects are thread-safe for matching).
#include <re2/re2.h>

#include <string>

namespace dream::metrics {

// The compiled pattern; throws std::invalid_argument with the pattern and RE2's message when it does not
// compile. Patterns are compiled once per process.
const RE2& compiled_regex(const std::string& pattern);

}  // namespace dream::metrics
