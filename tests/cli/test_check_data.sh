#!/usr/bin/env bash
# tradeq info --check-data: the plausibility report of the embedded data against the official
# figures of data/checks/official.csv. Checks the rows of wiod2014 and icio against figures
# computed by hand from published numbers (Census, Treasury: see data/PROVENANCE.md), the
# FLAG/ok verdicts, and that every flagged row is explained in data/PROVENANCE.md.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir (not needed: embedded data only).
set -u
tq=$1; src=$2
prov="$src/data/PROVENANCE.md"
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }

# row DATASET_OUTPUT YEAR MEASURE REGION PARTNER: the table line of that row
row() { echo "$1" | awk -v y="$2" -v m="$3" -v r="$4" -v p="$5" '$1==y && $2==m && $3==r && $4==p'; }
# near VALUE WANT TOL: |VALUE - WANT| <= TOL
near() { awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN{d=v-w; if(d<0)d=-d; exit !(v!="" && d<=t)}'; }

declare -A count flagged
for ds in wiod2014 icio; do
    out=$("$tq" info --data "$ds" --check-data)
    check "$ds: --check-data runs" $?
    echo "$out" | grep -q "^plausibility of $ds against official figures" ; check "$ds: title" $?
    count[$ds]=$(echo "$out" | grep -cE '^[0-9]{4} ')
    # every flagged row is listed in PROVENANCE as `dataset year measure region partner`
    while read -r y m r p; do
        [ -z "$y" ] && continue
        key="$ds $y $m $r"; [ "$p" != "-" ] && key="$key $p"
        grep -qF "\`$key\`" "$prov"; check "$ds: flagged row '$key' is explained in PROVENANCE" $?
    done < <(echo "$out" | awk '/^[0-9][0-9][0-9][0-9] / && $NF=="FLAG" {print $1, $2, $3, $4}')
    flagged[$ds]=$(echo "$out" | grep -cE '^[0-9]{4} .* FLAG$')
    eval "out_$ds=\$out"
done
[ "${count[wiod2014]}" -eq 1 ]; check "wiod2014: 1 row (got ${count[wiod2014]})" $?
[ "${count[icio]}" -eq 4 ]; check "icio: 4 rows (got ${count[icio]})" $?
[ "${flagged[wiod2014]}" -eq 0 ] && [ "${flagged[icio]}" -eq 3 ]
check "flagged: wiod2014 0, icio 3 (got ${flagged[wiod2014]}, ${flagged[icio]})" $?

# wiod2014 2014, US goods balance with Japan: C01-C22 exports 51.4 minus imports 117.3 (shared
# data README check table) = -65.9; Census 67.0 - 133.9 = -66.9, quoted as -67.0.
l=$(row "$out_wiod2014" 2014 goods_balance USA JPN)
near "$(echo "$l" | awk '{print $5}')" -65.9 0.15; check "wiod2014 USA-JPN goods balance -65.9" $?
[ "$(echo "$l" | awk '{print $6}')" = "-67.0" ]; check "wiod2014 official -67.0" $?
[ "$(echo "$l" | awk '{print $NF}')" = "ok" ]; check "wiod2014 USA-JPN within 10%" $?

# icio 2018, US-JPN: -54.8 (Facts check) against Census -67.6: +19% > 10%: FLAG
l=$(row "$out_icio" 2018 goods_balance USA JPN)
near "$(echo "$l" | awk '{print $5}')" -54.8 0.15; check "icio 2018 USA-JPN goods balance -54.8" $?
near "$(echo "$l" | awk '{print $7}')" 18.9 0.3; check "icio 2018 USA-JPN difference +18.9%" $?
[ "$(echo "$l" | awk '{print $NF}')" = "FLAG" ]; check "icio 2018 USA-JPN flagged" $?

# icio US-CHN: official = Census exports minus imports of ../shared/data/tariffs (summed by hand:
# 2017 129.798 - 497.555, 2018 119.948 - 537.206)
l=$(row "$out_icio" 2018 goods_balance USA CHN)
[ "$(echo "$l" | awk '{print $6}')" = "-417.3" ]; check "icio 2018 USA-CHN official -417.3" $?
[ "$(echo "$l" | awk '{print $NF}')" = "FLAG" ]; check "icio 2018 USA-CHN flagged" $?
l=$(row "$out_icio" 2017 goods_balance USA CHN)
[ "$(echo "$l" | awk '{print $6}')" = "-367.8" ]; check "icio 2017 USA-CHN official -367.8" $?

# icio 2018 US tariff revenue: 40.0 bn after the food-and-tobacco rule (PROVENANCE) against
# about 42 bn collected in fiscal 2018: -4.7%, within 15%
l=$(row "$out_icio" 2018 tariff_revenue USA -)
near "$(echo "$l" | awk '{print $5}')" 40.0 0.15; check "icio 2018 US tariff revenue 40.0" $?
[ "$(echo "$l" | awk '{print $NF}')" = "ok" ]; check "icio 2018 US tariff revenue within 15%" $?

# every row prints its source and note
[ "$(echo "$out_icio" | grep -c '^     source: ')" -eq 4 ] && [ "$(echo "$out_icio" | grep -c '^     note:   ')" -eq 4 ]
check "icio: each row has a source and a note" $?

# a broken official file is an error naming it, not a silent pass
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/checks"
printf 'dataset,year,measure,region,partner,value_bn,source,tolerance_pct,basis\nwiod2014,2014,gdp,USA,,17.4,x,5,y\n' > "$tmp/checks/official.csv"
cp -r "$src/data/wiod2014" "$tmp/"
err=$(TRADEQ_DATA="$tmp" "$tq" info --data "$tmp/wiod2014" --check-data 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && echo "$err" | grep -q "unknown measure 'gdp'"; check "unknown measure is an error (rc $rc)" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
