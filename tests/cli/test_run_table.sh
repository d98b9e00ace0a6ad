#!/usr/bin/env bash
# The headline table of tradeq run says what each number is: both welfare measures with a
# note when they differ in sign, the nominal wage (what close-us-deficit is about), real
# GDP, the multilateral balance beside the bilateral one, "baseline -> counterfactual"
# labels, and no "-0.000".
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2
fails=0; passes=0
tmp_o=$(mktemp); tmp_e=$(mktemp); trap 'rm -f "$tmp_o" "$tmp_e"' EXIT
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
out=$("$tq" run 2>&1)
check "default run" $?
echo "$out" | grep -Eq "^region +income % +ToT\+VoT% +EV bn +rGDP % +wage % +CPI %"; check "header names both welfare measures, real GDP and the wage" $?
echo "$out" | grep -q "note: for USA the exact welfare change (-0.006%) and the CP2015 decomposition (+0.011%) differ in sign"
check "the sign note names the US figures" $?
echo "$out" | grep -q "USD bn at pre-tariff prices: baseline -> counterfactual"; check "pair table says baseline -> counterfactual" $?
echo "$out" | grep -q "multilateral trade balance (all partners), USD bn: USA -478.0 -> -478.0"; check "the multilateral balance beside the bilateral one" $?
echo "$out" | grep -q "largest other changes (by |EV|)"; check "other regions ranked by |EV|" $?
talks=$("$tq" run "$src/scenarios/us-japan-talks.yaml" "$src/scenarios/japan-opens-agriculture.yaml" 2>&1)
! printf '%s\n%s\n' "$out" "$talks" | grep -q -- "-0\.000\b"; check "no -0.000 anywhere" $?
def=$("$tq" run "$src/scenarios/close-us-deficit.yaml" 2>&1)
echo "$def" | grep -Eq "^USA United States +-3\.027 +-0\.307 +-541\.6 +-0\.355 +-2\.640"; check "close-us-deficit shows the US wage change (-2.640%)" $?
echo "$def" | grep -Eq "USA United States .* -478\.0 -> 0\.0"; check "and its multilateral balance going to zero" $?
"$tq" run --rank welfare | grep -q "largest other changes (by |real income change|)"; check "--rank welfare" $?
"$tq" run --rank gdp > /dev/null 2>&1; [ $? -eq 2 ]; check "--rank takes ev or welfare" $?
"$tq" run --max-seconds 1e-9 > "$tmp_o" 2> "$tmp_e"; rc=$?
[ $rc -eq 1 ] && grep -q "stopped (time limit)" "$tmp_e" && [ "$(wc -l < "$tmp_e")" -eq 1 ]
check "--max-seconds ends a solve that runs out with one line and exit 1" $?
"$tq" run --max-seconds abc > /dev/null 2>&1; [ $? -eq 2 ]; check "--max-seconds takes a positive number" $?
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
