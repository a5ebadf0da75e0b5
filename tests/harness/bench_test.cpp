// dream-eval bench (harness/model_bench.h): the grid, the lm_head row count, the statistics, a tiny random
// model benchmarked on the CPU (figures consistent with their definitions, steps counted), and the CLI.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "../support/test_paths.h"
#include "harness/model_bench.h"
#include "harness_support.h"
#include "model/device.h"
#include "model/dream_model.h"
#include "model/flops.h"
#include "model/random_checkpoint.h"

namespace dream::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(BenchGrid, ExpandsEveryCombinationInDeclaredOrder) {
  BenchGrid g;
  g.dtype = {"float32", "bfloat16"};
  g.batch = {1, 8};
  g.prompt = {4};
  g.new_tokens = {4, 8};
  g.steps = {2, 4};
  g.alg = {"entropy", "origin"};
  g.temperature = {0.0};
  g.top_p = {0.95, std::nullopt};
  const auto points = expand_bench_grid(g, BenchMode::Both);
  ASSERT_EQ(points.size(), 2u * 2 * 1 * 2 * 2 * 2 * 1 * 2);
  EXPECT_EQ(points[0].dtype, "float32");
  EXPECT_EQ(points[0].top_p, 0.95);
  EXPECT_EQ(points[1].top_p, std::nullopt);  // innermost axis first
  EXPECT_EQ(points[2].alg, "origin");
  EXPECT_EQ(points[4].steps, 4);
  EXPECT_EQ(points[8].new_tokens, 8);
  EXPECT_EQ(points[16].batch, 8);
  EXPECT_EQ(points[32].dtype, "bfloat16");
  EXPECT_EQ(points.back().tokens(), 12);
  EXPECT_EQ(expand_bench_grid(g, BenchMode::Generate).size(), points.size());

  const auto forward = expand_bench_grid(g, BenchMode::Forward);
  ASSERT_EQ(forward.size(), 2u * 2 * 1 * 2);  // generation axes left out
  for (const auto& p : forward) EXPECT_FALSE(p.steps.has_value());
  EXPECT_EQ(forward[1].new_tokens, 8);
}

TEST(BenchSummary, MedianMeanExtremesAndSampleStddev) {
  const Summary s = summarize({3, 1, 2, 10});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_NEAR(s.stddev, std::sqrt(50.0 / 3.0), 1e-12);
  EXPECT_DOUBLE_EQ(summarize({7}).median, 7.0);
  EXPECT_DOUBLE_EQ(summarize({7}).stddev, 0.0);
}

TEST(BenchConfig, NamedConfigsAndErrors) {
  EXPECT_EQ(bench_config("7b").hidden_size, 3584);
  EXPECT_EQ(bench_config("tiny").vocab_size, 320);
  EXPECT_EQ(bench_config("100m").num_hidden_layers, 12);
  try {
    bench_config("13b");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--config 13b: unknown (known: 7b, tiny, 100m, or a config.json file)");
  }
  EXPECT_THROW(bench_config("/nonexistent/config.json"), std::invalid_argument);
}

// The lm_head rows of an entropy generation from the schedule alone (an independent derivation of what
// the generation records): every row starts fully masked and loses k per step; every pass covers all N tokens.
std::vector<model::PassShape> scheduled_passes(int64_t batch, int64_t new_tokens, int64_t steps, int64_t tokens) {
  const at::Tensor t = at::linspace(1.0, 1e-3, steps + 1, at::TensorOptions().dtype(at::kFloat));
  std::vector<model::PassShape> passes;
  int64_t masked = batch * new_tokens;
  for (int64_t i = 0; i < steps; ++i) {
    passes.push_back({tokens, masked});
    masked -= batch * model::tokens_to_reveal(masked, batch, t[i].item<float>(), t[i + 1].item<float>(), i == steps - 1);
  }
  return passes;
}

BenchOptions tiny_options(BenchMode mode) {
  BenchOptions o;
  o.config = "tiny";
  o.seed = 3;
  o.mode = mode;
  o.grid.batch = {1, 2};
  o.grid.prompt = {5};
  o.grid.new_tokens = {6};
  o.grid.steps = {3};
  o.grid.alg = {"entropy", "origin"};
  o.repetitions = 3;  // odd: the median of a figure is the figure of the median wall time
  o.warmup = 1;
  o.gemm_size = 32;
  o.gemm_repetitions = 3;
  return o;
}

