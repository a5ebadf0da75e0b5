// The dream-eval program: a run killed with SIGKILL and restarted equals an uninterrupted run; score; errors.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../support/test_paths.h"
#include "datasets/records.h"
#include "harness/run.h"
#include "harness/sample_cache.h"
#include "harness_support.h"

using namespace dream;
namespace fs = std::filesystem;

namespace {

// Starts dream-eval with `args`, its stderr going to `stderr_file`; returns the child's pid.
pid_t spawn_cli(const std::vector<std::string>& args, const fs::path& stderr_file) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* err = std::freopen(stderr_file.c_str(), "w", stderr);
    (void)err;
    std::vector<char*> argv;
    const std::string bin = test::dream_eval_bin().string();
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Runs dream-eval with `args` to the end; returns the exit status and what it wrote to stderr.
std::pair<int, std::string> run_cli(const std::vector<std::string>& args, const fs::path& stderr_file) {
  int status = 0;
  waitpid(spawn_cli(args, stderr_file), &status, 0);
  std::ifstream in(stderr_file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, std::string(std::istreambuf_iterator<char>(in), {})};
}

std::vector<std::string> run_args(const fs::path& out, const std::string& model) {
  return {"run", "--model", model, "--tasks", "sudoku,countdown_cd3", "--steps", "8,24", "--max-new-tokens", "24",
          "--limit", "24", "--batch-size", "2", "--data-dir", test::datasets_dir().string(), "--output", out.string(),
          "--progress", "never", "--bootstrap-iterations", "300"};
}

size_t cached_rows(const fs::path& db) {
  if (!fs::exists(db)) return 0;
  return harness::SampleCache(db).size();
}

}  // namespace

TEST(Cli, SigkilledRunResumesToTheSameResult) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto whole = test::fresh_dir("cli_whole");
  auto [rc, err] = run_cli(run_args(whole, "fake:accuracy=0.7"), whole / "stderr.txt");
  ASSERT_EQ(rc, 0) << err;

  // The same run, slowed down (delay_ms does not change outputs) and killed part-way.
  const auto killed = test::fresh_dir("cli_killed");
  const auto args = run_args(killed, "fake:accuracy=0.7,delay_ms=40");
  const pid_t pid = spawn_cli(args, killed / "stderr1.txt");
  const auto db = killed / harness::kCacheFileName;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (cached_rows(db) < 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  const size_t done_at_kill = cached_rows(db);
  ASSERT_GE(done_at_kill, 20u);
  ASSERT_LT(done_at_kill, 96u);
  EXPECT_FALSE(fs::exists(killed / reports::kResultsFileName));  // summaries only at the end

  auto [rc2, err2] = run_cli(args, killed / "stderr2.txt");
  ASSERT_EQ(rc2, 0) << err2;
  // Nothing finished was recomputed, nothing was lost.
  EXPECT_NE(err2.find("96 samples"), std::string::npos) << err2;
  EXPECT_NE(err2.find(std::to_string(done_at_kill) + " already done, " + std::to_string(96 - done_at_kill) + " to generate"),
            std::string::npos)
      << err2;
  EXPECT_EQ(test::comparable_results(killed), test::comparable_results(whole));
  EXPECT_EQ(test::comparable_samples(killed), test::comparable_samples(whole));
}

TEST(Cli, ShardsThenMergeEqualOneRun) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "dream_planning");
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto whole = test::fresh_dir("cli_one");
  ASSERT_EQ(run_cli(run_args(whole, "fake"), whole / "e.txt").first, 0);
  const auto sharded = test::fresh_dir("cli_shards");
  for (const char* s : {"0/2", "1/2"}) {
    auto args = run_args(sharded, "fake");
    args.push_back("--shard");
    args.push_back(s);
    auto [rc, err] = run_cli(args, sharded / "e.txt");
    ASSERT_EQ(rc, 0) << err;
  }
  auto [rc, err] = run_cli({"merge", sharded.string()}, sharded / "m.txt");
  ASSERT_EQ(rc, 0) << err;
  EXPECT_EQ(test::comparable_results(sharded), test::comparable_results(whole));
  EXPECT_EQ(test::comparable_samples(sharded), test::comparable_samples(whole));
}

