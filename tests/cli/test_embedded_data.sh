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
for d in wiod2014 icio; do
  if diff -r "$src/data/$d" "$tmp/$d" >/dev/null; then echo "ok   $d rebuilt identically"; passes=$((passes+1));
  else echo "FAIL $d differs from the committed files:"; diff -rq "$src/data/$d" "$tmp/$d"; fails=$((fails+1)); fi
done
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
