#pragma once
// Shared by the tokenizer tests: the real Dream tokenizer files and the golden cases, loaded once per process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"
#include "support/test_paths.h"

namespace dream::test {

inline std::filesystem::path dream_model_dir() { return golden_dir() / "dream-v0-instruct-7b"; }

inline const tokenizer::Tokenizer& dream_tokenizer() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dream_model_dir());
  return tok;
}

inline nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// Shows invisible characters so a failing case can be read.
inline std::string escaped(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace); }

}  // namespace dream::test

// Skips unless the real Dream tokenizer files are present.
#define DREAM_REQUIRE_DREAM_TOKENIZER() DREAM_REQUIRE_PATH(::dream::test::dream_model_dir() / "vocab.json")
