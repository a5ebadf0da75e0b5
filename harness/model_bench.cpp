#include "model_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <torch/version.h>

#include "build_info.h"
#include "model/cpu_threads.h"
#include "model/checkpoint.h"
#include "model/device.h"
#include "model/dream_model.h"
#include "model/flops.h"
#include "model/generate.h"
#include "model/likelihood.h"
#include "model/ops/fused.h"
#include "model/random_checkpoint.h"
#include "model/torch_compat.h"

namespace dream::harness {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// What every figure means; copied into each result so a JSON file explains itself.
const json& definitions() {
  static const json d = {
      {"wall_ms", "wall time of one diffusion_generate call, device synchronised before and after"},
      {"ms_per_step", "wall_ms / forward passes (= steps under policy dream; a threshold may stop sooner)"},
      {"tokens_per_s", "batch * new_tokens / (wall_ms / 1000): every answer position counts, EOS or not"},
      {"forward_ms", "one DreamModel::forward of batch x (prompt + new_tokens) tokens with full logits, synchronised"},
      {"forward_tokens_per_s", "batch * (prompt + new_tokens) / (forward_ms / 1000)"},
      {"flops", "GEMM FLOPs (2*m*n*k each) of the network, model/flops.h; a generation sums its steps, each with "
                "the lm_head on the rows of the positions masked at the step's start (origin: revealed ones)"},
      {"tflops", "flops / wall seconds / 1e12"},
      {"percent_of_gemm_rate", "100 * median tflops / the median measured n x n x n GEMM rate of the same dtype"},
      {"forward_ms_per_step", "GenerationTiming.forward_ms / forward passes (network incl. lm_head; on CUDA "
                              "asynchronous launches blur the split, wall figures do not)"},
      {"sampling_ms_per_step", "GenerationTiming.sampling_ms / forward passes (filters, confidences, choice, writes)"},
      {"likelihood_ms", "one Monte Carlo ELBO batch (model::mc_batch_loss) of batch samples of prompt (context) + "
                        "new_tokens (continuation) tokens: a forward with the lm_head on the masked rows, float32 "
                        "cross-entropy, result read back; masks drawn as the official evaluation draws them"},
      {"likelihood_ms_per_option_at_mc_num_128", "likelihood_ms * max(128 / batch, 1): the estimator's time for one "
                                                  "option under Dream's protocol (mc_num 128)"},
      {"peak_memory", "CUDA: caching allocator peak allocated bytes over the point (weights included); "
                      "CPU: peak resident set size of the process (VmHWM)"},
      {"spread", "median, mean, min, max and sample stddev over the repetitions; warm-up runs excluded"}};
  return d;
}

json to_json(const Summary& s) {
  return {{"median", s.median}, {"mean", s.mean}, {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}, {"n", s.n}};
}

template <typename T>
void require(bool ok, const std::string& flag, const T& value, const std::string& why) {
  if (ok) return;
  std::string text;
  if constexpr (std::is_arithmetic_v<T>) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(value));
    text = buf;
  } else {
    text = value;
  }
  throw std::invalid_argument(flag + " " + text + ": " + why);
}

at::ScalarType dtype_named(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("--dtype " + name + ": unknown (known: float32, bfloat16)");
}

