#!/usr/bin/env bash
# The US-tariff scenarios (scenarios/us-tariffs-2025.yaml, us-tariffs-2026-08.yaml, us-japan-2025-deal.yaml)
# solve and pass --check; with ../shared/data they are rebuilt byte for byte from us_tariffs_2025 by
# tools/build_us_tariffs, and their numbers agree with the tracker's files read here independently (awk).
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
names="us-tariffs-2025 us-tariffs-2026-08 us-japan-2025-deal"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/checks.sh"

# 0. the committed scenarios solve and pass tradeq's independent check (no ../shared needed; their
#    regional results are golden outputs compared by test_run.sh)
for n in $names; do
  "$tq" run "$src/scenarios/$n.yaml" --check >"$tmp/check" 2>&1; rc=$?
  mx=$(sed -n 's/^check (independent recomputation.*; max \([0-9.e+-]*\)$/\1/p' "$tmp/check")
  check "$n solves and passes --check (largest residual $mx)" "[ $rc -eq 0 ] && awk -v x='$mx' 'BEGIN { exit !(x != \"\" && x + 0 < 1e-8) }'"
done

d=$shared/us_tariffs_2025
if [ ! -d "$d/hs2" ] || [ ! -f "$d/country_by_time.csv" ] || [ ! -f "$d/daily_average.csv" ]; then
  echo "$passes passed, $fails failed"
  [ $fails -eq 0 ] || exit 1
  echo "SKIP: $d is absent; cannot rebuild the us-tariffs scenarios"; exit 77
fi
tool=$(dirname "$tq")/build_us_tariffs

# 1. rebuild, byte for byte; refuse to overwrite without --force
mkdir "$tmp/out"
if "$tool" "$shared" "$tmp/out" >"$tmp/table" 2>"$tmp/log"; then ok "build_us_tariffs runs"; else cat "$tmp/log"; bad "build_us_tariffs runs"; fi
for n in $names; do
  if cmp -s "$src/scenarios/$n.yaml" "$tmp/out/$n.yaml"; then ok "rebuilt $n.yaml is byte-identical to scenarios/$n.yaml"
  else bad "rebuilt $n.yaml differs from scenarios/$n.yaml"; diff "$src/scenarios/$n.yaml" "$tmp/out/$n.yaml" | head -10; fi
done
cp "$tmp/out/us-tariffs-2025.yaml" "$tmp/before"
echo x >"$tmp/out/us-japan-2025-deal.yaml"
if "$tool" "$shared" "$tmp/out" >/dev/null 2>&1; then bad "refuses to overwrite without --force"
elif grep -qx x "$tmp/out/us-japan-2025-deal.yaml" && cmp -s "$tmp/out/us-tariffs-2025.yaml" "$tmp/before"; then
  ok "refuses to overwrite without --force (and writes nothing)"
else bad "refuses to overwrite: a file changed"; fi
if "$tool" "$shared" "$tmp/out" --force >/dev/null 2>&1 && cmp -s "$tmp/out/us-japan-2025-deal.yaml" "$src/scenarios/us-japan-2025-deal.yaml"
then ok "--force rewrites the same bytes"; else bad "--force rewrites the same bytes"; fi

y25=$src/scenarios/us-tariffs-2025.yaml; y26=$src/scenarios/us-tariffs-2026-08.yaml; yd=$src/scenarios/us-japan-2025-deal.yaml

