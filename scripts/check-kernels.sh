#!/usr/bin/env bash
# Compiles every model/kernels/*.cu for Hopper (sm_90) plus portable PTX (compute_80) and prints the compiler's
# resource report per kernel: registers, spills, stack frame, shared memory. Then syntax-checks the LibTorch
# bindings and every source with CUDA-only code as a CUDA build sees them. Needs nvcc, no GPU and no device time.
# Usage: scripts/check-kernels.sh [nvcc]   (default: $NVCC, else /usr/local/cuda/bin/nvcc, else nvcc on PATH)
# TORCH_INCLUDE=DIR checks the sources against another LibTorch's headers (default /usr/include, Debian's 1.13);
# e.g. the include folder of a newer Debian libtorch-dev .deb unpacked with dpkg-deb -x, to catch API changes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
nvcc="${1:-${NVCC:-}}"
if [[ -z "$nvcc" ]]; then
  if [[ -x /usr/local/cuda/bin/nvcc ]]; then nvcc=/usr/local/cuda/bin/nvcc; else nvcc=nvcc; fi
fi
torch_include="${TORCH_INCLUDE:-/usr/include}"
# /usr/include is already a system directory: naming it with -isystem again breaks libstdc++'s #include_next.
torch_flags=(-isystem "$torch_include/torch/csrc/api/include")
[[ "$torch_include" != /usr/include ]] && torch_flags=(-isystem "$torch_include" "${torch_flags[@]}")
cuda_include="$(dirname "$(dirname "$(command -v "$nvcc")")")/include"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status=0
echo "== kernels ($("$nvcc" --version | tail -1))"
for cu in "$root"/model/kernels/*.cu; do
  name="$(basename "$cu" .cu)"
  if ! "$nvcc" -std=c++17 -O3 --resource-usage -I"$root" \
      -gencode arch=compute_90,code=sm_90 -gencode arch=compute_80,code=compute_80 \
      -c "$cu" -o "$work/$name.o" > "$work/$name.log" 2>&1; then
    cat "$work/$name.log"
    echo "FAILED: $cu"
    status=1
    continue
  fi
  # One line per sm_90 kernel: demangled-ish name, registers, spills, stack, smem.
  awk -v file="$name.cu" '
    /Compiling entry function/ { match($0, /_Z[A-Za-z0-9_]+/); fn = substr($0, RSTART, RLENGTH); sm = ($0 ~ /sm_90/) }
    /bytes stack frame/ && sm { stack = $1; spill_st = $5; spill_ld = $9 }
    /Used [0-9]+ registers/ && sm {
      regs = $0; sub(/.*Used /, "", regs); sub(/ registers.*/, "", regs)
      smem = "0"; if (match($0, /[0-9]+ bytes smem/)) { smem = substr($0, RSTART, RLENGTH); sub(/ bytes smem/, "", smem) }
      printf "  %-12s regs %3s  spill st/ld %s/%s  stack %s  smem %6s  %s\n", file, regs, spill_st, spill_ld, stack, smem, fn
    }' "$work/$name.log"
  # 16-byte accesses (METHOD.md: "are the loads 16 bytes wide") and local memory, read off the sm_90 PTX.
  "$nvcc" -std=c++17 -O3 -I"$root" -arch=sm_90 -ptx "$cu" -o "$work/$name.ptx"
  printf "  %-12s PTX: %s 16-byte global loads, %s 16-byte global stores, %s local-memory accesses\n" "$name.cu" \
    "$(grep -cE 'ld\.global(\.nc)?\.v4\.(u32|f32|b32)' "$work/$name.ptx" || true)" \
    "$(grep -cE 'st\.global\.v4\.(u32|f32|b32)' "$work/$name.ptx" || true)" \
    "$(grep -cE '(ld|st)\.local' "$work/$name.ptx" || true)"
  if grep -q "bytes spill stores" "$work/$name.log" && grep "bytes spill" "$work/$name.log" | grep -vq "^ *0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"; then
    echo "  note: $name.cu has a stack frame or spills (see above)"
  fi
done

# The bindings, tests and benchmarks as a CUDA build compiles them. Debian's LibTorch headers lack the
# generated c10/cuda/impl/cuda_cmake_macros.h: an empty one stands in (it only carries build macros).
mkdir -p "$work/shim/c10/cuda/impl"
echo '#pragma once' > "$work/shim/c10/cuda/impl/cuda_cmake_macros.h"
echo "== CUDA-build sources (g++ -fsyntax-only -DDREAM_EVAL_WITH_CUDA=1, LibTorch headers in $torch_include): the bindings and every file with CUDA-only code"
mapfile -t cuda_sources < <(cd "$root" && { ls model/ops/*.cpp; grep -rl --include='*.cpp' 'DREAM_EVAL_WITH_CUDA' model harness tests bench; \
  echo tests/model/kernels_test.cpp; echo bench/kernels_bench.cpp; } | sort -u)
for rel in "${cuda_sources[@]}"; do
  src="$root/$rel"
  if g++ -std=c++20 -fsyntax-only -Wall -Wextra -Wno-unused-parameter -DDREAM_EVAL_WITH_CUDA=1 -I"$cuda_include" -I"$work/shim" -I"$root" \
      "${torch_flags[@]}" "$src" 2> "$work/syntax.log"; then
    echo "  ok      ${src#$root/}"
  else
    cat "$work/syntax.log"
    echo "  FAILED  ${src#$root/}"
    status=1
  fi
done
exit $status