// Times `fn` once, with the device synchronised before the clock starts and before it stops.
template <typename Fn>
double timed_ms(at::Device device, Fn&& fn) {
  model::synchronize(device);
  const auto t0 = Clock::now();
  fn();
  model::synchronize(device);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The matrix-unit rate of this device and dtype: the median over repetitions of an n x n x n product through
// at::linear, the op every projection of the model calls, so the model is compared with the GEMM path it
// takes. Each sample times 10 back-to-back products: on CUDA launch and synchronisation costs vanish; on the
// CPU a lone ~10 ms product also timed the BLAS pool's threads waking up (±30% between samples on the 2-core VM).
json measure_gemm_rate(at::Device device, at::ScalarType dtype, int64_t n, int repetitions, uint64_t seed) {
  at::Generator gen = model::compat::make_cpu_generator(seed);
  const at::Tensor a = at::randn({n, n}, gen, at::TensorOptions().dtype(at::kFloat)).to(device, dtype);
  const at::Tensor b = at::randn({n, n}, gen, at::TensorOptions().dtype(at::kFloat)).to(device, dtype);
  constexpr int per_sample = 10;
  auto run = [&] {
    for (int i = 0; i < per_sample; ++i) at::linear(a, b);
  };
  timed_ms(device, run);  // warm-up: library initialisation, kernel selection
  std::vector<double> tflops;
  for (int r = 0; r < repetitions; ++r) {
    const double ms = timed_ms(device, run);
    tflops.push_back(2.0 * static_cast<double>(n) * n * n * per_sample / (ms * 1e-3) / 1e12);
  }
  return {{"n", n}, {"matmuls_per_sample", per_sample}, {"tflops", to_json(summarize(tflops))}};
}

// Random prompt ids [rows, cols] on `device`, never the mask id (it would be generated over).
at::Tensor random_ids(const model::DreamConfig& c, int64_t rows, int64_t cols, at::Generator& gen, at::Device device) {
  at::Tensor ids = at::randint(0, c.vocab_size, {rows, cols}, gen, at::TensorOptions().dtype(at::kLong));
  ids.masked_fill_(ids == c.mask_token_id, c.pad_token_id);
  return ids.to(device);
}

json forward_figures(const model::DreamModel& m, const BenchPoint& p, const BenchOptions& o, at::Device device,
                     at::Generator& gen, double gemm_tflops) {
  const at::Tensor ids = random_ids(m.config(), p.batch, p.tokens(), gen, device);
  auto once = [&] { m.forward(ids); };
  for (int w = 0; w < o.warmup; ++w) timed_ms(device, once);
  const int64_t flops = model::forward_flops(m.config(), p.batch, p.tokens(), p.batch * p.tokens()).total();
  std::vector<double> ms, tflops, tokens_per_s;
  for (int r = 0; r < o.repetitions; ++r) {
    ms.push_back(timed_ms(device, once));
    tflops.push_back(static_cast<double>(flops) / (ms.back() * 1e-3) / 1e12);
    tokens_per_s.push_back(static_cast<double>(p.batch * p.tokens()) / (ms.back() * 1e-3));
  }
  const Summary t = summarize(tflops);
  return {{"flops", flops},
          {"forward_ms", to_json(summarize(ms))},
          {"forward_tokens_per_s", to_json(summarize(tokens_per_s))},
          {"tflops", to_json(t)},
          {"percent_of_gemm_rate", 100.0 * t.median / gemm_tflops},
          {"samples_ms", ms}};
}

// The generation a point runs; validated (throws naming the field and value).
model::GenerationParams generation_params(const BenchPoint& p, const BenchOptions& o) {
  model::GenerationParams params;
  params.max_new_tokens = p.new_tokens;
  params.steps = *p.steps;
  params.alg = model::alg_from_name(*p.alg);
  params.policy = model::DecodingPolicy::parse(*p.policy);
  params.temperature = *p.temperature;
  params.top_p = p.top_p;
  params.seed = o.seed;
  params.cuda_graphs = o.cuda_graphs;
  params.sync_timing = o.sync_timing;
  params.validate();
  return params;
}

json generation_figures(const model::DreamModel& m, const BenchPoint& p, const BenchOptions& o, at::Device device,
                        at::Generator& gen, double gemm_tflops) {
  const model::GenerationParams params = generation_params(p, o);
  const at::Tensor prompt = random_ids(m.config(), p.batch, p.prompt, gen, device);
  model::GenerationOutput out;
  auto once = [&] { out = model::diffusion_generate(m, prompt, at::Tensor(), params); };
  for (int w = 0; w < o.warmup; ++w) timed_ms(device, once);
  std::vector<double> wall, per_step, tokens_per_s, tflops, forward_per_step, sampling_per_step, flops_per_run;
  int64_t forward_passes = 0;
  for (int r = 0; r < o.repetitions; ++r) {
    const double ms = timed_ms(device, once);
    const int64_t passes = out.timing.forward_passes;
    const int64_t flops = model::generation_flops(m.config(), p.batch, p.tokens(), out.timing.passes);
    wall.push_back(ms);
    per_step.push_back(ms / static_cast<double>(std::max<int64_t>(1, passes)));
    tokens_per_s.push_back(static_cast<double>(p.batch * p.new_tokens) / (ms * 1e-3));
    tflops.push_back(static_cast<double>(flops) / (ms * 1e-3) / 1e12);
    forward_per_step.push_back(out.timing.forward_ms / static_cast<double>(std::max<int64_t>(1, passes)));
    sampling_per_step.push_back(out.timing.sampling_ms / static_cast<double>(std::max<int64_t>(1, passes)));
    flops_per_run.push_back(static_cast<double>(flops));
    forward_passes = passes;
  }
  const Summary t = summarize(tflops);
  return {{"forward_passes", forward_passes},
          {"flops", to_json(summarize(flops_per_run))},
          {"wall_ms", to_json(summarize(wall))},
          {"ms_per_step", to_json(summarize(per_step))},
          {"tokens_per_s", to_json(summarize(tokens_per_s))},
          {"tflops", to_json(t)},
          {"percent_of_gemm_rate", 100.0 * t.median / gemm_tflops},
          {"forward_ms_per_step", to_json(summarize(forward_per_step))},
          {"sampling_ms_per_step", to_json(summarize(sampling_per_step))},
          {"samples_ms", wall}};
}

json likelihood_figures(const model::DreamModel& m, const BenchPoint& p, const BenchOptions& o, at::Device device,
                        at::Generator& gen, double gemm_tflops) {
  const at::Tensor ids = random_ids(m.config(), 1, p.tokens(), gen, device).squeeze(0);
  at::Generator mask_gen = model::compat::make_generator(o.seed, device);
  constexpr double kSamplingEps = 1e-3;  // the official evaluation's
  model::McMasks masks;
  double loss = 0;
  auto once = [&] { loss = model::mc_batch_loss(m, ids, masks).item<double>(); };
  std::vector<double> ms, tflops, masked_rows;
  for (int r = -o.warmup; r < o.repetitions; ++r) {
    masks = model::draw_mc_masks(p.batch, p.tokens(), p.prompt, kSamplingEps, mask_gen, device);
    const int64_t rows = masks.masked.sum().item<int64_t>();
    const double t = timed_ms(device, once);
    if (r < 0) continue;  // warm-up
    ms.push_back(t);
    masked_rows.push_back(static_cast<double>(rows));
    const int64_t flops = model::forward_flops(m.config(), p.batch, p.tokens(), rows).total();
    tflops.push_back(static_cast<double>(flops) / (t * 1e-3) / 1e12);
  }
  const Summary time = summarize(ms), t = summarize(tflops);
  const int64_t batches_at_128 = std::max<int64_t>(128 / p.batch, 1);
  return {{"likelihood_ms", to_json(time)},
          {"masked_rows", to_json(summarize(masked_rows))},
          {"tflops", to_json(t)},
          {"percent_of_gemm_rate", 100.0 * t.median / gemm_tflops},
          {"likelihood_ms_per_option_at_mc_num_128", time.median * static_cast<double>(batches_at_128)},
          {"finite", std::isfinite(loss)},
          {"samples_ms", ms}};
}

json point_settings(const BenchPoint& p) {
  json s = {{"dtype", p.dtype}, {"batch", p.batch}, {"prompt", p.prompt}, {"new_tokens", p.new_tokens},
            {"tokens", p.tokens()}};
  if (p.steps) {
    s["steps"] = *p.steps;
    s["alg"] = *p.alg;
    s["policy"] = *p.policy;
    s["temperature"] = *p.temperature;
    s["top_p"] = p.top_p ? json(*p.top_p) : json(nullptr);
  }
  return s;
}

std::string point_label(const BenchPoint& p) {
  std::string s = p.dtype + " B=" + std::to_string(p.batch) + " P=" + std::to_string(p.prompt) +
                  " new=" + std::to_string(p.new_tokens);
  if (p.steps) s += " steps=" + std::to_string(*p.steps) + " alg=" + *p.alg + (*p.policy == "dream" ? "" : " policy=" + *p.policy);
  return s;
}

json environment(at::Device device) {
  return {{"device", device.str()},
          {"device_name", model::device_name(device)},
          {"cuda_build", model::cuda_build()},
          {"libtorch", TORCH_VERSION},
          {"threads", model::cpu_threads().cores()},
          {"cpu_threading", model::cpu_threads().describe()},
          {"dream_eval_version", dream_eval_version()},
          {"git_commit", git_commit()},
          {"git_dirty", git_dirty()},
          {"date", utc_now_iso8601()},
          {"host", host_name()},
          {"command_line", process_command_line()}};
}

json grid_json(const BenchGrid& g) {
  json top_p = json::array();
  for (const auto& v : g.top_p) top_p.push_back(v ? json(*v) : json(nullptr));
  return {{"dtype", g.dtype}, {"batch", g.batch}, {"prompt", g.prompt}, {"new_tokens", g.new_tokens},
          {"steps", g.steps}, {"alg", g.alg}, {"policy", g.policy}, {"temperature", g.temperature}, {"top_p", top_p}};
}

}  // namespace

