#!/usr/bin/env bash
# tradeq replicate liberation2025: every published number reproduced (exit 0), table and
# JSON, the embedded data found without --data, and a bad folder is a one-line error.
# args: $1 tradeq binary, $2 source dir, $3 shared data dir
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" replicate liberation2025 >"$tmp/table.txt" 2>"$tmp/err.txt" || fail "replicate exited $? ($(cat "$tmp/err.txt"))"
grep -q "all published numbers reproduced to their rounding (186 rows)" "$tmp/table.txt" || fail "summary line"
[ "$(grep -c ' yes$' "$tmp/table.txt")" = 186 ] || fail "186 matching rows expected"
grep -Eq '^t1_ustr +USA +welfare +1\.13 +1\.130' "$tmp/table.txt" || fail "t1_ustr USA welfare row"
grep -Eq '^t2_opt_retal +USA +welfare +-0\.75 +-0\.745' "$tmp/table.txt" || fail "t2_opt_retal USA welfare row"

"$bin" replicate liberation2025 --data "$src/data/liberation2025" --format json >"$tmp/out.json" || fail "json exited $?"
grep -q '"all_match": true' "$tmp/out.json" || fail "json all_match"
if command -v python3 >/dev/null; then
    python3 - "$tmp/out.json" <<'PY' || fail "json content"
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
assert len(rows) == 186, len(rows)
assert all(r["match"] for r in rows)
t3 = {r["case"]: r["tradeq"] for r in rows if r["measure"] == "revenue_gdp"}
assert abs(t3["t3_ustr"] - 1.14) <= 0.005 and abs(t3["t3_optimal"] - 1.35) <= 0.005, t3
PY
fi

"$bin" replicate liberation2025 --data "$tmp" >/dev/null 2>"$tmp/err2.txt"
rc=$?
[ $rc = 1 ] || fail "bad data folder: exit $rc, expected 1"
[ "$(wc -l <"$tmp/err2.txt")" = 1 ] || fail "bad data folder: expected a one-line error, got $(cat "$tmp/err2.txt")"
echo "ok"
