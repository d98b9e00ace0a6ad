#!/usr/bin/env bash
# Rebuilding the embedded datasets from ../shared/data reproduces the committed files
# byte for byte. Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
if [ ! -d "$shared/wiod2014" ] || [ ! -d "$shared/icio" ]; then
  echo "SKIP: $shared is absent; cannot rebuild the embedded data"; exit 77
fi
tool=$(dirname "$tq")/build_data
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$tool" "$shared" "$tmp" "$src/data/maps" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "0 passed, 1 failed"; exit 1; }
fails=0; passes=0
# every file build_data writes must equal the committed one (other files in data/<d>,
# such as the tariff cross-check, come from their own tools and tests)
for d in wiod2014 icio; do
  bad=0
  for f in "$tmp/$d"/*; do
    cmp -s "$f" "$src/data/$d/$(basename "$f")" || { echo "differs: data/$d/$(basename "$f")"; bad=1; }
  done
  if [ $bad -eq 0 ]; then echo "ok   $d rebuilt identically"; passes=$((passes+1)); else echo "FAIL $d"; fails=$((fails+1)); fi
done
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