BenchMode bench_mode_from_name(const std::string& name) {
  if (name == "forward") return BenchMode::Forward;
  if (name == "generate") return BenchMode::Generate;
  if (name == "both") return BenchMode::Both;
  if (name == "likelihood") return BenchMode::Likelihood;
  throw std::invalid_argument("--mode " + name + ": unknown (known: forward, generate, both, likelihood)");
}

std::string bench_mode_name(BenchMode mode) {
  switch (mode) {
    case BenchMode::Forward: return "forward";
    case BenchMode::Generate: return "generate";
    case BenchMode::Both: return "both";
    case BenchMode::Likelihood: return "likelihood";
  }
  return "?";
}

std::vector<BenchPoint> expand_bench_grid(const BenchGrid& g, BenchMode mode) {
  std::vector<BenchPoint> points;
  for (const auto& dtype : g.dtype)
    for (int64_t batch : g.batch)
      for (int64_t prompt : g.prompt)
        for (int64_t new_tokens : g.new_tokens) {
          const BenchPoint shape{dtype, batch, prompt, new_tokens};
          if (mode == BenchMode::Forward || mode == BenchMode::Likelihood) {
            points.push_back(shape);
            continue;
          }
          for (int64_t steps : g.steps)
            for (const auto& alg : g.alg)
              for (const auto& policy : g.policy)
                for (double temperature : g.temperature)
                  for (const auto& top_p : g.top_p) {
                    BenchPoint p = shape;
                    p.steps = steps;
                    p.alg = alg;
                    p.policy = model::DecodingPolicy::parse(policy).name();
                    p.temperature = temperature;
                    p.top_p = top_p;
                    points.push_back(p);
                  }
        }
  return points;
}

