#!/usr/bin/env bash
# The ge_gravity workflow in one step (docs/estimation.md): estimate the partial effect of
# EU enlargement with three-way fixed effects on the ge_gravity example data, then
# simulate it (with its 95% band) in one-sector structural gravity.
#   examples/ge_gravity/run.sh OUTDIR [TRADEQ [SHARED_DATA]]
# TRADEQ defaults to build/tradeq, SHARED_DATA to ../shared/data (from the repository root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: run.sh OUTDIR [TRADEQ [SHARED_DATA]]}
tq=${2:-$root/build/tradeq}
shared=${3:-$root/../shared/data}
mkdir -p "$out"
# 1. PPML: trade on the EU-enlargement and other-FTA dummies, international trade only,
#    exporter-year, importer-year and pair fixed effects, SEs clustered by pair
"$tq" estimate "$shared/gravity/ge_gravity_example_data.dta" --y trade --x eu_enlargement,other_fta \
  --fe exporter#year,importer#year,exporter#importer --cluster exporter#importer \
  --distinct exporter,importer --out "$out/eu-estimate.json" --force
# 2. the scenario reads the coefficient from the estimate beside it
cp "$here/eu-enlargement-estimated.yaml" "$root/scenarios/eu-enlargement-pairs.csv" "$out/"
"$tq" run "$out/eu-enlargement-estimated.yaml" --out "$out/results" --format table,csv --force
