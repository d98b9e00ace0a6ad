#!/usr/bin/env bash
# The embedded dataset data/liberation2025 rebuilds byte for byte from
# ../shared/data/liberation2025 (tools/build_liberation.c), and reads as a tradeq dataset.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
if [ ! -f "$shared/liberation2025/trade_cepii.csv" ]; then
  echo "SKIP: $shared/liberation2025/trade_cepii.csv is absent"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
"$(dirname "$tq")/build_liberation" "$shared" "$tmp" >"$tmp/log.txt"
check "build_liberation runs" $?
grep -q "194 countries, 25398 flows" "$tmp/log.txt"
check "194 countries and the 25,398 non-empty cells of the source" $?
bad=0; n=0
for f in "$tmp/liberation2025"/*; do
  n=$((n+1))
  cmp -s "$f" "$src/data/liberation2025/$(basename "$f")" || { echo "differs: $(basename "$f")"; bad=1; }
done
[ $n -eq 6 ] || { echo "expected 6 generated files, got $n"; bad=1; }
check "data/liberation2025 rebuilt identically" $bad
# the US tariffs as published: CHN 0.54, JPN 0.24, DEU 0.2, RUS 0, USA 0
for kv in CHN,0.54 JPN,0.24 DEU,0.2 RUS,0 USA,0 CAN,0.1 MEX,0.17; do
  grep -qx "$kv" "$src/data/liberation2025/us_tariffs_2025.csv" || { echo "missing $kv"; bad=2; }
done
[ $bad -ne 2 ]
check "published US rates" $?
"$tq" info --data "$src/data/liberation2025" >"$tmp/info.txt" 2>&1 && grep -q "194 regions x 1 sectors" "$tmp/info.txt"
check "tradeq info reads the folder (194 regions x 1 sector)" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
