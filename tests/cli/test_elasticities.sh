#!/usr/bin/env bash
# Elasticity sets: the generated tables rebuild byte for byte from ../shared/data.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if [ -f "$shared/wiod16/elasticities.csv" ] && [ -f "$shared/icio/elasticities.csv" ]; then
  mkdir -p "$tmp/data/elasticities" "$tmp/data/wiod2014" "$tmp/data/icio"
  cp "$src/data/elasticities/concordance_wiod2014.csv" "$tmp/data/elasticities/"
  cp "$src/data/wiod2014/sectors.csv" "$tmp/data/wiod2014/"
  cp "$src/data/icio/sectors.csv" "$tmp/data/icio/"
  "$(dirname "$tq")/build_elasticities" "$shared" "$tmp/data" >/dev/null
  check "build_elasticities runs" $?
  for d in wiod2014 icio; do
    cmp -s "$tmp/data/elasticities/$d.csv" "$src/data/elasticities/$d.csv"
    check "data/elasticities/$d.csv rebuilt identically" $?
  done
else
  echo "skip rebuild check ($shared/wiod16 or icio elasticities.csv absent)"
fi
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
