// Sandboxed execution throughput and per-run overhead.
//
//   BM_CanonicalHumanEval/workers:N   all 164 HumanEval canonical solutions with their tests through the
//                                     worker pool; items/s = sandboxed executions per second
//   BM_Trivial/<mode>                 one `pass` program at a time, start to reap: the fixed cost of a run
//       plain_subprocess              python3 FILE.py through Boost.Process (what unsandboxed harnesses pay)
//       unsafe_no_sandbox             our runner without namespaces (rlimits, seccomp, uid switch if root)
//       sandboxed                     bubblewrap namespaces + all of the above
//   BM_PairedOverhead                 the three modes interleaved run by run, so a shared machine's changing
//                                     load hits them alike; counters: median ms of each mode and the median
//                                     of the per-round differences (sandboxed - plain = the sandbox's
//                                     per-run overhead)
// Warm-up runs are excluded by Google Benchmark; use --benchmark_repetitions for median and spread.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "sandbox/boost_process_v1.h"
#include "sandbox/sandbox.h"
#include "tasks/code/code_tasks.h"

namespace {
namespace fs = std::filesystem;
using namespace dream;

fs::path datasets_dir() {
  const char* v = std::getenv("DREAM_DATA_DIR");
  return v && *v ? fs::path(v) : fs::path(DREAM_DEFAULT_SHARED_DIR) / "datasets";
}

const sandbox::Sandbox& sandbox_of(bool unsafe) {
  static std::unique_ptr<sandbox::Sandbox> safe, no_sandbox;
  auto& box = unsafe ? no_sandbox : safe;
  if (!box) {
    sandbox::SandboxOptions options;
    options.unsafe_no_sandbox = unsafe;
    box = std::make_unique<sandbox::Sandbox>(options);
  }
  return *box;
}

const std::vector<tasks::code::CodeProblem>& humaneval() {
  static const auto problems = tasks::code::load_problems(tasks::code::Benchmark::humaneval, datasets_dir() / "humaneval/HumanEval.jsonl");
  return problems;
}

void BM_CanonicalHumanEval(benchmark::State& state) {
  const auto& problems = humaneval();
  std::vector<sandbox::Program> programs;
  for (const auto& p : problems) {
    sandbox::Program program;
    program.source = tasks::code::build_test_program(p, p.reference_solution);
    programs.push_back(std::move(program));
  }
  sandbox::WorkerPool pool(sandbox_of(false), static_cast<unsigned>(state.range(0)));
  std::int64_t failures = 0;
  for (auto _ : state) {
    for (const auto& r : pool.run_all(programs)) failures += !r.passed();
  }
  if (failures) state.SkipWithError("canonical solutions failed in the sandbox");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(programs.size()));
}
BENCHMARK(BM_CanonicalHumanEval)->ArgName("workers")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);

constexpr const char* kTrivial = "pass\n";

// python3 FILE.py with its output read, as an unsandboxed harness would run it; false if it failed.
bool run_plain(const fs::path& file) {
  namespace bp = dream::sandbox::bp;
  bp::ipstream out;
  bp::child child("/usr/bin/python3", file.string(), bp::std_out > out, bp::std_err > bp::null, bp::std_in < bp::null);
  std::string sink((std::istreambuf_iterator<char>(out)), {});
  child.wait();
  return child.exit_code() == 0;
}

fs::path trivial_file() {
  const fs::path file = fs::temp_directory_path() / ("dream-bench-" + std::to_string(::getpid()) + ".py");
  std::ofstream(file) << kTrivial;
  return file;
}

void BM_Trivial_plain_subprocess(benchmark::State& state) {
  const fs::path file = trivial_file();
  for (auto _ : state) {
    if (!run_plain(file)) state.SkipWithError("plain python3 failed");
  }
  fs::remove(file);
}
BENCHMARK(BM_Trivial_plain_subprocess)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void run_trivial(benchmark::State& state, bool unsafe) {
  const auto& box = sandbox_of(unsafe);
  sandbox::Program program;
  program.source = kTrivial;
  for (auto _ : state) {
    if (!box.run(program).passed()) state.SkipWithError("trivial program failed");
  }
}
void BM_Trivial_unsafe_no_sandbox(benchmark::State& state) { run_trivial(state, true); }
void BM_Trivial_sandboxed(benchmark::State& state) { run_trivial(state, false); }
BENCHMARK(BM_Trivial_unsafe_no_sandbox)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_Trivial_sandboxed)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : (v[(v.size() - 1) / 2] + v[v.size() / 2]) / 2;
}

void BM_PairedOverhead(benchmark::State& state) {
  const fs::path file = trivial_file();
  sandbox::Program program;
  program.source = kTrivial;
  const auto& safe = sandbox_of(false);
  const auto& unsafe = sandbox_of(true);
  std::vector<double> plain_ms, unsafe_ms, sandboxed_ms, overhead_ms;
  auto timed = [](auto&& run) {
    const auto start = std::chrono::steady_clock::now();
    if (!run()) throw std::runtime_error("run failed");
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  for (auto _ : state) {
    plain_ms.push_back(timed([&] { return run_plain(file); }));
    unsafe_ms.push_back(timed([&] { return unsafe.run(program).passed(); }));
    sandboxed_ms.push_back(timed([&] { return safe.run(program).passed(); }));
    overhead_ms.push_back(sandboxed_ms.back() - plain_ms.back());
  }
  fs::remove(file);
  state.counters["plain_ms"] = median(plain_ms);
  state.counters["unsafe_ms"] = median(unsafe_ms);
  state.counters["sandboxed_ms"] = median(sandboxed_ms);
  state.counters["overhead_ms"] = median(overhead_ms);
}
BENCHMARK(BM_PairedOverhead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(100);

}  // namespace

BENCHMARK_MAIN();
