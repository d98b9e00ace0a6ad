#!/usr/bin/env bash
# scenarios/us-china-2018-2019.yaml is rebuilt byte for byte from ../shared/data/tariffs by
# tools/build_us_china, and a few facts about the trade war hold in it.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
t=$shared/tariffs
if [ ! -f "$t/imports_by_naics.csv" ] || [ ! -f "$t/exports_by_naics.csv" ] || [ ! -f "$t/2017_imports_by_naics.csv" ]; then
  echo "SKIP: $t is absent; cannot rebuild the us-china scenario"; exit 77
fi
tool=$(dirname "$tq")/build_us_china
committed=$src/scenarios/us-china-2018-2019.yaml
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"
# between X LO HI
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x != "" && x + 0 >= lo && x + 0 <= hi) }'; }

out=$tmp/out.yaml
if "$tool" "$shared" "$out" >"$tmp/table" 2>"$tmp/log"; then ok "build_us_china runs"; else cat "$tmp/log"; bad "build_us_china runs"; fi
if cmp -s "$committed" "$out"; then ok "rebuilt file is byte-identical to scenarios/us-china-2018-2019.yaml"
else bad "rebuilt file differs from scenarios/us-china-2018-2019.yaml"; diff "$committed" "$out" | head -20; fi
cp "$out" "$tmp/before"
if "$tool" "$shared" "$out" >/dev/null 2>&1; then bad "refuses to overwrite without --force"
elif cmp -s "$out" "$tmp/before"; then ok "refuses to overwrite without --force"; else bad "refuses to overwrite: file changed"; fi
if "$tool" "$shared" "$out" --force >/dev/null 2>&1 && cmp -s "$out" "$tmp/before"; then ok "--force rewrites the same bytes"
else bad "--force rewrites the same bytes"; fi

y=$committed
check "name, dataset and closure" \
  "grep -qx 'name: us-china-2018-2019' '$y' && grep -qx '  dataset: wiod2014' '$y' && grep -qx 'closure: fixed' '$y'"

# Entries per block: sector and add (points), with the weight from the comment above.
entries() { # $1 = tariffs | retaliation  -> "sector weight_bn add_pp" lines
  awk -v blk="$1" '
    /^[a-z]/ { inb = ($0 == blk ":") }
    inb && /# C[0-9][0-9] .*weight: / { match($0, /[0-9.]+ bn USD/); w = substr($0, RSTART, RLENGTH - 7) }
    inb && /^    sectors: / { s = $2 }
    inb && /^    add: / { a = $2; sub(/pp$/, "", a); print s, w, a }' "$y"
}
entries tariffs >"$tmp/us"; entries retaliation >"$tmp/cn"
check "20 tariff entries USA<-CHN and 20 retaliation entries CHN<-USA (C01-C22 without C12 and C21)" \
  "[ \$(wc -l <'$tmp/us') -eq 20 ] && [ \$(wc -l <'$tmp/cn') -eq 20 ] && ! grep -qE '^C(12|21) ' '$tmp/us' '$tmp/cn'"
check "every tariffs entry is importer USA exporter CHN, every retaliation entry CHN USA" \
  "[ \$(awk '/^tariffs:/{b=1} /^retaliation:/{b=2} b==1&&/^  - importer: USA\$/{n++} b==2&&/^  - importer: CHN\$/{n++} END{print n+0}' '$y') -eq 40 ] &&
   [ \$(grep -c '^    exporter: CHN\$' '$y') -eq 20 ] && [ \$(grep -c '^    exporter: USA\$' '$y') -eq 20 ]"

# The four largest sectors by 2017 US imports from China all rose by 10-26 points (not 15-25:
# laptops, phones and toys were in the suspended December-2019 list, so C17 and C22 rose less).
sort -k2,2gr "$tmp/us" | head -4 >"$tmp/top"
top_ok=1
while read -r s w a; do between "$a" 10 26 || top_ok=0; echo "     largest US import sector $s: $w bn, +$a points"; done <"$tmp/top"
check "the 4 largest US import sectors rose by 10-26 points" "[ $top_ok -eq 1 ] && [ \$(wc -l <'$tmp/top') -eq 4 ]"
check "every US increase on China is between 0 and 26 points" \
  "awk '{ if (\$3 < 0 || \$3 > 26) bad = 1 } END { exit bad }' '$tmp/us'"
