#!/usr/bin/env bash
# get-seed.sh: prepares the peer comparison with the Python library pytorch_hmm 0.2.1
# (https://github.com/crlotwhite/pytorch_hmm, the "seed" of BENCHMARKS.md's peer rows). It copies the library's
# Python package and bench/seed_torch_bench.py into .peers/ at the repository root (git-ignored by .gitignore), so
# that .peers/ alone can be copied to a GPU machine and timed there beside this project's own benchmarks.
#
# Usage, from the repository root:
#   bench/get-seed.sh PYTORCH_HMM         a clone of pytorch_hmm, or its git directory (bare or .git)
# Then, on the machine with the GPU (PyTorch installed), in the same session as Hmm.Gpu.Bench so ratios are fair:
#   python3 .peers/seed_torch_bench.py              all default cases (gpu, cpu, ctc, torch)
#   python3 .peers/seed_torch_bench.py gpu cpu      a subset; 'hsmm' is opt-in
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PYTORCH_HMM_CLONE_OR_GIT_DIR" >&2; exit 2; }
src=$1
[ -d "$src/.git" ] && src="$src/.git"
root=$(git rev-parse --show-toplevel)
mkdir -p "$root/.peers"
rm -rf "$root/.peers/pytorch_hmm"
git --git-dir="$src" archive HEAD pytorch_hmm | tar -x -C "$root/.peers"
cp "$root/bench/seed_torch_bench.py" "$root/.peers/"
echo "seed package at .peers/pytorch_hmm ($(git --git-dir="$src" log -1 --format='%h %cs'))"
