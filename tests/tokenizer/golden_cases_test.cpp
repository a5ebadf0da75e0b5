// Conformance with Hugging Face tokenizers on Dream's real files: every golden encode and decode case.
#include <gtest/gtest.h>

#include "model/tokenizer/utf8.h"
#include "tokenizer_test_support.h"

namespace dream::test {
namespace {

std::filesystem::path cases_file() { return golden_dir() / "tokenizer" / "cases.json"; }

TEST(TokenizerGolden, EveryEncodeCaseExact) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(cases_file());
  const auto cases = read_json_file(cases_file()).at("cases");
  ASSERT_EQ(cases.size(), 2831u);
  int failures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string text = cases[i].at("text");
    const auto expected = cases[i].at("ids").get<std::vector<int32_t>>();
    const auto got = dream_tokenizer().encode(text);
    if (got != expected && ++failures <= 5) {
      ADD_FAILURE() << "case " << i << " (" << cases[i].value("source", "") << ") text " << escaped(text).substr(0, 300)
                    << "\n expected " << nlohmann::json(expected).dump().substr(0, 300) << "\n got      "
                    << nlohmann::json(got).dump().substr(0, 300);
    }
  }
  EXPECT_EQ(failures, 0) << "encode cases that differ";
}

TEST(TokenizerGolden, EveryDecodeCaseExact) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(cases_file());
  const auto cases = read_json_file(cases_file()).at("decode");
  ASSERT_EQ(cases.size(), 200u);
  int failures = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto ids = cases[i].at("ids").get<std::vector<int32_t>>();
    const std::string expected = cases[i].at("text");
    const std::string got = dream_tokenizer().decode(ids);
    if (got != expected && ++failures <= 5)
      ADD_FAILURE() << "decode case " << i << "\n expected " << escaped(expected) << "\n got      " << escaped(got);
  }
  EXPECT_EQ(failures, 0) << "decode cases that differ";
}

// Round trip on the golden texts: decode(golden ids) gives back the NFC form of the text.
TEST(TokenizerGolden, DecodeInvertsEncodeOnGoldenTexts) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(cases_file());
  const auto cases = read_json_file(cases_file());  // kept alive for the loop
  std::string storage;
  for (const auto& c : cases.at("cases")) {
    const std::string text = c.at("text");
    ASSERT_EQ(dream_tokenizer().decode(c.at("ids").get<std::vector<int32_t>>()), tokenizer::utf8::nfc(text, storage)) << escaped(text).substr(0, 200);
  }
}

TEST(TokenizerGolden, DreamSpecialIdsAndSize) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 151667);
  const auto& s = tok.special_ids();
  EXPECT_EQ(s.eos, 151643);
  EXPECT_EQ(s.pad, 151643);
  EXPECT_EQ(s.bos, 151665);
  EXPECT_EQ(s.mask, 151666);
  EXPECT_EQ(s.im_start, 151644);
  EXPECT_EQ(s.im_end, 151645);
  EXPECT_EQ(tok.token_to_id("<|mask|>"), 151666);
  EXPECT_EQ(tok.token_to_id("Ġthe"), 279);
  EXPECT_EQ(tok.id_to_token(279), "Ġthe");
  EXPECT_EQ(tok.id_to_token(151645), "<|im_end|>");
  EXPECT_EQ(tok.id_to_token(151667), std::nullopt);
  EXPECT_EQ(tok.token_to_id("not a token"), std::nullopt);
  EXPECT_TRUE(tok.is_special(151643));
  EXPECT_FALSE(tok.is_special(151657));  // <tool_call> is an added token but not special
  EXPECT_FALSE(tok.is_special(279));
}

}  // namespace
}  // namespace dream::test
