#!/usr/bin/env bash
# Regenerate the golden files of the shipped scenarios (tests/golden/<name>.csv).
# Run after a change that is meant to move results, and say why in the commit.
# usage: tests/golden/regen.sh path/to/tradeq
set -euo pipefail
tq=$1; here=$(cd "$(dirname "$0")" && pwd); src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in "$src"/scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  "$tq" run "$f" --out "$tmp/$name" --format csv >/dev/null
  bash "$here/extract.sh" "$tmp/$name/results_regions.csv" > "$here/$name.csv"
  echo "wrote tests/golden/$name.csv"
done
