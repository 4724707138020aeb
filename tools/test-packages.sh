#!/usr/bin/env bash
# test-packages.sh: packs Hmm.Core, Hmm.Speech, Hmm.Streaming and Hmm.Gpu (`dotnet pack -c Release`) into
# artifacts/packages, then runs Hmm.PackageTests against them, restored from that folder as a user would restore them.
# Arguments go to `dotnet test` (.ci/run passes its TRX logger). HMM_PACK_NO_BUILD=1 packs the Release build already
# there instead of building first (.ci/run, right after it built and tested the solution). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
rm -rf "$out"
dotnet pack Hmm.sln -c Release -o "$out" ${HMM_PACK_NO_BUILD:+--no-build}
# The version does not change between packs, so a copy restored from an earlier pack would stand in for this one: remove
# ours from the global packages folder (as the test project's configuration sees it), and its stale restore.
cache=$(cd Hmm.PackageTests && dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
for id in hmm.core hmm.speech hmm.streaming hmm.gpu; do rm -rf "${cache:?}/$id"; done
rm -rf Hmm.PackageTests/bin Hmm.PackageTests/obj
dotnet test Hmm.PackageTests/Hmm.PackageTests.csproj -c Release "$@"