void expect_relative(double actual, double expected, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-9 * std::max(1.0, std::fabs(expected))) << what;
}

TEST(ModelBench, TinyRandomModelOnCpuGivesConsistentFigures) {
  const BenchOptions o = tiny_options(BenchMode::Both);
  std::vector<std::string> progress;
  const json r = run_model_bench(o, [&](const std::string& line) { progress.push_back(line); });
  EXPECT_EQ(r["schema"], "dream-eval.bench/1");
  for (const char* key : {"device", "device_name", "libtorch", "threads", "git_commit", "date", "cuda_build"})
    EXPECT_TRUE(r["environment"].contains(key)) << key;
  EXPECT_EQ(r["environment"]["device"], "cpu");
  const model::DreamConfig config = bench_config("tiny");
  EXPECT_EQ(r["model"]["parameters"], config.parameter_count());
  EXPECT_EQ(r["model"]["fingerprints"]["float32"].get<std::string>().size(), 16u);
  const double gemm = r["gemm"]["float32"]["tflops"]["median"].get<double>();
  EXPECT_GT(gemm, 0);
  EXPECT_EQ(r["gemm"]["float32"]["n"], 32);
  EXPECT_TRUE(r["definitions"].contains("tokens_per_s"));

  ASSERT_EQ(r["points"].size(), 4u);
  EXPECT_EQ(progress.size(), 4u);
  for (const json& p : r["points"]) {
    const json& s = p["settings"];
    const int64_t B = s["batch"], N = s["tokens"], steps = s["steps"], new_tokens = s["new_tokens"];
    EXPECT_EQ(N, 11);
    SCOPED_TRACE(s.dump());

    const json& f = p["forward"];
    const int64_t fwd_flops = model::forward_flops(config, B, N, B * N).total();
    EXPECT_EQ(f["flops"], fwd_flops);
    const double fwd_ms = f["forward_ms"]["median"];
    EXPECT_GT(fwd_ms, 0);
    EXPECT_EQ(f["forward_ms"]["n"], 3);
    EXPECT_EQ(f["samples_ms"].size(), 3u);
    expect_relative(f["tflops"]["median"], fwd_flops / (fwd_ms * 1e-3) / 1e12, "forward tflops");
    expect_relative(f["forward_tokens_per_s"]["median"], B * N / (fwd_ms * 1e-3), "forward tokens/s");
    expect_relative(f["percent_of_gemm_rate"], 100.0 * f["tflops"]["median"].get<double>() / gemm, "forward % GEMM");

    const json& g = p["generation"];
    EXPECT_EQ(g["forward_passes"], steps);
    const double wall = g["wall_ms"]["median"];
    EXPECT_GT(wall, 0);
    EXPECT_LE(g["wall_ms"]["min"].get<double>(), wall);
    EXPECT_GE(g["wall_ms"]["max"].get<double>(), wall);
    EXPECT_GE(g["wall_ms"]["stddev"].get<double>(), 0);
    expect_relative(g["ms_per_step"]["median"], wall / steps, "ms per step");
    expect_relative(g["tokens_per_s"]["median"], B * new_tokens / (wall * 1e-3), "tokens/s");
    const double flops = g["flops"]["median"];
    if (s["alg"] == "entropy") {
      EXPECT_EQ(flops, model::generation_flops(config, B, N, scheduled_passes(B, new_tokens, steps, N)));
      expect_relative(g["tflops"]["median"], flops / (wall * 1e-3) / 1e12, "generation tflops");
    } else {
      // origin: the lm_head sees the revealed positions only, B * new of them over the whole generation.
      const int64_t body = steps * model::forward_flops(config, B, N, 0).total();
      EXPECT_EQ(flops, body + model::forward_flops(config, B, N, B * new_tokens).lm_head);
    }
    expect_relative(g["percent_of_gemm_rate"], 100.0 * g["tflops"]["median"].get<double>() / gemm, "% GEMM");
    EXPECT_GE(g["forward_ms_per_step"]["median"].get<double>(), 0);
    EXPECT_GE(g["sampling_ms_per_step"]["median"].get<double>(), 0);
    EXPECT_GT(p["peak_memory"]["bytes"].get<int64_t>(), 0);
    EXPECT_NE(p["peak_memory"]["kind"].get<std::string>().find("resident set size"), std::string::npos);
  }

  const std::string md = bench_markdown(r);
  size_t rows = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("| float32 |", 0) == 0) ++rows;
  EXPECT_EQ(rows, r["points"].size());
  EXPECT_NE(md.find("| ms/step |"), std::string::npos);
  EXPECT_NE(md.find("measured GEMM rate, float32 32³"), std::string::npos);
}