c20=$(awk '$1 == "C20" { print $3 }' "$tmp/cn")
check "China's tariff on US motor vehicles (C20) fell (car MFN cut 25->15%, retaliation suspended): $c20" \
  "between '$c20' -20 -0.01"

# Overall trade-weighted rates computed here from the CSV files (2017 weights), compared with
# the file's header and with Waugh's tracker (about 21% for the US on China at the end of 2019).
us19=$(awk -F, 'FNR == 1 { next } FILENAME ~ /2017_imports/ { w[$1] = $2; next }
  $1 == "2019-12-01" && ($2 in w) { a += w[$2] * $3; W += w[$2] } END { printf "%.2f", a / W }' \
  "$t/2017_imports_by_naics.csv" "$t/imports_by_naics.csv")
us17=$(awk -F, 'FNR == 1 { next } FILENAME ~ /2017_imports/ { w[$1] = $2; next }
  $1 == "2017-12-01" && ($2 in w) { a += w[$2] * $3; W += w[$2] } END { printf "%.2f", a / W }' \
  "$t/2017_imports_by_naics.csv" "$t/imports_by_naics.csv")
cn19=$(awk -F, 'FNR == 1 { next } $1 ~ /^2017-/ { w[$2] += $5 } $1 == "2019-12-01" && $3 != "" { r[$2] = $3 }
  END { for (k in r) { a += w[k] * r[k]; W += w[k] } printf "%.2f", a / W }' "$t/exports_by_naics.csv")
echo "     from the CSV: US on China Dec 2017 $us17%, Dec 2019 $us19%; China on US Dec 2019 $cn19%"
check "overall US tariff on China at Dec 2019 is near 21% (19-23): $us19%" "between '$us19' 19 23"
check "overall US tariff on China at Dec 2017 is MFN-like (2-6%): $us17%" "between '$us17' 2 6"
check "overall China tariff on US at Dec 2019 is 16-23%: $cn19%" "between '$cn19' 16 23"
hus=$(grep -m1 '^#   USA on CHN: ' "$y" | sed -E 's/.*Dec 2019 ([0-9.]+)%.*/\1/')
hcn=$(grep -m1 '^#   CHN on USA: ' "$y" | sed -E 's/.*Dec 2019 ([0-9.]+)%.*/\1/')
check "the header's overall rates match the CSV ($hus% vs $us19%, $hcn% vs $cn19%)" \
  "within '$hus' '$us19' 0.011 && within '$hcn' '$cn19' 0.011"

# The sector entries add up: their trade-weighted mean increase (weights from the comments) is the
# overall increase over the concordance's codes given in the header.
mean_us=$(awk '{ a += $2 * $3; W += $2 } END { printf "%.4f", a / W }' "$tmp/us")
mean_cn=$(awk '{ a += $2 * $3; W += $2 } END { printf "%.4f", a / W }' "$tmp/cn")
gus=$(grep '^#   USA on CHN: ' "$y" | sed -n 2p | sed -E 's/.*Dec 2017 ([0-9.]+)%, Dec 2019 ([0-9.]+)%.*/\2 \1/' | awk '{ print $1 - $2 }')
gcn=$(grep '^#   CHN on USA: ' "$y" | sed -n 2p | sed -E 's/.*Dec 2017 ([0-9.]+)%, Dec 2019 ([0-9.]+)%.*/\2 \1/' | awk '{ print $1 - $2 }')
check "weighted mean of the sector increases = overall increase (US $mean_us vs $gus, China $mean_cn vs $gcn)" \
  "within '$mean_us' '$gus' 0.05 && within '$mean_cn' '$gcn' 0.05"

# the 2018-base version on icio (docs/io-bridge.md) rebuilds byte for byte too
if "$tool" "$shared" "$tmp/icio.yaml" --dataset icio --year 2018 >/dev/null 2>"$tmp/log" &&
  cmp -s "$src/scenarios/us-china-2018-2019-icio.yaml" "$tmp/icio.yaml"; then
  ok "rebuilt icio 2018 file is byte-identical to scenarios/us-china-2018-2019-icio.yaml"
else bad "rebuilt icio 2018 file differs from scenarios/us-china-2018-2019-icio.yaml"; fi
check "the icio file runs on year 2018" "grep -q '^  year: 2018$' '$tmp/icio.yaml'"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
