#!/usr/bin/env bash
# tradeq liberation: the paper's cases and tariffs of one's own on the embedded
# liberation2025 data. Published values from the paper's Tables 1 and 2; the zero-tariff
# world must be its own equilibrium; a uniform US tariff of t* = 21.8% must give case 4.
# args: $1 tradeq binary, $2 source dir, $3 shared data dir
set -u
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
num() { awk -v r="$2" -v c="$3" -F, '$2 == r { print $c }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }

"$bin" liberation --format csv >"$tmp/c1.csv" || fail "case 1 exited $?"
near "$(num "$tmp/c1.csv" USA 3)" 1.13 0.005 || fail "case 1 USA welfare $(num "$tmp/c1.csv" USA 3), paper 1.13"
near "$(num "$tmp/c1.csv" non-US 3)" -0.58 0.005 || fail "case 1 non-US welfare, paper -0.58"
near "$(num "$tmp/c1.csv" USA 9)" 1.14 0.005 || fail "case 1 US revenue, paper 1.14% (Table 3)"
"$bin" liberation --case 6 --format csv >"$tmp/c6.csv" || fail "case 6 exited $?"
near "$(num "$tmp/c6.csv" CHN 3)" -0.82 0.005 || fail "case 6 CHN welfare, paper -0.82 (Table 2)"
near "$(num "$tmp/c6.csv" EU25 4)" 15.4 0.05 || fail "case 6 EU deficit, paper 15.4 (Table 2)"

# no tariffs at all: nothing changes
"$bin" liberation --us-tariff all=0 --all --format csv >"$tmp/zero.csv" || fail "zero tariffs exited $?"
[ "$(wc -l <"$tmp/zero.csv")" = 199 ] || fail "--all: header + 4 summaries + 194 countries"
awk -F, 'NR > 1 { for (c = 3; c <= 9; c++) if ($c > 1e-8 || $c < -1e-8) bad = 1 } END { exit bad }' "$tmp/zero.csv" ||
    fail "zero tariffs must leave every outcome at 0"
# the optimal uniform US tariff by hand is case 4
"$bin" liberation --us-tariff all=0.2179882150128 --format csv >"$tmp/opt.csv" || fail "uniform tariff exited $?"
"$bin" liberation --case 4 --format csv >"$tmp/c4.csv" || fail "case 4 exited $?"
near "$(num "$tmp/opt.csv" USA 3)" "$(num "$tmp/c4.csv" USA 3)" 1e-8 || fail "uniform 21.8% differs from case 4"
near "$(num "$tmp/c4.csv" USA 3)" 1.79 0.005 || fail "case 4 USA welfare, paper 1.79"
# mirror retaliation by hand is case 6
"$bin" liberation --retaliation all=mirror --format csv >"$tmp/mir.csv" || fail "mirror exited $?"
near "$(num "$tmp/mir.csv" USA 3)" "$(num "$tmp/c6.csv" USA 3)" 1e-8 || fail "mirror retaliation differs from case 6"

"$bin" liberation --us-tariff JPN=0.15 --region JPN --region JPN --format csv >"$tmp/jpn.csv" || fail "--region exited $?"
[ "$(grep -c ',JPN,' "$tmp/jpn.csv")" = 2 ] || fail "--region JPN rows"
"$bin" liberation --region XXX >/dev/null 2>&1
[ $? = 1 ] || fail "unknown --region must fail"
"$bin" liberation --format json >"$tmp/out.json" || fail "json exited $?"
if command -v python3 >/dev/null; then
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['rows'])==4 and d['rows'][0]['region']=='USA'" "$tmp/out.json" || fail "json"
fi
"$bin" liberation --us-tariff XXX=0.1 >/dev/null 2>"$tmp/err.txt"
[ $? = 1 ] || fail "unknown partner must fail"
[ "$(wc -l <"$tmp/err.txt")" = 1 ] || fail "one-line error expected"
"$bin" liberation --us-tariff JPN=abc >/dev/null 2>&1
[ $? = 2 ] || fail "bad rate must be a usage error"
# far outside the model's range (300% on every partner): no equilibrium found, said so
"$bin" liberation --us-tariff all=3 >/dev/null 2>"$tmp/err3.txt"
[ $? = 1 ] || fail "a solve that does not converge must exit 1"
grep -q "did not converge.*residual" "$tmp/err3.txt" || fail "non-convergence message: $(cat "$tmp/err3.txt")"
"$bin" liberation --case 12 >/dev/null 2>&1
[ $? = 2 ] || fail "bad case must be a usage error"
echo "ok"
