// `dream-eval tokenize` / `detokenize` through the built program: round trip, extra fields kept, and
// errors that name the file and line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tokenizer_test_support.h"

namespace dream::test {
namespace {

class TokenizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(dream_eval_bin())) GTEST_SKIP() << "dream-eval not built: " << dream_eval_bin();
    DREAM_REQUIRE_DREAM_TOKENIZER();
    dir_ = std::filesystem::temp_directory_path() / ("dream_tokenize_cli_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Runs dream-eval with `args`; returns the exit status, stderr in *err.
  int run(const std::string& args, std::string* err) {
    const auto err_file = dir_ / "stderr.txt";
    const std::string cmd = dream_eval_bin().string() + " " + args + " 2> " + err_file.string();
    const int status = std::system(cmd.c_str());
    std::ifstream in(err_file);
    std::stringstream s;
    s << in.rdbuf();
    *err = s.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  static std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file) {
    std::vector<nlohmann::json> rows;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
    return rows;
  }
  std::filesystem::path dir_;
};

TEST_F(TokenizeCli, TokenizeThenDetokenizeRoundTrips) {
  const auto in = write("in.jsonl",
                        "{\"text\": \"Hello world\", \"id\": 7}\n\n"
                        "{\"text\": \"<|im_start|>user\\nWhat is 2+2?<|im_end|>\\n\"}\n"
                        "{\"text\": \"\"}\n");
  std::string err;
  const std::string model = "--model " + dream_model_dir().string();
  ASSERT_EQ(run("tokenize " + model + " --input " + in.string() + " --output " + (dir_ / "ids.jsonl").string(), &err), 0) << err;
  const auto rows = read_jsonl(dir_ / "ids.jsonl");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].at("ids"), (std::vector<int32_t>{9707, 1879}));
  EXPECT_EQ(rows[0].at("id"), 7);  // other fields are kept
  EXPECT_EQ(rows[1].at("ids"), (std::vector<int32_t>{151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198}));
  EXPECT_EQ(rows[2].at("ids"), std::vector<int32_t>{});

  ASSERT_EQ(run("detokenize " + model + " --input " + (dir_ / "ids.jsonl").string() + " --output " + (dir_ / "text.jsonl").string(), &err), 0) << err;
  const auto texts = read_jsonl(dir_ / "text.jsonl");
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0].at("text"), "Hello world");
  EXPECT_EQ(texts[1].at("text"), "<|im_start|>user\nWhat is 2+2?<|im_end|>\n");

  ASSERT_EQ(run("detokenize --skip-special " + model + " --input " + (dir_ / "ids.jsonl").string() + " --output " + (dir_ / "plain.jsonl").string(), &err), 0) << err;
  EXPECT_EQ(read_jsonl(dir_ / "plain.jsonl")[1].at("text"), "user\nWhat is 2+2?\n");
}

TEST_F(TokenizeCli, MalformedLinesNameFileAndLine) {
  const std::string model = "--model " + dream_model_dir().string();
  const auto out = (dir_ / "out.jsonl").string();
  std::string err;
  const auto bad_json = write("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \n");
  EXPECT_EQ(run("tokenize " + model + " --input " + bad_json.string() + " --output " + out, &err), 1);
  EXPECT_NE(err.find(bad_json.string() + ":2: not valid JSON"), std::string::npos) << err;

  const auto no_text = write("no_text.jsonl", "{\"text\": \"ok\"}\n\n{\"txt\": \"x\"}\n");
  EXPECT_EQ(run("tokenize " + model + " --input " + no_text.string() + " --output " + out, &err), 1);
  EXPECT_NE(err.find(no_text.string() + ":3: field \"text\""), std::string::npos) << err;

  const auto bad_ids = write("bad_ids.jsonl", "{\"ids\": [1, \"two\"]}\n");
  EXPECT_EQ(run("detokenize " + model + " --input " + bad_ids.string() + " --output " + out, &err), 1);
  EXPECT_NE(err.find(bad_ids.string() + ":1: field \"ids\""), std::string::npos) << err;

  EXPECT_EQ(run("tokenize --model " + (dir_ / "nowhere").string() + " --input " + no_text.string() + " --output " + out, &err), 1);
  EXPECT_NE(err.find("nowhere"), std::string::npos) << err;
}

}  // namespace
}  // namespace dream::test
