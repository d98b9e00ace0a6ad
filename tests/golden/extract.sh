#!/usr/bin/env bash
# Print the key outputs of a results_regions.csv (from tradeq run --format csv) as
# scenario,region,welfare_pct,real_wage_pct,cpi_pct,ev_musd,real_gdp_pct,decomp_pct,
# trade_balance_after_musd with 9 significant digits.
# usage: extract.sh results_regions.csv
awk -F, 'NR==1{for(i=1;i<=NF;i++)c[$i]=i; print "scenario,region,welfare_pct,real_wage_pct,cpi_pct,ev_musd,real_gdp_pct,decomp_pct,trade_balance_after_musd"; next}
         {printf "%s,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", $c["scenario"], $c["region"], $c["welfare_pct"], $c["real_wage_pct"], $c["cpi_pct"], $c["ev_musd"], $c["real_gdp_pct"], $c["decomp_pct"], $c["trade_balance_after_musd"]}' "$1"
