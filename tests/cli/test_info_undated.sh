#!/usr/bin/env bash
# tradeq info on a dataset that names no year says so, instead of "years 0" and "totals 0".
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; shared=$3
[ -d "$shared/cp2015" ] || { echo "SKIP: $shared/cp2015 is absent"; exit 77; }
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
out=$("$tq" info --data "$shared/cp2015")
check "info on cp2015 runs" $?
echo "$out" | grep -q '^years      undated'; check "years: undated" $?
echo "$out" | grep -q '^totals (M USD)'; check "totals without a year" $?
! echo "$out" | grep -qE '^years +0$|^totals 0 |consistency 0 '; check "no year 0 anywhere" $?
out=$("$tq" info)
echo "$out" | grep -q '^years      2014$' && echo "$out" | grep -q '^totals 2014 (M USD)'; check "a dated dataset keeps its year" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
