#!/usr/bin/env bash
# The GPU check, in one call on the lent GPU machine (docs/cuda.md). Prepare on the development machine with
# scripts/gpu-prepare.sh, then run it through the device tool with carry [".gpu-carry", "node_modules/chart.js"]
# and the command `bash scripts/gpu-check.sh`. Builds the CUDA path against the machine's PyTorch LibTorch, runs
# the GPU tests, then the benchmarks at Dream-7B's shape, and writes everything under $OUT (at most 8 files):
#   summary.md   what ran, pass/fail counts, the benchmark tables      build.log   configure + build output
#   tests.log    GPU test output                                       bench.json  `dream-eval bench` results
#   kernels.json the fused-kernel micro-benchmarks                      env.txt     nvidia-smi, versions, doctor
# Stages are time-boxed so that one failing stage still leaves the others' results.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/dream-gpu-out}"
mkdir -p "$OUT"
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start ))s; }
summary="$OUT/summary.md"
echo "# dream-eval GPU check ($(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown))" > "$summary"

{ nvidia-smi; nvcc --version; python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'; } > "$OUT/env.txt" 2>&1

# ---- dependencies the image lacks: Debian's packages unpacked into a prefix (never into /) -------------------
if ! ls .gpu-carry/debs/*.deb > /dev/null 2>&1; then
  echo "- .gpu-carry/debs is missing: run scripts/gpu-prepare.sh on the development machine and carry .gpu-carry" | tee -a "$summary"
  exit 1
fi
deps=/tmp/dream-deps
rm -rf "$deps" && mkdir -p "$deps"
for f in .gpu-carry/debs/*.deb; do dpkg -x "$f" "$deps"; done
libdir="$deps/usr/lib/x86_64-linux-gnu"
# Some .pc files spell libdir/includedir as absolute /usr paths rather than through ${prefix}: rewrite all four.
for pc in "$libdir"/pkgconfig/*.pc; do sed -i -E "s#^(prefix|exec_prefix|libdir|includedir)=/usr#\1=$deps/usr#" "$pc"; done
# The -dev packages' unversioned links point at runtime files we did not unpack: use the image's runtimes.
ln -sf /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 "$libdir/libsqlite3.so"
ln -sf /usr/lib/x86_64-linux-gnu/libseccomp.so.2 "$libdir/libseccomp.so"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- configure + build ------------------------------------------------------------------------------------
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
build=build-gpu
: > /tmp/dream-targets
# Only what the check runs; targets a configuration lacks are left out below.
targets="dream-eval model_golden_test model_kernels_test model_device_test model_random_weights_test model_likelihood_test model_decoding_policy_test dream_bench_kernels"
{
  timeout 120 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDREAM_EVAL_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$torch_prefix;$deps/usr" \
    -DDREAM_SHARED_DIR="$PWD/.gpu-carry/golden" &&
  for t in $targets; do
    if ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$t:"; then echo "$t"; fi
  done > /tmp/dream-targets &&
  timeout 330 ninja -C "$build" -j16 $(cat /tmp/dream-targets)
} > "$OUT/build.log" 2>&1
build_rc=$?
echo "- build: rc $build_rc after $(elapsed) (targets: $(tr '\n' ' ' < /tmp/dream-targets 2>/dev/null))" >> "$summary"
if [ $build_rc -ne 0 ]; then
  echo '```' >> "$summary"; grep -E "error|Error" "$OUT/build.log" | head -40 >> "$summary"; echo '```' >> "$summary"
fi

# ---- GPU tests: fp32 goldens exact on cuda, bf16 goldens within tolerance, graphs = eager, fused kernels -----
if [ -x "$build/tests/model/model_golden_test" ]; then
  export DREAM_SHARED_DIR="$PWD/.gpu-carry/golden"
  {
    for t in model_device_test model_random_weights_test model_likelihood_test model_decoding_policy_test; do
      [ -x "$build/tests/model/$t" ] && { echo "=== $t"; timeout 60 "$build/tests/model/$t" 2>&1; }
    done
    for t in model_golden_test model_kernels_test; do
      bin="$build/tests/model/$t"
      [ -x "$bin" ] || continue
      echo "=== $t"; timeout 150 "$bin" --gtest_brief=0 2>&1
      echo "=== $t with fused kernels off"; DREAM_EVAL_FUSED=0 timeout 150 "$bin" --gtest_filter='*cuda*:*Cuda*' 2>&1
      echo "=== $t with GEMM attention"; DREAM_EVAL_ATTENTION=gemm timeout 150 "$bin" --gtest_filter='*cuda*:*Cuda*' 2>&1
    done
  } > "$OUT/tests.log" 2>&1
  echo "- tests after $(elapsed): $(grep -cE '^\[       OK \]' "$OUT/tests.log") ok, $(grep -cE '^\[  FAILED  \]' "$OUT/tests.log") failed lines, $(grep -cE '^\[  SKIPPED \]' "$OUT/tests.log") skipped lines" >> "$summary"
  grep -E '^\[  FAILED  \]|relative L2|max \|diff\||answer tokens' "$OUT/tests.log" | sort -u | head -40 | sed 's/^/    /' >> "$summary"
fi

# ---- benchmarks at Dream-7B's shape (random bf16 weights) -------------------------------------------------
if [ -x "$build/bench/dream_bench_kernels" ]; then
  timeout 90 "$build/bench/dream_bench_kernels" --benchmark_format=json --benchmark_out="$OUT/kernels.json" \
    --benchmark_repetitions=5 --benchmark_report_aggregates_only=true > /tmp/kernels.txt 2>&1
  echo "- kernel micro-benchmarks after $(elapsed): rc $?" >> "$summary"
fi
if [ -x "$build/harness/cli/dream-eval" ]; then
  eval_bin="$build/harness/cli/dream-eval"
  # What the program itself sees (build, GPU); no bubblewrap there, so its sandbox line fails by design.
  { echo; echo "== dream-eval doctor --device cuda"; timeout 60 "$eval_bin" doctor --device cuda; } >> "$OUT/env.txt" 2>&1
  # name | environment | options. The first is the headline grid (the issue's shapes); the others vary one
  # thing each (fused kernels off, CUDA graphs off, GEMM attention, decoding policies: blocks, and the dual
  # cache's windowed forwards) on the two generation points.
  runs=(
    "main||--mode both --batch 1,8 --steps 64,32 --repetitions 3"
    "forward32||--mode forward --batch 32 --repetitions 3"
    "no-fused|DREAM_EVAL_FUSED=0|--mode generate --batch 1,8 --steps 32 --repetitions 2"
    "no-graphs||--mode generate --batch 1,8 --steps 32 --repetitions 2 --no-cuda-graphs"
    "split||--mode generate --batch 1,8 --steps 32 --repetitions 2 --sync-timing"
    "policies||--mode generate --batch 1,8 --steps 64 --policy blocks:32,blocks:32+dual_cache --repetitions 2"
  )
  for r in "${runs[@]}"; do
    IFS='|' read -r name envs opts <<< "$r"
    env $envs timeout 150 "$eval_bin" bench --config 7b --device cuda --dtype bfloat16 --prompt 256 --new 256 \
      --alg entropy --top-p 0.95 --warmup 1 $opts --output-json "/tmp/bench-$name.json" --output-md "/tmp/bench-$name.md" \
      > "/tmp/bench-$name.txt" 2>&1
    echo "- bench $name ($envs $opts) after $(elapsed): rc $?" >> "$summary"
    { echo; echo "### $name"; cat "/tmp/bench-$name.md" 2>/dev/null || tail -5 "/tmp/bench-$name.txt"; echo; } >> "$summary"
  done
  # The multiple-choice estimator: one Monte Carlo batch of 32 samples, ARC-like (64 + 8) and 5-shot-MMLU-like
  # (600 + 8) sequences; the table projects the time per option at Dream's mc_num 128.
  timeout 120 "$eval_bin" bench --config 7b --device cuda --dtype bfloat16 --mode likelihood --batch 32 --prompt 64,600 \
    --new 8 --repetitions 3 --warmup 1 --output-json /tmp/bench-likelihood.json --output-md /tmp/bench-likelihood.md \
    > /tmp/bench-likelihood.txt 2>&1
  echo "- bench likelihood after $(elapsed): rc $?" >> "$summary"
  { echo; echo "### likelihood"; cat /tmp/bench-likelihood.md 2>/dev/null || tail -5 /tmp/bench-likelihood.txt; echo; } >> "$summary"
  python3 - "$OUT/bench.json" /tmp/bench-*.json <<'PY'
import json, sys
runs = {}
for path in sys.argv[2:]:
    try:
        runs[path.split("bench-")[-1][:-5]] = json.load(open(path))
    except Exception as e:
        runs[path] = {"error": str(e)}
json.dump({"runs": runs}, open(sys.argv[1], "w"), indent=1)
PY
fi
echo "- total $(elapsed)" >> "$summary"
cat "$summary"
