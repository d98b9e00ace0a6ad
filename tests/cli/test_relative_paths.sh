#!/usr/bin/env bash
# Every file a scenario names (dataset folder, aggregation maps, pairs files) is found
# relative to the scenario file, whatever the working directory.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); src=$2
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/study/maps" "$tmp/elsewhere"
cp -r "$src/tests/data/tiny" "$tmp/study/mydata"
printf 'code,group\nAAA,AB\nBBB,AB\nCCC,CCC\n' > "$tmp/study/maps/ab.csv"
printf 'exporter,importer,value\nBBB,AAA,0.5\n' > "$tmp/study/pairs.csv"
cat > "$tmp/study/s.yaml" <<'YAML'
name: rel
data:
  dataset: mydata
tariffs:
  - importer: AAA
    exporter: BBB
    sectors: all
    add: 10pp
ntb:
  - pairs_file: pairs.csv
    sectors: all
    partial_effect: from_file
YAML
cat > "$tmp/study/agg.yaml" <<'YAML'
name: rel-agg
data:
  dataset: ./mydata
  aggregate: maps/ab.csv
tariffs:
  - importer: AB
    exporter: CCC
    sectors: all
    add: 10pp
YAML
# a folder of the same name in the working directory must not be taken instead
mkdir -p "$tmp/elsewhere/mydata"
(cd "$tmp/elsewhere" && "$tq" run ../study/s.yaml --format json > out.json 2> err.txt)
check "a bare dataset folder name beside the scenario file is found from another folder" $?
grep -q '"dataset": *"tiny"' "$tmp/elsewhere/out.json" || grep -q '"dataset":"tiny"' "$tmp/elsewhere/out.json"
check "the dataset read is the one beside the scenario" $?
(cd / && "$tq" run "$tmp/study/agg.yaml" > "$tmp/agg.txt" 2>&1)
check "./mydata and maps/ab.csv resolve against the scenario file" $?
grep -q "^AB " "$tmp/agg.txt"; check "the aggregated region AB is reported" $?
# an embedded name with no such folder beside the file stays an embedded dataset
printf 'name: emb\ndata:\n  dataset: wiod2014\ntariffs:\n  - importer: USA\n    exporter: JPN\n    sectors: autos\n    add: 25pp\n' > "$tmp/study/emb.yaml"
(cd "$tmp/elsewhere" && "$tq" run ../study/emb.yaml > /dev/null 2>&1)
check "an embedded dataset name still works" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
