#!/usr/bin/env bash
# tradeq replicate cp2015: table and JSON output, exit status, missing-data error.
# args: $1 tradeq binary, $2 source dir, $3 shared data dir
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shared=$3
if [ ! -d "$shared/cp2015" ]; then
    echo "skipped: shared data $shared/cp2015 absent"
    exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" replicate cp2015 --data "$shared/cp2015" >"$tmp/table.txt" 2>"$tmp/err.txt" || fail "replicate exited $? ($(cat "$tmp/err.txt"))"
grep -q "balanced        MEX    welfare            1.31     1.3121" "$tmp/table.txt" || fail "balanced MEX welfare row: $(grep 'MEX    welfare ' "$tmp/table.txt")"
grep -q "deficits_fixed  MEX    tot               -0.41    -0.4145" "$tmp/table.txt" || fail "deficits MEX tot row"
grep -q "all published numbers reproduced" "$tmp/table.txt" || fail "summary line"
[ "$(grep -c ' yes$' "$tmp/table.txt")" = 24 ] || fail "24 matching rows expected"

"$bin" replicate --data "$shared/cp2015" --format json >"$tmp/out.json" || fail "json exited $?"
grep -q '"all_match": true' "$tmp/out.json" || fail "json all_match"
grep -q '{"case": "balanced", "region": "MEX", "measure": "tot", "paper": -0.41, "paper_decimals": 2, "tradeq": -0.411' "$tmp/out.json" || fail "json MEX tot row"
[ "$(grep -c '"case"' "$tmp/out.json")" = 30 ] || fail "30 json rows expected"
if command -v python3 >/dev/null; then
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['rows'])==30" "$tmp/out.json" || fail "json does not parse"
fi

# default --data is ../shared/data/cp2015 from the current directory
mkdir -p "$tmp/a/b" && (cd "$tmp/a/b" && "$bin" replicate >/dev/null 2>"$tmp/err2.txt")
rc=$?
[ $rc = 1 ] || fail "missing data: exit $rc, expected 1"
[ "$(wc -l <"$tmp/err2.txt")" = 1 ] || fail "missing data: expected a one-line error"
grep -q "not found" "$tmp/err2.txt" || fail "missing data message: $(cat "$tmp/err2.txt")"

"$bin" replicate nosuch >/dev/null 2>&1
[ $? = 2 ] || fail "unknown reference must be a usage error"
"$bin" replicate --format xml >/dev/null 2>&1
[ $? = 2 ] || fail "bad format must be a usage error"
echo "ok"
