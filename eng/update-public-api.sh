#!/usr/bin/env bash
# Rewrites each package's PublicAPI.Unshipped.txt from the public surface the compiler sees (RS0016), so a change to
# the surface shows up as a reviewable diff of that file. PublicAPI.Shipped.txt takes the lines at a release.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dir=$(dirname "$project")
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  dotnet build "$project" --no-incremental -nologo -v q -p:TreatWarningsAsErrors=false 2>&1 \
    | grep -F "[$PWD/$project]" \
    | sed -n "s/.*warning RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" \
    | LC_ALL=C sort -u >> "$dir/PublicAPI.Unshipped.txt"
  echo "$dir: $(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) public API lines"
done
