#!/usr/bin/env bash
# Assembles the Azure Functions custom-handler app: the server published self-contained for linux-x64,
# host.json and one <FunctionName>/function.json folder per function, all at the root of the app folder,
# then zips that folder for deployment.
#
#   eng/package-functionapp.sh
#
# FUNCTIONAPP_OUTPUT (default: <repo>/artifacts) names the folder that receives functionapp/ and functionapp.zip.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${FUNCTIONAPP_OUTPUT:-$repo/artifacts}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
app="$out/functionapp"
zipfile="$out/functionapp.zip"

rm -rf "$app" "$zipfile"
mkdir -p "$app"

dotnet publish "$repo/src/CustomResources.Server/CustomResources.Server.csproj" \
  -c Release -r linux-x64 --self-contained -o "$app" --nologo

cp "$repo/host.json" "$app/host.json"
for dir in "$repo"/functions/*/; do
  name="$(basename "$dir")"
  mkdir -p "$app/$name"
  cp "$dir"function.json "$app/$name/function.json"
done
chmod +x "$app/CustomResources.Server"

if command -v zip >/dev/null 2>&1; then
  (cd "$app" && zip -q -r -X "$zipfile" .)
else
  # python's zipfile records each file's mode too, so the executable keeps its execute bit.
  (cd "$app" && python3 -m zipfile -c "$zipfile" ./*)
fi

echo "Function app folder: $app"
echo "Function app zip:    $zipfile"
