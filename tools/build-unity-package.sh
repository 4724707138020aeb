#!/usr/bin/env bash
# Assembles the Unity package Unity/com.hmm.lipsync from a fresh clone in one command (needs the .NET SDK of global.json):
#   1. builds Hmm.Core, Hmm.Speech and Hmm.Streaming for netstandard2.1 in Release, with their XML docs;
#   2. copies them, their docs and System.Runtime.CompilerServices.Unsafe.dll (netstandard2.0) into
#      Unity/com.hmm.lipsync/Runtime/Plugins/ (git-ignored) with .meta files: stable GUIDs, the plugin importer set to
#      Any Platform, the Editor included;
#   3. checks that every file and folder Unity imports has its .meta (an immutable package without them loses assets);
#   4. writes artifacts/unity/com.hmm.lipsync-VERSION.tgz, the layout npm pack makes (a package/ prefix), which
#      Unity's "Add package from tarball" takes.
# --upm also commits the assembled package, at the same path, onto the local branch 'upm' (an orphan branch on its
# first run; the working tree and the current branch are not touched), for installs by git URL
# (...git?path=/Unity/com.hmm.lipsync#upm). Nothing is pushed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
package="$root/Unity/com.hmm.lipsync"
plugins="$package/Runtime/Plugins"
out="$root/artifacts/unity"
upm=false
for arg in "$@"; do
  case "$arg" in
    --upm) upm=true ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-unity-package.sh: unknown option '$arg' (options: --upm)" >&2; exit 2 ;;
  esac
done

version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$package/package.json" | head -1)"
[ -n "$version" ] || { echo "build-unity-package.sh: no version in $package/package.json" >&2; exit 1; }

# A GUID per package path, the same on every machine and run: Unity keys references to assets by it.
guid() { printf 'com.hmm.lipsync/%s' "$1" | md5sum | cut -c1-32; }

folder_meta() {
  cat > "$1.meta" <<META
fileFormatVersion: 2
guid: $(guid "$2")
folderAsset: yes
DefaultImporter:
  externalObjects: {}
  userData: 
  assetBundleName: 
  assetBundleVariant: 
META
}

text_meta() {
  cat > "$1.meta" <<META
fileFormatVersion: 2
guid: $(guid "$2")
TextScriptImporter:
  externalObjects: {}
  userData: 
  assetBundleName: 
  assetBundleVariant: 
META
}

# Any Platform, nothing excluded (the Editor included: the editor baker and play mode run the same assemblies).
# $3: a define constraint, or empty.
plugin_meta() {
  local constraints="[]"
  [ -n "${3:-}" ] && constraints="
  - $3"
  cat > "$1.meta" <<META
fileFormatVersion: 2
guid: $(guid "$2")
PluginImporter:
  externalObjects: {}
  serializedVersion: 2
  iconMap: {}
  executionOrder: {}
  defineConstraints: $constraints
  isPreloaded: 0
  isOverridable: 0
  isExplicitlyReferenced: 0
  validateReferences: 1
  platformData:
  - first:
      : Any
    second:
      enabled: 0
      settings:
        Exclude Android: 0
        Exclude Editor: 0
        Exclude Linux64: 0
        Exclude OSXUniversal: 0
        Exclude WebGL: 0
        Exclude Win: 0
        Exclude Win64: 0
        Exclude iOS: 0
  - first:
      Any: 
    second:
      enabled: 1
      settings: {}
  - first:
      Editor: Editor
    second:
      enabled: 1
      settings:
        CPU: AnyCPU
        DefaultValueInitialized: true
        OS: AnyOS
  userData: 
  assetBundleName: 
  assetBundleVariant: 
META
}

echo "== building the netstandard2.1 assemblies (Release)"
build="$out/build"
rm -rf "$build"
# Publish, not build: it gathers the package dependency (Unsafe) beside the assemblies. ContinuousIntegrationBuild: no
# machine paths in the assemblies, so that any clone builds the same bytes. GenerateDocumentationFile: the
# XML docs travel with the DLLs for IntelliSense in Unity. The doc-comment warnings the libraries have today (CS1591,
# CS1574, CS1735, CS0419: their docs were never generated, so never checked) stay warnings here, the rest errors.
dotnet publish "$root/Hmm.Streaming/Hmm.Streaming.csproj" -c Release -f netstandard2.1 -o "$build" --nologo -v quiet \
  -p:ContinuousIntegrationBuild=true \
  -p:GenerateDocumentationFile=true \
  -p:WarningsNotAsErrors="NU1603%3BNU1901%3BNU1902%3BNU1903%3BNU1904%3BCS1591%3BCS1574%3BCS1735%3BCS0419"

