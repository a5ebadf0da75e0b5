// Encode throughput of dream::tokenizer on the texts of GSM8K test (each question and each answer) and
// HumanEval (each prompt + canonical_solution), one thread, one encode() call per text.
// MB/s = UTF-8 bytes of all texts / time, 1 MB = 10^6 bytes. The "MB/s" counter uses CPU time (Google
// Benchmark's default; bytes_per_second is the same in MiB/s); scripts/bench_tokenizer.sh derives wall-time
// and CPU-time figures from the JSON output (real_time, cpu_time per repetition).
//   warm: the BPE cache already holds the corpus's pieces (steady state; every pass after the first).
//   cold: a freshly loaded tokenizer, first pass (loading excluded).
// Data: $DREAM_SHARED_DIR (default ../shared): datasets/gsm8k/test.jsonl, datasets/humaneval/HumanEval.jsonl,
// and the tokenizer files of golden/dream-v0-instruct-7b.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using dream::tokenizer::Tokenizer;

fs::path shared_dir() {
  const char* v = std::getenv("DREAM_SHARED_DIR");
  return (v && *v) ? fs::path(v) : fs::path(DREAM_SOURCE_DIR) / ".." / "shared";
}

fs::path model_dir() { return shared_dir() / "golden" / "dream-v0-instruct-7b"; }

void append_jsonl_texts(const fs::path& file, const std::vector<std::vector<std::string>>& field_groups, std::vector<std::string>& texts) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto record = nlohmann::json::parse(line);
    for (const auto& fields : field_groups) {
      std::string text;
      for (const auto& f : fields) text += record.at(f).get<std::string>();
      texts.push_back(std::move(text));
    }
  }
}

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> t;
    append_jsonl_texts(shared_dir() / "datasets" / "gsm8k" / "test.jsonl", {{"question"}, {"answer"}}, t);
    append_jsonl_texts(shared_dir() / "datasets" / "humaneval" / "HumanEval.jsonl", {{"prompt", "canonical_solution"}}, t);
    return t;
  }();
  return texts;
}

std::size_t corpus_bytes() {
  std::size_t n = 0;
  for (const auto& t : corpus()) n += t.size();
  return n;
}

std::size_t encode_corpus(const Tokenizer& tok) {
  std::size_t tokens = 0;
  for (const auto& text : corpus()) {
    const auto ids = tok.encode(text);
    benchmark::DoNotOptimize(ids.data());
    tokens += ids.size();
  }
  return tokens;
}

void report(benchmark::State& state, std::size_t tokens_per_pass) {
  const double passes = static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(passes * static_cast<double>(corpus_bytes())));
  state.counters["MB/s"] = benchmark::Counter(passes * static_cast<double>(corpus_bytes()) / 1e6, benchmark::Counter::kIsRate);
  state.counters["tokens/s"] = benchmark::Counter(passes * static_cast<double>(tokens_per_pass), benchmark::Counter::kIsRate);
  state.counters["corpus_bytes"] = static_cast<double>(corpus_bytes());
  state.counters["texts"] = static_cast<double>(corpus().size());
}

void BM_EncodeCorpusWarm(benchmark::State& state) {
  static const Tokenizer tok = Tokenizer::load(model_dir());
  std::size_t tokens = encode_corpus(tok);  // warm-up: fills the cache
  for (auto _ : state) tokens = encode_corpus(tok);
  report(state, tokens);
}
BENCHMARK(BM_EncodeCorpusWarm)->Unit(benchmark::kMillisecond)->Repetitions(5)->DisplayAggregatesOnly(true);

void BM_EncodeCorpusCold(benchmark::State& state) {
  std::size_t tokens = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const Tokenizer tok = Tokenizer::load(model_dir());
    state.ResumeTiming();
    tokens = encode_corpus(tok);
  }
  report(state, tokens);
}
BENCHMARK(BM_EncodeCorpusCold)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(5)->DisplayAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
