#!/usr/bin/env bash
# strategy: in scenario files and the result files of optimal, nash and talks
# (docs/strategic.md, "Moves in scenario files", "Result files"), on the tiny economy:
# run plays the moves and prints their table, --out writes moves_<scenario>.csv/.json; the
# strategic commands' --out FILE.csv|.json (JSON valid against docs/strategic.schema.json),
# never replaced without --force; talks names the region without a deal by its code.
# args: $1 tradeq binary, $2 source dir, $3 shared data dir
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/cli/checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tiny="$src/tests/data/tiny"
have_schema=0
if command -v node >/dev/null && [ -d "$src/tests/schema/node_modules/ajv" ]; then have_schema=1; fi
valid() { node "$src/tests/schema/validate.js" "$src/docs/strategic.schema.json" "$1" >/dev/null; }

cat >"$tmp/seq.yaml" <<YAML
name: seq
data: {dataset: $tiny}
tariffs:
  - {importer: AAA, exporter: BBB, sectors: G, add: 5pp}
strategy:
  - optimal: AAA
  - optimal: BBB
    form: per-partner
YAML

# 1. run plays the moves, prints the table, writes the moves beside the results
"$bin" run "$tmp/seq.yaml" --out "$tmp/r" --format table,csv,json >"$tmp/run.txt" 2>"$tmp/err.txt"
rc=$?
check "run with strategy: exits 0 ($(head -c 300 "$tmp/err.txt"))" '[ $rc -eq 0 ]'
check "the table of moves" 'grep -q "^strategic moves" "$tmp/run.txt" && grep -q "^1 *optimal AAA *sector *AAA: G" "$tmp/run.txt" && grep -q "^2 *optimal BBB *per-partner" "$tmp/run.txt"'
check "welfare after each move" 'grep -q "^AAA .*\*" "$tmp/run.txt"'
check "moves_seq.csv and .json written" '[ -s "$tmp/r/moves_seq.csv" ] && [ -s "$tmp/r/moves_seq.json" ] && [ -s "$tmp/r/results_regions.csv" ]'
check "moves csv header" '[ "$(head -1 "$tmp/r/moves_seq.csv")" = "step,move,kind,importer,exporter,sector,before,after" ]'
check "a welfare row per region and move" '[ "$(grep -c ",welfare_pct," "$tmp/r/moves_seq.csv")" = 6 ]'
# each mover gains in its move; only its own tariffs move
check "AAA gains from its move" "awk -F, '\$1==1 && \$3==\"welfare_pct\" && \$4==\"AAA\" {exit !(\$8 > \$7 + 1e-6)}' \"$tmp/r/moves_seq.csv\""
check "BBB gains from its move" "awk -F, '\$1==2 && \$3==\"welfare_pct\" && \$4==\"BBB\" {exit !(\$8 > \$7 + 1e-6)}' \"$tmp/r/moves_seq.csv\""
check "a move changes only the mover's tariffs" "awk -F, '\$3==\"tariff\" && ((\$1==1 && \$4!=\"AAA\") || (\$1==2 && \$4!=\"BBB\")) {bad=1} END {exit bad}' \"$tmp/r/moves_seq.csv\""
check "second-order check passed" "awk -F, '\$3==\"second_order_ok\" && \$8!=1 {bad=1} END {exit bad}' \"$tmp/r/moves_seq.csv\""
# the final equilibrium: AAA's welfare in results_regions equals its welfare after the last move
w_res=$(awk -F, 'NR==1 {for (i=1;i<=NF;i++) if ($i=="welfare_pct") c=i} $2=="AAA" {print $c}' "$tmp/r/results_regions.csv")
w_mv=$(awk -F, '$1==2 && $3=="welfare_pct" && $4=="AAA" {print $8}' "$tmp/r/moves_seq.csv")
check "the run's equilibrium is the last move's ($w_res vs $w_mv)" 'within "$w_res" "$w_mv" 1e-6'
if [ $have_schema = 1 ]; then check "moves json validates" 'valid "$tmp/r/moves_seq.json"'; fi
sum=$(cat "$tmp"/r/* | md5sum)
"$bin" run "$tmp/seq.yaml" --out "$tmp/r" --format csv,json >/dev/null 2>"$tmp/err.txt"
rc=$?
check "run refuses to overwrite without --force" '[ $rc -ne 0 ] && [ "$(cat "$tmp"/r/* | md5sum)" = "$sum" ]'
rm "$tmp/r/results_"* "$tmp/r/results.json"
"$bin" run "$tmp/seq.yaml" --out "$tmp/r" --format csv,json >/dev/null 2>"$tmp/err.txt"
rc=$?
check "an existing moves file alone stops the run's files ($(cat "$tmp/err.txt"))" '[ $rc -ne 0 ] && grep -q "moves_seq.csv exists" "$tmp/err.txt" && [ ! -e "$tmp/r/results_regions.csv" ]'
"$bin" run "$tmp/seq.yaml" --out "$tmp/r" --format csv,json --force >/dev/null 2>&1
rc=$?
check "--force replaces them" '[ $rc -eq 0 ] && [ -s "$tmp/r/results_regions.csv" ]'

# 2. a move naming a region the data lacks: one line with the file's place, exit 1
sed 's/optimal: BBB/optimal: USA/' "$tmp/seq.yaml" >"$tmp/bad.yaml"
"$bin" run "$tmp/bad.yaml" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
check "unknown region in a move: exit 1 ($rc), file:line:column ($(cat "$tmp/err.txt"))" '[ $rc -eq 1 ] && grep -q "bad.yaml:7:14: .*unknown region .USA." "$tmp/err.txt"'
printf 'name: x\ndata: {dataset: %s}\nstrategy:\n  - optimal: AAA\n    speed: 3\n' "$tiny" >"$tmp/bad2.yaml"
"$bin" run "$tmp/bad2.yaml" >/dev/null 2>"$tmp/err.txt"
rc=$?
check "unknown key in a move ($(cat "$tmp/err.txt"))" '[ $rc -ne 0 ] && grep -q "bad2.yaml:5:5: unknown key .speed." "$tmp/err.txt"'
"$bin" run "$tmp/seq.yaml" --draws 5 >/dev/null 2>"$tmp/err.txt"
rc=$?
check "no draws of a scenario with moves" '[ $rc -ne 0 ] && grep -q "strategic moves" "$tmp/err.txt"'

# 3. optimal / nash / talks --out
"$bin" optimal AAA --data "$tiny" --out "$tmp/o.csv" >/dev/null 2>"$tmp/err.txt"
rc=$?
check "optimal --out csv" '[ $rc -eq 0 ] && [ "$(head -1 "$tmp/o.csv")" = "step,move,kind,importer,exporter,sector,before,after" ]'
check "optimal csv: AAA's tariffs, every region's welfare, the optimum" 'grep -q "^1,optimal AAA,tariff,AAA,BBB,G," "$tmp/o.csv" && [ "$(grep -c ",welfare_pct," "$tmp/o.csv")" = 3 ] && grep -q "^1,optimal AAA,grad_norm,AAA,,,," "$tmp/o.csv" && grep -q "^1,optimal AAA,partial,AAA,,,,0$" "$tmp/o.csv"'
sum=$(md5sum <"$tmp/o.csv")
"$bin" optimal AAA --data "$tiny" --out "$tmp/o.csv" >/dev/null 2>"$tmp/err.txt"
rc=$?
check "optimal refuses to overwrite ($rc: $(cat "$tmp/err.txt"))" '[ $rc -eq 1 ] && grep -q "exists (add --force" "$tmp/err.txt" && [ "$(md5sum <"$tmp/o.csv")" = "$sum" ]'
# (another region's answer: tiny has one sector, so AAA's uniform and per-sector tariffs are
# the same answer and their files could differ only in the rounding noise of the curvature)
"$bin" optimal BBB --data "$tiny" --out "$tmp/o.csv" --force >/dev/null 2>&1
rc=$?
check "optimal --force replaces" '[ $rc -eq 0 ] && [ "$(md5sum <"$tmp/o.csv")" != "$sum" ] && grep -q "^1,optimal BBB,tariff,BBB," "$tmp/o.csv"'
"$bin" optimal AAA --data "$tiny" --out "$tmp/o.txt" >/dev/null 2>&1
rc=$?
check "--out takes .csv or .json (usage error)" '[ $rc -eq 2 ] && [ ! -e "$tmp/o.txt" ]'
"$bin" nash --data "$tiny" --uniform --out "$tmp/n.json" >/dev/null 2>"$tmp/err.txt"
rc=$?
check "nash --out json" '[ $rc -eq 0 ] && grep -q "\"kind\":\"nash\"" "$tmp/n.json" && grep -q "\"max_gain\":" "$tmp/n.json"'
"$bin" talks AAA BBB --data "$tiny" --uniform --threat 'AAA:BBB:G=+30pp' --out "$tmp/t.json" >/dev/null 2>"$tmp/err.txt"
rc=$?
check "talks --out json: war, deal, deal under the threat" '[ $rc -eq 0 ] && [ "$(grep -o "\"step\":" "$tmp/t.json" | wc -l)" = 3 ] && grep -q "deal (threat point: the status quo plus the threat)" "$tmp/t.json"'
if [ $have_schema = 1 ]; then
    check "nash json validates" 'valid "$tmp/n.json"'
    check "talks json validates" 'valid "$tmp/t.json"'
    "$bin" optimal AAA --data "$tiny" --out "$tmp/o.json" >/dev/null 2>&1
    check "optimal json validates" 'valid "$tmp/o.json"'
else
    echo "skip JSON schema checks (needs node and tests/schema/node_modules: scripts/test.sh installs them)"
fi

# 4. no deal: the region is named by its code
"$bin" talks AAA BBB --data "$tiny" --threat 'AAA:BBB:G=-10pp' >"$tmp/nd.txt" 2>&1
rc=$?
check "no deal names BBB by its code" 'grep -q "no deal found that beats the threat point for everyone: BBB loses" "$tmp/nd.txt" && ! grep -q "region 1 loses" "$tmp/nd.txt"'

# 5. the same answer, byte for byte, run after run (two threads: the finite differences and the
#    second-order check run in parallel, each worker warm-started from its own last solve)
for fd in "" --finite-differences; do
    OMP_NUM_THREADS=2 "$bin" optimal AAA --data "$tiny" --per-partner $fd --out "$tmp/r1.csv" --force >/dev/null 2>&1
    OMP_NUM_THREADS=2 "$bin" optimal AAA --data "$tiny" --per-partner $fd --out "$tmp/r2.csv" --force >/dev/null 2>&1
    OMP_NUM_THREADS=2 "$bin" optimal AAA --data "$tiny" --per-partner $fd --out "$tmp/r3.csv" --force >/dev/null 2>&1
    check "optimal ${fd:-(exact gradient)} gives the same bytes three times" 'cmp -s "$tmp/r1.csv" "$tmp/r2.csv" && cmp -s "$tmp/r1.csv" "$tmp/r3.csv"'
done

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