TEST(Cli, ScoreExternalResponses) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto dir = test::fresh_dir("cli_score");
  const auto docs = datasets::read_jsonl(test::datasets_dir() / "gsm8k" / "test.jsonl");
  {
    std::ofstream out(dir / "responses.jsonl");
    for (int i = 0; i < 10; ++i) {
      std::string a = docs[i].string_field("answer");
      a = a.substr(a.rfind("####") + 5);
      // Right answers for even ids (ids as strings and as numbers), a wrong one for odd ids.
      nlohmann::json line{{"doc_id", i % 3 == 0 ? nlohmann::json(i) : nlohmann::json(std::to_string(i))},
                          {"response", i % 2 == 0 ? "Working... The answer is " + a + ".\n\nQ: more" : std::string("The answer is -1.")}};
      out << line.dump() << "\n";
    }
  }
  auto [rc, err] = run_cli({"score", "--task", "gsm8k", "--responses", (dir / "responses.jsonl").string(), "--output",
                            (dir / "out").string(), "--data-dir", test::datasets_dir().string()},
                           dir / "e.txt");
  ASSERT_EQ(rc, 0) << err;
  const auto r = reports::read_results_json(dir / "out" / reports::kResultsFileName);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].n_samples_effective, 10);
  EXPECT_EQ(r.results[0].n_samples_original, 1319);
  EXPECT_DOUBLE_EQ(r.results[0].metrics.at("exact_match,strict-match").value, 0.5);
  EXPECT_DOUBLE_EQ(r.results[0].metrics.at("exact_match,flexible-extract").value, 0.5);
  EXPECT_FALSE(r.results[0].performance);
  const auto samples = reports::read_samples_jsonl(dir / "out" / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 10u);
  EXPECT_EQ(samples[0].doc_id, "0");
  EXPECT_EQ(samples[0].extracted, "18");
  EXPECT_EQ(samples[0].extracted_by_filter.at("flexible-extract"), "18.");  // the metric's regexes drop the "."
  EXPECT_EQ(samples[0].metrics.at("exact_match,strict-match"), 1.0);
  EXPECT_EQ(samples[2].doc_id, "2");  // natural order

  // Malformed input: file, line and field.
  std::ofstream(dir / "bad.jsonl") << "{\"doc_id\": 0, \"response\": \"x\"}\n{\"doc_id\": \"9999\", \"response\": \"x\"}\n";
  auto [rc2, err2] = run_cli({"score", "--task", "gsm8k", "--responses", (dir / "bad.jsonl").string(), "--output",
                              (dir / "out2").string(), "--data-dir", test::datasets_dir().string()},
                             dir / "e2.txt");
  EXPECT_EQ(rc2, 1);
  EXPECT_NE(err2.find((dir / "bad.jsonl").string() + ":2: field 'doc_id': task gsm8k has no document '9999'"), std::string::npos) << err2;
  std::ofstream(dir / "bad2.jsonl") << "{\"doc_id\": 0, \"respons\": \"x\"}\n";
  auto [rc3, err3] = run_cli({"score", "--task", "gsm8k", "--responses", (dir / "bad2.jsonl").string(), "--output",
                              (dir / "out3").string(), "--data-dir", test::datasets_dir().string()},
                             dir / "e3.txt");
  EXPECT_EQ(rc3, 1);
  EXPECT_NE(err3.find(":1: field 'response': missing"), std::string::npos) << err3;
}

TEST(Cli, ScoreMultipleChoiceLogLikelihoods) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "piqa");
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto dir = test::fresh_dir("cli_score_mc");
  const auto docs = datasets::read_jsonl(test::datasets_dir() / "piqa" / "piqa_valid_with_labels.jsonl");
  {
    std::ofstream out(dir / "lls.jsonl");
    for (int i = 0; i < 8; ++i) {
      // The right option likelier for the first six documents, the wrong one for the last two.
      const int64_t gold = docs[static_cast<size_t>(i)].int_field("label");
      std::vector<double> lls{-5.0, -5.0};
      lls[static_cast<size_t>(i < 6 ? gold : 1 - gold)] = -1.0;
      out << nlohmann::json{{"doc_id", i}, {"loglikelihoods", lls}}.dump() << "\n";
    }
  }
  auto [rc, err] = run_cli({"score", "--task", "piqa", "--responses", (dir / "lls.jsonl").string(), "--output",
                            (dir / "out").string(), "--data-dir", test::datasets_dir().string()},
                           dir / "e.txt");
  ASSERT_EQ(rc, 0) << err;
  const auto r = reports::read_results_json(dir / "out" / reports::kResultsFileName);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_DOUBLE_EQ(r.results[0].metrics.at("acc,none").value, 0.75);
  const auto samples = reports::read_samples_jsonl(dir / "out" / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 8u);
  ASSERT_EQ(samples[0].choices.size(), 2u);
  EXPECT_EQ(samples[0].choices[0].loglikelihood, docs[0].int_field("label") == 0 ? -1.0 : -5.0);

  std::ofstream(dir / "bad.jsonl") << "{\"doc_id\": 0, \"loglikelihoods\": [-1, -2, -3]}\n";
  auto [rc2, err2] = run_cli({"score", "--task", "piqa", "--responses", (dir / "bad.jsonl").string(), "--output",
                              (dir / "out2").string(), "--data-dir", test::datasets_dir().string()},
                             dir / "e2.txt");
  EXPECT_EQ(rc2, 1);
  EXPECT_NE(err2.find((dir / "bad.jsonl").string() + ":1: field 'loglikelihoods': expected 2 numbers (one per option of document '0'), got [-1,-2,-3]"),
            std::string::npos)
      << err2;
}

