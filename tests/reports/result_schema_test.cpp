// The results schema: every field survives JSON and file round trips; bad input names file, path and value.
#include "reports/result_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>


namespace dream::reports {
namespace {

Setting make_setting(int steps, const std::string& alg, double temperature) {
  Setting s;
  s.steps = steps;
  s.alg = alg;
  s.temperature = temperature;
  s.top_p = 0.95;
  s.max_new_tokens = 256;
  s.seed = 1234;
  s.options = Json{{"eps", 1e-3}, {"block_length", nullptr}, {"threshold", 0.9}};
  s.id = make_setting_id(s);
  s.label = make_setting_label(s);
  return s;
}

// Every optional field set, so a field dropped by the writer or the reader shows up as a difference.
Results full_results() {
  Results r;
  r.provenance.dream_eval_version = "0.1.0";
  r.provenance.git_commit = "bbf7f9c0123456789abcdef0123456789abcdef0";
  r.provenance.git_dirty = true;
  r.provenance.host = "gpu-node-07";
  r.provenance.device = "NVIDIA H100 80GB HBM3";
  r.provenance.dtype = "bfloat16";
  r.provenance.seeds = {1234, 5678};
  r.provenance.started_at = "2026-11-27T14:03:00Z";
  r.provenance.finished_at = "2026-11-27T15:00:59Z";
  r.provenance.model = {"/models/Dream-v0-Base-7B", "sha256:aa11"};
  r.provenance.tokenizer = {"/models/Dream-v0-Base-7B/tokenizer.json", "sha256:bb22"};
  r.provenance.command_line = "dream-eval run --model /models/Dream --tasks gsm8k --steps 16,32";
  r.provenance.environment = {{"libtorch", "2.5.1"}, {"cuda", "12.4"}};

  Setting a = make_setting(16, "entropy", 0.2);
  Setting b = make_setting(32, "maskgit_plus", 0.0);
  b.top_p.reset();
  b.top_k = 50;
  b.alg_temp = 0.5;
  b.policy = "threshold:0.9";
  b.id = make_setting_id(b);
  b.label = make_setting_label(b);
  r.settings = {a, b};

  TaskInfo t;
  t.name = "gsm8k";
  t.version = "3";
  t.n_shot = 8;
  t.primary_metric = "exact_match,strict-match";
  t.options = Json{{"stop", {"Question:", "</s>"}}, {"template", "Question: {{question}}\nAnswer:"}};
  TaskInfo code;
  code.name = "humaneval";
  code.version = "1";
  code.primary_metric = "pass@1,create_test";
  code.pass_at_k = {{"pass@1,create_test", 1}, {"pass@10,create_test", 10}};
  r.tasks = {t, code};

  TaskResult x;
  x.task = "gsm8k";
  x.setting_id = a.id;
  x.n_samples_original = 1319;
  x.n_samples_effective = 100;
  x.n_failed = 2;
  x.metrics["exact_match,strict-match"] = {0.71, 0.0454};
  x.metrics["exact_match,flexible-extract"] = {0.74, std::nullopt};
  Performance p;
  p.forward_passes = 1600;
  p.ms_per_step = 21.5;
  p.latency_per_sample = LatencyStats{350.0, 340.5, 410.25};
  p.generated_tokens = 12345;
  p.tokens_per_second = 987.6;
  p.tokens_per_second_definition = kTokensPerSecondDefinition;
  p.peak_memory_bytes = std::int64_t(17) << 30;
  p.wall_time_s = 12.5;
  p.batch_size = 8;
  x.performance = p;
  TaskResult y = x;
  y.setting_id = b.id;
  y.performance.reset();
  r.results = {x, y};

  r.comparisons = {Comparison{"gsm8k", "exact_match,strict-match", a.id, b.id, 0.71, 0.65, -0.06, 0.0312,
                              "paired sign-flip permutation test (exact)", 100}};
  return r;
}

SampleRecord full_sample() {
  SampleRecord s;
  s.task = "gsm8k";
  s.doc_id = "17";
  s.setting_id = make_setting(16, "entropy", 0.2).id;
  s.prompt_hash = "sha256:0123";
  s.prompt = "Question: what is 6*7?\nAnswer:";
  s.response = "It is 42 </script><img src=x onerror=alert(1)> \"quoted\" \xC3\xA9";
  s.extracted = "42";
  s.extracted_by_filter = {{"strict-match", "42"}, {"flexible-extract", "42"}};
  s.expected = "42";
  s.metrics = {{"exact_match,strict-match", 1.0}, {"exact_match,flexible-extract", 1.0}};
  s.correct = true;
  s.timing = {351.5, 16, 12};
  s.code = CodeExecution{"failed", "AssertionError: assert f(2) == 4", "UNSAFE: no isolation"};
  s.trace = DiffusionTrace{16, {{"It", 3, 1026}, {" is", 0, std::nullopt}, {" 42", 15, 220}, {"<mask>", -1, std::nullopt}}};
  s.error = "";
  return s;
}

TEST(ResultSchema, ResultsRoundTripThroughJsonText) {
  const Results r = full_results();
  const std::string text = to_json(r).dump(2);
  const Results back = results_from_json(Json::parse(text));
  EXPECT_EQ(back, r);
  EXPECT_EQ(to_json(back).dump(2), text);  // and the writer is deterministic
}

TEST(ResultSchema, ResultsRoundTripThroughFile) {
  const auto dir = std::filesystem::path(DREAM_BINARY_DIR) / "tests_tmp" / "schema_roundtrip";
  std::filesystem::create_directories(dir);
  const Results r = full_results();
  write_results_json(dir / kResultsFileName, r);
  write_samples_jsonl(dir / kSamplesFileName, {full_sample(), full_sample()});
  const ResultsBundle b = load_results_bundle(dir);
  EXPECT_EQ(b.results, r);
  ASSERT_EQ(b.samples.size(), 2u);
  EXPECT_EQ(b.samples[0], full_sample());
  EXPECT_EQ(b.samples_file, dir / kSamplesFileName);
  // A results file given directly finds its samples next to it.
  EXPECT_EQ(load_results_bundle(dir / kResultsFileName).samples.size(), 2u);
  // No temporary files left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST(ResultSchema, SampleRoundTripKeepsHostileTextAndTrace) {
  const SampleRecord s = full_sample();
  std::ostringstream line;
  append_sample_jsonl(line, s);
  const std::string text = line.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(sample_from_json(Json::parse(text)), s);
}

TEST(ResultSchema, MinimalSampleLeavesOptionalsEmpty) {
  const SampleRecord s = sample_from_json(Json::parse(R"({"task":"sudoku","doc_id":3,"setting":"x"})"));
  EXPECT_EQ(s.doc_id, "3");  // a bare index is taken as the id
  EXPECT_FALSE(s.correct.has_value());
  EXPECT_FALSE(s.code.has_value());
  EXPECT_FALSE(s.trace.has_value());
  EXPECT_FALSE(s.timing.latency_ms.has_value());
}

TEST(ResultSchema, CodeStatusesAreTheSandboxsAndNoOthers) {
  for (const char* status : {"passed", "failed", "timeout", "out_of_memory", "output_limit", "killed_by_signal",
                             "sandbox_error", "not_run", "error"}) {
    const Json j = {{"task", "humaneval"}, {"doc_id", "HumanEval/0"}, {"setting", "x"}, {"code", {{"status", status}}}};
    EXPECT_EQ(sample_from_json(j).code->status, status);
  }
  const Json bad = {{"task", "humaneval"}, {"doc_id", "HumanEval/0"}, {"setting", "x"}, {"code", {{"status", "crashed"}}}};
  try {
    sample_from_json(bad, "samples[4]");
    FAIL() << "an unknown status was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("samples[4].code.status: unknown status \"crashed\""), std::string::npos) << e.what();
  }
  Json k = to_json(full_results());
  k["tasks"][1]["pass_at_k"][0]["k"] = 0;
  EXPECT_THROW(results_from_json(k), std::runtime_error);
}