# 2. the tracker's files read here: every partner file but the EU total (0003, the sum of the members)
read -r all24 allnew allbn < <(awk -F'"' -v OFS= '{ for (i = 2; i <= NF; i += 2) gsub(/,/, ";", $i); print }' "$d"/hs2/hs2-tariff-*.csv |
  awk -F, '$1 == "HS2" || $5 == "0003" || $6 == "" { next } { w += $2; s0 += $2 * $7; s1 += $2 * ($7 + $6) }
           END { printf "%.2f %.2f %.2f\n", s0 / w, s1 / w, w / 1e9 }')
echo "     tracker files, every partner and chapter: 2024 $all24%, new $allnew% ($allbn bn USD)"
check "the tracker's 2024 average is 2.3% and the new one 17-19% (README: 2.3% on 2025-01-01)" \
  "within '$all24' 2.34 0.05 && awk -v x='$allnew' 'BEGIN { exit !(x > 17 && x < 19) }'"
check "us-tariffs-2025's header gives the same figures" \
  "grep -q \"tracker files, every partner and chapter: *2024 $all24, 2025-09-22 $allnew ($allbn bn USD)\" '$y25'"
dsep=$(awk -F, '$2 == "2025-09-22" { printf "%.2f", $3 }' "$d/daily_average.csv")
d26=$(awk -F, '$2 == "2026-08-19" { printf "%.2f", $3 }' "$d/daily_average.csv")
check "headers give the tracker's daily average beside it ($dsep% on 2025-09-22, $d26% on 2026-08-19)" \
  "grep -q \"daily average on 2025-09-22: $dsep\$\" '$y25' && grep -qE \"the tracker's daily average: +$d26\$\" '$y26'"

# 3. us-tariffs-2025: Japan's cars (HS 87 = C20 alone) carry the README's check figures
jc20=$(grep -E '^  - \{importer: USA, exporter: JPN, sectors: C20, ' "$y25")
echo "     $jc20"
check "JPN C20: +15.00 points, 52.13 bn USD, 2.42% -> 17.42% (README: 52.1 bn, 2.42%, +15.0)" \
  "[ \"\$(echo '$jc20' | sed -E 's/.*add: ([-0-9.]+)pp\\}  # ([0-9.]+) bn; ([0-9.]+) -> ([0-9.]+)/\\1 \\2 \\3 \\4/')\" = '15.00 52.13 2.42 17.42' ]"
cn=$(awk -F'"' -v OFS= '{ for (i = 2; i <= NF; i += 2) gsub(/,/, ";", $i); print }' "$d/hs2/hs2-tariff-5700.csv" |
  awk -F, '$1 == "01" { printf "%.2f", $6 }')
c01=$(grep -E '^  - \{importer: USA, exporter: CHN, sectors: C01, ' "$y25" | sed -E 's/.*add: ([-0-9.]+)pp.*/\1/')
check "China HS 01 rose 34.0 points (README); CHN C01 (HS 01, 05-10, 12, 14) rose 20-40: $c01" \
  "within '$cn' 34 0.05 && awk -v x='$c01' 'BEGIN { exit !(x >= 20 && x <= 40) }'"
nent=$(grep -c '^  - {importer: USA, exporter: [A-Z]*, sectors: C[0-9]*, add: ' "$y25")
check "the description's entry count is the number of entries ($nent), every one USA on a goods sector C01-C22" \
  "grep -q \"No retaliation. $nent entries.\" '$y25' && ! grep -E '^  - ' '$y25' | grep -vqE 'importer: USA, exporter: [A-Z]{3}, sectors: C(0[1-9]|1[0-9]|2[0-2]), add: '"
mean=$(grep -E '^  - \{importer: USA' "$y25" | sed -E 's/.*add: ([-0-9.]+)pp\}  # ([0-9.]+) bn.*/\1 \2/' | awk '{ a += $1 * $2; w += $2 } END { printf "%.4f", a / w }')
hdr=$(grep 'this scenario, mapped chapters' "$y25" | sed -E 's/.*2024 ([0-9.]+), 2025-09-22 ([0-9.]+)/\1 \2/' | awk '{ printf "%.4f", $2 - $1 }')
# (cells without an entry have no change, so the entries' weighted mean is the mapped-chapter rise up
# to the weights of 0.00-bn cells, which print as 0.00)
check "the entries' import-weighted mean rise ($mean) is the header's mapped-chapter rise ($hdr)" "within '$mean' '$hdr' 0.05"

# 4. us-tariffs-2026-08: one goods-wide entry per region with a rise; JPN and the EU members from the rows
rate() { awk -F'"' -v OFS= '{ for (i = 2; i <= NF; i += 2) gsub(/,/, ";", $i); print }' "$d/country_by_time.csv" |
  awk -F, -v c="$1" '$1 == "2026-08-19" && $2 == c { printf "%.2f %.2f", $5, $3 }'; }
read -r j0 j1 < <(rate JAPAN); read -r e0 e1 < <(rate "EUROPEAN UNION")
jadd=$(awk -v a="$j0" -v b="$j1" 'BEGIN { printf "%.2f", b - a }'); eadd=$(awk -v a="$e0" -v b="$e1" 'BEGIN { printf "%.2f", b - a }')
check "JPN gets +$jadd points on goods ($j0% -> $j1% on 2026-08-19)" \
  "grep -qx '  - {importer: USA, exporter: JPN, sectors: goods, add: ${jadd}pp}' '$y26'"
neu=$(grep -cx "  - {importer: USA, exporter: [A-Z]*, sectors: goods, add: ${eadd}pp}" "$y26")
check "26 EU members without a row of their own get the EU's +$eadd points ($neu), Slovakia its own row" \
  "[ '$neu' -eq 26 ] && grep -q '^  # SVK Slovakia: 1 partner row' '$y26'"
check "43 entries, one per partner region, none for USA" \
  "[ \$(grep -c '^  - {importer: USA, exporter: [A-Z]*, sectors: goods, add: ' '$y26') -eq 43 ] && ! grep -q 'exporter: USA' '$y26'"

# 5. the deal: 15% set on Japanese goods, beside the threat's +25 points on cars
check "us-japan-2025-deal sets 15% on every Japanese goods sector" \
  "[ \"\$(sed -n '/^tariffs:/,\$p' '$yd' | tr -d ' ' | tr '\n' ' ')\" = 'tariffs: -importer:USA exporter:JPN sectors:goods set:15% ' ]"
check "the threat it stands beside adds 25 points on Japanese cars" \
  "grep -qx '    add: 25pp' '$src/scenarios/us-japan-autos.yaml' && grep -qx '    sectors: autos' '$src/scenarios/us-japan-autos.yaml'"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
