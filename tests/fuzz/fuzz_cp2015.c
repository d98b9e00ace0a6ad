/* libFuzzer target for the Caliendo-Parro readers (src/data/read_cp2015.c) and, on
 * what they accept, the engine. The folder holds a valid 2 x 2 long-format set and a
 * valid 2 x 2 base-with-deficits set side by side (theta.csv serves both: it has the
 * columns of each). The first byte of the input picks a file (bit 7: read with the
 * base reader instead of the long one), the rest replaces that file's content, and the
 * folder is read. A dataset that loads is put through a raw baseline, a short solve and
 * the checker. Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON. */
#include "data/readers.h"
#include "fuzz_common.h"

static const fz_file fixture[] = {
    {"regions.csv", "index,region,iso3\n1,Alpha,AAA\n2,Beta,BBB\n", 0},
    {"sectors.csv", "index,sector,tradable\n1,Agriculture,1\n2,Finance,0\n", 0},
    {"trade.csv",
     "sector,exporter,importer,value,tariff,tariff_bln,tariff_cfl,d_bln,d_cfl\n"
     "Agriculture,Alpha,Alpha,8000000,0,0,0,1,1\nAgriculture,Beta,Alpha,2000000,0.1,0.1,0.05,1,1\n"
     "Agriculture,Alpha,Beta,1000000,0.2,0.2,0.2,1,1\nAgriculture,Beta,Beta,9000000,0,0,0,1,1\n"
     "Finance,Alpha,Alpha,5000000,0,0,0,1,1\nFinance,Beta,Alpha,0,0,0,0,1,1\nFinance,Alpha,Beta,0,0,0,0,1,1\n"
     "Finance,Beta,Beta,6000000,0,0,0,1,1\n",
     0},
    {"intermediate_consumption.csv",
     "input,sector,region,value\nAgriculture,Agriculture,Alpha,2000000\nFinance,Agriculture,Alpha,1000000\n"
     "Agriculture,Finance,Alpha,500000\nFinance,Finance,Alpha,500000\nAgriculture,Agriculture,Beta,3000000\n"
     "Finance,Agriculture,Beta,1000000\nAgriculture,Finance,Beta,1000000\nFinance,Finance,Beta,1000000\n",
     0},
    {"value_added.csv",
     "sector,region,value\nAgriculture,Alpha,6000000\nFinance,Alpha,4000000\nAgriculture,Beta,6000000\n"
     "Finance,Beta,4000000\n",
     0},
    {"final_consumption.csv",
     "sector,region,value\nAgriculture,Alpha,7000000\nFinance,Alpha,3000000\nAgriculture,Beta,6000000\n"
     "Finance,Beta,4000000\n",
     0},
    {"deficit.csv", "region,D\nAlpha,1000000\nBeta,-1000000\n", 0},
    {"theta.csv", "sector,value,theta\nAgriculture,9.11,9.11\nFinance,8.22,8.22\n", 0},
    {"shares_tariffs.csv",
     "sector,importer,exporter,pi,tariff\nAgriculture,Alpha,Alpha,0.8,0\nAgriculture,Alpha,Beta,0.2,0.1\n"
     "Agriculture,Beta,Alpha,0.1,0.2\nAgriculture,Beta,Beta,0.9,0\nFinance,Alpha,Alpha,1,0\n"
     "Finance,Alpha,Beta,0,0\nFinance,Beta,Alpha,0,0\nFinance,Beta,Beta,1,0\n",
     0},
    {"io_shares.csv",
     "region,input,sector,share_of_intermediates\nAlpha,Agriculture,Agriculture,0.6\n"
     "Alpha,Finance,Agriculture,0.4\nAlpha,Agriculture,Finance,0.5\nAlpha,Finance,Finance,0.5\n"
     "Beta,Agriculture,Agriculture,0.7\nBeta,Finance,Agriculture,0.3\nBeta,Agriculture,Finance,0.5\n"
     "Beta,Finance,Finance,0.5\n",
     0},
    {"sector_region.csv",
     "sector,region,value_added_share,final_demand_share,expenditure\nAgriculture,Alpha,0.6,0.7,10\n"
     "Finance,Alpha,0.8,0.3,5\nAgriculture,Beta,0.6,0.6,10\nFinance,Beta,0.8,0.4,6\n",
     0},
    {"region.csv", "region,value_added,surplus\nAlpha,10,-1\nBeta,10,1\n", 0},
};
#define NFILES (sizeof fixture / sizeof fixture[0])

static void solve_it(tq_context *ctx, tq_dataset *ds)
{
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW;
    o.max_iter = 50;
    tq_baseline *b = NULL;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, &o, &b) != TQ_OK)
        return;
    tq_scenario *sc = NULL;
    if (tq_scenario_new(ctx, b, &sc) == TQ_OK) {
        tq_scenario_set_tariff(sc, 0, -1, -1, 0.3);
        tq_result *r = NULL;
        tq_status st = tq_solve(ctx, b, sc, &o, &r);
        if ((st == TQ_OK || st == TQ_ERR_NOT_CONVERGED) && !r)
            abort();
        if (r) {
            tq_check k;
            (void)tq_check_solution(ctx, b, sc, r, NULL, &k);
        }
        tq_result_free(r);
    }
    tq_scenario_free(sc);
    tq_baseline_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_setup("cp2015", fixture, NFILES))
        fz_write_seeds(1);
    if (size < 1)
        return 0;
    const char *name = fixture[(data[0] & 0x7f) % NFILES].name;
    fz_put(name, data + 1, size - 1);
    fz_read((data[0] & 0x80) ? tq__read_cp_base : tq__read_cp2015, solve_it);
    fz_restore(name);
    return 0;
}
