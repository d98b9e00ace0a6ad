#!/usr/bin/env bash
# tradeq sweep and tradeq run --draws (docs/uncertainty.md): the same bytes for 1 and 2
# threads; a sweep killed (SIGKILL) in the middle and run again with its checkpoint gives
# the same file as an uninterrupted one; one row per point; the plot is an SVG; --draws
# adds the band columns to every format (and the JSON still validates) while a run
# without draws keeps its columns.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
axis='tariff USA:JPN:autos=0..19 step 1'

"$tq" sweep --vary "$axis" --block 2 --threads 1 --out "$tmp/a.csv" 2>"$tmp/a.err"
check "sweep with 1 thread" $?
! grep -q "ETA" "$tmp/a.err"; check "no progress bar when standard error is not a terminal" $?
"$tq" sweep --vary "$axis" --block 2 --threads 2 --out "$tmp/b.csv" 2>/dev/null
check "sweep with 2 threads" $?
cmp -s "$tmp/a.csv" "$tmp/b.csv"; check "1 and 2 threads: identical bytes" $?
# an existing file is never replaced without --force (refused before any work), and is with it
sum=$(md5sum < "$tmp/b.csv")
"$tq" sweep --vary 'tariff USA:JPN:autos=0,1' --out "$tmp/b.csv" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "exists (add --force" "$tmp/err" && [ "$(md5sum < "$tmp/b.csv")" = "$sum" ]
check "an existing --out file is refused without --force" $?
"$tq" sweep --vary 'tariff USA:JPN:autos=0,1' --out "$tmp/b2.csv" 2>/dev/null && \
  "$tq" sweep --vary 'tariff USA:JPN:autos=0,1' --out "$tmp/b.csv" --force 2>/dev/null && cmp -s "$tmp/b.csv" "$tmp/b2.csv"
