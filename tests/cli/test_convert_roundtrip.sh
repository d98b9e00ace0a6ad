#!/usr/bin/env bash
# tradeq convert output always reads back: without a map, and for every shipped map in data/maps/ (region and
# sector maps), convert wiod2014 with the map (with and without --rebalance) and check that
# tradeq info accepts the folder written (aggregated groups used to carry a tariff on
# their own trade, "a region cannot levy a tariff on itself"), and that a scenario run on
# the converted folder gives the results of running it with the map directly.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# map -> dataset it applies to ("wiod2014" embedded; "raw": the shared data's WIOD 2014
# folder, 50 sectors) and kind. Every file in data/maps/ must be listed here.
maps="wiod2014_eu28.csv:wiod2014:region wiod2014_majors.csv:wiod2014:region
wiod2014_sectors10.csv:wiod2014:sector wiod2014_sectors.csv:raw:sector wiod2014-raw_sectors10.csv:raw:sector"
for f in "$src"/data/maps/*.csv; do
  echo "$maps" | grep -q "$(basename "$f"):"; ok=$?; check "map $(basename "$f") is covered by this test" $ok
done

# numbers of two results_regions.csv files agree to 1e-9 relative (columns 4 on)
same_results() {
  paste -d, "$1" "$2" | awk -F, -v h="$(head -1 "$1" | awk -F, '{print NF}')" '
    NR>1 { n++; for (c=4; c<=h; c++) { a=$c; b=$(c+h); if (a ~ /^-?[0-9.eE+-]+$/) { d=a-b; if (d<0) d=-d;
           s=(a<0?-a:a); if (s<1) s=1; if (d > 1e-9*s) bad++ } } }
    END { exit (n < 2 || bad > 0) }'
}

for entry in $maps; do
  m=${entry%%:*}; rest=${entry#*:}; data=${rest%%:*}; kind=${rest#*:}
  if [ "$data" = raw ]; then
    data=$shared/wiod2014
    if [ ! -d "$data" ]; then echo "skip $m: $data absent"; continue; fi
  fi
  map=$src/data/maps/$m
  for rb in "" --rebalance; do
    out=$tmp/${m%.csv}$rb
    "$tq" convert --data "$data" --$kind-map "$map" $rb --out "$out" > /dev/null 2> "$tmp/err"
    check "convert --$kind-map $m $rb" $?
    "$tq" info --data "$out" > /dev/null 2> "$tmp/err"
    rc=$?; [ $rc -ne 0 ] && cat "$tmp/err"
    check "info reads back convert --$kind-map $m $rb" $rc
  done
  # the same scenario on the converted folder and with the map directly
  key=aggregate; [ $kind = sector ] && key=sector_aggregate
  printf 'name: rt\ndata:\n  dataset: %s\n  %s: %s\ntariffs:\n  - {importer: USA, exporter: JPN, sectors: all, add: 10pp}\n' \
    "$data" "$key" "$map" > "$tmp/direct.yaml"
  printf 'name: rt\ndata:\n  dataset: %s\ntariffs:\n  - {importer: USA, exporter: JPN, sectors: all, add: 10pp}\n' \
    "$tmp/${m%.csv}" > "$tmp/converted.yaml"
  rm -rf "$tmp/ra" "$tmp/rb"
  "$tq" run "$tmp/direct.yaml" --out "$tmp/ra" --format csv > /dev/null 2>&1 &&
    "$tq" run "$tmp/converted.yaml" --out "$tmp/rb" --format csv > /dev/null 2>&1 &&
    same_results "$tmp/ra/results_regions.csv" "$tmp/rb/results_regions.csv"
  check "run on convert --$kind-map $m = run with the map" $?
done
# Without a map: the embedded wiod2014 and the raw KITE folder, whose ROW taxes trade among
# its own members (t[ROW,ROW,j] > 0, docs/formats/kite.md). The tradeq format keeps such a
# tariff, so the folder reads back and gives the same answer as the source.
for data in wiod2014 "$shared/wiod2014"; do
  if [ "$data" != wiod2014 ] && [ ! -d "$data" ]; then echo "skip raw no-map: $data absent"; continue; fi
  label=embedded; [ "$data" != wiod2014 ] && label=raw
  out=$tmp/nomap-$label
  "$tq" convert --data "$data" --out "$out" > /dev/null 2> "$tmp/err"
  check "convert --data wiod2014 ($label, no map)" $?
  "$tq" info --data "$out" > /dev/null 2> "$tmp/err"
  rc=$?; [ $rc -ne 0 ] && cat "$tmp/err"
  check "info reads back convert --data wiod2014 ($label, no map)" $rc
  rm -rf "$tmp/ra" "$tmp/rb"
  "$tq" run --data "$data" --tariff USA:JPN:all=+10pp --out "$tmp/ra" --format csv > /dev/null 2>&1 &&
    "$tq" run --data "$out" --tariff USA:JPN:all=+10pp --out "$tmp/rb" --format csv > /dev/null 2>&1 &&
    same_results "$tmp/ra/results_regions.csv" "$tmp/rb/results_regions.csv"
  check "run on convert --data wiod2014 ($label) = run on the source" $?
done
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