void validate(const BenchOptions& o) {
  const BenchGrid& g = o.grid;
  auto non_empty = [](const auto& list, const char* flag) {
    if (list.empty()) throw std::invalid_argument(std::string(flag) + ": give at least one value");
  };
  non_empty(g.dtype, "--dtype");
  non_empty(g.batch, "--batch");
  non_empty(g.prompt, "--prompt");
  non_empty(g.new_tokens, "--new");
  for (const auto& d : g.dtype) dtype_named(d);
  for (int64_t v : g.batch) require(v >= 1, "--batch", v, "must be at least 1");
  for (int64_t v : g.prompt) require(v >= 1, "--prompt", v, "must be at least 1 token");
  for (int64_t v : g.new_tokens) require(v >= 1, "--new", v, "must be at least 1 token");
  if (o.mode == BenchMode::Likelihood)
    for (int64_t v : g.new_tokens) require(v >= 2, "--new", v, "must be at least 2 tokens (the last, end-of-text, is never masked)");
  if (o.mode == BenchMode::Generate || o.mode == BenchMode::Both) {
    non_empty(g.steps, "--steps");
    non_empty(g.alg, "--alg");
    non_empty(g.temperature, "--temperature");
    non_empty(g.top_p, "--top-p");
    for (int64_t v : g.steps) require(v >= 1, "--steps", v, "must be at least 1");
    for (const auto& a : g.alg) {
      try {
        model::alg_from_name(a);
      } catch (const std::exception& e) {
        throw std::invalid_argument("--alg " + a + ": " + e.what());
      }
    }
    for (double v : g.temperature) require(std::isfinite(v) && v >= 0, "--temperature", v, "must be >= 0");
    for (const auto& v : g.top_p)
      if (v) require(*v > 0 && *v <= 1, "--top-p", *v, "must be in (0, 1] (or none)");
    non_empty(g.policy, "--policy");
    // Expanding parses every policy; the parameters of each point are checked together (steps vs blocks, ...).
    for (const BenchPoint& p : expand_bench_grid(g, o.mode)) generation_params(p, o);
  }
  require(o.repetitions >= 1, "--repetitions", o.repetitions, "must be at least 1");
  require(o.warmup >= 0, "--warmup", o.warmup, "must be >= 0");
  require(o.threads >= 0, "--threads", o.threads, "must be >= 0 (0 = automatic)");
  require(o.gemm_size >= 0, "--gemm-size", o.gemm_size, "must be >= 1 (or 0 = automatic)");
  require(o.gemm_repetitions >= 1, "--gemm-repetitions", o.gemm_repetitions, "must be at least 1");
  try {
    model::parse_device(o.device);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("--device ") + o.device + ": " + e.what());
  }
  if (o.model_dir.empty()) {
    bench_config(o.config);
  } else if (!std::filesystem::is_directory(o.model_dir)) {
    throw std::invalid_argument("--model " + o.model_dir + ": not a folder");
  }
}

