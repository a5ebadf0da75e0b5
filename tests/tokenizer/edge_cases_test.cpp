// Edge cases: ill-formed UTF-8, empty and huge inputs, long whitespace runs, ids outside the vocabulary,
// and the internal pieces (UTF-8 repair, NFC, byte alphabet, pre-tokenisation) on hand-checked examples.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/pretokenizer.h"
#include "model/tokenizer/utf8.h"
#include "tokenizer_test_support.h"

namespace dream::test {
namespace {

using tokenizer::kUnknownIdText;
namespace utf8 = tokenizer::utf8;

const std::string kFFFD(utf8::kReplacementChar);

// Expected values are Python's bytes.decode("utf-8", errors="replace").
TEST(Utf8, ReplacesMaximalIllFormedSubpartsLikePython) {
  EXPECT_EQ(utf8::replace_invalid("a\xFF" "b"), "a" + kFFFD + "b");
  EXPECT_EQ(utf8::replace_invalid("\xE6\x97"), kFFFD);               // truncated 3-byte sequence: one
  EXPECT_EQ(utf8::replace_invalid("\xE6\x97x"), kFFFD + "x");
  EXPECT_EQ(utf8::replace_invalid("\xC0\xAF"), kFFFD + kFFFD);        // overlong: C0 never starts one
  EXPECT_EQ(utf8::replace_invalid("\xED\xA0\x80"), kFFFD + kFFFD + kFFFD);  // surrogate
  EXPECT_EQ(utf8::replace_invalid("\xF0\x9F\x98"), kFFFD);
  EXPECT_EQ(utf8::replace_invalid("\xF4\x90\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);  // past U+10FFFF
  EXPECT_EQ(utf8::replace_invalid("\x80\x80"), kFFFD + kFFFD);
  EXPECT_EQ(utf8::replace_invalid("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(utf8::replace_invalid(std::string("a\0b", 3)), std::string("a\0b", 3));
  EXPECT_EQ(utf8::valid_prefix_length("ok\xC3\xA9\xC3"), 4u);
}

TEST(Utf8, NfcComposesOnlyWhereNeeded) {
  std::string storage;
  EXPECT_EQ(utf8::nfc("plain ascii", storage), "plain ascii");
  EXPECT_EQ(utf8::nfc("e\xCC\x81", storage), "\xC3\xA9");                 // e + U+0301 -> é
  EXPECT_EQ(utf8::nfc("caf" "e\xCC\x81 ok", storage), "caf\xC3\xA9 ok");
  EXPECT_EQ(utf8::nfc("\xE1\x84\x80\xE1\x85\xA1", storage), "\xEA\xB0\x80");  // Hangul L + V -> 가
  EXPECT_EQ(utf8::nfc("a\xCC\xA3\xCC\x87", storage), "\xE1\xBA\xA1\xCC\x87");  // reorder + compose: ạ̇
}

TEST(ByteLevel, AlphabetRoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(tokenizer::byte_level::decode(tokenizer::byte_level::encode(all)), all);
  EXPECT_EQ(tokenizer::byte_level::encode(" \n"), "\xC4\xA0\xC4\x8A");  // "ĠĊ"
}

// Expected pieces are Python `regex` findall with the original pattern (lookahead included).
TEST(PreTokenizer, SplitsLikeTheQwen2Pattern) {
  const tokenizer::Qwen2PreTokenizer pre;
  const auto split = [&](std::string_view s) {
    std::vector<std::string_view> pieces;
    pre.split(s, pieces);
    return std::vector<std::string>(pieces.begin(), pieces.end());
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("Hello  world"), (V{"Hello", " ", " world"}));
  EXPECT_EQ(split("x   "), (V{"x", "   "}));
  EXPECT_EQ(split("  lead"), (V{" ", " lead"}));
  EXPECT_EQ(split("a \n\n  b"), (V{"a", " \n\n", " ", " b"}));
  EXPECT_EQ(split("tab\t\tx"), (V{"tab", "\t", "\tx"}));
  EXPECT_EQ(split("I'LL HE'S"), (V{"I", "'LL", " HE", "'S"}));
  EXPECT_EQ(split("12,345.6"), (V{"1", "2", ",", "3", "4", "5", ".", "6"}));
  EXPECT_EQ(split("a\u3000\u3000b"), (V{"a", "\u3000", "\u3000b"}));  // Unicode spaces are \s
  EXPECT_EQ(split("x\u2028 y"), (V{"x", "\u2028", " y"}));
  EXPECT_EQ(split("\u00a1Hola!\r\n\r\nok"), (V{"\u00a1Hola", "!\r\n\r\n", "ok"}));
  EXPECT_EQ(split("... ??\n\n"), (V{"...", " ??\n\n"}));
  EXPECT_EQ(split(""), V{});
}

TEST(TokenizerEdge, EmptyTextAndNoIds) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  EXPECT_TRUE(dream_tokenizer().encode("").empty());
  EXPECT_EQ(dream_tokenizer().decode({}), "");
}

TEST(TokenizerEdge, IllFormedInputEncodesAsReplacementCharacters) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  for (const std::string bad : {"a\xFF" "b", "tail \xE6\x97", "\xC0\xAF<|im_end|>\xED\xA0\x80", "\x80"}) {
    const auto ids = tok.encode(bad);
    EXPECT_EQ(ids, tok.encode(utf8::replace_invalid(bad))) << escaped(bad);
    EXPECT_EQ(tok.decode(ids), utf8::replace_invalid(bad));
  }
}

TEST(TokenizerEdge, NulBytesAreOrdinaryText) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const std::string text("a\0b\0\0", 5);
  EXPECT_EQ(dream_tokenizer().decode(dream_tokenizer().encode(text)), text);
}

TEST(TokenizerEdge, LongWhitespaceRuns) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  for (const std::string& run : {std::string(1'000'000, ' '), std::string(200'000, '\n'), std::string(300'000, '\t'),
                                std::string(100'000, ' ') + std::string(100'000, '\n') + std::string(100'000, ' ')}) {
    for (const std::string& text : {run, "x" + run + "y", run + "end"}) {
      const auto ids = tok.encode(text);
      ASSERT_FALSE(ids.empty());
      EXPECT_LT(ids.size(), text.size() / 4) << "whitespace runs merge into long tokens";
      EXPECT_EQ(tok.decode(ids), text);
    }
  }
  // The run gives its last space to the word after it: 3 spaces + "x" -> "  " and " x".
  EXPECT_EQ(tok.encode("   x"), (std::vector<int32_t>{*tok.token_to_id("\xC4\xA0\xC4\xA0"), *tok.token_to_id("\xC4\xA0x")}));
}

// A multi-MB text cut by added tokens encodes exactly as its parts (added tokens are cut out before
// anything else), which checks the long text against the golden ids of every part.
TEST(TokenizerEdge, MultiMegabyteTextEqualsItsParts) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(golden_dir() / "tokenizer" / "cases.json");
  const auto cases = read_json_file(golden_dir() / "tokenizer" / "cases.json").at("cases");
  std::string text;
  std::vector<int32_t> expected;
  const int32_t eos = *dream_tokenizer().special_ids().eos;
  while (text.size() < 4'000'000) {
    for (const auto& c : cases) {
      text += c.at("text").get<std::string>();
      text += "<|endoftext|>";
      for (int32_t id : c.at("ids")) expected.push_back(id);
      expected.push_back(eos);
    }
  }
  const auto ids = dream_tokenizer().encode(text);
  ASSERT_EQ(ids.size(), expected.size());
  EXPECT_TRUE(ids == expected);
}

TEST(TokenizerEdge, IdsOutsideTheVocabularyDecodeToThePlaceholder) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  const std::string hello = tok.decode(std::vector<int32_t>{9707});
  ASSERT_EQ(hello, "Hello");
  const std::string mark(kUnknownIdText);
  EXPECT_EQ(tok.decode(std::vector<int32_t>{151667, 9707, 152063, -1, 2147483647}), mark + "Hello" + mark + mark + mark);
  EXPECT_EQ(tok.decode(std::vector<int32_t>{151667}, /*skip_special=*/true), mark);
}

TEST(TokenizerEdge, SkipSpecialKeepsNonSpecialAddedTokens) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  const auto ids = tok.encode("<|im_start|>user\n<tool_call>hi</tool_call><|im_end|><|endoftext|><|mask|>");
  EXPECT_EQ(tok.decode(ids, true), "user\n<tool_call>hi</tool_call>");
  EXPECT_EQ(tok.decode(ids, false), "<|im_start|>user\n<tool_call>hi</tool_call><|im_end|><|endoftext|><|mask|>");
}

TEST(TokenizerEdge, SplitMultiByteCharactersDecodeAsReplacement) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  // "😀" is F0 9F 98 80; its byte tokens alone are incomplete UTF-8.
  const auto byte_id = [&](unsigned char b) { return *tok.token_to_id(tokenizer::byte_level::encode(std::string(1, static_cast<char>(b)))); };
  EXPECT_EQ(tok.decode(std::vector<int32_t>{byte_id(0xF0), byte_id(0x9F)}), kFFFD);
  EXPECT_EQ(tok.decode(std::vector<int32_t>{byte_id(0xF0), byte_id(0x9F), byte_id(0x98), byte_id(0x80)}), "\xF0\x9F\x98\x80");
  EXPECT_EQ(tok.decode(std::vector<int32_t>{byte_id(0xF0), 9707}), kFFFD + "Hello");
}

