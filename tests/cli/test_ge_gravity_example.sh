#!/usr/bin/env bash
# The ge_gravity EU-enlargement example data (data/ge_gravity_eu and
# scenarios/eu-enlargement-pairs.csv) rebuild byte for byte from ../shared/data.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
if [ ! -f "$shared/gravity/ge_gravity_example_data.dta" ]; then
  echo "SKIP: $shared/gravity/ge_gravity_example_data.dta is absent"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
mkdir -p "$tmp/data" "$tmp/scenarios"
cp -r "$src/data/wiod2014" "$tmp/data/" # the country names
"$(dirname "$tq")/build_ge_gravity_example" "$shared" "$tmp/data" "$tmp/scenarios" >/dev/null
check "build_ge_gravity_example runs" $?
bad=0
for f in "$tmp/data/ge_gravity_eu"/*; do
  cmp -s "$f" "$src/data/ge_gravity_eu/$(basename "$f")" || { echo "differs: $(basename "$f")"; bad=1; }
done
check "data/ge_gravity_eu rebuilt identically" $bad
cmp -s "$tmp/scenarios/eu-enlargement-pairs.csv" "$src/scenarios/eu-enlargement-pairs.csv"
check "scenarios/eu-enlargement-pairs.csv rebuilt identically" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
