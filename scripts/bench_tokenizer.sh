#!/usr/bin/env bash
# Encode throughput side by side, same texts, same run, one thread each: dream::tokenizer (C++, Google
# Benchmark, bench/tokenizer_bench.cpp) and @huggingface/tokenizers under node (bench/tokenizer_bench_hf.mjs).
# Texts: GSM8K test questions and answers + HumanEval prompt+canonical_solution, one encode() per text.
# MB/s = UTF-8 bytes / time, 10^6 bytes per MB, with wall time and with CPU time (on a shared machine the CPU
# figure is the steadier one). "warm": steady state, BPE caches filled by an earlier pass; C++ "cold": first
# pass of a freshly loaded tokenizer; node "first pass": the pass after its golden check (caches empty).
# Usage: scripts/bench_tokenizer.sh [build-dir]      (default: build; builds dream_bench_tokenizer)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$repo_root/build}"
cd "$repo_root"

[ -f "$build_dir/CMakeCache.txt" ] || CCACHE_BASEDIR="$repo_root" cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
CCACHE_BASEDIR="$repo_root" cmake --build "$build_dir" --target dream_bench_tokenizer
[ -d node_modules/@huggingface/tokenizers ] || npm ci --no-audit --no-fund --loglevel=error

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$build_dir/bench/dream_bench_tokenizer" --benchmark_out="$out/cpp.json" --benchmark_out_format=json
node bench/tokenizer_bench_hf.mjs --passes 5 > "$out/hf.json"

node - "$out/cpp.json" "$out/hf.json" <<'JS'
const fs = require("fs");
const [cppFile, hfFile] = process.argv.slice(2);
const cpp = JSON.parse(fs.readFileSync(cppFile, "utf8"));
const hf = JSON.parse(fs.readFileSync(hfFile, "utf8"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// MB/s of each repetition of one C++ benchmark, from its wall (real_time) or CPU time in ms.
const cppRates = (name, field) =>
  cpp.benchmarks.filter((b) => b.run_name.startsWith(name) && b.run_type === "iteration")
    .map((b) => b.corpus_bytes / (b[field] / 1e3) / 1e6);
const row = (label, wall, cpu) => {
  const cell = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`.padStart(22);
  console.log(label.padEnd(56) + cell(wall) + cell(cpu));
};

if (hf.golden_cases_mismatched !== 0) console.log(`WARNING: ${hf.implementation} differs from the golden ids on ${hf.golden_cases_mismatched} cases`);
console.log(`\nEncode throughput: ${hf.texts} texts, ${hf.corpus_bytes} bytes, ${hf.tokens_per_pass} tokens; ` +
            `host ${cpp.context.host_name}, ${cpp.context.num_cpus} CPUs, load average ${cpp.context.load_avg.map((x) => x.toFixed(1)).join(" ")}`);
console.log("MB/s, median (min-max)".padEnd(56) + "wall".padStart(22) + "CPU".padStart(22));
row("dream::tokenizer (C++), warm cache", cppRates("BM_EncodeCorpusWarm", "real_time"), cppRates("BM_EncodeCorpusWarm", "cpu_time"));
row("dream::tokenizer (C++), cold cache", cppRates("BM_EncodeCorpusCold", "real_time"), cppRates("BM_EncodeCorpusCold", "cpu_time"));
row(`${hf.implementation} (node ${hf.node}), warm`, hf.warm_wall_mb_per_s, hf.warm_cpu_mb_per_s);
row(`${hf.implementation} (node ${hf.node}), first pass`, [hf.first_pass.wall_mb_per_s], [hf.first_pass.cpu_mb_per_s]);
const speedup = (field, hfMedian) => (median(cppRates("BM_EncodeCorpusWarm", field)) / hfMedian).toFixed(0);
console.log(`speed-up of the warm medians: ${speedup("real_time", hf.warm_wall_mb_per_s_median)}x wall, ` +
            `${speedup("cpu_time", hf.warm_cpu_mb_per_s_median)}x CPU`);
JS
