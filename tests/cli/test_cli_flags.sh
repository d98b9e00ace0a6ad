#!/usr/bin/env bash
# CLI flags that mean what they say (issue 16, items 5 and 7): each defect found is a
# check named after it. A flag the program cannot honour is a usage error (exit 2, a
# message naming the flag, nothing on standard output); a scenario the program cannot
# honour is an error naming the file (exit 1).
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2
tiny=$src/tests/data/tiny
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# usage NAME GREP ARGS...: exit 2, stderr matches GREP, stdout empty
usage() {
  local name=$1 pat=$2; shift 2
  "$tq" "$@" > "$tmp/o" 2> "$tmp/e"
  local rc=$?
  [ $rc -eq 2 ] && grep -q -- "$pat" "$tmp/e" && [ ! -s "$tmp/o" ]
  local ok=$?
  [ $ok -ne 0 ] && { echo "  exit $rc, stderr: $(head -c 300 "$tmp/e")"; }
  check "$name" $ok
}

# ---- balance
usage "balance --years '' is a usage error (was a use-after-free)" "--years" \
  balance AAA BBB --data "$tiny" --years ''
usage "balance --years 4294969313 is a usage error (wrapped to 2017)" "--years" \
  balance USA JPN --data icio --years 4294969313
usage "balance --rate without --currency is a usage error (was labelled USD)" "--currency" \
  balance AAA BBB --data "$tiny" --rate 150
usage "balance --rate 1e308 is a usage error (overflowed to inf)" "--rate" \
  balance AAA BBB --data "$tiny" --currency JPY --rate 1e308
usage "balance --rate YEAR=1e308 is a usage error" "--rate" \
  balance AAA BBB --data "$tiny" --currency JPY --rate 2020=1e308

# ---- run: formats, --check, --top
usage "run --check without the table format is a usage error (was ignored)" "--check" \
  run --data "$tiny" --tariff AAA:BBB:all=+5pp --check --format json
usage "run --format '' is a usage error" "--format" \
  run --data "$tiny" --tariff AAA:BBB:all=+5pp --format ''
usage "run --format json,table is a usage error without --out (dropped the table)" "table" \
  run --data "$tiny" --tariff AAA:BBB:all=+5pp --format json,table
long=$(printf 'table,%.0s' $(seq 60))json
"$tq" run --data "$tiny" --tariff AAA:BBB:all=+5pp --format "$long" --out "$tmp/long" > "$tmp/o" 2>&1
[ $? -eq 0 ] && [ -s "$tmp/long/results.json" ] && grep -q "^== command-line" "$tmp/o"
check "run --format with an over-long list keeps its last entry (was truncated at 255 bytes)" $?
usage "run --top abc is a usage error (was 0)" "--top" run --data "$tiny" --top abc
usage "run --top -1 is a usage error" "--top" run --data "$tiny" --top -1
usage "info --year abc is a usage error (was ignored)" "--year" info --data "$tiny" --year abc

# ---- run: tariff values and closures
usage "run --tariff =+25% is a usage error (was read as set 25%)" "+25pp" \
  run --data "$tiny" --tariff 'AAA:BBB:all=+25%'
printf 'name: tgt\ndata:\n  dataset: %s\ntariffs:\n  - {importer: AAA, exporter: BBB, sectors: all, add: 5pp}\ndeficits:\n  AAA: 5\n' \
  "$tiny" > "$tmp/tgt.yaml"
"$tq" run "$tmp/tgt.yaml" --closure fixed > "$tmp/o" 2> "$tmp/e"
[ $? -eq 1 ] && grep -q "tgt.yaml" "$tmp/e" && grep -q "deficits:" "$tmp/e" && [ ! -s "$tmp/o" ]
check "run --closure fixed with a file's deficits: is an error naming the file (dropped them)" $?
"$tq" run "$tmp/tgt.yaml" --closure target > /dev/null 2>&1
check "run --closure target with the file's deficits: runs" $?
printf 'name: big\ndata:\n  dataset: %s\ntariffs:\n  - {importer: AAA, exporter: BBB, sectors: all, add: 5pp}\ndeficits:\n  AAA: 1e15\n' \
  "$tiny" > "$tmp/big.yaml"
"$tq" run "$tmp/big.yaml" > "$tmp/o" 2> "$tmp/e"
[ $? -eq 1 ] && grep -q "big.yaml:7" "$tmp/e" && grep -Eq "1e\+?15|1000000000000000" "$tmp/e" && [ ! -s "$tmp/o" ]
rc=$?; [ $rc -ne 0 ] && echo "  stderr: $(head -c 300 "$tmp/e")"
check "run with deficits: AAA: 1e15 is an error naming file:line and the value (solver stall)" $rc

# ---- docs (item 7)
usage "run --region-map is refused (run takes the map from the scenario's data: aggregate:)" "--region-map" \
  run --data "$tiny" --region-map x.csv
! tr '\n' ' ' < "$src/README.md" | grep -Eq "Every command accepts [^.]*--region-map"
check "README does not claim every command takes --region-map" $?
bad=0
for l in $(grep -o '](formats/[^)]*)' "$src/docs/formats.md" | sed 's/^](//; s/)$//'); do
  [ -f "$src/docs/$l" ] || { echo "  missing docs/$l"; bad=1; }
done
check "docs/formats.md links only existing files (formats/cp2015.md was missing)" $bad

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
