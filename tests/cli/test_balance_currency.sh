#!/usr/bin/env bash
# tradeq balance --currency with one rate per year: each year's figures are the USD figures
# times that year's rate; a year without a rate and malformed rates are refused.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$tq" balance USA JPN --data icio --years 2017,2018 --by sector --format csv > "$tmp/usd.csv"
check "USD balance runs" $?
"$tq" balance USA JPN --data icio --years 2017,2018 --by sector --format csv --currency JPY \
  --rate 2017=112.1,2018=110.4 > "$tmp/jpy.csv"
check "JPY balance with a rate per year runs" $?
# every row: JPY = USD x the year's rate (exports, imports, balance), to 1e-9 relative
paste -d, "$tmp/usd.csv" "$tmp/jpy.csv" | awk -F, '
  NR>1 { r = ($1==2017) ? 112.1 : 110.4; n++;
         for (c=6; c<=8; c++) { u=$c; j=$(c+9); d=j-u*r; if (d<0) d=-d; s=u*r; if (s<0) s=-s; if (d > 1e-9*s + 1e-6) bad++ } }
  END { exit (n < 10 || bad > 0) }'
check "each year converted at its own rate" $?
grep -q ',ALL,"All sectors",.*,JPY$' "$tmp/jpy.csv"; check "currency column says JPY" $?
"$tq" balance USA JPN --data icio --years 2017,2018 --currency JPY --rate 2017=112.1,2018=110.4 > "$tmp/t.txt"
grep -q "converted at 112.1 JPY per USD in 2017, 110.4 JPY per USD in 2018" "$tmp/t.txt"; check "table names both rates" $?
"$tq" balance USA JPN --data icio --years 2017,2018 --currency JPY --rate 2017=112.1 > "$tmp/o" 2> "$tmp/e"
[ $? -eq 1 ] && grep -q "no rate for 2018" "$tmp/e" && [ ! -s "$tmp/o" ]; check "a year without a rate is refused, nothing printed" $?
"$tq" balance USA JPN --data icio --currency JPY --rate 2017=abc > /dev/null 2> "$tmp/e"
[ $? -eq 2 ] && grep -q -- "--rate" "$tmp/e"; check "a malformed rate is a usage error" $?
"$tq" balance USA JPN --data icio --currency JPY --rate 2017=1,2017=2 > /dev/null 2> "$tmp/e"
[ $? -eq 2 ] && grep -q "twice" "$tmp/e"; check "a year given twice is a usage error" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
