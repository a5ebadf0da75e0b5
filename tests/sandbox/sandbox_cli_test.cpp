// `dream-eval sandbox -- python3 FILE.py`: the JSON it prints, --files, --timeout and its errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sandbox_test_support.h"
#include "tests/support/test_paths.h"

namespace dream::test {
namespace {

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Ran run_cli(const std::string& arguments) {
  const std::string command = dream_eval_bin().string() + " sandbox " + arguments + " 2>&1";
  Ran ran;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return ran;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) ran.output.append(buffer, n);
  const int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

class SandboxCli : public ::testing::Test {
 protected:
  void SetUp() override {
    DREAM_REQUIRE_PATH(dream_eval_bin());
    dir_ = std::filesystem::temp_directory_path() / unique_token("cli");
    std::filesystem::create_directories(dir_ / "files");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  std::filesystem::path dir_;
};

TEST_F(SandboxCli, PrintsTheStatusAsJson) {
  const auto ran = run_cli("-- python3 " + write("ok.py", "import sys\nprint('hi', sys.argv[1:])\n") + " x");
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  const auto j = nlohmann::json::parse(ran.output);
  EXPECT_EQ(j["status"], "passed");
  EXPECT_EQ(j["stdout"], "hi ['x']\n");
  EXPECT_EQ(j["sandboxed"], true);
  EXPECT_EQ(j["limits"]["wall_seconds"], 10.0);
}

TEST_F(SandboxCli, FailureTimeoutAndFiles) {
  auto j = nlohmann::json::parse(run_cli("-- python3 " + write("bad.py", "raise KeyError('k')\n")).output);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["message"], "KeyError: 'k'");

  j = nlohmann::json::parse(run_cli("--timeout 1 -- python3 " + write("slow.py", "while True:\n    pass\n")).output);
  EXPECT_EQ(j["status"], "timeout");
  EXPECT_EQ(j["limits"]["wall_seconds"], 1.0);

  std::ofstream(dir_ / "files" / "data.txt") << "42";
  j = nlohmann::json::parse(run_cli("--files " + (dir_ / "files").string() + " -- python3 " +
                                    write("read.py", "print(open('data.txt').read())\n")).output);
  EXPECT_EQ(j["status"], "passed") << j.dump();
  EXPECT_EQ(j["stdout"], "42\n");

  j = nlohmann::json::parse(run_cli("--memory 200 -- python3 " + write("mem.py", "x = bytearray(500 * 1024 * 1024)\n")).output);
  EXPECT_EQ(j["status"], "out_of_memory");
}

TEST_F(SandboxCli, RejectsWhatIsNotAPythonProgram) {
  auto ran = run_cli("-- /bin/sh -c true");
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.output.find("python3 FILE.py"), std::string::npos) << ran.output;
  ran = run_cli("-- python3 " + (dir_ / "missing.py").string());
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_NE(ran.output.find("missing.py"), std::string::npos) << ran.output;
}

TEST_F(SandboxCli, UnsafeModeWarns) {
  const auto ran = run_cli("--unsafe-no-sandbox -- python3 " + write("ok.py", "print(1)\n"));
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find("dream-eval: warning: UNSAFE"), std::string::npos) << ran.output;
  const auto json = ran.output.substr(0, ran.output.find("dream-eval: warning"));
  EXPECT_EQ(nlohmann::json::parse(json)["sandboxed"], false);
}

}  // namespace
}  // namespace dream::test
