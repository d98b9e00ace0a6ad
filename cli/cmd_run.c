/* tradeq run: solve scenarios (files and/or --tariff flags) and report the results. */
#include "commands.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
    printf(
        "usage: tradeq run [FILE.yaml ...] [--tariff IMP:EXP:SECTORS=VALUE ...] [--data PATH|NAME]\n"
        "                  [--closure fixed|balanced|share|target] [--out DIR] [--format LIST]\n"
        "                  [--force] [--check] [--top K] [--rank ev|welfare] [--tol X] [--method anderson|nested-fp]\n"
        "                  [--max-iter N] [--max-seconds S] [--threads N] [--elasticities NAME]\n"
        "                  [--detail summary|full] [--model cp|ossa] [--draws N|sets [--seed S]]\n"
        "                  [--draw-params LIST] [--year YEAR]\n\n"
        "Solves each scenario in general equilibrium (docs/model.md (E1)-(E5)) and prints welfare,\n"
        "real wages, prices, tariff revenue and the bilateral balance of the pair in question.\n"
        "With no file and no --tariff it runs the default question (scenarios/us-japan-autos.yaml):\n"
        "the US raises its tariff on Japanese motor vehicles by 25 points.\n\n"
        "  --tariff IMP:EXP:SECTORS=VALUE  VALUE is 20%% (set), +25pp / -5pp (add points) or\n"
        "                  x1.1 (scale 1+t); +25%% is refused as ambiguous; each field a code,\n"
        "                  a comma list, a group or all;\n"
        "                  repeatable; added to every scenario given in files\n"
        "  --closure C     deficit closure (default: the scenario's, else fixed)\n"
        "  --year YEAR     base year of the data for every scenario (default: the scenario's\n"
        "                  data: year:, else the last year of the data; tradeq info lists them)\n"
        "  --out DIR       write result files into DIR (never overwrites without --force)\n"
        "  --format LIST   comma list of table, csv, json, xlsx, dta (default: table, plus csv\n"
        "                  when --out is given); json alone prints JSON to stdout without --out\n"
        "  --check         recompute (E0)-(E5) from the solution and print the residuals\n"
        "  --top K         regions shown besides those named in the scenario (default 6)\n"
        "  --rank R        ev (default: largest |equivalent variation| in USD) or welfare\n"
        "                  (largest |real income change| in percent) picks those regions\n"
        "  --tol X         solver tolerance: largest relative residual of (E2), (E4) and (E5)\n"
        "                  accepted (default 1e-10)\n"
        "  --method M      anderson (default: Anderson-accelerated fixed point) or nested-fp\n"
        "                  (the textbook damped nested fixed point, slower)\n"
        "  --max-iter N    outer iterations before giving up (default 2000 for anderson,\n"
        "                  20000 for nested-fp); a run that stops short fails (exit 1)\n"
        "  --max-seconds S wall-clock budget of each solve (default 600); a solve that runs out\n"
        "                  stops with 'did not converge' and its residual (exit 1)\n"
        "  --threads N     OpenMP threads (default: OMP_NUM_THREADS, else every core)\n");
    /* two strings: C17 compilers need only take 4095 characters in one literal */
    printf("  --detail D      summary or full: what JSON and result files hold. summary (default\n"
           "                  for JSON to standard output): regions, the named pair by sector,\n"
           "                  the solver; full (default with --out): also every bilateral flow and\n"
           "                  the decomposition by partner and sector (docs/results.md)\n"
           "  --elasticities NAME  a named, cited set of trade elasticities for every scenario\n"
           "                  (KITE, IS, U4, CP, BSY, GYY, Shap, FGO, LL; tradeq info --elasticities\n"
           "                  lists them; docs/elasticities.md); default: the scenario's, else the\n"
           "                  dataset's own\n"
           "  --model M       cp (default: Caliendo-Parro, docs/model.md) or ossa (Ossa 2014:\n"
           "                  monopolistic competition, fixed firms, labour only, sigma = theta + 1;\n"
           "                  docs/models.md); default: the scenario's model:, else cp\n"
           "  --draws N       also solve N draws of theta and of the gravity partial effects that\n"
           "                  have a standard error (theta: per sector a normal with the standard\n"
           "                  errors of the set, here the spread across the published sets, truncated\n"
           "                  at 0.5) and report median and 90%% band (5th-95th percentile) beside each\n"
           "                  headline number, on screen and in every format (docs/uncertainty.md);\n"
           "                  --draws sets solves each published elasticity set instead; --threads N\n"
           "                  then sets the worker threads (one solver each)\n"
           "  --seed S        seed of the draws (default 1): the same seed gives the same bands\n"
           "  --draw-params LIST  what --draws N varies: theta, partial_effects (the partial effects\n"
           "                  b of ntb: entries that have a standard error, b + se z) or both\n"
           "                  (default: the scenario's uncertainty: mapping, else both)\n"
           "A scenario's strategy: moves (optimal, nash, talks; docs/strategic.md) are played after its\n"
           "shocks; the run reports the equilibrium after the last move and a table of the moves, and\n"
           "--out writes them as moves_<scenario>.csv / .json beside the results.\n"
           "Scenario files: docs/scenarios.md. Result files: docs/results.md.\n");
}

