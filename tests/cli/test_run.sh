#!/usr/bin/env bash
# tradeq run: golden outputs of every shipped scenario, JSON against the schema,
# bad scenarios (one line file:line:column, exit 1, nothing written).
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# 1. golden files: welfare, real wage, CPI, real GDP, CP2015 decomposition (percent) within 1e-6
#    points; EV and the multilateral trade balance (M USD) within 1e-6 relative
for f in "$src"/scenarios/*.yaml; do
  name=$(basename "$f" .yaml)
  gold="$src/tests/golden/$name.csv"
  [ -f "$gold" ] || { check "golden file for $name exists" 1; continue; }
  "$tq" run "$f" --out "$tmp/$name" --format csv >/dev/null 2>"$tmp/err"
  check "$name runs" $?
  bash "$src/tests/golden/extract.sh" "$tmp/$name/results_regions.csv" > "$tmp/$name.csv"
  awk -F, 'NR==FNR{if(FNR>1)g[$1","$2]=$0; next} FNR==1{next}
           {k=$1","$2; if(!(k in g)){print "missing " k; bad++; next}; split(g[k],e,",");
            for(i=3;i<=8;i++) if(i!=6 && (($i-e[i])^2)^0.5 > 1e-6){print k" col "i": "$i" vs "e[i]; bad++}
            for(i=6;i<=9;i+=3){s=(e[i]^2)^0.5; if(s<1)s=1; if((($i-e[i])^2)^0.5 > 1e-6*s){print k" col "i": "$i" vs "e[i]; bad++}}; n++}
           END{exit (bad>0 || n==0)}' "$gold" "$tmp/$name.csv"
  check "$name matches tests/golden/$name.csv" $?
done

# 2. the JSON of a US-China 20% tariff war on the reference WIOD-2014 validates against the schema
if [ -d "$shared/wiod2014" ] && command -v node >/dev/null && [ -d "$src/tests/schema/node_modules/ajv" ]; then
  "$tq" run --data "$shared/wiod2014" --tariff USA:CHN:all=20% --tariff CHN:USA:all=20% --format json > "$tmp/war.json"
  check "tariff war JSON runs" $?
  node "$src/tests/schema/validate.js" "$src/docs/results.schema.json" "$tmp/war.json" >/dev/null
  check "tariff war JSON validates against docs/results.schema.json" $?
  grep -q '"converged":true' "$tmp/war.json"; check "JSON says converged" $?
else
  echo "skip JSON schema check (needs $shared/wiod2014, node and tests/schema/node_modules: scripts/test.sh installs them)"
fi

# 3. bad scenarios
bad() { # name, yaml, expected text
  printf '%s' "$2" > "$tmp/bad.yaml"
  "$tq" run "$tmp/bad.yaml" --out "$tmp/out_bad" --format csv >/dev/null 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -- "$3" "$tmp/err" && [ ! -e "$tmp/out_bad" ]
  ok=$? # (taken before the message is built: a $(...) in check's argument would reset $?)
  check "bad scenario: $1 ($(head -c 120 "$tmp/err"))" $ok
}
bad "unknown region" $'tariffs:\n  - {importer: USA, exporter: XYZ, sectors: autos, add: 25pp}\n' "bad.yaml:2:31: unknown region 'XYZ'"
bad "unknown sector" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: cars, add: 25pp}\n' "bad.yaml:2:45: unknown sector or group 'cars'.*hint"
bad "unknown group" $'tariffs:\n  - {importer: NAFTA, exporter: JPN, sectors: autos, add: 25pp}\n' "bad.yaml:2:16: unknown region 'NAFTA'"
bad "tariff below -100%" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, set: -120%}\n' "bad.yaml:2:57: a tariff of -120% is below -100%"
bad "malformed YAML" $'tariffs:\n  - {importer: USA, exporter: JPN\n' "bad.yaml:3:1: malformed YAML"
cat > "$tmp/all.yaml" <<'YAML'
closure: target
deficits:
YAML
"$tq" info --regions | awk '/^regions$/{on=1;next} on&&NF{print "  "$1": 1000"}' >> "$tmp/all.yaml"
"$tq" run "$tmp/all.yaml" --out "$tmp/out_all" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 1 ] && grep -q "all.yaml:3:3: the deficit targets cover every region and sum to 44000 M USD, not 0" "$tmp/err" && [ ! -e "$tmp/out_all" ]
ok=$?
check "impossible deficit target ($(head -c 140 "$tmp/err"))" $ok
"$tq" run --tariff USA:JPN:autos=-150% 2>"$tmp/err" >/dev/null; [ $? -eq 1 ] && grep -q "below -100%" "$tmp/err"
check "--tariff below -100%" $?

# 4. never overwrite without asking
"$tq" run --out "$tmp/o1" --format csv >/dev/null && "$tq" run --out "$tmp/o1" --format csv >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "refus\|exists" "$tmp/err"; check "run refuses to overwrite results" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