TEST(ModelBench, ForwardOnlyLeavesGenerationOut) {
  BenchOptions o = tiny_options(BenchMode::Forward);
  o.grid.dtype = {"float32", "bfloat16"};
  const json r = run_model_bench(o);
  ASSERT_EQ(r["points"].size(), 4u);  // 2 dtypes x 2 batches
  for (const json& p : r["points"]) {
    EXPECT_TRUE(p.contains("forward"));
    EXPECT_FALSE(p.contains("generation"));
    EXPECT_FALSE(p["settings"].contains("steps"));
  }
  EXPECT_TRUE(r["gemm"].contains("bfloat16"));
  EXPECT_EQ(r["points"][2]["settings"]["dtype"], "bfloat16");
  const std::string md = bench_markdown(r);
  EXPECT_EQ(md.find("ms/step"), std::string::npos);
  EXPECT_NE(md.find("| bfloat16 | 2 | 5 | 6 |"), std::string::npos) << md;
}

// The multiple-choice estimator's batch: masked rows within the continuation, FLOPs from them, the per-option
// projection at Dream's mc_num 128, and only likelihood figures in the document and the Markdown.
TEST(ModelBench, LikelihoodModeTimesOneMonteCarloBatch) {
  BenchOptions o = tiny_options(BenchMode::Likelihood);
  o.grid.batch = {4, 32};
  const json r = run_model_bench(o);
  ASSERT_EQ(r["points"].size(), 2u);
  const model::DreamConfig c = bench_config("tiny");
  for (const json& p : r["points"]) {
    EXPECT_FALSE(p.contains("forward"));
    EXPECT_FALSE(p.contains("generation"));
    const json& l = p["likelihood"];
    const int64_t batch = p["settings"]["batch"];
    EXPECT_TRUE(l["finite"].get<bool>());
    // Maskable: the continuation minus its last position (5 of 6), in each of the batch's rows.
    EXPECT_GE(l["masked_rows"]["min"].get<double>(), 0.0);
    EXPECT_LE(l["masked_rows"]["max"].get<double>(), 5.0 * batch);
    const double ms = l["likelihood_ms"]["median"];
    EXPECT_GT(ms, 0.0);
    expect_relative(l["likelihood_ms_per_option_at_mc_num_128"], ms * std::max<int64_t>(128 / batch, 1), "projection");
    // TFLOP/s of every repetition from its own masked rows: the median lies between the extremes' formulas.
    const double low = model::forward_flops(c, batch, 11, static_cast<int64_t>(l["masked_rows"]["min"].get<double>())).total();
    const double high = model::forward_flops(c, batch, 11, static_cast<int64_t>(l["masked_rows"]["max"].get<double>())).total();
    const double t = l["tflops"]["median"];
    EXPECT_GE(t, low / (l["likelihood_ms"]["max"].get<double>() * 1e-3) / 1e12 * (1 - 1e-9));
    EXPECT_LE(t, high / (l["likelihood_ms"]["min"].get<double>() * 1e-3) / 1e12 * (1 + 1e-9));
  }
  const std::string md = bench_markdown(r);
  EXPECT_NE(md.find("ms per option (mc_num 128)"), std::string::npos) << md;
  EXPECT_EQ(md.find("forward ms"), std::string::npos) << md;
  o.grid.new_tokens = {1};
  try {
    validate(o);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--new"), std::string::npos) << e.what();
  }
}

