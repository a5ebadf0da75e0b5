#!/usr/bin/env bash
# Installs every system package dream-eval's build and tests need on a fresh Debian 12 machine.
# Idempotent: packages already present are skipped by apt; safe to run before every build.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev python3-torch             # LibTorch 1.13 (CPU); python3-torch brings Debian's python3
  libopenblas0-pthread                   # makes fp32 matmul ~10x faster than the reference BLAS
  nlohmann-json3-dev libre2-dev libutf8proc-dev
  libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev                         # harness: crash-safe sample cache (WAL)
  libssl-dev zlib1g-dev                  # datasets: sha256 via libcrypto EVP, .jsonl.gz
  libcurl4-openssl-dev                   # datasets fetch from upstream
  openssl                                # tests: the certificate of the local https server
  libboost-dev libboost-filesystem-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libseccomp-dev bubblewrap
  chromium
)
# Node.js: the machines ship a NodeSource nodejs that bundles npm (Debian's npm package conflicts with it).
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages used by tests (tokenizer.json fixture, reference tokenizer, browser driver, chart library).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$repo_root/package.json" ]; then
  (cd "$repo_root" && { [ -d node_modules ] && npm ls >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; })
fi
