#!/usr/bin/env bash
# gpu-bundle.sh: publishes a project of this repository with the local .NET runtime packed beside it, so that it runs
# on a Linux x64 machine that has an NVIDIA driver but no .NET installed (how the GPU numbers in BENCHMARKS.md and
# Hmm.Gpu/GPU-NOTES.md were taken).
#
# Usage, from the repository root:
#   tools/gpu-bundle.sh Hmm.Gpu.Bench/Hmm.Gpu.Bench.csproj [extra 'dotnet publish' arguments]
#   tools/gpu-bundle.sh Samples.RealtimeVoice/Samples.RealtimeVoice.csproj
# Result: .gpu-bundle/ at the repository root (git-ignored by .gitignore):
#   app/                      the published project (Release, framework-dependent)
#   dotnet-runtime-*.tar.xz   the .NET host and runtime, packed once and reused
#   run.sh                    unpacks the runtime into /tmp and runs the app
# Copy .gpu-bundle/ to the GPU machine (with samples/ if the app reads them) and run there, from the same root:
#   bash .gpu-bundle/run.sh app/Hmm.Gpu.Bench.dll [args]
# The test project (an xunit v3 executable) fits a 64 MiB copy only for one runtime; its CUDA suites then run with:
#   tools/gpu-bundle.sh Hmm.Tests/Hmm.Tests.csproj -r linux-x64 --self-contained false
#   bash .gpu-bundle/run.sh app/Hmm.Tests.dll -class '*Cuda'
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PROJECT.csproj [publish args]" >&2; exit 2; }
proj=$(readlink -f "$1"); shift
root=$(git -C "$(dirname "$proj")" rev-parse --show-toplevel)
out="$root/.gpu-bundle"
mkdir -p "$out"

rm -rf "$out/app"
dotnet publish "$proj" -c Release -o "$out/app" --nologo -v quiet "$@"

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
version=$(dotnet --list-runtimes | awk '/^Microsoft.NETCore.App /{v=$2} END{print v}')
pack="$out/dotnet-runtime-$version.tar.xz"
if [ ! -f "$pack" ]; then
  rm -f "$out"/dotnet-runtime-*.tar.xz
  echo "packing .NET runtime $version (once, about a minute)..."
  tar -C "$dotnet_root" -cJf "$pack" dotnet host "shared/Microsoft.NETCore.App/$version"
fi

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs a published .NET app with the packed runtime: bash .gpu-bundle/run.sh app/NAME.dll [args]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DOTNET_ROOT=/tmp/gpu-bundle-dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ ! -x "$DOTNET_ROOT/dotnet" ]; then
  mkdir -p "$DOTNET_ROOT" && tar -xJf "$here"/dotnet-runtime-*.tar.xz -C "$DOTNET_ROOT"
fi
app=$1; shift
exec "$DOTNET_ROOT/dotnet" "$here/$app" "$@"
RUN
chmod +x "$out/run.sh"

echo "bundle: $(du -sh "$out" | cut -f1) in .gpu-bundle/"
echo "dlls:   $(cd "$out" && ls app/*.dll | tr '\n' ' ')"
echo "run:    bash .gpu-bundle/run.sh app/$(basename "${proj%.csproj}").dll [args]"