TEST(ModelBench, BenchmarksACheckpointFolder) {
  const fs::path dir = fs::temp_directory_path() / ("dream_bench_ckpt_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const model::DreamConfig config = model::small_config(64, 16, 40, 1, 2, 1);
  model::write_random_checkpoint(dir, config, {.seed = 9});
  BenchOptions o = tiny_options(BenchMode::Generate);
  o.model_dir = dir.string();
  o.grid.batch = {2};
  o.grid.alg = {"maskgit_plus"};
  const json r = run_model_bench(o);
  EXPECT_EQ(r["model"]["weights"], "checkpoint");
  EXPECT_EQ(r["model"]["source"], dir.string());
  EXPECT_EQ(r["model"]["parameters"], config.parameter_count());
  EXPECT_EQ(r["model"]["fingerprints"]["float32"], model::DreamModel::load(dir).fingerprint());
  ASSERT_EQ(r["points"].size(), 1u);
  EXPECT_FALSE(r["points"][0].contains("forward"));
  EXPECT_EQ(r["points"][0]["generation"]["forward_passes"], 3);
  fs::remove_all(dir);
  o.model_dir = dir.string();
  EXPECT_THROW(validate(o), std::invalid_argument);  // the folder is gone
}

TEST(ModelBench, ValidateNamesTheOptionAndValue) {
  auto error_of = [](const std::function<void(BenchOptions&)>& edit) {
    BenchOptions o = tiny_options(BenchMode::Both);
    edit(o);
    try {
      validate(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of([](BenchOptions&) {}), "");
  EXPECT_EQ(error_of([](BenchOptions& o) { o.grid.batch = {1, 0}; }), "--batch 0: must be at least 1");
  EXPECT_EQ(error_of([](BenchOptions& o) { o.grid.dtype = {"float8"}; }), "--dtype float8: unknown (known: float32, bfloat16)");
  EXPECT_EQ(error_of([](BenchOptions& o) { o.grid.top_p = {1.5}; }), "--top-p 1.5: must be in (0, 1] (or none)");
  EXPECT_EQ(error_of([](BenchOptions& o) { o.grid.steps = {}; }), "--steps: give at least one value");
  EXPECT_EQ(error_of([](BenchOptions& o) { o.repetitions = 0; }), "--repetitions 0: must be at least 1");
  EXPECT_NE(error_of([](BenchOptions& o) { o.grid.alg = {"greedy"}; }).find("--alg greedy: "), std::string::npos);
  EXPECT_EQ(error_of([](BenchOptions& o) { o.device = "tpu"; }), "--device tpu: device 'tpu': unknown (known: auto, cpu, cuda, cuda:N)");
  EXPECT_NE(error_of([](BenchOptions& o) { o.grid.policy = {"blocks:0"}; }).find("policy 'blocks:0': blocks:0 is not a block length"), std::string::npos);
  EXPECT_EQ(error_of([](BenchOptions& o) { o.grid.policy = {"blocks:1"}; }),
            "params.steps = 3: policy blocks:1 cuts 6 new tokens into 6 blocks, which need at least one step each");
  // Forward-only grids ignore the generation axes.
  EXPECT_EQ(error_of([](BenchOptions& o) { o.mode = BenchMode::Forward; o.grid.steps = {0}; }), "");
}

// A dual-cache point: per block one full forward, then windows of block + 1 positions, whose FLOPs count their
// own queries against every key; ms per step divides by the forward passes.
TEST(ModelBench, PolicyPointsCountWhatTheirPassesComputed) {
  BenchOptions o = tiny_options(BenchMode::Generate);
  o.grid.batch = {1};
  o.grid.prompt = {5};
  o.grid.new_tokens = {8};
  o.grid.steps = {4};
  o.grid.alg = {"entropy"};
  o.grid.policy = {"dual_cache+blocks:4"};
  const json r = run_model_bench(o);
  ASSERT_EQ(r["points"].size(), 1u);
  const json& p = r["points"][0];
  EXPECT_EQ(p["settings"]["policy"], "blocks:4+dual_cache");
  const json& g = p["generation"];
  EXPECT_EQ(g["forward_passes"], 4);
  // Two blocks of 4 with two steps each: full forward over 13 tokens with 4 lm_head rows (the block's masks),
  // then a window of 5 with the 3 left (int(4 x 0.4995) = 1 revealed), twice.
  const model::DreamConfig c = bench_config("tiny");
  const int64_t full = model::forward_flops(c, 1, 13, 4).total(), window = model::forward_flops(c, 1, 5, 13, 3).total();
  EXPECT_EQ(g["flops"]["median"].get<double>(), static_cast<double>(2 * (full + window)));
  expect_relative(g["ms_per_step"]["median"], g["wall_ms"]["median"].get<double>() / 4, "ms per step");
  EXPECT_NE(bench_markdown(r).find("| blocks:4+dual_cache |"), std::string::npos);
}

TEST(ModelBench, TinyRandomModelOnCuda) {
  if (!model::cuda_device_if_present()) GTEST_SKIP() << "no CUDA device in this build or machine";
  BenchOptions o = tiny_options(BenchMode::Both);
  o.device = "cuda";
  o.grid.dtype = {"bfloat16", "float32"};
  o.gemm_size = 256;
  const json r = run_model_bench(o);
  EXPECT_EQ(r["environment"]["device"], "cuda:0");
  ASSERT_EQ(r["points"].size(), 8u);
  for (const json& p : r["points"]) {
    SCOPED_TRACE(p["settings"].dump());
    EXPECT_EQ(p["generation"]["forward_passes"], p["settings"]["steps"]);
    EXPECT_GT(p["generation"]["wall_ms"]["median"].get<double>(), 0);
    EXPECT_GT(p["forward"]["tflops"]["median"].get<double>(), 0);
    EXPECT_NE(p["peak_memory"]["kind"].get<std::string>().find("CUDA"), std::string::npos);
    EXPECT_GT(p["peak_memory"]["bytes"].get<int64_t>(), 0);
  }
  EXPECT_GT(r["gemm"]["bfloat16"]["tflops"]["median"].get<double>(), 0);
}

TEST(BenchCli, BadOptionsGiveOneClearLine) {
  const std::string base = "bench --prompt 4 --new 4 --steps 2 --repetitions 1 --gemm-size 16 ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--batch 0", "--batch 0: must be at least 1"},
      {"--dtype float8", "--dtype float8: unknown (known: float32, bfloat16)"},
      {"--device cuda", "--device cuda: device 'cuda': this dream-eval is a CPU build"},
      {"--top-p 2", "--top-p 2: must be in (0, 1] (or none)"},
      {"--mode sideways", "--mode sideways: unknown (known: forward, generate, both, likelihood)"},
      {"--config 13b", "--config 13b: unknown"},
  };
  for (const auto& [extra, expected] : cases) {
    if (extra == "--device cuda" && model::cuda_build()) continue;
    const test::CliResult r = test::run_dream_eval(base + extra);
    EXPECT_EQ(r.status, 1) << extra;
    EXPECT_NE(r.err.find("dream-eval: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << extra << " -> " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(BenchCli, WritesJsonAndMarkdown) {
  const fs::path dir = fs::temp_directory_path() / ("dream_bench_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const test::CliResult r = test::run_dream_eval("bench --config tiny --batch 1,2 --prompt 4 --new 4 --steps 2,4 --top-p none --repetitions 1 "
                              "--warmup 0 --gemm-size 16 --output-json " + (dir / "b.json").string() +
                              " --output-md " + (dir / "b.md").string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(dir / "b.json");
  const json j = json::parse(in);
  EXPECT_EQ(j["schema"], "dream-eval.bench/1");
  ASSERT_EQ(j["points"].size(), 4u);
  EXPECT_TRUE(j["points"][0]["settings"]["top_p"].is_null());
  EXPECT_EQ(j["points"][1]["generation"]["forward_passes"], 4);
  std::ifstream md(dir / "b.md");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(md), {}), r.out);
  EXPECT_NE(r.out.find("| float32 | 2 | 4 | 4 | 4 | entropy | dream | 0 | none |"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 4) << r.err;  // one progress line per point
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dream::harness
