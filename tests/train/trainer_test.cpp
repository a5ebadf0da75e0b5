// Training end to end on a tiny config: the loss falls, the folder loads through DreamModel::load and the
// tokenizer, generation runs on it, the same seed gives the same weights, and the CLI reports bad options.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "model/dream_model.h"
#include "model/safetensors.h"
#include "model/tokenizer/tokenizer.h"
#include "tests/support/test_paths.h"
#include "tests/train/train_test_support.h"
#include "train/planning_eval.h"
#include "train/trainer.h"

namespace dream::train {
namespace {

namespace fs = std::filesystem;

using test_support::temp_dir;

TrainOptions tiny_options(const fs::path& out) {
  TrainOptions o;
  o.output = out;
  o.shape = {/*hidden=*/32, /*intermediate=*/64, /*layers=*/2, /*heads=*/2, /*kv_heads=*/1, 10000.0, /*max_positions=*/256};
  o.steps = 60;
  o.batch_size = 16;
  o.lr = 3e-3;
  o.warmup = 5;
  o.log_every = 10;
  o.eval_every = 0;
  o.eval_items = 4;
  o.save_every = 0;
  o.threads = 1;
  o.seed = 3;
  return o;
}

std::vector<double> logged_losses(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "step,lr,loss,masked_ce,grad_norm,seconds");
  std::vector<double> losses;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string step, lr, loss;
    std::getline(row, step, ',');
    std::getline(row, lr, ',');
    std::getline(row, loss, ',');
    losses.push_back(std::stod(loss));
  }
  return losses;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Trainer, LossFallsAndTheCheckpointLoadsAndGenerates) {
  const fs::path out = temp_dir("tiny");
  std::ostringstream log;
  const TrainSummary summary = train_planning_model(tiny_options(out), log);
  EXPECT_EQ(summary.steps, 60);

  const std::vector<double> losses = logged_losses(out / "training_log.csv");
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_LT(losses.back(), 0.6 * losses.front()) << log.str();

  // The same loaders as a Dream checkpoint.
  const model::DreamModel net = model::DreamModel::load(out);
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(out);
  EXPECT_EQ(net.config().vocab_size, tok.vocab_size());
  EXPECT_EQ(net.config().mask_token_id, tok.special_ids().mask);
  EXPECT_EQ(net.config().eos_token_id, tok.special_ids().eos);
  EXPECT_EQ(net.config().pad_token_id, tok.special_ids().pad);
  EXPECT_EQ(net.config().hidden_size, 32);
  EXPECT_EQ(net.dtype(), at::kFloat);

  const auto items = generate_planning_instances(PlanningTask::Sudoku4x4, 3, 99, {10, 10});
  model::GenerationParams params;
  params.alg = model::Alg::Entropy;
  params.steps = 4;
  const PlanningEvalResult r = evaluate_planning(net, tok, PlanningTask::Sudoku4x4, items, params);
  EXPECT_EQ(r.total, 3);
  ASSERT_EQ(r.generations.size(), 3u);
  for (const std::string& g : r.generations) EXPECT_FALSE(g.empty());
  // The validation of the last step was recorded.
  std::ifstream eval_csv(out / "training_eval.csv");
  std::string header, row;
  std::getline(eval_csv, header);
  std::getline(eval_csv, row);
  EXPECT_EQ(row.rfind("60,sudoku4x4,entropy,24,", 0), 0u) << row;
  fs::remove_all(out);
}

TEST(Trainer, SameSeedSameWeightsOtherSeedOtherWeights) {
  const fs::path a = temp_dir("seed_a"), b = temp_dir("seed_b"), c = temp_dir("seed_c");
  std::ostringstream log;
  TrainOptions o = tiny_options(a);
  o.steps = 5;
  train_planning_model(o, log);
  o.output = b;
  train_planning_model(o, log);
  o.output = c;
  o.seed = 4;
  train_planning_model(o, log);
  EXPECT_EQ(file_bytes(a / "model.safetensors"), file_bytes(b / "model.safetensors"));
  EXPECT_NE(file_bytes(a / "model.safetensors"), file_bytes(c / "model.safetensors"));
  for (const auto& d : {a, b, c}) fs::remove_all(d);
}

TEST(Trainer, CartWeightingAndBf16StorageTrain) {
  const fs::path out = temp_dir("cart");
  TrainOptions o = tiny_options(out);
  o.weighting = LossWeighting::Cart;
  o.save_dtype = "bfloat16";
  std::ostringstream log;
  train_planning_model(o, log);
  const std::vector<double> losses = logged_losses(out / "training_log.csv");
  EXPECT_LT(losses.back(), 0.6 * losses.front()) << log.str();
  EXPECT_EQ(model::DreamModel::load(out).dtype(), at::kBFloat16);
  fs::remove_all(out);
}