/* What a run's draws varied, for the band's heading. */
static const char *drawn_text(const tq_sweep *sw)
{
    int th = 0, pe = 0;
    if (!sw || tq_sweep_drawn(sw, &th, &pe) != TQ_OK)
        return NULL;
    return th && pe ? "theta and the partial effects" : pe ? "the partial effects" : th ? "theta" : "nothing (central)";
}

/* ---------------------------------------------------------------- progress --- */

typedef struct progress {
    int tty;
    double start;
    int shown;
    const char *label;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int on_progress(void *ud, const char *stage, double fraction)
{
    progress *p = ud;
    double el = now() - p->start;
    if (!p->tty || el < 1.0)
        return 0;
    static const char spin[] = "|/-\\";
    if (fraction >= 0)
        fprintf(stderr, "\r%s: %s %3.0f%% %.1fs  ", p->label, stage, 100 * fraction, el);
    else
        fprintf(stderr, "\r%s: %s %c %.1fs  ", p->label, stage, spin[p->shown % 4], el);
    p->shown++;
    return 0;
}

static void progress_done(progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%60s\r", "");
    p->shown = 0;
}

/* ------------------------------------------------------------------- notes --- */

/* The library's notes on a run (e.g. a dataset without input-output coefficients) go
 * to the log callback; the readers' own remarks while loading are not shown, so notes
 * are switched on only around tq_runner_run() once the dataset is loaded. */
static void on_log(void *ud, int level, const char *message)
{
    const int *on = ud;
    if (*on && level >= TQ_LOG_INFO)
        fprintf(stderr, "note: %s\n", message);
}

/* ---------------------------------------------------------------- printing --- */

static const char *bn(char *b, size_t cap, double musd)
{
    return cli_num(b, cap, musd / 1000.0, 1);
}

/* "%+.3f" without a "-0.000": a value that rounds to zero prints as 0.000. */
static const char *pct(char *b, size_t cap, double v)
{
    if (fabs(v) < 0.0005)
        v = 0;
    snprintf(b, cap, v == 0 ? "%.3f" : "%+.3f", v);
    return b;
}

/* Column c of table k (the names are the documented ones, docs/results.md). */
static double cell(const tq_tables *t, int k, size_t row, const char *col)
{
    return tq_tables_number(t, k, row, tq_tables_col_find(t, k, col));
}

/* The headline table of one scenario, from the same table model the result files are
 * written from (tq_tables at summary detail), so the screen and the files agree. */
/* Returns 0, or 1 when the table could not be built or --check failed. */
static int print_scenario(tq_context *ctx, tq_outcome *oc, int top, int rank_ev, int check, const tq_bands *bands,
                          const char *drawn)
{
    const tq_spec_info *si = tq_outcome_spec_info(oc);
    const tq_dataset *ds = tq_outcome_dataset(oc);
    const tq_baseline *base = tq_outcome_baseline(oc);
    tq_scenario *sc = tq_outcome_scenario(oc);
    const tq_result *res = tq_outcome_result(oc);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const tq_solve_info *info = tq_result_info(res);
    static const char *const cl[] = {"fixed deficits", "balanced trade", "deficits as a share of world VA",
                                     "deficit targets"};
    tq_run run;
    tq_outcome_run(oc, &run);
    tq_tables *t = NULL;
    if (tq_tables_new(ctx, &run, 1, TQ_DETAIL_SUMMARY, &t) != TQ_OK) {
        cli_print_error(ctx);
        return 1;
    }
    const int kr = tq_tables_find(t, "regions"), kp = tq_tables_find(t, "pair_sector");
    char b1[48], b2[48], b3[48], b4[48], b5[48], b6[48];

    printf("\n== %s%s%s\n", si->name, si->title[0] ? ": " : "", si->title);
    if (si->description[0])
        printf("%s\n", si->description);
    const int ossa = tq_baseline_model(tq_outcome_baseline(oc)) == TQ_MODEL_OSSA;
    if (ossa)
        printf("model: Ossa (2014), monopolistic competition with a fixed mass of firms (sigma = theta + 1)\n");
    printf("data %s, %d (%d regions x %d sectors%s); closure: %s; elasticities: %s\n", tq_dataset_name(ds),
           tq_dataset_year(ds, tq_outcome_year_index(oc)), N, J,
           ossa                    ? ", no input-output links (Ossa)"
           : tq_dataset_has_io(ds) ? ", input-output links"
           : J == 1                ? ", one sector: structural gravity (Armington / Eaton-Kortum)"
                                   : ", NO input-output links: a multi-sector model without intermediate inputs",
           cl[si->closure], run.elasticities && run.elasticities[0] ? run.elasticities : "the dataset's own");
    printf("solver: %s in %d iterations, residual %.2g, %.3f s\n",
           info->status == TQ_OK ? "converged" : "DID NOT CONVERGE", info->iterations, info->residual, info->seconds);

    /* regions: those named in the scenario, then the largest changes (|EV| by default) */
    unsigned char *named = calloc((size_t)N, 1);
    int *order = malloc(sizeof(int) * (size_t)N);
    if (!named || !order) {
        free(named);
        free(order);
        tq_tables_free(t);
        fprintf(stderr, "tradeq: out of memory\n");
        return 1;
    }
    int imp = -1, exp_ = -1;
    tq_outcome_named_regions(oc, named, &imp, &exp_);
    int cnt = 0;
    for (int n = 0; n < N; n++)
        if (named[n])
            order[cnt++] = n;
    const int shown_named = cnt;
    const char *key = rank_ev ? "ev_musd" : "welfare_pct";
    for (int r = 0; r < top && cnt < N; r++) {
        int best = -1;
        for (int n = 0; n < N; n++) {
            int used = 0;
            for (int q = 0; q < cnt; q++)
                used |= order[q] == n;
            if (!used && (best < 0 || fabs(cell(t, kr, (size_t)n, key)) > fabs(cell(t, kr, (size_t)best, key))))
                best = n;
        }
        if (best >= 0)
            order[cnt++] = best;
    }
    printf("\n%-24s %9s %9s %8s %8s %8s %8s %15s %17s\n", "region", "income %", "ToT+VoT%", "EV bn", "rGDP %", "wage %",
           "CPI %", "tariff rev. bn", "trade bal. bn");
    int sign_differs = -1;
    for (int q = 0; q < cnt; q++) {
        const size_t n = (size_t)order[q];
        if (q == shown_named && shown_named > 0)
            printf("  largest other changes (by |%s|):\n", rank_ev ? "EV" : "real income change");
        char name[25];
        snprintf(name, sizeof name, "%s %s", tq_dataset_region_code(ds, (int)n), tq_dataset_region_name(ds, (int)n));
        const double w = cell(t, kr, n, "welfare_pct"), d = cell(t, kr, n, "decomp_pct");
        char rev[40], bal[40];
        snprintf(rev, sizeof rev, "%s -> %s", bn(b1, sizeof b1, cell(t, kr, n, "tariff_revenue_before_musd")),
                 bn(b2, sizeof b2, cell(t, kr, n, "tariff_revenue_after_musd")));
        snprintf(bal, sizeof bal, "%s -> %s", bn(b3, sizeof b3, cell(t, kr, n, "trade_balance_before_musd")),
                 bn(b4, sizeof b4, cell(t, kr, n, "trade_balance_after_musd")));
        printf("%-24s %9s %9s %8s %8s %8s %8s %15s %20s\n", name, pct(b1, sizeof b1, w), pct(b2, sizeof b2, d),
               bn(b3, sizeof b3, cell(t, kr, n, "ev_musd")), pct(b4, sizeof b4, cell(t, kr, n, "real_gdp_pct")),
               pct(b5, sizeof b5, cell(t, kr, n, "wage_change_pct")), pct(b6, sizeof b6, cell(t, kr, n, "cpi_pct")),
               rev, bal);
        if (sign_differs < 0 && fabs(w) >= 0.0005 && fabs(d) >= 0.0005 && (w > 0) != (d > 0))
            sign_differs = (int)n;
    }
    double evsum = 0;
    for (size_t n = 0; n < (size_t)N; n++)
        evsum += cell(t, kr, n, "ev_musd");
    printf("%-24s %9s %9s %8s\n", "world", "", "", bn(b1, sizeof b1, evsum));
    if (bands) {
        /* the same regions, each headline number as central, median [5th, 95th percentile] */
        printf("\nuncertainty over %d draws of %s (docs/uncertainty.md): central  median [90%% band]\n", bands->draws,
               drawn ? drawn : "theta");
        printf("%-24s %-30s %-30s %-30s\n", "region", "income %", "EV bn", "rGDP %");
        for (int q = 0; q < cnt; q++) {
            const size_t n = (size_t)order[q];
            char name[25], col[3][200];
            static const char *const stems[3] = {"welfare_pct", "ev_musd", "real_gdp_pct"};
            snprintf(name, sizeof name, "%s %s", tq_dataset_region_code(ds, (int)n),
                     tq_dataset_region_name(ds, (int)n));
            for (int m = 0; m < 3; m++) {
                char bkey[48];
                double v[4];
                v[0] = cell(t, kr, n, stems[m]);
                static const char *const suf[3] = {"_median", "_p05", "_p95"};
                for (int q2 = 0; q2 < 3; q2++) {
                    snprintf(bkey, sizeof bkey, "%s%s", stems[m], suf[q2]);
                    v[1 + q2] = cell(t, kr, n, bkey);
                }
                if (m == 1)
                    snprintf(col[m], sizeof col[m], "%6.1f %6.1f [%.1f, %.1f]", v[0] / 1000, v[1] / 1000, v[2] / 1000,
                             v[3] / 1000);
                else
                    snprintf(col[m], sizeof col[m], "%s %s [%s, %s]", pct(b1, sizeof b1, v[0]),
                             pct(b2, sizeof b2, v[1]), pct(b3, sizeof b3, v[2]), pct(b4, sizeof b4, v[3]));
            }
            printf("%-24s %-30s %-30s %-30s\n", name, col[0], col[1], col[2]);
        }
    }
    if (ossa)
        printf("income %%: welfare, Ossa's W^ = E^ / P^ (spending over the price index); ToT+VoT%%: Caliendo &\n"
               "Parro's decomposition applied to the same arrays (not Ossa's); rGDP: the real wage (labour\n"
               "income, profits left out); wage: nominal, world labour income fixed; trade bal.: exports - imports\n");
    else
        printf("income %%: welfare, the exact change in real income I/P (what EV prices); ToT+VoT%%: Caliendo &\n"
               "Parro's decomposition, their Table 2's \"welfare\", a first-order approximation; rGDP: value added\n"
               "over the CPI; wage: nominal, world value added fixed; trade bal.: multilateral, exports - imports\n");
    if (sign_differs >= 0)
        printf("note: for %s the exact welfare change (%s%%) and the CP2015 decomposition (%s%%) differ in sign;\n"
               "quote the exact one. The decomposition values trade at the old tariffs and leaves out the\n"
               "deficit transfer (docs/model.md, section 11).\n",
               tq_dataset_region_code(ds, sign_differs), pct(b1, sizeof b1, cell(t, kr, sign_differs, "welfare_pct")),
               pct(b2, sizeof b2, cell(t, kr, sign_differs, "decomp_pct")));

    if (kp >= 0 && tq_tables_rows(t, kp) > 0) {
        /* the pair, from the importer's side: its exports to the exporter minus imports */
        printf("\n%s trade with %s by sector, USD bn at pre-tariff prices: baseline -> counterfactual\n",
               tq_dataset_region_name(ds, imp), tq_dataset_region_name(ds, exp_));
        printf("%-46s %17s %17s %17s\n", "sector", "exports", "imports", "balance");
        int *sorder = malloc(sizeof(int) * (size_t)J);
        double *skey = malloc(sizeof(double) * (size_t)J);
        double tot[6] = {0};
        static const char *const cols[6] = {"exports_before_musd", "exports_after_musd",  "imports_before_musd",
                                            "imports_after_musd",  "balance_before_musd", "balance_after_musd"};
        for (int j = 0; j < J && sorder && skey; j++) {
            sorder[j] = j;
            skey[j] = fabs(cell(t, kp, (size_t)j, "balance_after_musd")) +
                      fabs(cell(t, kp, (size_t)j, "balance_before_musd"));
            for (int c = 0; c < 6; c++)
                tot[c] += cell(t, kp, (size_t)j, cols[c]);
        }
        for (int a = 0; a < J && sorder && skey; a++)
            for (int b = a + 1; b < J; b++)
                if (skey[sorder[b]] > skey[sorder[a]]) {
                    int tmp = sorder[a];
                    sorder[a] = sorder[b];
                    sorder[b] = tmp;
                }
        for (int r = 0; r < J && r < 8 && sorder && skey; r++) {
            double v[6];
            char name[47], c[3][40];
            for (int k = 0; k < 6; k++)
                v[k] = cell(t, kp, (size_t)sorder[r], cols[k]);
            snprintf(name, sizeof name, "%s", tq_dataset_sector_name(ds, sorder[r]));
            for (int k = 0; k < 3; k++)
                snprintf(c[k], sizeof c[k], "%s -> %s", bn(b1, sizeof b1, v[2 * k]), bn(b2, sizeof b2, v[2 * k + 1]));
            printf("%-46s %17s %17s %17s\n", name, c[0], c[1], c[2]);
        }
        char c[3][40];
        for (int k = 0; k < 3; k++)
            snprintf(c[k], sizeof c[k], "%s -> %s", bn(b1, sizeof b1, tot[2 * k]), bn(b2, sizeof b2, tot[2 * k + 1]));
        printf("%-46s %17s %17s %17s\n", "all sectors", c[0], c[1], c[2]);
        printf(
            "multilateral trade balance (all partners), USD bn: %s %s -> %s, %s %s -> %s%s\n",
            tq_dataset_region_code(ds, imp), bn(b1, sizeof b1, cell(t, kr, (size_t)imp, "trade_balance_before_musd")),
            bn(b2, sizeof b2, cell(t, kr, (size_t)imp, "trade_balance_after_musd")), tq_dataset_region_code(ds, exp_),
            bn(b3, sizeof b3, cell(t, kr, (size_t)exp_, "trade_balance_before_musd")),
            bn(b4, sizeof b4, cell(t, kr, (size_t)exp_, "trade_balance_after_musd")),
            si->closure == TQ_CLOSURE_FIXED
                ? "\n(held fixed by the closure: what the bilateral balance gains, other partners give up)"
                : "");
        free(sorder);
        free(skey);
    }
    int failed = 0;
    if (check) {
        tq_check c;
        if (tq_check_solution(ctx, base, sc, res, NULL, &c) == TQ_OK) {
            printf("\ncheck (independent recomputation, relative residuals): E1 %.2g, E2 %.2g, E3 %.2g, E4 %.2g, "
                   "income %.2g, E5 %.2g, numeraire %.2g, sum D' %.2g; max %.2g\n",
                   c.e1, c.e2, c.e3, c.e4, c.income, c.e5, c.numeraire, c.deficit_sum, c.max);
            if (!(c.max <= 1e-6)) {
                fprintf(stderr, "tradeq run: --check failed for scenario %s: largest residual %.3g (over 1e-6)\n",
                        si->name, c.max);
                failed = 1;
            }
        } else {
            cli_print_error(ctx);
            failed = 1;
        }
    }
    free(named);
    free(order);
    tq_tables_free(t);
    return failed;
}

/* ------------------------------------------------------------------ the command --- */

static const char *argv_closure_name(tq_closure c)
{
    static const char *const names[] = {"fixed", "balanced", "share", "target"};
    return (int)c >= 0 && (int)c < 4 ? names[c] : "?";
}

static int parse_closure(const char *s, tq_closure *c)
{
    static const char *const names[] = {"fixed", "balanced", "share", "target"};
    for (int k = 0; k < 4; k++)
        if (!strcmp(s, names[k])) {
            *c = (tq_closure)k;
            return 0;
        }
    return -1;
}

/* The outcome of run q: its own, or the central run of its draws. */
#define OUTCOME(q) (runs[q] ? runs[q] : tq_sweep_outcome(sweeps[q]))

int tq_cmd_run(int argc, char **argv)
{
    const char *files[64];
    int nfiles = 0;
    const char *tariffs[256];
    int ntariffs = 0;
    const char *data = NULL, *outdir = NULL, *formats = NULL;
    int force = 0, check = 0, top = 6, rank_ev = 1, have_closure = 0, year = 0;
    tq_closure closure = TQ_CLOSURE_FIXED;
    tq_run_options ro;
    tq_run_options_default(&ro);
    tq_detail detail = TQ_DETAIL_SUMMARY;
    int have_detail = 0;
    const char *draws = NULL;
    int draw_theta = 0, draw_partial = 0; /* --draw-params: 0 the scenario's choice */
    unsigned long long seed = 1;
    int have_seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--tariff") && has_val) {
            if (ntariffs == 256)
                return cli_usage_error("run", "too many --tariff flags");
            tariffs[ntariffs++] = argv[++i];
        } else if (!strcmp(a, "--data") && has_val) {
            data = argv[++i];
        } else if (!strcmp(a, "--closure") && has_val) {
            if (parse_closure(argv[++i], &closure))
                return cli_usage_error("run", "--closure is fixed, balanced, share or target, not '%s'", argv[i]);
            have_closure = 1;
        } else if (!strcmp(a, "--out") && has_val) {
            outdir = argv[++i];
        } else if (!strcmp(a, "--format") && has_val) {
            formats = argv[++i];
        } else if (!strcmp(a, "--top") && has_val) {
            char *end;
            const char *v = argv[++i];
            long k = strtol(v, &end, 10);
            if (end == v || *end || k < 0 || k > INT_MAX || v[0] == '-')
                return cli_usage_error("run", "--top must be a whole number of regions, 0 or more, not '%s'", v);
            top = (int)k;
        } else if (!strcmp(a, "--rank") && has_val) {
            const char *r = argv[++i];
            if (strcmp(r, "ev") && strcmp(r, "welfare"))
                return cli_usage_error("run", "--rank is ev or welfare, not '%s'", r);
            rank_ev = !strcmp(r, "ev");
        } else if (!strcmp(a, "--tol") && has_val) {
            char *end;
            ro.tol = strtod(argv[++i], &end);
            if (*end || !(ro.tol > 0) || !isfinite(ro.tol))
                return cli_usage_error("run", "--tol must be a positive number, not '%s'", argv[i]);
        } else if (!strcmp(a, "--method") && has_val) {
            const char *m = argv[++i];
            if (!strcmp(m, "anderson"))
                ro.method = TQ_METHOD_ANDERSON;
            else if (!strcmp(m, "nested-fp"))
                ro.method = TQ_METHOD_FIXED_POINT;
            else
                return cli_usage_error("run", "--method is anderson or nested-fp, not '%s'", m);
        } else if (!strcmp(a, "--max-seconds") && has_val) {
            char *end;
            ro.max_seconds = strtod(argv[++i], &end);
            if (*end || !(ro.max_seconds > 0) || !isfinite(ro.max_seconds))
                return cli_usage_error("run", "--max-seconds must be a positive number, not '%s'", argv[i]);
        } else if ((!strcmp(a, "--max-iter") || !strcmp(a, "--threads")) && has_val) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > INT_MAX)
                return cli_usage_error("run", "%s must be a positive whole number, not '%s'", a, argv[i]);
            *(!strcmp(a, "--max-iter") ? &ro.max_iter : &ro.threads) = (int)v;
        } else if (!strcmp(a, "--detail") && has_val) {
            const char *d = argv[++i];
            if (!strcmp(d, "summary"))
                detail = TQ_DETAIL_SUMMARY;
            else if (!strcmp(d, "full"))
                detail = TQ_DETAIL_FULL;
            else
                return cli_usage_error("run", "--detail is summary or full, not '%s'", d);
            have_detail = 1;
        } else if (!strcmp(a, "--year") && has_val) {
            char *end;
            const char *v = argv[++i];
            long yv = strtol(v, &end, 10);
            if (end == v || *end || yv < 1000 || yv > 9999)
                return cli_usage_error("run", "--year is a four-digit year, not '%s'", v);
            year = (int)yv;
        } else if (!strcmp(a, "--elasticities") && has_val) {
            ro.elasticities = argv[++i];
        } else if (!strcmp(a, "--model") && has_val) {
            tq_model m;
            if (tq_model_parse(argv[++i], &m) != TQ_OK)
                return cli_usage_error("run", "--model is cp or ossa, not '%s'", argv[i]);
            ro.model = argv[i];
        } else if (!strcmp(a, "--draws") && has_val) {
            draws = argv[++i];
            char *end;
            long d = strtol(draws, &end, 10);
            if (strcmp(draws, "sets") && (*end || d < 1 || d > 10000000))
                return cli_usage_error("run", "--draws is a number of draws (1 or more) or sets, not '%s'", draws);
        } else if (!strcmp(a, "--seed") && has_val) {
            char *end;
            const char *v = argv[++i];
            seed = strtoull(v, &end, 10);
            have_seed = 1;
            if (end == v || *end || v[0] == '-')
                return cli_usage_error("run", "--seed is a whole number, 0 or more, not '%s'", v);
        } else if (!strcmp(a, "--draw-params") && has_val) {
            if (cli_draw_params(argv[++i], &draw_theta, &draw_partial))
                return cli_usage_error("run", "--draw-params lists theta and/or partial_effects, not '%s'", argv[i]);
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (a[0] == '-') {
            return cli_usage_error("run", "unknown option '%s' (or a missing value)", a);
        } else {
            if (nfiles == 64)
                return cli_usage_error("run", "too many scenario files");
            files[nfiles++] = a;
        }
    }
    unsigned fmt = 0;
    int want_table = 0;
    {
        /* the list is read in place, token by token: no copy to truncate */
        const char *f = formats ? formats : (outdir ? "table,csv" : "table");
        static const char *const names[] = {"table", "csv", "json", "xlsx", "dta"};
        static const unsigned bits[] = {0, TQ_FORMAT_CSV, TQ_FORMAT_JSON, TQ_FORMAT_XLSX, TQ_FORMAT_DTA};
        for (const char *p = f;;) {
            size_t len = strcspn(p, ",");
            int k = 0;
            while (k < 5 && !(strlen(names[k]) == len && !strncmp(p, names[k], len)))
                k++;
            if (len == 0)
                return cli_usage_error("run", "--format takes a comma list of table, csv, json, xlsx, dta, not '%s'",
                                       f);
            if (k == 5)
                return cli_usage_error("run", "unknown format '%.*s' (table, csv, json, xlsx, dta)",
                                       len > 40 ? 40 : (int)len, p);
            if (k == 0)
                want_table = 1;
            fmt |= bits[k];
            if (!p[len])
                break;
            p += len + 1;
        }
    }
    int json_stdout = !outdir && (fmt & TQ_FORMAT_JSON);
    if (!outdir && (fmt & ~(unsigned)TQ_FORMAT_JSON))
        return cli_usage_error("run", "csv, xlsx and dta need --out DIR");
    if (json_stdout && fmt != TQ_FORMAT_JSON)
        return cli_usage_error("run", "without --out only json can go to standard output");
    if (json_stdout && want_table)
        return cli_usage_error("run", "json and the table cannot both go to standard output: give --out DIR for "
                                      "the json, or leave table out");
    if (check && (!want_table || json_stdout))
        return cli_usage_error("run", "--check prints its residuals under the table: add table to --format");

    if (data)
        ro.dataset = data;

    tq_context *ctx = cli_context();
    /* the --tariff values' syntax, checked by the library before any data is read: a
     * malformed value (such as the ambiguous +25%) is a usage error; a value out of range
     * is found when the scenario is applied */
    for (int t = 0; t < ntariffs; t++) {
        tq_spec *probe = NULL;
        tq_status st = tq_spec_new(ctx, "command-line", &probe);
        if (st == TQ_OK)
            st = tq_spec_add_tariff_arg(ctx, probe, tariffs[t]);
        tq_spec_free(probe);
        if (st == TQ_ERR_PARSE) {
            char msg[1024];
            tq_error_format(ctx, msg, sizeof msg);
            tq_context_free(ctx);
            return cli_usage_error("run", "%s", msg);
        }
    }
    progress prog = {isatty(2), now(), 0, "tradeq run"};
    tq_context_set_progress(ctx, on_progress, &prog);
    int notes = 0;
    tq_context_set_log(ctx, on_log, &notes);
    tq_runner *runner = cli_runner(ctx);
    int rc = CLI_FAIL;
    tq_spec *specs[65];
    int nspecs = 0;
    tq_outcome **runs = NULL;
    tq_sweep **sweeps = NULL;
    const tq_bands **bands = NULL;
    int nruns = 0;
    char dflt[PATH_MAX + 64];

    /* 1. the scenarios */
    if (nfiles == 0 && ntariffs == 0) {
        if (tq_runner_default_scenario(runner, dflt, sizeof dflt) != TQ_OK) {
            fprintf(stderr, "tradeq run: the default scenario us-japan-autos.yaml is not installed; give a file\n");
            goto done;
        }
        files[nfiles++] = dflt;
    }
    for (int f = 0; f < nfiles; f++) {
        if (tq_spec_load(ctx, files[f], &specs[nspecs]) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        nspecs++;
    }
    if (nspecs == 0) {
        if (tq_spec_new(ctx, "command-line", &specs[nspecs]) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        nspecs++;
    }
    for (int s = 0; s < nspecs; s++) {
        for (int t = 0; t < ntariffs; t++)
            if (tq_spec_add_tariff_arg(ctx, specs[s], tariffs[t]) != TQ_OK) {
                cli_print_error(ctx);
                goto done;
            }
        if (have_closure) {
            /* --closure replaces the closure; it must not silently drop a file's deficit
             * targets (deficits: implies closure: target) */
            for (int k = 0; k < tq_spec_count(specs[s]) && closure != TQ_CLOSURE_TARGET; k++) {
                tq_spec_info si;
                tq_spec_get(specs[s], k, &si);
                if (si.closure == TQ_CLOSURE_TARGET) {
                    fprintf(stderr,
                            "tradeq run: %s: scenario '%s' sets deficit targets (deficits:, closure target); "
                            "--closure %s would drop them (leave --closure out, or remove deficits: from the "
                            "file)\n",
                            si.origin, si.name, argv_closure_name(closure));
                    goto done;
                }
            }
            tq_spec_set_closure(specs[s], -1, closure);
        }
        if (year)
            tq_spec_set_year(specs[s], -1, year);
    }
    int total = 0;
    for (int s = 0; s < nspecs; s++)
        total += tq_spec_count(specs[s]);
    runs = calloc((size_t)total, sizeof(tq_outcome *));
    sweeps = calloc((size_t)total, sizeof(tq_sweep *));
    bands = calloc((size_t)total, sizeof(tq_bands *));
    if (!runs || !sweeps || !bands)
        goto done;

    /* 2. resolve and solve every scenario before writing anything */
    for (int s = 0; s < nspecs; s++)
        for (int k = 0; k < tq_spec_count(specs[s]); k++) {
            tq_spec_info si;
            tq_spec_get(specs[s], k, &si);
            prog.label = si.name;
            /* load (and cache) the data first, quietly: the notes are about the run */
            const tq_dataset *ds = NULL;
            if (tq_runner_spec_dataset(runner, specs[s], k, &ro, &ds) != TQ_OK) {
                cli_print_error(ctx);
                goto done;
            }
            notes = 1;
            tq_status st;
            /* the central run and its draws (--draws, else the scenario's own uncertainty:
             * mapping; --seed, or with --draws the default 1, else the file's seed) through
             * the library's sweep: the runs are the sweeps' outcomes, owned by them */
            tq_sweep_options swo;
            tq_sweep_options_default(&swo);
            swo.run = ro;
            swo.run.threads = 0;
            swo.threads = ro.threads;
            swo.draw_theta = draw_theta;
            swo.draw_partial = draw_partial;
            const uint64_t sd = seed;
            tq_sweep *sw = NULL;
            st = tq_sweep_new_draws(runner, specs[s], k, &swo, draws, have_seed || draws ? &sd : NULL, &sw);
            sweeps[nruns] = sw;
            if (sw) {
                cli_progress cp;
                cli_progress_init(&cp, si.name, tq_sweep_points(sw));
                tq_context_set_progress(ctx, cli_sweep_progress, &cp);
                if (!st)
                    st = tq_sweep_run(sw, 0, tq_sweep_blocks(sw));
                cli_progress_done(&cp);
                tq_context_set_progress(ctx, on_progress, &prog);
                if (!st)
                    st = tq_sweep_bands(sw, &bands[nruns]);
                if (!st && tq_result_info(tq_outcome_result(tq_sweep_outcome(sw)))->status != TQ_OK)
                    st = TQ_ERR_NOT_CONVERGED;
                nruns++;
            } else if (!st) {
                st = tq_runner_run(runner, specs[s], k, &ro, &runs[nruns++]);
            }
            notes = 0;
            progress_done(&prog);
            if (st != TQ_OK) {
                cli_print_error(ctx);
                goto done; /* a result that did not converge is not passed off as one */
            }
        }

    /* 3. report */
    if (want_table && !json_stdout) {
        int failed = 0;
        for (int q = 0; q < nruns; q++) {
            failed |= print_scenario(ctx, OUTCOME(q), top, rank_ev, check, bands[q], drawn_text(sweeps[q]));
            const tq_moves *mv = tq_outcome_moves(OUTCOME(q));
            if (mv && !failed) {
                int nm = tq_moves_count(mv);
                tq_move *arr = calloc((size_t)nm, sizeof *arr);
                for (int m = 0; m < nm && arr; m++)
                    arr[m] = *tq_moves_get(mv, m);
                if (arr)
                    cli_moves_print(tq_outcome_dataset(OUTCOME(q)), tq_outcome_baseline(OUTCOME(q)), arr, nm);
                free(arr);
            }
        }
        if (failed)
            goto done; /* nothing written: a result that fails its check is not passed off */
        if (nruns > 1) {
            printf("\nside by side: welfare change, percent\n%-8s", "region");
            for (int q = 0; q < nruns; q++)
                printf(" %14.14s", tq_outcome_spec_info(OUTCOME(q))->name);
            printf("\n");
            const tq_dataset *ds0 = tq_outcome_dataset(OUTCOME(0));
            for (int n = 0; n < tq_dataset_regions(ds0); n++) {
                unsigned char *m = calloc((size_t)tq_dataset_regions(ds0), 1);
                int named = 0;
                for (int q = 0; q < nruns && m; q++) {
                    if (tq_dataset_regions(tq_outcome_dataset(OUTCOME(q))) != tq_dataset_regions(ds0))
                        continue;
                    tq_outcome_named_regions(OUTCOME(q), m, NULL, NULL);
                    named |= m[n];
                }
                free(m);
                if (!named)
                    continue;
                printf("%-8s", tq_dataset_region_code(ds0, n));
                for (int q = 0; q < nruns; q++) {
                    int rn = tq_dataset_find_region(tq_outcome_dataset(OUTCOME(q)), tq_dataset_region_code(ds0, n));
                    if (rn < 0)
                        printf(" %14s", "-");
                    else
                        printf(" %+14.3f", tq_result_array(tq_outcome_result(OUTCOME(q)), TQ_RES_WELFARE, NULL)[rn]);
                }
                printf("\n");
            }
        }
    }
    if (fmt) {
        tq_run *tr = calloc((size_t)nruns, sizeof(tq_run));
        if (!tr)
            goto done;
        for (int q = 0; q < nruns; q++)
            tq_outcome_run(OUTCOME(q), &tr[q]);
        tq_status st;
        if (json_stdout) {
            /* JSON streams to standard output as the tables are walked */
            tq_sink out = tq_sink_file(stdout);
            st = tq_results_write_json(ctx, tr, nruns, detail, &out);
            if (st == TQ_OK && fflush(stdout) != 0) {
                fprintf(stderr, "tradeq run: cannot write the JSON to standard output\n");
                free(tr);
                goto done;
            }
        } else {
            /* the moves files are checked with the results: nothing is written if one exists */
            for (int q = 0; q < nruns && !force; q++) {
                const tq_spec_info *si = tq_outcome_spec_info(OUTCOME(q));
                for (int e = 0; e < 2 && tq_outcome_moves(OUTCOME(q)); e++) {
                    if (!(fmt & (e ? TQ_FORMAT_JSON : TQ_FORMAT_CSV)))
                        continue;
                    char path[4200];
                    snprintf(path, sizeof path, "%s/moves_%s.%s", outdir, si->name, e ? "json" : "csv");
                    if (cli_moves_out_check("run", path, 0) != CLI_OK) {
                        free(tr);
                        goto done;
                    }
                }
            }
            st = tq_results_write_detail(ctx, tr, nruns, outdir, fmt, force, have_detail ? detail : TQ_DETAIL_FULL);
            /* the strategic moves beside the results: moves_<scenario>.csv / .json */
            for (int q = 0; q < nruns && st == TQ_OK; q++) {
                const tq_moves *mv = tq_outcome_moves(OUTCOME(q));
                if (!mv)
                    continue;
                int nm = tq_moves_count(mv);
                tq_move *arr = calloc((size_t)nm, sizeof *arr);
                for (int m = 0; m < nm && arr; m++)
                    arr[m] = *tq_moves_get(mv, m);
                const tq_spec_info *si = tq_outcome_spec_info(OUTCOME(q));
                const tq_dataset *dq = tq_outcome_dataset(OUTCOME(q));
                cli_moves_meta meta = {"run", si->name, tq_dataset_year(dq, tq_outcome_year_index(OUTCOME(q))),
                                       tq_model_name(tq_baseline_model(tq_outcome_baseline(OUTCOME(q)))),
                                       argv_closure_name(si->closure)};
                static const char *const ext[2] = {"csv", "json"};
                static const unsigned want[2] = {TQ_FORMAT_CSV, TQ_FORMAT_JSON};
                for (int e = 0; e < 2 && arr; e++) {
                    if (!(fmt & want[e]))
                        continue;
                    size_t L = strlen(outdir) + strlen(si->name) + 16;
                    char *path = malloc(L);
                    if (!path)
                        break;
                    snprintf(path, L, "%s/moves_%s.%s", outdir, si->name, ext[e]);
                    int wrc = cli_moves_write("run", path, force, &meta, dq, arr, nm, NULL);
                    free(path);
                    if (wrc != CLI_OK) {
                        free(arr);
                        free(tr);
                        goto done;
                    }
                }
                free(arr);
            }
        }
        free(tr);
        if (st != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        if (!json_stdout)
            printf("\nresults written to %s\n", outdir);
    }
    rc = CLI_OK;
done:
    for (int q = 0; q < nruns; q++) {
        tq_outcome_free(runs[q]);
        tq_sweep_free(sweeps ? sweeps[q] : NULL);
    }
    free(runs);
    free(sweeps);
    free((void *)bands);
    tq_runner_free(runner); /* after the outcomes, which borrow its baselines */
    for (int s = 0; s < nspecs; s++)
        tq_spec_free(specs[s]);
    tq_context_free(ctx);
    return rc;
}
