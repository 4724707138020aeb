#!/bin/sh
# Regenerates Hmm.Tests/Data/Pitch: the pitch tracks of established trackers for the bundled samples (samples/*.wav)
# and a few more speech-dev utterances, the oracles of Hmm.Tests/Audio/PitchTrackerTests.cs. One "time_s<TAB>f0_hz"
# line per frame, 0 = unvoiced:
#   ID.praat.tsv  Praat 6.3 `To Pitch: 0.01, 75, 600` (autocorrelation; frame times as Praat reports them)
#   ID.rapt.tsv   SPTK 3.9 `pitch -a 0` (RAPT), 10 ms hop, 75..600 Hz; frame i at i * 10 ms
#   ID.swipe.tsv  SPTK 3.9 `pitch -a 1` (SWIPE'), same settings
# Needs Debian's praat and sptk packages and sox. The speech-dev utterances are skipped when the corpus is absent
# (their WAVs are not copied: tests that use them read the corpus and skip without it).
# Usage: tools/make-pitch-fixtures.sh [speech-dev dir]
set -eu
DEV=${1:-/work/shared/data/speech-dev}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/Hmm.Tests/Data/Pitch
SPTK=/usr/libexec/sptk/bin
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
track() { # $1 = wav, $2 = id
  praat --run "$ROOT/tools/praat-pitch.praat" "$1" "$OUT/$2.praat.tsv"
  sox "$1" -t raw -e signed -b 16 -c 1 -r 16000 "$TMP/a.raw"
  for a in 0 1; do
    name=rapt; [ $a = 1 ] && name=swipe
    "$SPTK/x2x" +sf < "$TMP/a.raw" | "$SPTK/pitch" -a $a -s 16 -p 160 -L 75 -H 600 -o 1 | "$SPTK/x2x" +fa \
      | awk '{ printf "%.6f\t%.3f\n", (NR - 1) * 0.01, $1 }' > "$OUT/$2.$name.tsv"
  done
}
for wav in "$ROOT"/samples/*.wav; do track "$wav" "$(basename "$wav" .wav)"; done
if [ -d "$DEV/clean" ]; then
  for id in s001-us1 s002-us2 s009-us1 s010-us2 s019-us1 s020-us2 s029-us1 s030-us2; do
    [ -f "$DEV/clean/$id.wav" ] && track "$DEV/clean/$id.wav" "$id"
  done
fi
echo "wrote $(ls "$OUT" | wc -l) files to $OUT"
