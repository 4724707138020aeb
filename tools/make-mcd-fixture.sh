#!/usr/bin/env bash
# make-mcd-fixture.sh: regenerates Hmm.Tests/Data/Mcd/ (the mel-cepstrum fixture) with SPTK 3.9 (Debian: apt-get install sptk),
# so that the tests check Hmm.Speech.Training's MelCepstrum against SPTK without needing it installed.
#   input.f32     0.25 s of samples/s017-us1.wav from 1.0 s (4000 float32 little-endian samples in [-1, 1))
#   freqt.f32     SPTK: frame | window (Hamming, not normalised) | fftcep | freqt: the pipeline MelCepstrum reproduces (order 24, alpha 0.42)
#   mcep.f32      SPTK's mcep (UELS, the iterative estimate) on the same frames: for comparison only (see MelCepstrum's remarks)
#   shifted.f32   freqt.f32's pipeline on input.f32 scaled by 0.5 with 1 % white noise (seeded): the known-value MCD pair
# Usage, from the repository root: tools/make-mcd-fixture.sh
set -euo pipefail
export PATH=/usr/libexec/sptk/bin:$PATH
out=Hmm.Tests/Data/Mcd
mkdir -p "$out"
python3 - "$out" <<'PY'
import struct, sys, wave, random
out = sys.argv[1]
w = wave.open("samples/s017-us1.wav")
assert w.getframerate() == 16000 and w.getsampwidth() == 2 and w.getnchannels() == 1
w.setpos(16000)
raw = w.readframes(4000)
x = [v / 32768.0 for v in struct.unpack("<4000h", raw)]
open(f"{out}/input.f32", "wb").write(struct.pack("<4000f", *x))
rng = random.Random(42)
y = [0.5 * v + 0.01 * rng.gauss(0, 1) for v in x]
open(f"{out}/shifted-input.f32", "wb").write(struct.pack("<4000f", *y))
PY
analyse() { frame -l 400 -p 80 "$1" | window -l 400 -L 512 -w 1 -n 0 | fftcep -l 512 -m 256 -e 1e-8 | freqt -m 256 -M 24 -A 0.42; }
analyse "$out/input.f32" > "$out/freqt.f32"
analyse "$out/shifted-input.f32" > "$out/shifted.f32"
frame -l 400 -p 80 "$out/input.f32" | window -l 400 -L 512 -w 1 -n 0 | mcep -l 512 -m 24 -a 0.42 -e 1e-8 > "$out/mcep.f32"
ls -l "$out"
