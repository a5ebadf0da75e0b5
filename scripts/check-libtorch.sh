#!/usr/bin/env bash
# Builds dream-eval against a newer Debian LibTorch, in a Debian tree made by debootstrap, and runs the whole
# CPU test suite there, so LibTorch 2.x API and behaviour changes show up on the development machine, without
# the GPU machine (whose PyTorch 2.11 LibTorch lies between Debian trixie's 2.6 and sid's 2.14 at the time of
# writing). It also runs the code paths that only exist from LibTorch 2.1 on (scaled-dot-product attention)
# against the goldens, and newer compilers and Boost (sid: GCC 16, Boost 1.92).
# Needs root and Debian's package mirror; not part of CI (a cold build there takes about an hour on 2 cores).
#
# Usage: sudo scripts/check-libtorch.sh [suite] [tree-dir]    (default: trixie, /var/tmp/dream-chroot-<suite>)
# The tree is made once (debootstrap) and reused; the repository's committed and uncommitted files are
# copied into it (build outputs there are kept, so a rerun is incremental) and it runs the README's test
# command, scripts/test.sh, which installs the packages.
set -euo pipefail
suite="${1:-trixie}"
root_dir="${2:-/var/tmp/dream-chroot-$suite}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared_dir="$(cd "$repo_root/../shared" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ "$(id -u)" -ne 0 ]]; then echo "check-libtorch.sh: needs root (debootstrap, mounts)" >&2; exit 2; fi
for tool in debootstrap rsync bwrap; do
  if ! command -v "$tool" > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool/bwrap/bubblewrap}"
  fi
done
if [[ ! -x "$root_dir/usr/bin/apt-get" ]]; then
  echo "== debootstrap $suite into $root_dir"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$root_dir" "$mirror"
fi

# Enters the tree with bubblewrap as root rather than chroot: a chrooted process may not create user
# namespaces (the kernel refuses them), and the code-execution sandbox under test needs them. bwrap
# pivot_roots into a private mount namespace, and the host's /proc is bound whole because mounting a fresh
# procfs inside a user namespace needs a fully visible one. The repository sits at /src/main with ../shared
# beside it (read-only), as on a CI machine; nothing is left mounted afterwards.
mkdir -p "$root_dir/src/main" "$root_dir/src/shared"
enter() {
  bwrap --bind "$root_dir" / --dev-bind /dev /dev --bind /proc /proc --ro-bind /sys /sys \
    --ro-bind "$shared_dir" /src/shared --chdir /src/main \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$@"
}
cp /etc/resolv.conf "$root_dir/etc/resolv.conf"
# A mirror frozen in time (snapshot.debian.org, or this project's machines) serves sid's Release file past its
# Valid-Until date; apt would refuse it. Acceptable for a throwaway build tree.
echo 'Acquire::Check-Valid-Until "false";' > "$root_dir/etc/apt/apt.conf.d/99dream-no-valid-until"
# The host's local CAs (a TLS-inspecting proxy's, for instance) are trusted inside too: npm needs them.
if compgen -G "/usr/local/share/ca-certificates/*.crt" > /dev/null; then
  mkdir -p "$root_dir/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root_dir/usr/local/share/ca-certificates/"
  enter update-ca-certificates > /dev/null
fi

(cd "$repo_root" && git ls-files -co --exclude-standard -z) |
  rsync -a --from0 --files-from=- "$repo_root/" "$root_dir/src/main/"
rsync -a --delete "$repo_root/.git/" "$root_dir/src/main/.git/"  # the build records the commit

echo "== $(enter sh -c '. /etc/os-release; echo "$PRETTY_NAME"'): scripts/test.sh"
enter bash scripts/test.sh build
# The CPU's default attention is the two-GEMM path; SDPA (LibTorch >= 2.1 only) against the goldens as well.
echo "== golden tests with DREAM_EVAL_ATTENTION=sdpa"
enter env DREAM_EVAL_ATTENTION=sdpa build/tests/model/model_golden_test --gtest_brief=1