echo "== copying into $plugins"
rm -rf "$plugins" "$plugins.meta"
mkdir -p "$plugins"
folder_meta "$plugins" "Runtime/Plugins"
for name in Hmm.Core Hmm.Speech Hmm.Streaming; do
  for ext in dll xml; do
    [ -f "$build/$name.$ext" ] || { echo "build-unity-package.sh: $build/$name.$ext was not built" >&2; exit 1; }
    cp "$build/$name.$ext" "$plugins/"
  done
  plugin_meta "$plugins/$name.dll" "Runtime/Plugins/$name.dll"
  text_meta "$plugins/$name.xml" "Runtime/Plugins/$name.xml"
done
unsafe="$build/System.Runtime.CompilerServices.Unsafe.dll"
[ -f "$unsafe" ] || { echo "build-unity-package.sh: $unsafe is missing from the publish output" >&2; exit 1; }
cp "$unsafe" "$plugins/"
# HMM_LIPSYNC_NO_UNSAFE leaves ours out where another package ships the same assembly.
plugin_meta "$plugins/System.Runtime.CompilerServices.Unsafe.dll" "Runtime/Plugins/System.Runtime.CompilerServices.Unsafe.dll" "'!HMM_LIPSYNC_NO_UNSAFE'"

echo "== checking .meta files"
# Unity imports everything but hidden entries and names ending in '~' (Samples~); each needs NAME.meta beside it.
missing=0
while IFS= read -r -d '' entry; do
  [ -e "$entry.meta" ] || { echo "  no .meta for ${entry#"$package"/}" >&2; missing=1; }
done < <(find "$package" -mindepth 1 \( -name '.*' -o -name '*~' \) -prune -o ! -name '*.meta' -print0)
[ "$missing" = 0 ] || { echo "build-unity-package.sh: add the .meta files above (stable GUIDs: see guid() here)" >&2; exit 1; }

echo "== packing"
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage/package"
(cd "$package" && tar -cf - --exclude=./.gitignore .) | tar -xf - -C "$stage/package"
tarball="$out/com.hmm.lipsync-$version.tgz"
# Sorted, owner-free, dated by the last commit: the same sources give the same tarball.
epoch="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - package | gzip -n -9 > "$tarball"
rm -rf "$stage" "$build"
echo "   $tarball ($(du -h "$tarball" | cut -f1)):"
tar -tzf "$tarball" | sed 's/^/     /'

if $upm; then
  echo "== committing the package onto the branch 'upm'"
  # A private index and the package folder as the work tree: neither the checkout nor its index is touched.
  index="$(mktemp)"
  rm -f "$index"
  upmtree="$(mktemp -d)"
  mkdir -p "$upmtree/Unity"
  (cd "$package" && tar -cf - --exclude=./.gitignore .) | (mkdir -p "$upmtree/Unity/com.hmm.lipsync" && tar -xf - -C "$upmtree/Unity/com.hmm.lipsync")
  cat > "$upmtree/README.md" <<README
# Hmm Lip Sync for Unity: the assembled package

This branch holds only the Unity package \`com.hmm.lipsync\` with its built assemblies, made by
\`tools/build-unity-package.sh --upm\` from the main branch. Install it with Unity's Package Manager, Add package from
git URL: \`https://github.com/OWNER/hmm.git?path=/Unity/com.hmm.lipsync#upm\`.
README
  GIT_INDEX_FILE="$index" git -C "$root" --work-tree="$upmtree" add -f -A .
  tree="$(GIT_INDEX_FILE="$index" git -C "$root" write-tree)"
  rm -rf "$index" "$upmtree"
  source_commit="$(git -C "$root" rev-parse --short HEAD)"
  parent=()
  if git -C "$root" rev-parse -q --verify refs/heads/upm >/dev/null; then
    if [ "$(git -C "$root" rev-parse refs/heads/upm^{tree})" = "$tree" ]; then
      echo "   'upm' already holds this package; nothing to commit"
      exit 0
    fi
    parent=(-p "$(git -C "$root" rev-parse refs/heads/upm)")
  fi
  commit="$(git -C "$root" commit-tree "$tree" "${parent[@]}" -m "com.hmm.lipsync $version, assembled from $source_commit")"
  git -C "$root" update-ref refs/heads/upm "$commit"
  echo "   upm -> $(git -C "$root" rev-parse --short "$commit") (not pushed: git push origin upm publishes it)"
fi
