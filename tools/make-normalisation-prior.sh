#!/usr/bin/env bash
# make-normalisation-prior.sh: rebuilds Hmm.Streaming/Data/normalisation-prior.csv, the feature statistics the live
# processor's running normalisation starts from. Speaks 20 sentences (below, written for this) with eight espeak-ng
# voices at rates 130-190 wpm, pads each with 0.3 s / 0.4 s of silence at 16 kHz, and takes the mean and variance of
# the default model's raw features (Hmm.Benchmarks normalisation-prior). None of the voices is speech-dev's (MBROLA).
# Needs espeak-ng and sox (apt-get install -y espeak-ng sox). Run from the repository root.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sentences=(
  "Bring the lantern down to the harbour before the tide turns."
  "Seven quiet foxes jumped over the muddy wall at dawn."
  "Could you check whether the train to Oxford leaves on time?"
  "My grandmother kept bees behind the old stone cottage."
  "The engineer measured every beam twice and then once more."
  "Please don't forget to water the tomatoes while I'm away."
  "A thousand tiny lights flickered across the frozen lake."
  "He whispered the answer, but nobody in the room heard him."
  "We should paint the kitchen a warm shade of yellow."
  "The museum opens at nine and closes early on Sundays."
  "Thick fog rolled in from the valley and hid the road."
  "She played the violin with surprising energy and joy."
  "Why would anyone leave a bicycle in the middle of the path?"
  "The recipe needs two cups of flour and a pinch of salt."
  "Lightning struck the chimney just after midnight."
  "Our neighbours are moving to a farm near the mountains."
  "The children built a castle of sand that the waves washed away."
  "If the phone rings again, tell them I'm in a meeting."
  "A curious owl watched us from the branch of a pine tree."
  "The report was finished, printed, and signed by noon."
)
for v in en-us en-us+f2 en-us+m3 en-gb en-gb+f4 en-gb-x-rp en-gb-scotland+m2 en-029+f3; do
  i=0
  for line in "${sentences[@]}"; do
    i=$((i + 1))
    espeak-ng -v "$v" -s $((130 + (i * 7) % 60)) -w "$work/raw.wav" "$line"
    sox "$work/raw.wav" -r 16000 -b 16 -c 1 "$work/${v//+/_}-$i.wav" pad 0.3 0.4
  done
done
rm -f "$work/raw.wav"
dotnet run -c Release --project Hmm.Benchmarks -- normalisation-prior "$work" Hmm.Streaming/Data/normalisation-prior.csv
