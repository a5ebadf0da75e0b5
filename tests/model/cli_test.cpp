// `dream-eval generate` and `make-model` as users script them: the golden request in, the golden ids out;
// bad input gives a non-zero exit and one line naming the problem.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_paths.h"

namespace dream {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

struct Result {
  int code;
  std::string err;
};

Result run(const std::string& args) {
  const fs::path err = fs::temp_directory_path() / ("dream-cli-err-" + std::to_string(::getpid()));
  const int status = std::system((test::dream_eval_bin().string() + " " + args + " 2>" + err.string()).c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WEXITSTATUS(status), ss.str()};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test::dream_eval_bin())) GTEST_SKIP() << "dream-eval not built";
    dir_ = fs::temp_directory_path() / ("dream-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Cli, GenerateReproducesAGoldenCaseThroughFiles) {
  const fs::path tiny = test::golden_dir() / "dream-tiny-a";
  DREAM_REQUIRE_PATH(tiny / "cases.json");
  std::ifstream in(tiny / "cases.json");
  const json c = json::parse(in)["cases"][0];
  json params = c["params"];
  params["preset"] = "dream_compat";
  std::ofstream(dir_ / "req.json") << json{{"input_ids", c["input_ids"]}, {"attention_mask", c["attention_mask"]}, {"params", params}};
  const Result r = run("generate --model " + tiny.string() + " --request " + (dir_ / "req.json").string() + " --output " +
                       (dir_ / "out.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream out(dir_ / "out.json");
  const json o = json::parse(out);
  EXPECT_EQ(o["sequences"], c["sequences"]);
  EXPECT_EQ(o["history"], c["history"]);
}

TEST_F(Cli, MakeModelWritesALoadableShardedCheckpoint) {
  const fs::path m = dir_ / "m";
  ASSERT_EQ(run("make-model --output " + m.string() + " --vocab 50 --hidden 32 --heads 4 --kv-heads 1 --shards 2").code, 0);
  EXPECT_TRUE(fs::exists(m / "model.safetensors.index.json"));
  std::ofstream(dir_ / "req.json") << R"({"input_ids": [[1, 2, 3]], "params": {"max_new_tokens": 5, "steps": 5, "alg": "entropy"}})";
  const Result r = run("generate --model " + m.string() + " --request " + (dir_ / "req.json").string() + " --output " +
                       (dir_ / "out.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream out(dir_ / "out.json");
  const json o = json::parse(out);
  EXPECT_EQ(o["sequences"][0].size(), 8u);
  EXPECT_EQ(o["history"].size(), 5u);
}

TEST_F(Cli, TextPromptsAndChatMessagesThroughTheRealTokenizer) {
  const fs::path real = test::golden_dir() / "dream-v0-instruct-7b";
  DREAM_REQUIRE_PATH(real / "vocab.json");
  // A random model over Dream's full tokenizer vocabulary (ids 0..151666, mask = 151666).
  const fs::path m = dir_ / "m";
  ASSERT_EQ(run("make-model --output " + m.string() + " --vocab 151667 --hidden 16 --intermediate 32 --heads 2 --kv-heads 1 --layers 1").code, 0);
  for (const char* f : {"vocab.json", "merges.txt", "tokenizer_config.json"}) fs::copy_file(real / f, m / f);
  std::ofstream(dir_ / "req.json") << R"({"messages": [[{"role": "user", "content": "What is 2+2?"}], [{"role": "user", "content": "Hi"}]],
    "assistant_prefill": "The answer", "params": {"max_new_tokens": 6, "steps": 3, "alg": "entropy"}})";
  Result r = run("generate --model " + m.string() + " --request " + (dir_ / "req.json").string() + " --output " + (dir_ / "out.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  json o = json::parse(std::ifstream(dir_ / "out.json"));
  ASSERT_EQ(o["text"].size(), 2u);
  ASSERT_EQ(o["sequences"].size(), 2u);
  // Row 0 is the longer chat prompt; row 1 is left-padded with the pad id (151665 in this generated config).
  EXPECT_EQ(o["sequences"][1][0], 151665);
  const auto& row0 = o["sequences"][0];
  // <|im_start|>system ... the prompt starts with <|im_start|> (151644); the prefill ends the prompt.
  EXPECT_EQ(row0[0], 151644);
  EXPECT_EQ(o["generated_tokens"][0].get<int>() <= 6, true);
  // --prompt: the base-model convention puts <|beginoftext|> (151665) first.
  r = run("generate --model " + m.string() + " --prompt 'Q: 1+1? A:' --steps 2 --max-new-tokens 4 --output " + (dir_ / "out2.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  o = json::parse(std::ifstream(dir_ / "out2.json"));
  EXPECT_EQ(o["sequences"][0][0], 151665);
  EXPECT_TRUE(o["text"][0].is_string());
  // --policy: echoed in its canonical spelling; blocks of 2 over 4 tokens with the dual cache, 4 steps: one full
  // forward per block.
  r = run("generate --model " + m.string() + " --prompt 'Q: 1+1? A:' --steps 4 --max-new-tokens 4 --alg entropy "
          "--policy dual_cache+blocks:2 --output " + (dir_ / "out3.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  o = json::parse(std::ifstream(dir_ / "out3.json"));
  EXPECT_EQ(o["params"]["policy"], "blocks:2+dual_cache");
  EXPECT_EQ(o["timing"]["forward_passes"], 4);
  EXPECT_EQ(o["timing"]["full_forward_passes"], 2);
}

TEST_F(Cli, BadInputGivesOneClearLine) {
  const fs::path m = dir_ / "m";
  ASSERT_EQ(run("make-model --output " + m.string()).code, 0);
  auto gen = [&](const std::string& request) {
    std::ofstream(dir_ / "req.json") << request;
    return run("generate --model " + m.string() + " --request " + (dir_ / "req.json").string() + " --output " +
               (dir_ / "out.json").string());
  };
  Result r = gen(R"({"input_ids": [[1, 2], [3]]})");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("field 'input_ids': row 1 is not a list of 2 ids"));
  r = gen(R"({"input_ids": [[1, 2]], "params": {"alg": "fastest"}})");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("params.alg = \"fastest\""));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = gen(R"({"input_ids": [[1, 2]], "params": {"policy": "blocks:8", "max_new_tokens": 16, "steps": 1}})");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("params.steps = 1: policy blocks:8 cuts 16 new tokens into 2 blocks"));
  r = gen(R"({"input_ids": [[1, 2]], )");
  EXPECT_THAT(r.err, HasSubstr("req.json: invalid JSON"));
  fs::remove(m / "model.safetensors");
  std::ofstream(m / "model.safetensors") << "garbage!!garbage";
  r = gen(R"({"input_ids": [[1, 2]]})");
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("model.safetensors: header length"));
  EXPECT_FALSE(fs::exists(dir_ / "out.json"));
}

}  // namespace
}  // namespace dream
