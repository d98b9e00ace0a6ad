#!/usr/bin/env bash
# The embedded icio with input-output links carried over from WIOD 2014 (docs/io-bridge.md):
# for every year 2011-2022, `tradeq run --data icio --year Y --tariff USA:JPN:autos=+25pp
# --check` solves with input-output links, the independent recomputation of (E0)-(E5) is
# below 1e-8, and the tariff moves US imports of Japanese cars down; a year the data lacks
# is an error naming it; `tradeq info` says what is observed and what carried over.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
# tq-test-label: slow
set -u
tq=$1; src=$2
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for y in 2011 2012 2013 2014 2015 2016 2017 2018 2019 2020 2021 2022; do
  OMP_NUM_THREADS=2 "$tq" run --data icio --year "$y" --tariff USA:JPN:autos=+25pp --check > "$tmp/out" 2> "$tmp/err"
  check "$y: runs (exit 0)" $?
  grep -q "^data icio, $y (81 regions x 28 sectors, input-output links)" "$tmp/out"
  check "$y: base year $y with input-output links" $?
  max=$(sed -n 's/^check (independent recomputation.*; max \([0-9.eE+-]*\)$/\1/p' "$tmp/out")
  awk -v m="$max" 'BEGIN{exit !(m != "" && m + 0 < 1e-8)}'
  check "$y: --check max residual ${max:-missing} < 1e-8" $?
  # US imports of Japanese motor vehicles fall (baseline -> counterfactual)
  awk -F '  +' '/^Motor vehicles/{split($3,v," -> "); ok = (v[2]+0 > 0 && v[2]+0 < v[1]+0); n++} END{exit !(n==1 && ok)}' "$tmp/out"
  check "$y: US imports of Japanese cars fall" $?
done

"$tq" run --data icio --year 2010 --tariff USA:JPN:autos=+25pp > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "2010" "$tmp/err"
check "a year not in the data is an error naming it" $?
"$tq" run --year 18 > /dev/null 2> "$tmp/err"
[ $? -eq 2 ]
check "--year 18 is a usage error" $?

"$tq" convert --data icio --io-from wiod2014 --out "$tmp/x" > /dev/null 2> "$tmp/err"
[ $? -eq 2 ] && grep -q "needs --io-sector-map" "$tmp/err" && [ ! -e "$tmp/x" ]
check "convert --io-from without the concordances is a usage error" $?

# the CLI's import (convert --io-from) and the data tool write one report: re-importing
# WIOD's technology into the embedded icio gives the committed report byte for byte; an
# existing report is refused before any work (nothing written) unless --force
maps="--io-sector-map $src/data/concordance/io_bridge_wiod2014_icio_sectors.csv --io-region-map $src/data/concordance/io_bridge_wiod2014_icio_regions.csv"
"$tq" convert --data icio --io-from wiod2014 $maps --io-report "$tmp/r.csv" --out "$tmp/y" > /dev/null 2> "$tmp/err" &&
  cmp -s "$tmp/r.csv" "$src/data/icio/io_reconciliation.csv" && grep -q "^input-output 2018: reconciliation moved" "$tmp/err"
check "convert --io-from writes the committed reconciliation report" $?
"$tq" convert --data icio --io-from wiod2014 $maps --io-report "$tmp/r.csv" --out "$tmp/z" > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "refusing to overwrite the input-output report" "$tmp/err" && [ ! -e "$tmp/z" ]
check "convert --io-report refuses an existing file without --force, writing nothing" $?

"$tq" info --data icio > "$tmp/info"
grep -q "^io links   yes" "$tmp/info" && grep -q "Observed each year: trade; output; absorption; tariffs" "$tmp/info" &&
  grep -q "Carried over: input-output technology (value-added and input shares) of WIOD 2014" "$tmp/info"
check "info says what is observed and what carried over" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
