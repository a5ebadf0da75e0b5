#pragma once
// The message of the exception `f` throws, or "" when it throws nothing: for tests that check what an
// error says (file, line, field, value), not just that it happens.
#include <exception>
#include <string>

namespace dream::test {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace dream::test
