#!/usr/bin/env bash
# tradeq estimate (docs/estimation.md): usage and data errors, the Yotov et al. (2016) RTA
# estimate through the CLI with its JSON table, and the ge_gravity workflow end to end
# (examples/ge_gravity/run.sh): the EU-enlargement effect estimated on the example data is
# the example's 0.2242490, and the scenario that reads it from the JSON gives the welfare
# of scenarios/eu-enlargement.yaml (which quotes that number).
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2; shared=$3
G="$shared/gravity"
if [ ! -f "$G/agtpa_applications.csv.gz" ] || [ ! -f "$G/ge_gravity_example_data.dta" ]; then
  echo "SKIP: $G (agtpa_applications.csv.gz, ge_gravity_example_data.dta) is absent"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }

"$tq" estimate >/dev/null 2>&1; check "no data file: usage error (2)" $([ $? -eq 2 ]; echo $?)
"$tq" estimate "$G/agtpa_applications.csv.gz" --y trade --se bad >/dev/null 2>&1
check "--se bad: usage error (2)" $([ $? -eq 2 ]; echo $?)
msg=$("$tq" estimate "$tmp/nofile.csv" --y trade --x rta 2>&1); rc=$?
check "a missing file fails (1) naming it" $([ $rc -eq 1 ] && echo "$msg" | grep -q "nofile.csv"; echo $?)
msg=$("$tq" estimate "$G/agtpa_applications.csv.gz" --y trade --x nosuch 2>&1); rc=$?
check "a missing column fails naming it" $([ $rc -eq 1 ] && echo "$msg" | grep -q "nosuch"; echo $?)

out=$("$tq" estimate "$G/agtpa_applications.csv.gz" --y trade --x rta --fe exporter#year,importer#year,pair_id \
  --years 1986,1990,1994,1998,2002,2006 --cluster pair_id --out "$tmp/rta.json")
check "Yotov RTA estimate runs" $?
echo "$out" | grep -E "^rta +0\.5571853 +0\.1022353 " >/dev/null
check "table: rta 0.5571853 (0.1022353 clustered by pair)" $?
echo "$out" | grep -q "Observations 28,482 (of 28,566 read; 84 in all-zero fixed-effect groups)"
check "table: N 28,482, 84 rows of all-zero pairs dropped" $?
grep -q '"n_obs": 28482' "$tmp/rta.json" && grep -q '"name": "rta", "b": 0.55718' "$tmp/rta.json"
check "JSON table written" $?
"$tq" estimate "$G/agtpa_applications.csv.gz" --y trade --x rta --fe exporter#year,importer#year,pair_id \
  --years 1986 --out "$tmp/rta.json" >/dev/null 2>&1
check "an existing --out is not overwritten without --force" $([ $? -ne 0 ]; echo $?)

bash "$src/examples/ge_gravity/run.sh" "$tmp/ge" "$tq" "$shared" >"$tmp/ge.log" 2>&1
check "examples/ge_gravity/run.sh runs end to end" $?
grep -q '"name": "eu_enlargement", "b": 0.22424[89]' "$tmp/ge/eu-estimate.json"
check "estimated EU effect is the example's 0.2242490" $?
"$tq" run "$src/scenarios/eu-enlargement.yaml" --out "$tmp/ref" --format csv >/dev/null 2>&1
check "the shipped eu-enlargement scenario runs" $?
# welfare of every region: the estimate-driven central run against the shipped scenario
# (b to 7 digits there): within 1e-6 relative or 1e-9 absolute
awk -F, 'NR == FNR { if (FNR > 1) ref[$2] = $4; next }
         FNR > 1 && $1 == "central" { n++; d = $4 - ref[$2]; if (d < 0) d = -d; a = ref[$2] < 0 ? -ref[$2] : ref[$2];
                                      if (d > 1e-6 * a + 1e-9) bad++ }
         END { exit !(n == 44 && bad == 0) }' "$tmp/ref/results_regions.csv" "$tmp/ge/results/results_regions.csv"
check "central run = scenarios/eu-enlargement.yaml (44 regions)" $?
awk -F, 'FNR > 1 && $2 == "HUN" { w[$1] = $4 } END { exit !(w["low"] < w["central"] && w["central"] < w["high"] && w["low"] > 0) }' \
  "$tmp/ge/results/results_regions.csv"
check "the band: low < central < high for Hungary" $?
# the central run's draws of b (docs/uncertainty.md): a 90% band around the central value,
# inside low..high (b -/+ 1.96 se) since its ends are b -/+ 1.645 se
awk -F, 'FNR == 1 { for (c = 1; c <= NF; c++) col[$c] = c }
         FNR > 1 && $2 == "HUN" { w[$1] = $4; if ($1 == "central") { p05 = $(col["welfare_pct_p05"]); p95 = $(col["welfare_pct_p95"]) } }
         END { exit !(w["low"] < p05 && p05 < w["central"] && w["central"] < p95 && p95 < w["high"]) }' \
  "$tmp/ge/results/results_regions.csv"
check "1,000 draws of b: low < p05 < central < p95 < high for Hungary" $?
grep -q "uncertainty over 1000 draws of the partial effects" "$tmp/ge.log"
check "the table shows the band of the partial-effect draws" $?
sed 's/coef: eu_enlargement}/coef: nosuch}/' "$tmp/ge/eu-enlargement-estimated.yaml" >"$tmp/ge/bad.yaml"
msg=$("$tq" run "$tmp/ge/bad.yaml" 2>&1); rc=$?
check "an unknown coefficient is an error naming the estimate file" \
  $([ $rc -ne 0 ] && echo "$msg" | grep -q "eu-estimate.json.*no coefficient 'nosuch'"; echo $?)
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
