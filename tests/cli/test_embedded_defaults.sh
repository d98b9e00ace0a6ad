#!/usr/bin/env bash
# The embedded data answers out of the box, without ../shared: info describes the
# default; the US-Japan balance's largest deficit sector is motor vehicles; icio has
# 2017 and 2018; run prints the default answer.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir (not used).
set -u
tq=$1
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
# run from a folder where ../shared does not exist
cd "$(mktemp -d)" || exit 1

out=$("$tq" info --sectors); check "info exits 0" $?
echo "$out" | grep -q "^dataset    wiod2014"; check "default dataset is wiod2014" $?
echo "$out" | grep -q "44 regions x 47 sectors"; check "44 regions, named sectors" $?
echo "$out" | grep -q "^years      2014"; check "year 2014" $?
echo "$out" | grep -q "^source .*WIOD 2016 release"; check "sources" $?
echo "$out" | grep -q "Motor vehicles; trailers and semi-trailers"; check "sectors have names" $?
echo "$out" | grep -q "goods-market clearing (E0): max residual [0-9.e-]*" ; check "consistency report" $?
e0=$(echo "$out" | sed -n 's/.*(E0): max residual \([0-9.e+-]*\).*/\1/p')
awk -v x="$e0" 'BEGIN{exit !(x < 1e-12)}'; check "embedded default passes (E0) (residual $e0)" $?

out=$("$tq" balance USA JPN --by sector); check "balance exits 0" $?
first=$(echo "$out" | awk '/^sector/{getline; print; exit}')
echo "$first" | grep -q "^Motor vehicles"; check "largest US-Japan deficit sector is motor vehicles" $?

out=$("$tq" balance USA JPN --data icio --years 2017,2018 --by sector); check "icio balance exits 0" $?
echo "$out" | grep -q "balance 2017 *balance 2018 *change"; check "icio shows both years and the change" $?
echo "$out" | grep -Eq "^2018 +55,874 +110,646 +-54,772 +3,339"; check "icio US-Japan goods 2018 (-54.8 bn)" $?

out=$("$tq" run); check "run exits 0" $?
echo "$out" | grep -q "solver: converged"; check "run converged" $?
echo "$out" | grep -Eq "^JPN Japan +-0\.[0-9]+"; check "run reports Japan's welfare loss" $?
echo "$out" | grep -q "^Motor vehicles; trailers and semi-trailers"; check "run shows the pair's sector balance" $?
echo "$out" | grep -q "parts and accessories"; check "run says how parts are represented" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
