#!/usr/bin/env bash
# Issue must-shows on the reference data: every layout is read with the right
# dimensions, and balance prints the sector table with year-over-year changes.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; shared=$3
[ -d "$shared/cp2015" ] || { echo "SKIP: $shared is absent"; exit 77; }
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
info() { "$tq" info --data "$shared/$1" 2>&1; }

out=$(info cp2015); echo "$out" | grep -q "31 regions x 40 sectors"; check "cp2015 is 31 x 40" $?
out=$(info wiod2014); echo "$out" | grep -q "44 regions x 50 sectors"; check "wiod2014 is 44 x 50" $?
out=$(info liberation2025); echo "$out" | grep -q "194 regions x 1 sectors"; check "liberation2025 is 194 x 1" $?
out=$(info icio)
echo "$out" | grep -q "81 regions x 28 sectors"; check "icio is 81 x 28" $?
echo "$out" | grep -q "2011-2022 (12 years)"; check "icio years 2011-2022" $?
out=$(info wiod2013); echo "$out" | grep -q "41 regions x 35 sectors"; check "wiod2013 is 41 x 35" $?
out=$(info wiod16); echo "$out" | grep -q "2000-2014 (15 years)"; check "wiod16 years" $?
out=$(info cp2015/base1993_with_deficits); echo "$out" | grep -q "31 regions x 40 sectors"; check "cp2015 base with deficits" $?

out=$("$tq" balance USA JPN --data "$shared/wiod2013" --years 2010,2011 --by sector)
check "balance on wiod2013 exits 0" $?
echo "$out" | grep -q "balance 2010 *balance 2011 *change *change%"; check "sector table has both years and the change" $?
echo "$out" | grep -Eq "^2011 .*[0-9]+ *$" ; check "totals row for 2011 with change" $?
[ "$(echo "$out" | grep -c '%')" -gt 10 ]; check "sector rows carry percent changes" $?
echo "$out" | grep -q "Transport equipment"; check "WIOD 2013 sector names" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
