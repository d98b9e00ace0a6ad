#!/usr/bin/env bash
# tradeq optimal / nash / talks on Ossa's data (docs/strategic.md): outputs, invariants of
# the answers (the chooser gains, a uniform choice is one rate, the war converges with no
# unilateral gain left, the deal beats the war for every participant) and usage errors.
# args: $1 tradeq binary, $2 source dir, $3 shared data dir
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shared=$3
if [ ! -d "$shared/ossa2014" ]; then
    echo "skipped: shared data $shared/ossa2014 absent"
    exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
od="$shared/ossa2014"

"$bin" optimal USA --model ossa --data "$od" --uniform >"$tmp/opt.txt" 2>"$tmp/err.txt" || fail "optimal exited $? ($(cat "$tmp/err.txt"))"
grep -q "^Optimal tariffs of USA: data ossa2014 2007, model ossa, closure balanced" "$tmp/opt.txt" || fail "optimal header"
grep -q "a local maximum" "$tmp/opt.txt" || fail "second-order check line: $(tail -2 "$tmp/opt.txt")"
"$bin" optimal USA --model ossa --data "$od" --uniform --format csv >"$tmp/opt.csv" || fail "optimal csv exited $?"
head -1 "$tmp/opt.csv" | grep -q "^kind,importer,exporter,sector,base,value$" || fail "csv header"
# one uniform rate on every partner and sector, well above the base tariffs
[ "$(grep '^tariff,USA,' "$tmp/opt.csv" | cut -d, -f6 | sort -u | wc -l)" = 1 ] || fail "uniform: more than one rate"
[ "$(grep -c '^tariff,USA,' "$tmp/opt.csv")" -gt 150 ] || fail "uniform: too few tariff rows"
awk -F, '$1=="welfare_pct" && $2=="USA" {exit !($6 > 0)}' "$tmp/opt.csv" || fail "the US must gain from its optimal tariff"
awk -F, '$1=="welfare_pct" && $2!="USA" {if ($6 >= 0) bad=1} END {exit bad}' "$tmp/opt.csv" || fail "partners must lose"
# the finite-difference check path finds the same rate as the exact gradient
"$bin" optimal USA --model ossa --data "$od" --uniform --finite-differences --format csv >"$tmp/opt_fd.csv" ||
    fail "optimal --finite-differences exited $?"
r1=$(grep '^tariff,USA,' "$tmp/opt.csv" | head -1 | cut -d, -f6)
r2=$(grep '^tariff,USA,' "$tmp/opt_fd.csv" | head -1 | cut -d, -f6)
awk -v a="$r1" -v b="$r2" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(a > 0.1 && d < 1e-5)}' ||
    fail "optimal rate $r1 (exact gradient) and $r2 (finite differences) differ"

"$bin" nash USA CHN --model ossa --data "$od" --uniform >"$tmp/nash.txt" 2>"$tmp/err.txt" || fail "nash exited $? ($(cat "$tmp/err.txt"))"
grep -q "^Converged after" "$tmp/nash.txt" || fail "nash did not converge: $(tail -3 "$tmp/nash.txt")"
gain=$(sed -n 's/.*unilateral deviation is \([^ ]*\) points.*/\1/p' "$tmp/nash.txt")
awk -v g="$gain" 'BEGIN {exit !(g < 1e-6)}' || fail "largest unilateral gain $gain"
grep -q "^BRA .*(not at war)" "$tmp/nash.txt" || fail "outsiders are not at war"
# the simultaneous solver (uniform wars) finds the same tariffs as best responses
"$bin" nash USA CHN --model ossa --data "$od" --uniform --format csv >"$tmp/nash_br.csv" || fail "nash csv exited $?"
"$bin" nash USA CHN --model ossa --data "$od" --uniform --simultaneous --format csv >"$tmp/nash_sim.csv" ||
    fail "nash --simultaneous exited $?"
paste -d, "$tmp/nash_br.csv" "$tmp/nash_sim.csv" | awk -F, '$1=="tariff" {d=$6-$12; if (d<0) d=-d; if (d>m) m=d; c++}
    END {exit !(c > 300 && m < 1e-5)}' || fail "simultaneous and best-response Nash tariffs differ"
"$bin" nash USA CHN --model ossa --data "$od" --simultaneous >/dev/null 2>&1 && fail "--simultaneous needs --uniform"

"$bin" talks USA EU JPN --model ossa --data "$od" --uniform >"$tmp/talks.txt" 2>"$tmp/err.txt" || fail "talks exited $? ($(cat "$tmp/err.txt"))"
grep -q "Nash bargaining, threat point: the war" "$tmp/talks.txt" || fail "talks header"
for r in USA EU JPN; do
    gain=$(awk -v r="$r" '$1==r && /deal/ {print $(NF-2)}' "$tmp/talks.txt")
    awk -v g="$gain" 'BEGIN {exit !(g > 0)}' || fail "$r must gain from the deal over the war (got '$gain')"
done

# usage errors
"$bin" optimal >/dev/null 2>&1; [ $? = 2 ] || fail "optimal without a region: usage error"
"$bin" optimal USA --model nosuch >/dev/null 2>&1; [ $? = 2 ] || fail "unknown model: usage error"
"$bin" optimal XXX --model ossa --data "$od" >/dev/null 2>&1; [ $? = 2 ] || fail "unknown region: usage error"
"$bin" talks USA --model ossa --data "$od" >/dev/null 2>&1; [ $? = 2 ] || fail "talks with one region: usage error"
"$bin" talks USA CHN --threat 'USA:CHN' --model ossa --data "$od" >/dev/null 2>&1; [ $? = 2 ] || fail "bad --threat: usage error"
"$bin" nash --help | grep -q "usage: tradeq nash" || fail "nash --help"
"$bin" --help | grep -q "^  talks" || fail "talks in the command list"
echo "ok"