TEST(ResultSchema, NaNMetricReadsBackAsNaN) {
  Results r = full_results();
  r.results[0].metrics["exact_match,strict-match"].value = std::nan("");
  const Results back = results_from_json(Json::parse(to_json(r).dump()));
  EXPECT_TRUE(std::isnan(back.results[0].metrics.at("exact_match,strict-match").value));
}

TEST(ResultSchema, SettingIdIsStableAndCanonical) {
  Setting s = make_setting(16, "entropy", 0.2);
  EXPECT_EQ(make_setting_id(s),
            "steps=16,alg=entropy,temperature=0.2,top_p=0.95,top_k=none,alg_temp=none,max_new_tokens=256,"
            "seed=1234,policy=dream");
  EXPECT_EQ(make_setting_label(s), "entropy T=0.2 16 steps");
  // id and label default from the fields when a producer leaves them out.
  Json j = to_json(s);
  j.erase("id");
  j.erase("label");
  EXPECT_EQ(setting_from_json(j).id, s.id);
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(1e-3), "0.001");
  EXPECT_EQ(format_number(32), "32");
}

// The message must point at the field, so people can fix their file.
void expect_error(const Json& j, const std::string& needle) {
  try {
    results_from_json(j);
    ADD_FAILURE() << "no error for " << j.dump();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ResultSchema, ErrorsNameThePathAndValue) {
  const Json good = to_json(full_results());
  Json j = good;
  j["settings"][1]["steps"] = "many";
  expect_error(j, "$.settings[1].steps: expected an integer, got \"many\"");
  j = good;
  j["results"][0]["metrics"]["exact_match,strict-match"].erase("value");
  expect_error(j, "$.results[0].metrics[\"exact_match,strict-match\"].value: missing required field");
  j = good;
  j["schema_version"] = kResultsSchemaVersion + 1;
  expect_error(j, "is not supported by this build");
  j = good;
  j["schema"] = "lm-eval";
  expect_error(j, "$.schema: expected \"dream-eval.results\"");
  j = good;
  j["results"][1]["setting"] = "steps=99";
  expect_error(j, "$.results[1].setting: unknown setting \"steps=99\"");
  j = good;
  j["settings"][1]["id"] = j["settings"][0]["id"];
  expect_error(j, "duplicate setting id");
  j = good;
  j["results"][0]["performance"].erase("tokens_per_second_definition");
  expect_error(j, "tokens_per_second_definition: required when tokens_per_second is given");
}

TEST(ResultSchema, SamplesErrorNamesFileAndLine) {
  const auto dir = std::filesystem::path(DREAM_BINARY_DIR) / "tests_tmp" / "schema_bad_samples";
  std::filesystem::create_directories(dir);
  const auto file = dir / kSamplesFileName;
  {
    std::ofstream out(file);
    append_sample_jsonl(out, full_sample());
    out << "\n";                                                   // blank lines are fine
    out << R"({"task":"gsm8k","doc_id":"1","setting":"x","trace":{"steps":4,"tokens":[{"text":"a","step":9}]}})" << "\n";
  }
  try {
    read_samples_jsonl(file);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file.string() + ":3: $.trace.tokens[0].step: step 9 outside [-1, 4)"), std::string::npos) << msg;
  }
}

TEST(ResultSchema, BundleRejectsSamplesWithUnknownSetting) {
  const auto dir = std::filesystem::path(DREAM_BINARY_DIR) / "tests_tmp" / "schema_bad_bundle";
  std::filesystem::create_directories(dir);
  write_results_json(dir / kResultsFileName, full_results());
  SampleRecord s = full_sample();
  s.setting_id = "steps=1";
  write_samples_jsonl(dir / kSamplesFileName, {s});
  EXPECT_THROW(load_results_bundle(dir), std::runtime_error);
  EXPECT_THROW(load_results_bundle(dir / "missing"), std::runtime_error);
}

}  // namespace
}  // namespace dream::reports