model::DreamConfig bench_config(const std::string& name) {
  if (name == "7b") return model::dream_7b_config();
  // The shape of golden/dream-tiny-a: vocab 320, hidden 64, MLP 160, 2 layers, 4 heads / 2 kv heads.
  if (name == "tiny") return model::small_config(320, 64, 160, 2, 4, 2);
  // The ~100M-parameter model of bench/generate_bench.cpp.
  if (name == "100m") return model::small_config(16384, 768, 2048, 12, 12, 4, 1e6);
  if (name.size() > 5 && name.ends_with(".json")) {
    if (!std::filesystem::exists(name)) throw std::invalid_argument("--config " + name + ": no such file");
    return model::load_config(name);
  }
  throw std::invalid_argument("--config " + name + ": unknown (known: 7b, tiny, 100m, or a config.json file)");
}

Summary summarize(std::vector<double> values) {
  Summary s;
  s.n = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  s.min = values.front();
  s.max = values.back();
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(n);
  if (n > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(n - 1));
  }
  return s;
}

json run_model_bench(const BenchOptions& o, const std::function<void(const std::string&)>& progress) {
  validate(o);
  const at::Device device = model::parse_device(o.device);
  const model::DreamConfig config = o.model_dir.empty() ? bench_config(o.config) : model::load_config(o.model_dir);
  model::set_cpu_threads(o.threads);
  const int64_t gemm_n = o.gemm_size > 0 ? o.gemm_size : (device.is_cuda() ? 8192 : 1024);
  const std::vector<BenchPoint> points = expand_bench_grid(o.grid, o.mode);

  json result = {{"schema", kBenchSchema}, {"environment", environment(device)}};
  result["model"] = {{"weights", o.model_dir.empty() ? "random" : "checkpoint"},
                     {"source", o.model_dir.empty() ? "config " + o.config : o.model_dir},
                     {"config", model::config_to_json(config)},
                     {"parameters", config.parameter_count()},
                     {"fingerprints", json::object()}};
  result["options"] = {{"mode", bench_mode_name(o.mode)}, {"repetitions", o.repetitions}, {"warmup", o.warmup},
                       {"seed", o.seed}, {"gemm_size", gemm_n}, {"gemm_repetitions", o.gemm_repetitions},
                       {"cuda_graphs", o.cuda_graphs}, {"sync_timing", o.sync_timing},
                       {"fused_kernels", model::ops::fused_kernels_enabled()},
                       {"grid", grid_json(o.grid)}};
  result["definitions"] = definitions();
  result["gemm"] = json::object();
  result["points"] = json::array();

  size_t done = 0;
  for (const std::string& dtype_name : o.grid.dtype) {
    const at::ScalarType dtype = dtype_named(dtype_name);
    // One model per dtype, freed before the next is built (Dream-7B in fp32 and bf16 together is 45 GB).
    const model::DreamModel m = o.model_dir.empty()
                                    ? model::random_model(config, dtype, device, o.seed)
                                    : model::DreamModel::load(o.model_dir, {.dtype = dtype, .device = device});
    result["model"]["fingerprints"][dtype_name] = m.fingerprint();
    const json gemm = measure_gemm_rate(device, dtype, gemm_n, o.gemm_repetitions, o.seed);
    result["gemm"][dtype_name] = gemm;
    const double gemm_tflops = gemm["tflops"]["median"].get<double>();

    for (const BenchPoint& p : points) {
      if (p.dtype != dtype_name) continue;
      // Same prompt ids for every point of a shape, whatever ran before.
      at::Generator gen = model::compat::make_cpu_generator(o.seed);
      model::reset_peak_memory(device);
      json entry = {{"settings", point_settings(p)}};
      if (o.mode == BenchMode::Forward || o.mode == BenchMode::Both)
        entry["forward"] = forward_figures(m, p, o, device, gen, gemm_tflops);
      if (o.mode == BenchMode::Generate || o.mode == BenchMode::Both)
        entry["generation"] = generation_figures(m, p, o, device, gen, gemm_tflops);
      if (o.mode == BenchMode::Likelihood) entry["likelihood"] = likelihood_figures(m, p, o, device, gen, gemm_tflops);
      const model::PeakMemory peak = model::peak_memory(device);
      entry["peak_memory"] = {{"bytes", peak.bytes}, {"kind", peak.kind}};
      result["points"].push_back(entry);
      if (progress) {
        std::string line = "bench " + std::to_string(++done) + "/" + std::to_string(points.size()) + ": " + point_label(p);
        char buf[96];
        if (entry.contains("forward")) {
          std::snprintf(buf, sizeof buf, ", forward %.2f ms", entry["forward"]["forward_ms"]["median"].get<double>());
          line += buf;
        }
        if (entry.contains("generation")) {
          std::snprintf(buf, sizeof buf, ", %.2f ms/step", entry["generation"]["ms_per_step"]["median"].get<double>());
          line += buf;
        }
        if (entry.contains("likelihood")) {
          std::snprintf(buf, sizeof buf, ", %.2f ms per MC batch", entry["likelihood"]["likelihood_ms"]["median"].get<double>());
          line += buf;
        }
        progress(line);
      }
    }
  }
  return result;
}

