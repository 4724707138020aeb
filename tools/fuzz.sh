#!/usr/bin/env bash
# Fuzzes one reader with AFL++ and SharpFuzz (tools/Hmm.Fuzz/README.md): tools/fuzz.sh TARGET [SECONDS]
#   TARGET   wav, model, model-payload, labels, textgrid, json, dictionary, transcript or offsets
#   SECONDS  how long afl-fuzz runs (default 600); 0 runs until Ctrl-C
# Builds tools/Hmm.Fuzz in Release, copies it to .fuzz/build, instruments the Hmm assemblies there with the sharpfuzz
# tool (.config/dotnet-tools.json), and runs afl-fuzz on the committed seed corpus tools/Hmm.Fuzz/corpus/TARGET.
# Findings and the queue go to .fuzz/TARGET (ignored by git); the last status is .fuzz/TARGET/default/fuzzer_stats.
# Environment: FUZZ_TIMEOUT_MS (afl -t per input, default 5000), FUZZ_NICE (default 15), AFL_* as afl-fuzz reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: tools/fuzz.sh TARGET [SECONDS]}
seconds=${2:-600}
corpus=tools/Hmm.Fuzz/corpus/$target
[ -d "$corpus" ] || { echo "no seed corpus $corpus (targets: $(ls tools/Hmm.Fuzz/corpus | tr '\n' ' '))" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nice=${FUZZ_NICE:-15}

if ! command -v afl-fuzz > /dev/null; then
  { apt-get install -y -q afl++ || { apt-get update -q && apt-get install -y -q afl++; }; } > /dev/null
fi

build=.fuzz/build
if [ ! -f "$build/.instrumented" ] || [ -n "$(find Hmm.Core Hmm.Speech Hmm.Speech.Training tools/Hmm.Fuzz -name '*.cs' -newer "$build/.instrumented" | head -1)" ]; then
  nice -n "$nice" dotnet build tools/Hmm.Fuzz/Hmm.Fuzz.csproj -c Release -v q -nologo
  rm -rf "$build"
  mkdir -p "$build"
  cp -r tools/Hmm.Fuzz/bin/Release/net10.0/. "$build/"
  dotnet tool restore > /dev/null
  # The readers under test: coverage is recorded in these (not in the runtime, nor in the harness itself).
  for dll in Hmm.Core Hmm.Speech Hmm.Speech.Training; do
    dotnet sharpfuzz "$build/$dll.dll"
  done
  touch "$build/.instrumented"
fi

out=.fuzz/$target
mkdir -p "$out"
# AFL_SKIP_BIN_CHECK: dotnet itself is not instrumented (the assemblies are); -m none: the runtime reserves far more
# address space than it uses, and the harness bounds allocation itself (512 MB per input fails the input).
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
# A previous run of this target is resumed (its queue) instead of starting from the seeds again.
input=$corpus
[ -d "$out/default/queue" ] && input=-
args=(-i "$input" -o "$out" -m none -t "${FUZZ_TIMEOUT_MS:-5000}")
[ "$seconds" -gt 0 ] && args+=(-V "$seconds")
start=$SECONDS
nice -n "$nice" afl-fuzz "${args[@]}" -- dotnet "$build/Hmm.Fuzz.dll" afl "$target" > "$out/afl.log" 2>&1 || {
  echo "afl-fuzz failed; the end of $out/afl.log:" >&2; tail -20 "$out/afl.log" >&2; exit 1; }
stats=$out/default/fuzzer_stats
echo "$target: $((SECONDS - start)) s wall"
grep -E '^(execs_done|execs_per_sec|run_time|corpus_count|saved_crashes|saved_hangs|unique_crashes|unique_hangs|bitmap_cvg) ' "$stats" || true
crashes=$(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
if [ "$crashes" -gt 0 ]; then
  echo "$crashes finding(s) in $out/default/crashes and hangs; replay: dotnet $build/Hmm.Fuzz.dll replay $target FILE" >&2
  exit 1
fi