TEST(TokenizerEdge, AddedTokensLeftmostLongest) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  const auto& tok = dream_tokenizer();
  EXPECT_EQ(tok.encode("<|im_start|><|im_end|>"), (std::vector<int32_t>{151644, 151645}));
  EXPECT_EQ(tok.encode("<<|mask|>>"), (std::vector<int32_t>{27, 151666, 29}));
  // Incomplete or spaced spellings are ordinary text (golden case "<| im_start |>").
  EXPECT_EQ(tok.encode("<|im_start|").size(), 5u);
}

// The BPE cache is shared by copies and threads; concurrent encodes must agree with a single-threaded one.
TEST(TokenizerEdge, ConcurrentEncodesAgree) {
  DREAM_REQUIRE_DREAM_TOKENIZER();
  DREAM_REQUIRE_PATH(golden_dir() / "tokenizer" / "cases.json");
  const auto cases = read_json_file(golden_dir() / "tokenizer" / "cases.json").at("cases");
  const tokenizer::Tokenizer fresh = tokenizer::Tokenizer::load(dream_model_dir());  // empty cache
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const tokenizer::Tokenizer copy = fresh;
      for (std::size_t i = t; i < cases.size() + t; ++i) {
        const auto& c = cases[i % cases.size()];
        if (copy.encode(c.at("text").get<std::string>()) != c.at("ids").get<std::vector<int32_t>>()) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(TokenizerEdge, LoadErrorsNameTheFolder) {
  try {
    (void)tokenizer::Tokenizer::load("/nonexistent/model");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dream::test
