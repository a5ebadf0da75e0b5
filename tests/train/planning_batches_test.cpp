// Training batches: prompt then answer padded with end-of-text, answer mask on the tail, left padding,
// the bos share, and the same stream for the same seed.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "model/tokenizer/tokenizer.h"
#include "tests/train/train_test_support.h"
#include "train/bpe_vocab.h"
#include "train/planning_batches.h"

namespace dream::train {
namespace {

namespace fs = std::filesystem;

class PlanningBatchesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = test_support::temp_dir("batches");
    ids_ = write_tokenizer_files(dir_, learn_byte_level_bpe(planning_vocabulary_corpus(), 1000, 1));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
  static VocabularyIds ids_;
};
fs::path PlanningBatchesTest::dir_;
VocabularyIds PlanningBatchesTest::ids_;

TEST_F(PlanningBatchesTest, SudokuRowsEndWithTheAnswerAndEndOfText) {
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir_);
  DataOptions options;
  options.bos_fraction = 0.5;
  PlanningBatches batches(tok, options, ids_.eos, ids_.bos, 11);
  const TrainingBatch b = batches.next(16);
  const int64_t N = b.ids.size(1), A = planning_answer_tokens(PlanningTask::Sudoku4x4);
  ASSERT_EQ(b.ids.size(0), 16);
  EXPECT_EQ(b.answer.sum().item<int64_t>(), 16 * A);
  EXPECT_TRUE(b.answer.narrow(1, N - A, A).all().item<bool>());
  int with_bos = 0;
  for (int64_t r = 0; r < 16; ++r) {
    const at::Tensor row = b.ids[r];
    // 19 answer tokens (grid with newlines), then end-of-text to the 24th.
    std::vector<int32_t> answer;
    for (int64_t p = N - A; p < N - A + 19; ++p) answer.push_back(static_cast<int32_t>(row[p].item<int64_t>()));
    EXPECT_EQ(tok.decode(answer).size(), 19u);
    EXPECT_TRUE((row.narrow(0, N - A + 19, A - 19) == ids_.eos).all().item<bool>());
    // Rows with bos are one token longer; the shorter ones are left-padded (not real).
    const int64_t first_real = (b.real[r].to(at::kLong).argmax()).item<int64_t>();
    if (row[first_real].item<int64_t>() == ids_.bos) ++with_bos;
    EXPECT_FALSE(b.real[r].narrow(0, 0, first_real).any().item<bool>());
  }
  EXPECT_GT(with_bos, 0);
  EXPECT_LT(with_bos, 16);
}

TEST_F(PlanningBatchesTest, SameSeedSameStreamAndMixedTasks) {
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir_);
  DataOptions options;
  options.mix = {{PlanningTask::Sudoku4x4, 1.0}, {PlanningTask::Countdown3, 1.0}};
  PlanningBatches a(tok, options, ids_.eos, ids_.bos, 5), b(tok, options, ids_.eos, ids_.bos, 5);
  std::set<PlanningTask> seen;
  for (int i = 0; i < 8; ++i) {
    const TrainingBatch x = a.next(4), y = b.next(4);
    EXPECT_TRUE(at::equal(x.ids, y.ids));
    seen.insert(a.last_task());
    const int64_t A = planning_answer_tokens(a.last_task());
    EXPECT_EQ(x.answer.sum().item<int64_t>(), 4 * A);
  }
  EXPECT_EQ(seen.size(), 2u);
}

at::Tensor longs(const std::vector<int64_t>& v) { return at::tensor(at::ArrayRef<int64_t>(v), at::kLong); }

TEST(LeftPad, PadsOnTheLeft) {
  const PaddedRows p = left_pad({{1, 2, 3}, {4}}, 0);
  EXPECT_TRUE(at::equal(p.ids, longs({1, 2, 3, 0, 0, 4}).view({2, 3})));
  EXPECT_TRUE(at::equal(p.attention, longs({1, 1, 1, 0, 0, 1}).view({2, 3})));
}

TEST(TokenizeExample, RejectsAnAnswerThatDoesNotFit) {
  const fs::path dir = test_support::temp_dir("batches_fit");
  const VocabularyIds ids = write_tokenizer_files(dir, learn_byte_level_bpe(planning_vocabulary_corpus(), 1000, 1));
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir);
  EXPECT_THROW(tokenize_example(tok, PlanningTask::Sudoku4x4, "p", std::string(30, '1'), ids.eos), std::invalid_argument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dream::train