TEST(Cli, ClearErrors) {
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto dir = test::fresh_dir("cli_errors");
  auto [rc, err] = run_cli({"run", "--model", "fake", "--tasks", "gsm9k", "--output", (dir / "o").string(), "--data-dir",
                            test::datasets_dir().string()},
                           dir / "e.txt");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("unknown task 'gsm9k' (known: gsm8k"), std::string::npos) << err;
  auto [rc2, err2] = run_cli({"run", "--model", "fake", "--tasks", "gsm8k", "--output", (dir / "o").string(), "--data-dir",
                              (dir / "empty").string()},
                             dir / "e2.txt");
  EXPECT_EQ(rc2, 1);
  EXPECT_NE(err2.find("gsm8k/test.jsonl: missing"), std::string::npos) << err2;
  auto [rc3, err3] = run_cli({"datasets", "verify", "gsm8k", "--data-dir", test::datasets_dir().string()}, dir / "e3.txt");
  EXPECT_EQ(rc3, 0) << err3;
  auto [rc4, err4] = run_cli({"list", "tasks"}, dir / "e4.txt");
  EXPECT_EQ(rc4, 0);
}

// Code tasks from the command line: `score` of HumanEval responses (doc ids "HumanEval/N") in the sandbox,
// and `run` with --unsafe-no-sandbox, which warns on stderr and in every result.
TEST(Cli, CodeTasksScoreAndUnsafeRun) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "humaneval/HumanEval.jsonl");
  DREAM_REQUIRE_PATH(test::dream_eval_bin());
  const auto dir = test::fresh_dir("cli_code");
  {
    std::ofstream out(dir / "responses.jsonl");
    const auto docs = datasets::read_jsonl(test::datasets_dir() / "humaneval/HumanEval.jsonl");
    for (int i = 0; i < 6; ++i)
      out << nlohmann::json{{"doc_id", docs[i].string_field("task_id")},
                            {"response", i < 4 ? docs[i].string_field("canonical_solution") : "    return None\n"}}
                 .dump()
          << "\n";
  }
  auto [rc, err] = run_cli({"score", "--task", "humaneval", "--responses", (dir / "responses.jsonl").string(), "--output",
                            (dir / "scored").string(), "--data-dir", test::datasets_dir().string()},
                           dir / "e.txt");
  ASSERT_EQ(rc, 0) << err;
  const auto scored = reports::read_results_json(dir / "scored" / reports::kResultsFileName);
  EXPECT_DOUBLE_EQ(scored.results.at(0).metrics.at("pass@1,create_test").value, 4.0 / 6.0);
  const auto samples = reports::read_samples_jsonl(dir / "scored" / reports::kSamplesFileName);
  ASSERT_EQ(samples.size(), 6u);
  EXPECT_EQ(samples[0].doc_id, "HumanEval/0");
  EXPECT_EQ(samples[0].code->status, "passed");
  EXPECT_EQ(samples[5].code->status, "failed");

  auto [rc2, err2] = run_cli({"run", "--model", "fake:accuracy=1", "--tasks", "humaneval", "--limit", "3", "--unsafe-no-sandbox",
                              "--data-dir", test::datasets_dir().string(), "--output", (dir / "run").string(), "--progress",
                              "never"},
                             dir / "e2.txt");
  ASSERT_EQ(rc2, 0) << err2;
  EXPECT_NE(err2.find("warning: UNSAFE: --unsafe-no-sandbox"), std::string::npos) << err2;
  const auto run = reports::read_results_json(dir / "run" / reports::kResultsFileName);
  EXPECT_DOUBLE_EQ(run.results.at(0).metrics.at("pass@1,create_test").value, 1.0);
  EXPECT_EQ(run.provenance.environment.at("code_execution").rfind("UNSAFE", 0), 0u);
  for (const auto& s : reports::read_samples_jsonl(dir / "run" / reports::kSamplesFileName))
    EXPECT_EQ(s.code->warning.rfind("UNSAFE", 0), 0u) << s.doc_id;
}
