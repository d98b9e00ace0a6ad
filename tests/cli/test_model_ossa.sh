#!/usr/bin/env bash
# The model switch of tradeq run (docs/models.md): --model ossa and `model: ossa` in YAML
# solve Ossa's (2014) model on his data (../shared/data/ossa2014; skipped without it),
# the two ways give the same numbers, and a bad model name is a usage error (exit 2) /
# a YAML error naming file, line and column.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; data=$3/ossa2014
[ -d "$data" ] || { echo "SKIP: $data is absent"; exit 77; }
fails=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$tq" run --data "$data" --model ossa --closure balanced --tariff 'USA:CHN:all=+30pp' --check >"$tmp/cli.txt" 2>&1
check "--model ossa runs" $?
grep -q "^model: Ossa (2014)" "$tmp/cli.txt"; check "the table names the model" $?
grep -q "^check .*max [0-9.e-]*$" "$tmp/cli.txt"; check "--check passes" $?

cat >"$tmp/s.yaml" <<YAML
name: us-china-30
model: ossa
closure: balanced
data:
  dataset: $data
tariffs:
  - importer: USA
    exporter: CHN
    sectors: all
    add: 30pp
YAML
"$tq" run "$tmp/s.yaml" --format json >"$tmp/yaml.json" 2>"$tmp/yaml.err"
check "model: ossa in YAML runs" $?
"$tq" run --data "$data" --model ossa --closure balanced --tariff 'USA:CHN:all=+30pp' --format json >"$tmp/cli.json" 2>/dev/null
# the same numbers both ways (the JSON of both, without names and times)
norm() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["scenarios"][0]["regions"] if "scenarios" in d else d["regions"]; print(json.dumps(r, sort_keys=True)[:100000])' "$1" 2>/dev/null; }
a=$(norm "$tmp/yaml.json"); b=$(norm "$tmp/cli.json")
[ -n "$a" ] && [ "$a" = "$b" ]; check "YAML and --model give the same regions" $?
# a CP run on the same data differs (another model)
"$tq" run --data "$data" --closure balanced --tariff 'USA:CHN:all=+30pp' --format json >"$tmp/cp.json" 2>/dev/null
c=$(norm "$tmp/cp.json")
[ -n "$c" ] && [ "$a" != "$c" ]; check "cp gives other numbers" $?

"$tq" run --data "$data" --model nope >/dev/null 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -q "model is cp or ossa" "$tmp/bad.err"; check "a bad --model is a usage error" $?
sed 's/model: ossa/model: gravity/' "$tmp/s.yaml" >"$tmp/bad.yaml"
"$tq" run "$tmp/bad.yaml" >/dev/null 2>"$tmp/bady.err"
[ $? -ne 0 ] && grep -q "bad.yaml:2:.*model is cp" "$tmp/bady.err"; check "a bad model: names file and line" $?
[ $fails -eq 0 ] || { cat "$tmp/cli.txt" "$tmp/yaml.err" "$tmp/bad.err" "$tmp/bady.err"; exit 1; }
