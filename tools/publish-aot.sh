#!/usr/bin/env bash
# publish-aot.sh [OUT]: publishes the hmm CLI (Samples.RealtimeVoice) with NativeAOT into OUT (default out/aot/), then
# checks it on the bundled sample: `hmm align` must place samples/s044-us2's boundaries as the JIT build does (at least
# 85 % within 20 ms of its .lab), `hmm lipsync` must give non-trivial Rhubarb cues, and `--engine gpu` must fail with its
# message (this build has no GPU engine: ILGPU compiles kernels from IL at run time). Exits non-zero on any failure.
#
# The binary targets x86-64-v3 (AVX2, FMA: Intel since 2013, AMD since 2015) unless HMM_AOT_ISA says otherwise
# (x86-64-v2 for older CPUs: the engine then runs Vector128 without FMA, about 30x slower on the sample; native for this machine's own,
# AVX-512 included). NativeAOT links with the C compiler, clang or gcc: installed here (as root) if neither is present.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/aot}
isa=${HMM_AOT_ISA:-x86-64-v3}
if ! command -v clang > /dev/null && ! command -v gcc > /dev/null; then
  { apt-get install -y -q gcc || { apt-get update -q && apt-get install -y -q gcc; }; } > /dev/null
fi
rm -rf "$out"
start=$SECONDS
# Documentation files of the libraries are of no use beside a native binary.
dotnet publish Samples.RealtimeVoice/Samples.RealtimeVoice.csproj -c Release -r linux-x64 -p:HmmAot=true \
  -p:IlcInstructionSet="$isa" -p:PublishDocumentationFiles=false -o "$out"
echo "publish-aot: published in $((SECONDS - start)) s: $out/hmm $(du -k "$out/hmm" | cut -f1) KB ($isa), with $(cd "$out" && ls *.so | tr '\n' ' ')" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$out/hmm" align samples/s044-us2.wav > "$tmp/align.txt"
"$out/hmm" lipsync samples/s044-us2.wav > "$tmp/lipsync.tsv"
if "$out/hmm" align samples/s044-us2.wav --engine gpu > "$tmp/gpu.txt" 2>&1; then
  echo "publish-aot: --engine gpu succeeded in the NativeAOT build, where there is no GPU engine" >&2; exit 1
fi
python3 - "$tmp" <<'PY'
import re, sys
d = sys.argv[1]
align = open(d + "/align.txt").read()
m = re.search(r"against samples/s044-us2\.lab: ([\d.]+) % of (\d+) boundaries within 20 ms", align)
assert m, "hmm align printed no agreement with the labels:\n" + align
assert float(m.group(1)) >= 85, "hmm align: only %s %% of boundaries within 20 ms" % m.group(1)
cues = [l.split("\t") for l in open(d + "/lipsync.tsv").read().splitlines() if l.strip()]
shapes = [c[1] for c in cues]
assert len(cues) >= 8 and len(set(shapes)) >= 4, "hmm lipsync: trivial cues: %s" % shapes
assert shapes[0] == "X" and shapes[-1] == "X", "hmm lipsync: does not start and end at rest: %s" % shapes
assert abs(float(cues[-1][0]) - 1.82) < 0.05, "hmm lipsync: the last cue is not at the end (1.829 s): %s" % cues[-1]
gpu = open(d + "/gpu.txt").read()
assert "NativeAOT" in gpu, "hmm align --engine gpu: unexpected message: " + gpu
print("publish-aot: align %s %% of %s boundaries within 20 ms; lipsync %d cues (%s); --engine gpu refused" % (m.group(1), m.group(2), len(cues), " ".join(shapes)), file=sys.stderr)
PY
