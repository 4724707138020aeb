#!/usr/bin/env bash
# Publishes a .NET project and packs the local .NET runtime beside it, so that the app runs on a
# Linux x64 machine that has an NVIDIA driver but no .NET installed.
#
# Usage (from anywhere inside the git checkout):
#   gpu-bundle.sh path/to/Project.csproj [extra 'dotnet publish' arguments]
# Result: .gpu-bundle/ at the checkout's root (git-ignored through .git/info/exclude):
#   app/                      the published project (Release, framework-dependent)
#   dotnet-runtime-*.tar.xz   the .NET host and runtime, packed once and reused
#   run.sh                    unpacks the runtime into /tmp and runs: bash .gpu-bundle/run.sh app/NAME.dll [args]
# The test project (an xunit v3 executable) fits a 64 MiB copy only for one runtime:
#   gpu-bundle.sh Hmm.Tests/Hmm.Tests.csproj -r linux-x64 --self-contained false
#   bash .gpu-bundle/run.sh app/Hmm.Tests.dll -class '*Cuda'
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 PROJECT.csproj [publish args]" >&2; exit 2; }
proj=$(readlink -f "$1"); shift
root=$(git -C "$(dirname "$proj")" rev-parse --show-toplevel)
out="$root/.gpu-bundle"
# In a linked worktree .git is a file: ask git where the exclude file is.
exclude=$(git -C "$root" rev-parse --git-path info/exclude)
case $exclude in /*) ;; *) exclude="$root/$exclude" ;; esac
mkdir -p "$out" "$(dirname "$exclude")"
grep -qx '/.gpu-bundle/' "$exclude" 2>/dev/null || echo '/.gpu-bundle/' >> "$exclude"

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

echo "bundle: $(du -sh "$out" | cut -f1) in .gpu-bundle/ (a GPU machine's copy of the tree may be limited to 64 MiB)"
echo "dlls:   $(cd "$out" && ls app/*.dll | tr '\n' ' ')"
echo "run:    bash .gpu-bundle/run.sh app/$(basename "${proj%.csproj}").dll [args]"