// A run stopped and resumed ends with the same weights and log rows as one that ran through.
TEST(Trainer, StoppedAndResumedEqualsUninterrupted) {
  const fs::path whole = temp_dir("resume_whole"), parts = temp_dir("resume_parts");
  std::ostringstream log;
  TrainOptions o = tiny_options(whole);
  o.steps = 8;
  o.log_every = 2;
  o.save_every = 3;  // a mid-run checkpoint that is not where the job stops
  train_planning_model(o, log);

  o.output = parts;
  o.stop_after = 4;
  EXPECT_EQ(train_planning_model(o, log).steps, 4);
  EXPECT_TRUE(file_bytes(parts / "model.safetensors") != file_bytes(whole / "model.safetensors"));
  o.stop_after = 0;
  o.resume = true;
  EXPECT_EQ(train_planning_model(o, log).steps, 8);
  // (EXPECT_TRUE: a mismatch would print megabytes of weights)
  EXPECT_TRUE(file_bytes(parts / "model.safetensors") == file_bytes(whole / "model.safetensors"));
  EXPECT_TRUE(file_bytes(parts / kTrainingStateFile) == file_bytes(whole / kTrainingStateFile));
  EXPECT_EQ(logged_losses(parts / "training_log.csv"), logged_losses(whole / "training_log.csv"));
  EXPECT_EQ(logged_losses(parts / "training_log.csv").size(), 4u);

  // Resuming with other options, or without a state, is an error that says what differs.
  o.lr = 1e-3;
  try {
    train_planning_model(o, log);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("was written with lr = 0.003, this run has 0.001"), std::string::npos) << e.what();
  }
  const fs::path empty = temp_dir("resume_empty");
  o = tiny_options(empty);
  o.resume = true;
  try {
    train_planning_model(o, log);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("training_state.safetensors does not exist"), std::string::npos) << e.what();
  }
  // A damaged state or log is an error naming the file and what is wrong, not a crash or a silent restart.
  o = tiny_options(parts);
  o.steps = 8;
  o.log_every = 2;
  o.save_every = 3;
  o.resume = true;
  std::ofstream(parts / "training_log.csv", std::ios::app) << "four,0.1,0.2,0.3,0.4,1\n";
  try {
    train_planning_model(o, log);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("training_log.csv:6: field 'step' (first column): not an integer"), std::string::npos) << e.what();
  }
  const float zero = 0;
  model::write_safetensors(empty / kTrainingStateFile, {{"x", model::DType::F32, {1}, &zero, sizeof zero}},
                           {{"step", "nine"}, {"options", "{}"}});
  o.output = empty;
  try {
    train_planning_model(o, log);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("metadata 'step': expected an integer in [0, 8], got \"nine\""), std::string::npos) << e.what();
  }
  for (const auto& d : {whole, parts, empty}) fs::remove_all(d);
}

TEST(Trainer, RejectsBadOptions) {
  std::ostringstream log;
  TrainOptions o = tiny_options(temp_dir("bad"));
  o.save_dtype = "int8";
  EXPECT_THROW(train_planning_model(o, log), std::invalid_argument);
  o = tiny_options(temp_dir("bad"));
  o.shape.heads = 3;  // 32 is not a multiple of 3
  EXPECT_THROW(train_planning_model(o, log), std::invalid_argument);
  fs::remove_all(temp_dir("bad"));
}

int run(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  return WEXITSTATUS(::pclose(pipe));
}

TEST(TrainCli, TrainsThenEvaluatesAndReportsBadOptions) {
  const fs::path out = temp_dir("cli");
  const std::string bin = test::dream_eval_bin().string();
  std::string text;
  ASSERT_EQ(run(bin + " train --output " + out.string() +
                    " --hidden 32 --intermediate 64 --layers 1 --heads 2 --kv-heads 1 --steps 3 --batch 4 --eval-items 2"
                    " --threads 1",
                &text),
            0)
      << text;
  EXPECT_NE(text.find("trained 3 steps"), std::string::npos) << text;

  // --evaluate on a small file in Dream's format.
  const fs::path data = out / "items.jsonl";
  std::ofstream(data) << R"({"input": "1003\n0300\n3210\n4132", "output": "1423\n2341\n3214\n4132"})" << "\n"
                      << R"({"input": "0042\n2031\n4023\n3214", "output": "1342\n2431\n4123\n3214"})" << "\n";
  text.clear();
  ASSERT_EQ(run(bin + " train --evaluate " + out.string() + " --eval-file " + data.string() +
                    " --eval-skip 0 --eval-steps 1,2 --eval-algs entropy,origin --eval-output " + (out / "sweep.csv").string(),
                &text),
            0)
      << text;
  std::ifstream sweep(out / "sweep.csv");
  std::string line;
  int rows = 0;
  while (std::getline(sweep, line)) ++rows;
  EXPECT_EQ(rows, 5);  // header + 2 algs x 2 steps

  text.clear();
  EXPECT_EQ(run(bin + " train --output " + out.string() + " --tasks sudoku9x9", &text), 1);
  EXPECT_NE(text.find("unknown planning task 'sudoku9x9'"), std::string::npos) << text;
  text.clear();
  EXPECT_EQ(run(bin + " train --output " + out.string() + " --weighting elbo", &text), 1);
  EXPECT_NE(text.find("unknown loss weighting 'elbo'"), std::string::npos) << text;
  text.clear();
  EXPECT_EQ(run(bin + " train --output " + out.string() + " --sudoku-givens ten", &text), 1);
  EXPECT_NE(text.find("--sudoku-givens: 'ten'"), std::string::npos) << text;
  fs::remove_all(out);
}

}  // namespace
}  // namespace dream::train