namespace {

// At least 3 significant figures; settings (0.95, 0) print as given.
std::string figure(double v) {
  char buf[48];
  const double a = std::fabs(v);
  if (a >= 100) std::snprintf(buf, sizeof buf, "%.1f", v);
  else if (a >= 1) std::snprintf(buf, sizeof buf, "%.2f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string median_pm(const json& summary) {
  return figure(summary["median"].get<double>()) + " ± " + figure(summary["stddev"].get<double>());
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + c + " |";
  return out + "\n";
}

}  // namespace

std::string bench_markdown(const json& r) {
  const json& env = r.at("environment");
  const json& model = r.at("model");
  const json& opt = r.at("options");
  const std::string mode = opt.at("mode").get<std::string>();
  const bool forward = mode == "forward" || mode == "both", generation = mode == "generate" || mode == "both";
  const bool likelihood = mode == "likelihood";
  std::string md = "## dream-eval bench\n\n";
  md += "- device: " + env.at("device").get<std::string>() + " (" + env.at("device_name").get<std::string>() +
        "), CPU: " + env.value("cpu_threading", std::to_string(env.at("threads").get<int>()) + " threads") + ", LibTorch " +
        env.at("libtorch").get<std::string>() + (env.at("cuda_build").get<bool>() ? ", CUDA build" : ", CPU build") + "\n";
  const std::string commit = env.at("git_commit").get<std::string>();
  md += "- dream-eval " + env.at("dream_eval_version").get<std::string>() + ", commit " +
        (commit.empty() ? "unknown" : commit.substr(0, 12)) + (env.at("git_dirty").get<bool>() ? " (dirty)" : "") +
        ", " + env.at("date").get<std::string>() + "\n";
  char params[32];
  std::snprintf(params, sizeof params, "%.3g", model.at("parameters").get<double>() / 1e6);
  md += "- model: " + model.at("weights").get<std::string>() + " weights, " + model.at("source").get<std::string>() +
        ", " + params + "M parameters, seed " + std::to_string(opt.at("seed").get<uint64_t>()) + "\n";
  for (const auto& [dtype, g] : r.at("gemm").items())
    md += "- measured GEMM rate, " + dtype + " " + std::to_string(g.at("n").get<int64_t>()) + "³: " +
          median_pm(g.at("tflops")) + " TFLOP/s\n";
  md += "- each figure: median ± sample stddev over " + std::to_string(opt.at("repetitions").get<int>()) +
        " repetitions after " + std::to_string(opt.at("warmup").get<int>()) +
        " warm-up; tok/s = batch × new tokens / generation wall time; TFLOP/s = model GEMM FLOPs / wall time; "
        "% GEMM = TFLOP/s / the measured GEMM rate (definitions: docs/benchmarks.md)\n";
  if (!r.at("points").empty())
    md += "- peak memory: " + r.at("points").front().at("peak_memory").at("kind").get<std::string>() + "\n";
  md += "\n";

  std::vector<std::string> head = {"dtype", "B", "prompt", "new"};
  if (generation) head.insert(head.end(), {"steps", "alg", "policy", "temp", "top_p"});
  if (forward) head.insert(head.end(), {"forward ms", "forward TFLOP/s", "fwd % GEMM"});
  if (generation) head.insert(head.end(), {"ms/step", "fwd / sampling ms/step", "tok/s", "TFLOP/s", "% GEMM"});
  if (likelihood) head.insert(head.end(), {"ms per MC batch", "masked rows", "TFLOP/s", "% GEMM", "ms per option (mc_num 128)"});
  head.push_back("peak MiB");
  md += row(head);
  md += row(std::vector<std::string>(head.size(), "---:"));
  for (const json& p : r.at("points")) {
    const json& s = p.at("settings");
    std::vector<std::string> cells = {s.at("dtype").get<std::string>(), std::to_string(s.at("batch").get<int64_t>()),
                                      std::to_string(s.at("prompt").get<int64_t>()),
                                      std::to_string(s.at("new_tokens").get<int64_t>())};
    if (generation)
      cells.insert(cells.end(), {std::to_string(s.at("steps").get<int64_t>()), s.at("alg").get<std::string>(),
                                 s.value("policy", "dream"), figure(s.at("temperature").get<double>()),
                                 s.at("top_p").is_null() ? "none" : figure(s.at("top_p").get<double>())});
    if (forward) {
      const json& f = p.at("forward");
      cells.insert(cells.end(), {median_pm(f.at("forward_ms")), figure(f.at("tflops").at("median").get<double>()),
                                 figure(f.at("percent_of_gemm_rate").get<double>())});
    }
    if (generation) {
      const json& g = p.at("generation");
      cells.insert(cells.end(), {median_pm(g.at("ms_per_step")),
                                 figure(g.at("forward_ms_per_step").at("median").get<double>()) + " / " +
                                     figure(g.at("sampling_ms_per_step").at("median").get<double>()),
                                 median_pm(g.at("tokens_per_s")), figure(g.at("tflops").at("median").get<double>()),
                                 figure(g.at("percent_of_gemm_rate").get<double>())});
    }
    if (likelihood) {
      const json& l = p.at("likelihood");
      cells.insert(cells.end(), {median_pm(l.at("likelihood_ms")), figure(l.at("masked_rows").at("median").get<double>()),
                                 figure(l.at("tflops").at("median").get<double>()),
                                 figure(l.at("percent_of_gemm_rate").get<double>()),
                                 figure(l.at("likelihood_ms_per_option_at_mc_num_128").get<double>())});
    }
    const int64_t bytes = p.at("peak_memory").at("bytes").get<int64_t>();
    cells.push_back(bytes < 0 ? "?" : figure(static_cast<double>(bytes) / (1024.0 * 1024.0)));
    md += row(cells);
  }
  return md;
}

}  // namespace dream::harness
