#!/bin/sh
# Regenerates Hmm.Tests/Data/Sphinx: a few speech-dev WAVs and pocketsphinx's pre-CMN cepstra for them
# (-mfclogdir dumps: int32 frame count, then 13 float32 per frame, little-endian), the oracle of
# Hmm.Tests/Audio/SphinxFrontEndTests.cs. Needs Debian's pocketsphinx and pocketsphinx-en-us
# (0.8+5prealpha) and /work/shared/data/speech-dev. Usage: tools/make-sphinx-fixtures.sh [speech-dev dir]
set -eu
DEV=${1:-/work/shared/data/speech-dev}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Hmm.Tests/Data/Sphinx
MODEL=/usr/share/pocketsphinx/model/en-us
FILES="clean/s017-us1 degraded/s017-us1-noise20 clean/s044-us2"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT" "$TMP/wav" "$TMP/mfc"
: > "$TMP/ctl"
for f in $FILES; do
  id=$(basename "$f")
  cp "$DEV/$f.wav" "$OUT/$id.wav"
  cp "$DEV/$f.wav" "$TMP/wav/$id.wav"
  echo "$id" >> "$TMP/ctl"
done
# -remove_silence no keeps every frame; the phone loop (-allphone) is only there so that the decoder runs.
pocketsphinx_batch -hmm "$MODEL/en-us" -allphone "$MODEL/en-us-phone.lm.bin" -allphone_ci yes \
  -ctl "$TMP/ctl" -cepdir "$TMP/wav" -cepext .wav -adcin yes -adchdr 44 \
  -remove_silence no -mfclogdir "$TMP/mfc" -hyp "$TMP/hyp" > "$TMP/log" 2>&1 || { cat "$TMP/log"; exit 1; }
# Every senone's score of s044-us2 (-senlogdir with -compallsen yes): the oracle of SphinxAcousticModelTests, gzipped.
mkdir -p "$TMP/sen1" "$TMP/sen"
echo s044-us2 > "$TMP/ctl1"
pocketsphinx_batch -hmm "$MODEL/en-us" -allphone "$MODEL/en-us-phone.lm.bin" -allphone_ci yes \
  -ctl "$TMP/ctl1" -cepdir "$TMP/wav" -cepext .wav -adcin yes -adchdr 44 \
  -remove_silence no -compallsen yes -senlogdir "$TMP/sen" -hyp "$TMP/hyp1" > "$TMP/log1" 2>&1 || { cat "$TMP/log1"; exit 1; }
gzip -9 -n -c "$TMP/sen/$(ls "$TMP/sen" | head -1)" > "$OUT/s044-us2.sen.gz"
cp "$DEV/clean/s044-us2.lab" "$OUT/s044-us2.lab"
# This pocketsphinx names the dumps by a running utterance number, in ctl order.
n=0
for f in $FILES; do
  id=$(basename "$f")
  dump=$(ls "$TMP/mfc" | sort | sed -n "$((n + 1))p")
  cp "$TMP/mfc/$dump" "$OUT/$id.mfc"
  n=$((n + 1))
done
ls -l "$OUT"
