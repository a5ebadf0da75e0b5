// The tiny byte-level BPE vocabulary: learned merges, files in Dream's layout that the project's tokenizer
// loads, and whole template words as single tokens.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"
#include "tests/train/train_test_support.h"
#include "train/bpe_vocab.h"
#include "train/planning_tasks.h"

namespace dream::train {
namespace {

namespace fs = std::filesystem;

using test_support::temp_dir;

TEST(LearnBpe, BaseBytesInGpt2OrderThenMerges) {
  const ByteLevelBpe bpe = learn_byte_level_bpe({"hello hello world"}, 100, 1);
  ASSERT_GE(bpe.tokens.size(), 256u);
  EXPECT_EQ(bpe.tokens[0], "!");           // GPT-2 / Qwen2: id 0 is '!'
  EXPECT_EQ(bpe.tokens[187], "\xC3\xBF");  // the last printable byte 0xFF ('ÿ')
  EXPECT_EQ(bpe.tokens[188], "\xC4\x80");  // then byte 0x00 as U+0100
  // Pieces: "hello", " hello", " world"; the most frequent pairs are those of "hello" (count 2).
  ASSERT_FALSE(bpe.merges.empty());
  EXPECT_EQ(bpe.merges[0], (std::pair<std::string, std::string>{"e", "l"}));
  EXPECT_EQ(bpe.tokens.size(), 256 + bpe.merges.size());
  EXPECT_NE(std::find(bpe.tokens.begin(), bpe.tokens.end(), "\xC4\xA0world"), bpe.tokens.end());  // "Ġworld"
}

TEST(LearnBpe, MinCountAndMaxMergesStop) {
  EXPECT_TRUE(learn_byte_level_bpe({"abc"}, 100, 2).merges.empty());
  EXPECT_EQ(learn_byte_level_bpe({"abcdef"}, 3, 1).merges.size(), 3u);
  EXPECT_THROW(learn_byte_level_bpe({"caf\xC3\xA9"}, 10, 1), std::invalid_argument);
}

TEST(TokenizerFiles, LoadThroughTheProjectTokenizer) {
  const fs::path dir = temp_dir("bpe_files");
  const ByteLevelBpe bpe = learn_byte_level_bpe({"hello hello world"}, 100, 1);
  const VocabularyIds ids = write_tokenizer_files(dir, bpe);
  EXPECT_EQ(ids.eos, static_cast<int64_t>(bpe.tokens.size()));
  EXPECT_EQ(ids.mask, ids.vocab_size - 1);

  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir);
  EXPECT_EQ(tok.vocab_size(), ids.vocab_size);
  EXPECT_EQ(tok.special_ids().eos, ids.eos);
  EXPECT_EQ(tok.special_ids().pad, ids.eos);
  EXPECT_EQ(tok.special_ids().mask, ids.mask);
  EXPECT_EQ(tok.special_ids().bos, ids.bos);
  const auto encoded = tok.encode("hello world<|endoftext|>");
  ASSERT_EQ(encoded.size(), 3u);  // "hello", "Ġworld", eos
  EXPECT_EQ(encoded[2], ids.eos);
  EXPECT_EQ(tok.decode(encoded), "hello world<|endoftext|>");
  EXPECT_EQ(tok.decode(encoded, /*skip_special=*/true), "hello world");
  // Text the corpus never saw still encodes, byte by byte.
  EXPECT_EQ(tok.decode(tok.encode("Zebra \xE2\x82\xAC 42")), "Zebra \xE2\x82\xAC 42");
  fs::remove_all(dir);
}

TEST(TokenizerFiles, PlanningTemplateWordsAreSingleTokens) {
  const fs::path dir = temp_dir("planning_vocab");
  write_tokenizer_files(dir, learn_byte_level_bpe(planning_vocabulary_corpus(), 1000, 1));
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir);
  for (const char* word : {"Fill", " positions", " subgrids", " compose", " contains", "Input", "Output", ":\n", " achieve",
                           " operate", " fifth"})
    EXPECT_EQ(tok.encode(word).size(), 1u) << "'" << word << "'";
  // Digits stay single tokens (Qwen2's split), so grids are one token per cell.
  const std::string grid = "1003\n0300\n3210\n4132";
  EXPECT_EQ(tok.encode(grid).size(), 19u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dream::train
