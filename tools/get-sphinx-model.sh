#!/bin/sh
# Fetches the CMU Sphinx US-English acoustic model (Debian's pocketsphinx-en-us, BSD-2-clause style licence; the notice
# is its debian/copyright, copied beside the model) into a folder of your choice, without root, for
# `hmm align --model sphinx-en-us` and `hmm lipsync --model sphinx-en-us`. Prints the line to export.
# Usage: tools/get-sphinx-model.sh [DIR]   (default: ~/.local/share/hmm/sphinx-en-us)
# With root, `apt-get install pocketsphinx-en-us` does the same into /usr/share/pocketsphinx/model/en-us/en-us,
# where hmm finds it without the variable.
set -eu
dest=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/hmm/sphinx-en-us}
command -v apt-get >/dev/null 2>&1 || { echo "get-sphinx-model: needs a Debian or Ubuntu system (apt-get download); elsewhere copy model/en-us/en-us from github.com/cmusphinx/pocketsphinx" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download pocketsphinx-en-us >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 || true; apt-get download pocketsphinx-en-us >/dev/null; }
dpkg-deb -x pocketsphinx-en-us_*.deb extracted
src=extracted/usr/share/pocketsphinx/model/en-us/en-us
for f in feat.params mdef means variances sendump transition_matrices noisedict; do
  [ -f "$src/$f" ] || { echo "get-sphinx-model: the package has no $f (a different layout?)" >&2; exit 1; }
done
mkdir -p "$dest"
cp "$src"/* "$dest"/
cp extracted/usr/share/doc/pocketsphinx-en-us/copyright "$dest/COPYRIGHT" 2>/dev/null || true
echo "model in $dest"
echo "export HMM_SPHINX_MODEL=$dest"
