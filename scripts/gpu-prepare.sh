#!/usr/bin/env bash
# Run on the development machine before a GPU check (docs/cuda.md): gathers what the GPU machine lacks into the
# git-ignored folder .gpu-carry/, which the device call carries along with node_modules/chart.js:
#   .gpu-carry/debs/    Debian's re2, utf8proc, sqlite3 and libseccomp development packages (unpacked there
#                       into a prefix under /tmp, never into /)
#   .gpu-carry/golden/  the golden folders the GPU tests read (../shared does not travel)
# Idempotent; about 16 MB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
carry="$root/.gpu-carry"
shared="${DREAM_SHARED_DIR:-$root/../shared}"
mkdir -p "$carry/debs" "$carry/golden"
grep -qx '/.gpu-carry/' "$root/.git/info/exclude" 2>/dev/null || echo '/.gpu-carry/' >> "$root/.git/info/exclude"

if ! ls "$carry"/debs/libre2-dev_*.deb >/dev/null 2>&1; then
  (cd "$carry/debs" && apt-get download libre2-dev libre2-9 libutf8proc-dev libutf8proc2 libsqlite3-dev libseccomp-dev)
fi
for g in dream-tiny-a dream-small-c-bf16-cuda; do
  rm -rf "$carry/golden/golden/$g"
  mkdir -p "$carry/golden/golden"
  cp -a "$shared/golden/$g" "$carry/golden/golden/$g"
done
if [ ! -f "$root/node_modules/chart.js/dist/chart.umd.js" ]; then
  (cd "$root" && npm ci --no-audit --no-fund)
fi
du -sh "$carry" "$root/node_modules/chart.js"
echo "carry: .gpu-carry node_modules/chart.js   command: bash scripts/gpu-check.sh"