check "--force replaces it" $?
ls "$tmp"/*.tmp* >/dev/null 2>&1; [ $? -ne 0 ]; check "no temporary file left behind" $?
[ "$(wc -l < "$tmp/a.csv")" -eq 21 ]; check "one row per point (20) and a header" $?
head -1 "$tmp/a.csv" | grep -q '^tariff_USA_JPN_autos_pct,converged,iterations,USA_welfare_pct,'
check "header: the axis, converged, the pair's numbers" $?
awk -F, 'NR>1 && $2!=1 {bad=1} END {exit bad}' "$tmp/a.csv"; check "every point converged" $?
# Japan's welfare falls as the US tariff on its cars rises (column JPN_welfare_pct)
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="JPN_welfare_pct") c=i; next}
         NR>2 && $c >= prev {bad=1} {prev=$c} END {exit bad}' "$tmp/a.csv"
check "Japan's welfare falls with the tariff" $?

# kill in the middle, resume from the checkpoint
ck="$tmp/ck"
"$tq" sweep --vary "$axis" --block 2 --threads 1 --checkpoint "$ck" --out "$tmp/c.csv" 2>/dev/null &
pid=$!
# header 40 bytes; a block of 2 points of 2295 doubles is 36732 bytes: wait for 2 blocks
for _ in $(seq 1 600); do
  [ -f "$ck" ] && [ "$(stat -c %s "$ck")" -ge 73504 ] && break
  sleep 0.02
done
kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
size=$(stat -c %s "$ck" 2>/dev/null || echo 0)
[ "$size" -ge 73504 ] && [ "$size" -lt $((40 + 10 * 36732)) ] && [ ! -f "$tmp/c.csv" ]
check "killed with part of the blocks in the checkpoint ($size bytes)" $?
"$tq" sweep --vary "$axis" --block 2 --threads 2 --checkpoint "$ck" --out "$tmp/c.csv" 2>/dev/null
check "resumed sweep runs" $?
cmp -s "$tmp/a.csv" "$tmp/c.csv"; check "resumed file identical to the uninterrupted one" $?
"$tq" sweep --vary "$axis" --block 4 --checkpoint "$ck" --out "$tmp/d.csv" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "another sweep" "$tmp/err"; check "a checkpoint of another sweep is refused" $?

"$tq" sweep --vary 'tariff USA:JPN:autos=0..20 step 10' --format json --plot "$tmp/p.svg" > "$tmp/s.json" 2>/dev/null
check "JSON and plot" $?
grep -q '"rows": \[' "$tmp/s.json" && grep -q '"columns": \["tariff_USA_JPN_autos_pct"' "$tmp/s.json"
check "JSON layout" $?
head -c 200 "$tmp/p.svg" | grep -q '<svg'; check "the plot is an SVG" $?
"$tq" sweep --vary 'speed=1..2' >/dev/null 2>&1; [ $? -eq 2 ]; check "bad axis is a usage error" $?

# run --draws: bands beside the headline numbers in the table and every format
"$tq" run --draws 8 --threads 2 --out "$tmp/r" --format table,csv,json,xlsx,dta > "$tmp/r.txt" 2>/dev/null
check "run --draws 8" $?
grep -q "uncertainty over 8 draws" "$tmp/r.txt"; check "the table shows the band" $?
head -1 "$tmp/r/results_regions.csv" | grep -q 'welfare_pct,welfare_pct_p05,welfare_pct_median,welfare_pct_p95,ev_musd,'
check "CSV: band columns beside welfare" $?
head -1 "$tmp/r/results_pair_sector.csv" | grep -q 'balance_after_musd_p05'; check "CSV: pair balance band" $?
grep -q '"welfare_pct_band":{"p05":' "$tmp/r/results.json"; check "JSON: welfare band object" $?
[ -s "$tmp/r/results.xlsx" ] && [ -s "$tmp/r/results_regions.dta" ]; check "xlsx and dta written" $?
if command -v node >/dev/null && [ -d "$src/tests/schema/node_modules/ajv" ]; then
  node "$src/tests/schema/validate.js" "$src/docs/results.schema.json" "$tmp/r/results.json" >/dev/null
  check "JSON with bands validates against docs/results.schema.json" $?
fi
"$tq" run --out "$tmp/n" --format csv >/dev/null 2>&1
! head -1 "$tmp/n/results_regions.csv" | grep -q '_p05'; check "without draws no band columns" $?

# the scenario file's own uncertainty: mapping
cat > "$tmp/u.yaml" <<'YAML'
name: autos-with-band
uncertainty:
  draws: 4
  seed: 3
tariffs:
  - {importer: USA, exporter: JPN, sectors: autos, add: 25pp}
YAML
"$tq" run "$tmp/u.yaml" --top 0 2>/dev/null | grep -q "uncertainty over 4 draws"
check "uncertainty: in the scenario file" $?
printf 'name: x\nuncertainty:\n  draws: many\n' > "$tmp/bad.yaml"
"$tq" run "$tmp/bad.yaml" 2>"$tmp/err"; [ $? -eq 1 ] && grep -q "bad.yaml:3" "$tmp/err"
check "a bad uncertainty: value names file and line" $?

# draws of a gravity partial effect (docs/uncertainty.md): the EU enlargement with b's
# standard error; theta held (ge_gravity_eu has one published set, U4: no spread to draw from)
printf 'name: eu\ndata:\n  dataset: ge_gravity_eu\nuncertainty:\n  draws: 40\n  theta: false\nntb:\n  - pairs_file: %s\n    sectors: all\n    partial_effect: {b: 0.2242490, se: 0.0713086}\n' \
  "$src/scenarios/eu-enlargement-pairs.csv" > "$tmp/eu.yaml"
"$tq" run "$tmp/eu.yaml" --threads 1 --out "$tmp/e1" --format table,csv > "$tmp/e1.txt" 2>/dev/null
check "run with partial-effect draws (1 thread)" $?
"$tq" run "$tmp/eu.yaml" --threads 2 --out "$tmp/e2" --format csv > /dev/null 2>&1
cmp -s "$tmp/e1/results_regions.csv" "$tmp/e2/results_regions.csv"
check "partial-effect draws: 1 and 2 threads write identical bytes" $?
grep -q "uncertainty over 40 draws of the partial effects" "$tmp/e1.txt"
check "the table names what was drawn" $?
awk -F, 'FNR == 1 { for (c = 1; c <= NF; c++) col[$c] = c; next }
         $2 == "HUN" { p05 = $(col["welfare_pct_p05"]); p95 = $(col["welfare_pct_p95"]); w = $(col["welfare_pct"]) }
         END { exit !(p05 > 0 && p05 < w && w < p95) }' "$tmp/e1/results_regions.csv"
check "Hungary's band: 0 < p05 < central < p95" $?
"$tq" run "$tmp/eu.yaml" --draw-params theta --out "$tmp/e3" --format csv > /dev/null 2>&1
awk -F, 'FNR == 1 { for (c = 1; c <= NF; c++) col[$c] = c; next }
         { w = $(col["welfare_pct"]); for (k = 0; k < 3; k++) { d = $(col["welfare_pct"] + 1 + k) - w; if (d < 0) d = -d;
           if (d > 1e-9 + 1e-7 * (w < 0 ? -w : w)) bad = 1 } }
         END { exit bad }' "$tmp/e3/results_regions.csv"
check "--draw-params theta: b held, theta without spread: the band is the point" $?
"$tq" run "$tmp/eu.yaml" --draw-params beta > /dev/null 2>&1; [ $? -eq 2 ]
check "--draw-params beta: usage error (2)" $?

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
