#!/usr/bin/env bash
# Elasticity sets: the generated tables rebuild byte for byte from ../shared/data; tradeq run
# --elasticities NAME runs with each set (and the scenario-file form), and the sets differ.
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
# tradeq run --elasticities NAME for every set on the default scenario
for set in KITE IS U4 CP BSY GYY Shap FGO LL; do
  "$tq" run --elasticities "$set" --out "$tmp/run-$set" --format csv > "$tmp/run-$set.txt" 2>&1
  check "run --elasticities $set" $?
  awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="welfare_pct") w=i; next} $2=="JPN"{print $w}' \
    "$tmp/run-$set/results_regions.csv" > "$tmp/jpn-$set"
  awk -F, -v s="$set" 'NR==1{for(i=1;i<=NF;i++) if($i=="elasticities") c=i; next} {exit ($c != s)}' \
    "$tmp/run-$set/results_run.csv"
  check "the run table records the set $set" $?
done
# U4 is theta = 4 in every sector (the region_sector table carries each sector's theta)
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="theta") c=i; next} {n++; if($c != 4) bad++} END{exit (n < 47 || bad > 0)}' \
  "$tmp/run-U4/results_region_sector.csv"
check "U4: theta = 4 in every sector" $?
# the sets give different answers: Japan's welfare change differs between every two sets
sort -u "$tmp"/jpn-* | wc -l | grep -qx 9
check "the nine sets give nine different welfare changes for Japan" $?
# KITE is what wiod2014 ships: the same answer as no flag
"$tq" run --out "$tmp/run-default" --format csv > /dev/null 2>&1
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="welfare_pct") w=i; next} $2=="JPN"{print $w}' \
  "$tmp/run-default/results_regions.csv" | cmp -s - "$tmp/jpn-KITE"
check "KITE equals the default" $?
"$tq" run --elasticities XYZ > /dev/null 2> "$tmp/err"
[ $? -eq 1 ] && grep -q "no elasticity set 'XYZ'" "$tmp/err" && grep -q "KITE, IS, U4, CP" "$tmp/err"
check "an unknown set is refused, listing the sets" $?
"$tq" info --elasticities | grep -q "^CP    Caliendo-Parro (2015)"
check "info --elasticities lists CP with its source" $?
printf 'name: cp-autos\nelasticities: CP\ntariffs:\n  - importer: USA\n    exporter: JPN\n    sectors: autos\n    add: 25pp\n' > "$tmp/cp.yaml"
"$tq" run "$tmp/cp.yaml" --out "$tmp/run-yaml" --format csv > /dev/null 2>&1
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="welfare_pct") w=i; next} $2=="JPN"{print $w}' \
  "$tmp/run-yaml/results_regions.csv" | cmp -s - "$tmp/jpn-CP"
check "'elasticities: CP' in a scenario file equals --elasticities CP" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
