/* The result table model (docs/results.md; public face: tq_tables in include/tradeq.h).
 *
 * Every table is built in memory as typed cells, then walked by the tq_tables getters
 * or written by one writer per format (CSV, JSON, xlsx, Stata .dta). One table model
 * for all formats means the formats cannot disagree on a row, a column or a number:
 * they differ only in how a number is spelled (CSV and JSON round-trip doubles
 * exactly; libxlsxwriter writes 16 significant digits; .dta stores the double itself).
 *
 * Trade values are pre-tariff: M[n,i,j] = pi[n,i,j] X[n,j] / (1 + t[n,i,j]) (MODEL.md
 * (E3), with X the tariff-inclusive spending), before from the baseline, after from the
 * counterfactual pi', X' and the scenario's t'. Gross output Y[i,j] = sum_n M[n,i,j];
 * value added beta Y (beta is fixed under Cobb-Douglas technology, so sum_j beta Y' =
 * w^ VA holds in a solved equilibrium).
 *
 * The tables own copies of every text (a string pool), so that a caller (the server, a
 * binding) may keep them after the runs' baselines and results are gone.
 */
#include "report.h"

#include "../data/dataset.h"
#include "../model/ge.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* -------------------------------------------------------------- columns --- */

/* The columns every table but `run` ends with, so that a row read on its own still
 * says where it came from. */
#define TRACE_COLS                                                                                                     \
    {"dataset", TQ_COL_TEXT, NULL, NULL, "", "dataset name"},                                                          \
        {"dataset_hash", TQ_COL_TEXT, NULL, NULL, "", "dataset content hash (FNV-1a 64, hex)"},                        \
        {"closure", TQ_COL_TEXT, NULL, NULL, "", "deficit closure"},                                                   \
    {                                                                                                                  \
        "converged", TQ_COL_FLAG, NULL, NULL, "0/1", "solver converged (1) or not (0)"                                 \
    }
#define BEFORE_AFTER(stem, what)                                                                                       \
    {stem "_before_musd", TQ_COL_NUMBER, stem "_musd", "before", "M USD", what " before (baseline), M USD"},           \
    {                                                                                                                  \
        stem "_after_musd", TQ_COL_NUMBER, stem "_musd", "after", "M USD", what " after (counterfactual), M USD"       \
    }
#define NUM(name, unit, label)                                                                                         \
    {                                                                                                                  \
        name, TQ_COL_NUMBER, name, NULL, unit, label                                                                   \
    }
#define TEXT(name, json, label)                                                                                        \
    {                                                                                                                  \
        name, TQ_COL_TEXT, json, NULL, "", label                                                                       \
    }
/* The uncertainty band of a headline column (tq_sweep_bands): 5th percentile, median and
 * 95th percentile of the draws, beside the central estimate; in JSON one object
 * <stem>_band with p05, median, p95. */
#define BAND(stem, unit, what)                                                                                         \
    {stem "_p05", TQ_COL_NUMBER, stem "_band", "p05", unit, what ", 5th percentile of the draws"},                     \
        {stem "_median", TQ_COL_NUMBER, stem "_band", "median", unit, what ", median of the draws"},                   \
    {                                                                                                                  \
        stem "_p95", TQ_COL_NUMBER, stem "_band", "p95", unit, what ", 95th percentile of the draws"                   \
    }
#define SCENARIO_COL                                                                                                   \
    {                                                                                                                  \
        "scenario", TQ_COL_TEXT, NULL, NULL, "", "scenario"                                                            \
    }

/* The result tables with and without the uncertainty bands of their headline columns
 * (runs with tq_bands) are one list each: B is WITH_BAND (the three band columns) or
 * NO_BAND (nothing). */
#define WITH_BAND(stem, unit, what) BAND(stem, unit, what),
#define NO_BAND(stem, unit, what)

// clang-format off
#define REGIONS_COLS(B)                                                                     \
    SCENARIO_COL,                                                                           \
    TEXT("region", "code", "region code"),                                                  \
    TEXT("region_name", "name", "region name"),                                             \
    NUM("welfare_pct", "%", "welfare: exact real income change, %"),                        \
    B("welfare_pct", "%", "welfare, %")                                                     \
    NUM("ev_musd", "M USD", "equivalent variation, M USD"),                                 \
    B("ev_musd", "M USD", "equivalent variation, M USD")                                    \
    NUM("real_wage_pct", "%", "real wage change, %"),                                       \
    B("real_wage_pct", "%", "real wage change, %")                                          \
    NUM("real_gdp_pct", "%", "real GDP change: value added deflated by the CPI, %"),        \
    B("real_gdp_pct", "%", "real GDP change, %")                                            \
    NUM("wage_change_pct", "%", "nominal wage change, %"),                                  \
    NUM("cpi_pct", "%", "consumer price index change, %"),                                  \
    NUM("tot_pct", "%", "terms-of-trade effect (CP2015), %"),                               \
    NUM("vot_pct", "%", "volume-of-trade effect (CP2015), %"),                              \
    NUM("decomp_pct", "%", "tot + vot (CP2015 welfare), %"),                                \
    NUM("decomp_gap_pct", "points", "welfare_pct - decomp_pct, percentage points"),         \
    BEFORE_AFTER("tariff_revenue", "tariff revenue"),                                       \
    BEFORE_AFTER("exports", "exports (pre-tariff)"),                                        \
    BEFORE_AFTER("imports", "imports (pre-tariff)"),                                        \
    BEFORE_AFTER("deficit", "trade deficit"),                                               \
    BEFORE_AFTER("trade_balance", "multilateral trade balance, exports - imports"),         \
    BEFORE_AFTER("income", "income"),                                                       \
    TRACE_COLS

#define REGION_SECTOR_COLS(B)                                                               \
    SCENARIO_COL,                                                                           \
    TEXT("region", "region", "region code"),                                                \
    TEXT("sector", "sector", "sector code"),                                                \
    TEXT("sector_name", "sector_name", "sector name"),                                      \
    BEFORE_AFTER("output", "gross output"),                                                 \
    B("output_after_musd", "M USD", "gross output after, M USD")                            \
    BEFORE_AFTER("value_added", "value added"),                                             \
    NUM("price_pct", "%", "sector price index change P^, %"),                               \
    NUM("input_cost_pct", "%", "input bundle cost change c^, %"),                           \
    BEFORE_AFTER("exports", "exports (pre-tariff)"),                                        \
    BEFORE_AFTER("imports", "imports (pre-tariff)"),                                        \
    {"employment_before_share", TQ_COL_NUMBER, "employment_share", "before", "share",       \
     "share of the region's workers in the sector before (0-1)"},                           \
    {"employment_after_share", TQ_COL_NUMBER, "employment_share", "after", "share",         \
     "share of the region's workers in the sector after (0-1)"},                            \
    NUM("employment_change_pct", "%", "change in the sector's workers, %"),                 \
    NUM("theta", "", "trade elasticity of the sector"),                                     \
    TRACE_COLS

#define PAIR_SECTOR_COLS(B)                                                                 \
    SCENARIO_COL,                                                                           \
    TEXT("importer", "importer", "importer code (the scenario's named pair)"),              \
    TEXT("exporter", "exporter", "exporter code (the scenario's named pair)"),              \
    TEXT("sector", "sector", "sector code"),                                                \
    TEXT("sector_name", "sector_name", "sector name"),                                      \
    BEFORE_AFTER("exports", "importer's exports to exporter"),                              \
    BEFORE_AFTER("imports", "importer's imports from exporter"),                            \
    BEFORE_AFTER("balance", "importer's balance, exports - imports"),                       \
    B("balance_after_musd", "M USD", "importer's balance after, M USD")                     \
    {"tariff_before_pct", TQ_COL_NUMBER, "tariff_pct", "before", "%",                       \
     "importer's tariff on exporter before, %"},                                            \
    {"tariff_after_pct", TQ_COL_NUMBER, "tariff_pct", "after", "%",                         \
     "importer's tariff on exporter after, %"},                                             \
    TRACE_COLS
// clang-format on

static const tq__col regions_cols[] = {REGIONS_COLS(NO_BAND)};
static const tq__col regions_band_cols[] = {REGIONS_COLS(WITH_BAND)};
static const tq__col region_sector_cols[] = {REGION_SECTOR_COLS(NO_BAND)};
static const tq__col region_sector_band_cols[] = {REGION_SECTOR_COLS(WITH_BAND)};
static const tq__col pair_sector_cols[] = {PAIR_SECTOR_COLS(NO_BAND)};
static const tq__col pair_sector_band_cols[] = {PAIR_SECTOR_COLS(WITH_BAND)};

static const tq__col bilateral_cols[] = {
    SCENARIO_COL,
    TEXT("importer", "importer", "importer code"),
    TEXT("exporter", "exporter", "exporter code"),
    TEXT("sector", "sector", "sector code"),
    {"domestic", TQ_COL_FLAG, "domestic", NULL, "0/1", "1 if importer = exporter"},
    BEFORE_AFTER("trade", "trade (pre-tariff)"),
    {"tariff_before_pct", TQ_COL_NUMBER, "tariff_pct", "before", "%", "tariff before, % ad valorem"},
    {"tariff_after_pct", TQ_COL_NUMBER, "tariff_pct", "after", "%", "tariff after, % ad valorem"},
    TRACE_COLS,
};

static const tq__col decomposition_cols[] = {
    SCENARIO_COL,
    TEXT("region", "region", "region code"),
    TEXT("partner", "partner", "partner code"),
    TEXT("sector", "sector", "sector code"),
    NUM("tot_pct", "%", "terms-of-trade contribution, %"),
    NUM("vot_pct", "%", "volume-of-trade contribution, %"),
    TRACE_COLS,
};

static const tq__col run_cols[] = {
    TEXT("scenario", "scenario", "scenario"),
    TEXT("scenario_file", "scenario_file", "scenario file (empty: command line)"),
    TEXT("description", "description", "description"),
    TEXT("dataset", "dataset", "dataset name"),
    TEXT("dataset_hash", "dataset_hash", "dataset content hash (FNV-1a 64, hex)"),
    {"year", TQ_COL_INTEGER, "year", NULL, "", "data year"},
    TEXT("closure", "closure", "deficit closure"),
    TEXT("elasticities", "elasticities", "named elasticity set (empty: the dataset's own)"),
    TEXT("method", "method", "solver method"),
    {"converged", TQ_COL_FLAG, "converged", NULL, "0/1", "solver converged (1) or not (0)"},
    TEXT("status", "status", "solver status"),
    {"iterations", TQ_COL_INTEGER, "iterations", NULL, "", "solver iterations"},
    NUM("residual", "", "max relative residual of (E2), (E4), (E5)"),
    NUM("seconds", "s", "solve time, seconds"),
    TEXT("tradeq_version", "tradeq_version", "tradeq version"),
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
    const char *name;
    const tq__col *cols;
    int ncols;
} kinds[TQ__TB_COUNT] = {
    {"regions", regions_cols, NCOLS(regions_cols)},
    {"region_sector", region_sector_cols, NCOLS(region_sector_cols)},
    {"pair_sector", pair_sector_cols, NCOLS(pair_sector_cols)},
    {"bilateral", bilateral_cols, NCOLS(bilateral_cols)},
    {"decomposition", decomposition_cols, NCOLS(decomposition_cols)},
    {"run", run_cols, NCOLS(run_cols)},
};

/* ----------------------------------------------------------- string pool --- */

struct tq__pool {
    tq__pool *next;
    size_t used, cap;
    char data[];
};

#define POOL_BLOCK 4096

/* A copy of s (NULL: "") that lives as long as the tables; NULL when out of memory. */
static const char *pool_dup(tq_tables *t, const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s) + 1;
    tq__pool *p = t->pool;
    if (!p || p->cap - p->used < len) {
        size_t cap = len > POOL_BLOCK ? len : POOL_BLOCK;
        tq__pool *b = tq__malloc(t->ctx, sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = p;
        b->used = 0;
        b->cap = cap;
        t->pool = p = b;
    }
    char *d = p->data + p->used;
    memcpy(d, s, len);
    p->used += len;
    return d;
}

/* ------------------------------------------------------------ the tables --- */

static const char *closure_name(tq_closure c)
{
    switch (c) {
    case TQ_CLOSURE_FIXED: return "fixed";
    case TQ_CLOSURE_BALANCED: return "balanced";
    case TQ_CLOSURE_SHARE: return "share";
    case TQ_CLOSURE_TARGET: return "target";
    }
    return "unknown";
}

static const char *method_name(tq_method m)
{
    switch (m) {
    case TQ_METHOD_ANDERSON: return "anderson";
    case TQ_METHOD_FIXED_POINT: return "fixed_point";
    }
    return "unknown";
}

static int has_pair(const tq_run *u)
{
    int N = u->base->N;
    return u->importer >= 0 && u->exporter >= 0 && u->importer < N && u->exporter < N && u->importer != u->exporter;
}

/* Append a row; returns a pointer to its ncols cells (zeroed) or NULL (NOMEM recorded). */
static tq__cell *table_add_row(tq_context *ctx, tq__table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        tq__cell *c = tq__realloc(ctx, t->cells, cap * (size_t)t->ncols * sizeof *c);
        if (!c)
            return NULL;
        t->cells = c;
        t->cap = cap;
    }
    tq__cell *row = t->cells + t->nrows * (size_t)t->ncols;
    memset(row, 0, (size_t)t->ncols * sizeof *row);
    t->nrows++;
    return row;
}

static void put_trace(tq__cell *row, int *k, const tq__run_info *ri)
{
    row[(*k)++].s = ri->dataset;
    row[(*k)++].s = ri->hash;
    row[(*k)++].s = ri->closure;
    row[(*k)++].i = ri->converged;
}

/* The three band cells (p05, median, p95) of b3 when the table has band columns; NaN
 * for a run without bands. */
static void put_band(tq__cell *row, int *k, int on, const double *b3)
{
    if (!on)
        return;
    for (int q = 0; q < 3; q++)
        row[(*k)++].d = b3 ? b3[q] : NAN;
}

/* A row filled with the wrong number of cells is a bug in this file, not bad input. */
static tq_status check_width(tq_context *ctx, const tq__table *t, int k)
{
    if (k != t->ncols)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, t->name, "internal: %d cells for %d columns", k, t->ncols);
    return TQ_OK;
}

static const double *res_array(tq_context *ctx, const tq_result *res, tq_res which, size_t want, tq_status *st)
{
    size_t len = 0;
    const double *a = tq_result_array(res, which, &len);
    if ((!a || len != want) && !*st)
        *st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "result", "result array %d missing or of length %zu (want %zu)",
                        (int)which, len, want);
    return a;
}

static const double *base_array(tq_context *ctx, const tq_baseline *b, tq_array which, size_t want, tq_status *st)
{
    size_t len = 0;
    const double *a = tq_baseline_array(b, which, &len);
    if ((!a || len != want) && !*st)
        *st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "baseline",
                        "baseline array %d missing or of length %zu (want %zu)", (int)which, len, want);
    return a;
}

#define ADD_ROW(tb, row)                                                                                               \
    tq__cell *row = table_add_row(ctx, tb);                                                                            \
    if (!row) {                                                                                                        \
        st = TQ_ERR_NOMEM;                                                                                             \
        break;                                                                                                         \
    }

/* The rows of one run in every table t holds. lab: the run's labels copied into the
 * pool: region codes [N], region names [N], sector codes [J], sector names [J]. */
static tq_status add_run(tq_tables *t, const tq_run *run, const tq__run_info *ri, const char *const *lab)
{
    tq_context *ctx = t->ctx;
    const tq_baseline *b = run->base;
    const tq_scenario *sc = run->sc;
    const tq_result *res = run->res;
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J, NNJ = NJ * (size_t)N;
    const char *const *rcode = lab, *const *rname = lab + N, *const *scode = lab + 2 * N,
                      *const *sname = lab + 2 * N + J;
    tq__table *T = t->tb;
    const int full = t->detail == TQ_DETAIL_FULL, pair = has_pair(run);
    tq_status st = TQ_OK;

    const double *pi0 = base_array(ctx, b, TQ_PI, NNJ, &st), *t0 = base_array(ctx, b, TQ_TARIFF, NNJ, &st);
    const double *X0 = base_array(ctx, b, TQ_XJ, NJ, &st), *beta = base_array(ctx, b, TQ_BETA, NJ, &st);
    const double *D0 = base_array(ctx, b, TQ_DEFICIT, (size_t)N, &st);
    const double *I0 = base_array(ctx, b, TQ_I, (size_t)N, &st), *R0 = base_array(ctx, b, TQ_R, (size_t)N, &st);
    const double *what = res_array(ctx, res, TQ_RES_WHAT, (size_t)N, &st);
    const double *phat = res_array(ctx, res, TQ_RES_PHAT, NJ, &st);
    const double *chat = res_array(ctx, res, TQ_RES_CHAT, NJ, &st);
    const double *pi1 = res_array(ctx, res, TQ_RES_PI, NNJ, &st);
    const double *X1 = res_array(ctx, res, TQ_RES_X, NJ, &st);
    const double *I1 = res_array(ctx, res, TQ_RES_INCOME, (size_t)N, &st);
    const double *R1 = res_array(ctx, res, TQ_RES_REVENUE, (size_t)N, &st);
    const double *D1 = res_array(ctx, res, TQ_RES_DEFICIT, (size_t)N, &st);
    const double *wel = res_array(ctx, res, TQ_RES_WELFARE, (size_t)N, &st);
    const double *ev = res_array(ctx, res, TQ_RES_EV, (size_t)N, &st);
    const double *rw = res_array(ctx, res, TQ_RES_REAL_WAGE, (size_t)N, &st);
    const double *cpi = res_array(ctx, res, TQ_RES_CPI, (size_t)N, &st);
    const double *tot = res_array(ctx, res, TQ_RES_TOT, (size_t)N, &st);
    const double *vot = res_array(ctx, res, TQ_RES_VOT, (size_t)N, &st);
    const double *dec = res_array(ctx, res, TQ_RES_DECOMP, (size_t)N, &st);
    const double *gap = res_array(ctx, res, TQ_RES_DECOMP_GAP, (size_t)N, &st);
    const double *totn = res_array(ctx, res, TQ_RES_TOT_NIJ, NNJ, &st);
    const double *votn = res_array(ctx, res, TQ_RES_VOT_NIJ, NNJ, &st);
    const double *t1 = sc->t;
    if (st)
        return st;
    /* bands: the tables have their columns when some run has them (t->bands) */
    const tq_bands *bd = res->bands && res->bands->N == N && res->bands->J == J ? res->bands : NULL;
    const int bon = t->bands;

    /* [n,j] work arrays: output, exports, imports, before (0) and after (1). */
    double *w = tq__calloc(ctx, 6 * NJ, sizeof *w);
    if (!w)
        return TQ_ERR_NOMEM;
    double *Y0 = w, *Y1 = w + NJ, *ex0 = w + 2 * NJ, *ex1 = w + 3 * NJ, *im0 = w + 4 * NJ, *im1 = w + 5 * NJ;
    tq__table *tb = &T[TQ__TB_BILATERAL];
    for (int n = 0; n < N && !st; n++)
        for (int i = 0; i < N && !st; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j);
                double m0 = pi0[a] * X0[TQ_NJ(J, n, j)] / (1.0 + t0[a]);
                double m1 = pi1[a] * X1[TQ_NJ(J, n, j)] / (1.0 + t1[a]);
                Y0[TQ_NJ(J, i, j)] += m0;
                Y1[TQ_NJ(J, i, j)] += m1;
                if (n != i) {
                    ex0[TQ_NJ(J, i, j)] += m0;
                    ex1[TQ_NJ(J, i, j)] += m1;
                    im0[TQ_NJ(J, n, j)] += m0;
                    im1[TQ_NJ(J, n, j)] += m1;
                }
                if (!full || !(m0 > 0 || m1 > 0 || t0[a] != t1[a]))
                    continue;
                ADD_ROW(tb, row);
                int k = 0;
                row[k++].s = ri->name;
                row[k++].s = rcode[n];
                row[k++].s = rcode[i];
                row[k++].s = scode[j];
                row[k++].i = n == i;
                row[k++].d = m0;
                row[k++].d = m1;
                row[k++].d = 100.0 * t0[a];
                row[k++].d = 100.0 * t1[a];
                put_trace(row, &k, ri);
                if ((st = check_width(ctx, tb, k)))
                    break;
            }

    tq__table *td = &T[TQ__TB_DECOMPOSITION];
    for (int n = 0; n < N && !st && full; n++)
        for (int i = 0; i < N && !st; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j);
                if (totn[a] == 0 && votn[a] == 0)
                    continue;
                ADD_ROW(td, row);
                int k = 0;
                row[k++].s = ri->name;
                row[k++].s = rcode[n];
                row[k++].s = rcode[i];
                row[k++].s = scode[j];
                row[k++].d = totn[a];
                row[k++].d = votn[a];
                put_trace(row, &k, ri);
                if ((st = check_width(ctx, td, k)))
                    break;
            }

    /* summary: the named pair's two regions only. Employment: labour is the only factor,
     * so a sector's share of the region's workers is its share of value added,
     * beta Y / sum_j beta Y, before and after (full employment: workers move between
     * sectors, the total is fixed). */
    tq__table *ts = &T[TQ__TB_REGION_SECTOR];
    const double *theta = base_array(ctx, b, TQ_THETA, (size_t)J, &st);
    for (int n = 0; n < N && !st; n++) {
        if (!full && !(pair && (n == run->importer || n == run->exporter)))
            continue;
        double va0 = 0, va1 = 0;
        for (int j = 0; j < J; j++) {
            va0 += beta[TQ_NJ(J, n, j)] * Y0[TQ_NJ(J, n, j)];
            va1 += beta[TQ_NJ(J, n, j)] * Y1[TQ_NJ(J, n, j)];
        }
        for (int j = 0; j < J; j++) {
            size_t a = TQ_NJ(J, n, j);
            const double s0 = va0 > 0 ? beta[a] * Y0[a] / va0 : 0, s1 = va1 > 0 ? beta[a] * Y1[a] / va1 : 0;
            ADD_ROW(ts, row);
            int k = 0;
            row[k++].s = ri->name;
            row[k++].s = rcode[n];
            row[k++].s = scode[j];
            row[k++].s = sname[j];
            row[k++].d = Y0[a];
            row[k++].d = Y1[a];
            put_band(row, &k, bon, bd ? bd->output + 3 * a : NULL);
            row[k++].d = beta[a] * Y0[a];
            row[k++].d = beta[a] * Y1[a];
            row[k++].d = 100.0 * (phat[a] - 1.0);
            row[k++].d = 100.0 * (chat[a] - 1.0);
            row[k++].d = ex0[a];
            row[k++].d = ex1[a];
            row[k++].d = im0[a];
            row[k++].d = im1[a];
            row[k++].d = s0;
            row[k++].d = s1;
            row[k++].d = s0 > 0 ? 100.0 * (s1 / s0 - 1.0) : NAN;
            row[k++].d = theta[j];
            put_trace(row, &k, ri);
            if ((st = check_width(ctx, ts, k)))
                break;
        }
    }

    /* the pair by sector, from the importer's side (as `tradeq run` prints it): its
     * exports to the exporter are M[exporter, importer, j], its imports M[importer,
     * exporter, j], each computed as in the bilateral table */
    tq__table *tp = &T[TQ__TB_PAIR_SECTOR];
    for (int j = 0; j < J && !st && pair; j++) {
        const int m = run->importer, x = run->exporter;
        size_t ax = TQ_NIJ(N, J, x, m, j), am = TQ_NIJ(N, J, m, x, j);
        double e0 = pi0[ax] * X0[TQ_NJ(J, x, j)] / (1.0 + t0[ax]);
        double e1 = pi1[ax] * X1[TQ_NJ(J, x, j)] / (1.0 + t1[ax]);
        double i0 = pi0[am] * X0[TQ_NJ(J, m, j)] / (1.0 + t0[am]);
        double i1 = pi1[am] * X1[TQ_NJ(J, m, j)] / (1.0 + t1[am]);
        ADD_ROW(tp, row);
        int k = 0;
        row[k++].s = ri->name;
        row[k++].s = rcode[m];
        row[k++].s = rcode[x];
        row[k++].s = scode[j];
        row[k++].s = sname[j];
        row[k++].d = e0;
        row[k++].d = e1;
        row[k++].d = i0;
        row[k++].d = i1;
        row[k++].d = e0 - i0;
        row[k++].d = e1 - i1;
        put_band(row, &k, bon,
                 bd && bd->pair_balance && bd->importer == m && bd->exporter == x ? bd->pair_balance + 3 * j : NULL);
        row[k++].d = 100.0 * t0[am];
        row[k++].d = 100.0 * t1[am];
        put_trace(row, &k, ri);
        st = check_width(ctx, tp, k);
    }

    tq__table *tr = &T[TQ__TB_REGIONS];
    for (int n = 0; n < N && !st; n++) {
        double e0 = 0, e1 = 0, i0 = 0, i1 = 0;
        for (int j = 0; j < J; j++) {
            e0 += ex0[TQ_NJ(J, n, j)];
            e1 += ex1[TQ_NJ(J, n, j)];
            i0 += im0[TQ_NJ(J, n, j)];
            i1 += im1[TQ_NJ(J, n, j)];
        }
        ADD_ROW(tr, row);
        int k = 0;
        row[k++].s = ri->name;
        row[k++].s = rcode[n];
        row[k++].s = rname[n];
        const double *rb = bd ? bd->regions + 12 * (size_t)n : NULL; /* [4 metrics][3] */
        row[k++].d = wel[n];
        put_band(row, &k, bon, rb);
        row[k++].d = ev[n];
        put_band(row, &k, bon, rb ? rb + 3 : NULL);
        row[k++].d = rw[n];
        put_band(row, &k, bon, rb ? rb + 6 : NULL);
        /* real GDP: nominal value added w^ VA over the consumer price index; with labour
         * the only factor, in fixed supply, it moves with the real wage */
        row[k++].d = 100.0 * (what[n] / (1.0 + cpi[n] / 100.0) - 1.0);
        put_band(row, &k, bon, rb ? rb + 9 : NULL);
        row[k++].d = 100.0 * (what[n] - 1.0);
        row[k++].d = cpi[n];
        row[k++].d = tot[n];
        row[k++].d = vot[n];
        row[k++].d = dec[n];
        row[k++].d = gap[n];
        row[k++].d = R0[n];
        row[k++].d = R1[n];
        row[k++].d = e0;
        row[k++].d = e1;
        row[k++].d = i0;
        row[k++].d = i1;
        row[k++].d = D0[n];
        row[k++].d = D1[n];
        row[k++].d = e0 - i0;
        row[k++].d = e1 - i1;
        row[k++].d = I0[n];
        row[k++].d = I1[n];
        put_trace(row, &k, ri);
        st = check_width(ctx, tr, k);
    }

    tq__table *tu = &T[TQ__TB_RUN];
    tq__cell *row = st ? NULL : table_add_row(ctx, tu);
    if (!st && !row)
        st = TQ_ERR_NOMEM;
    if (row) {
        int k = 0;
        row[k++].s = ri->name;
        row[k++].s = ri->file;
        row[k++].s = ri->desc;
        row[k++].s = ri->dataset;
        row[k++].s = ri->hash;
        row[k++].i = ri->year;
        row[k++].s = ri->closure;
        row[k++].s = ri->elasticities;
        row[k++].s = ri->method;
        row[k++].i = ri->converged;
        row[k++].s = ri->status;
        row[k++].i = ri->iterations;
        row[k++].d = ri->residual;
        row[k++].d = ri->seconds;
        row[k++].s = TQ_VERSION_STRING;
        st = check_width(ctx, tu, k);
    }
    tq__free(ctx, w);
    return st;
}

tq_status tq__runs_check(tq_context *ctx, const tq_run *runs, int n)
{
    if (!runs || n < 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "runs", "no runs to write");
    for (int r = 0; r < n; r++) {
        const tq_run *u = &runs[r];
        if (!u->scenario || !u->scenario[0])
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "scenario", "run %d has no scenario name", r + 1);
        if (!u->base || !u->sc || !u->res)
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "scenario",
                             "scenario '%s' lacks its baseline, scenario or result", u->scenario);
        if (u->sc->b != u->base || u->res->N != u->base->N || u->res->J != u->base->J)
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "scenario",
                             "scenario '%s': the scenario or result was not made from this baseline", u->scenario);
        for (int q = 0; q < r; q++)
            if (strcmp(runs[q].scenario, u->scenario) == 0)
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "scenario",
                                 "two runs are called '%s': side-by-side rows need distinct names", u->scenario);
    }
    return TQ_OK;
}

/* The run's record, with every text in the pool; lab receives the labels (see add_run). */
static tq_status run_info_fill(tq_tables *t, const tq_run *u, tq__run_info *x, const char **lab)
{
    const tq_dataset *ds = u->base->labels;
    const int N = u->base->N, J = u->base->J;
    const tq_solve_info *info = tq_result_info(u->res);
    int bad = !(x->name = pool_dup(t, u->scenario));
    bad |= !(x->file = pool_dup(t, u->scenario_file));
    bad |= !(x->desc = pool_dup(t, u->description));
    bad |= !(x->dataset = pool_dup(t, tq_dataset_name(ds)));
    bad |= !(x->elasticities = pool_dup(t, u->elasticities ? u->elasticities : ""));
    bad |= !(x->status = pool_dup(t, tq_status_string(info->status)));
    snprintf(x->hash, sizeof x->hash, "%016llx", (unsigned long long)tq_dataset_hash(ds));
    x->year = tq_dataset_year(ds, u->base->year);
    x->closure = closure_name(u->sc->closure);
    x->method = method_name(info->method);
    x->converged = info->status == TQ_OK;
    x->iterations = info->iterations;
    x->residual = info->residual;
    x->seconds = info->seconds;
    for (int n = 0; n < N && !bad; n++) {
        bad |= !(lab[n] = pool_dup(t, tq_dataset_region_code(ds, n)));
        bad |= !(lab[N + n] = pool_dup(t, tq_dataset_region_name(ds, n)));
    }
    for (int j = 0; j < J && !bad; j++) {
        bad |= !(lab[2 * N + j] = pool_dup(t, tq_dataset_sector_code(ds, j)));
        bad |= !(lab[2 * N + J + j] = pool_dup(t, tq_dataset_sector_name(ds, j)));
    }
    if (!bad && has_pair(u)) {
        x->importer = lab[u->importer];
        x->exporter = lab[u->exporter];
    }
    return bad ? TQ_ERR_NOMEM : TQ_OK;
}

tq_status tq_tables_new(tq_context *ctx, const tq_run *runs, int n, tq_detail detail, tq_tables **out)
{
    if (!ctx || !out)
        return ctx ? tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "out", "no place for the tables") : TQ_ERR_INVALID;
    *out = NULL;
    if (detail != TQ_DETAIL_SUMMARY && detail != TQ_DETAIL_FULL)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "detail", "detail %d: want TQ_DETAIL_SUMMARY or TQ_DETAIL_FULL",
                         (int)detail);
    tq_status st = tq__runs_check(ctx, runs, n);
    for (int r = 0; r < n && !st; r++) /* no table (and so no file) of a NaN/inf result */
        st = tq_result_validate(ctx, runs[r].res);
    if (st)
        return st;
    tq_tables *t = tq__calloc(ctx, 1, sizeof *t);
    if (!t)
        return TQ_ERR_NOMEM;
    t->ctx = ctx;
    t->detail = detail;
    t->nruns = n;
    int any_pair = 0;
    for (int r = 0; r < n; r++)
        any_pair |= has_pair(&runs[r]);
    for (int r = 0; r < n; r++)
        t->bands |= runs[r].res->bands != NULL;
    for (int k = 0; k < TQ__TB_COUNT; k++) {
        tq__table *tb = &t->tb[k];
        tb->name = kinds[k].name;
        tb->kind = k;
        tb->cols = kinds[k].cols;
        tb->ncols = kinds[k].ncols;
    }
    if (t->bands) {
        t->tb[TQ__TB_REGIONS].cols = regions_band_cols;
        t->tb[TQ__TB_REGIONS].ncols = NCOLS(regions_band_cols);
        t->tb[TQ__TB_REGION_SECTOR].cols = region_sector_band_cols;
        t->tb[TQ__TB_REGION_SECTOR].ncols = NCOLS(region_sector_band_cols);
        t->tb[TQ__TB_PAIR_SECTOR].cols = pair_sector_band_cols;
        t->tb[TQ__TB_PAIR_SECTOR].ncols = NCOLS(pair_sector_band_cols);
    }
    if (!(t->ri = tq__calloc(ctx, (size_t)n, sizeof *t->ri)))
        st = TQ_ERR_NOMEM;
    for (int k = 0; k < TQ__TB_COUNT && !st; k++)
        if (!(t->tb[k].first = tq__calloc(ctx, (size_t)n + 1, sizeof *t->tb[k].first)))
            st = TQ_ERR_NOMEM;
    for (int r = 0; r < n && !st; r++) {
        const tq_run *u = &runs[r];
        const char **lab = tq__calloc(ctx, 2 * ((size_t)u->base->N + (size_t)u->base->J), sizeof *lab);
        if (!lab) {
            st = TQ_ERR_NOMEM;
            break;
        }
        st = run_info_fill(t, u, &t->ri[r], lab);
        for (int k = 0; k < TQ__TB_COUNT; k++)
            t->tb[k].first[r] = t->tb[k].nrows;
        if (!st)
            st = add_run(t, u, &t->ri[r], lab);
        for (int k = 0; k < TQ__TB_COUNT; k++)
            t->tb[k].first[r + 1] = t->tb[k].nrows;
        tq__free(ctx, (void *)lab);
    }
    if (st) {
        tq_tables_free(t);
        return st;
    }
    /* keep the tables of the level (they stay in TQ__TB_* order) */
    for (int k = 0; k < TQ__TB_COUNT; k++) {
        int keep = k == TQ__TB_PAIR_SECTOR                              ? any_pair
                   : k == TQ__TB_BILATERAL || k == TQ__TB_DECOMPOSITION ? detail == TQ_DETAIL_FULL
                                                                        : 1;
        if (keep) {
            tq__table tmp = t->tb[k];
            t->tb[k] = t->tb[t->count];
            t->tb[t->count++] = tmp;
        }
    }
    *out = t;
    return TQ_OK;
}

void tq_tables_free(tq_tables *t)
{
    if (!t)
        return;
    tq_context *ctx = t->ctx;
    for (int k = 0; k < TQ__TB_COUNT; k++) {
        tq__free(ctx, t->tb[k].cells);
        tq__free(ctx, t->tb[k].first);
    }
    for (tq__pool *p = t->pool, *next; p; p = next) {
        next = p->next;
        tq__free(ctx, p);
    }
    tq__free(ctx, t->ri);
    tq__free(ctx, t);
}

const tq__table *tq__tables_kind(const tq_tables *t, int kind)
{
    for (int k = 0; k < t->count; k++)
        if (t->tb[k].kind == kind)
            return &t->tb[k];
    return NULL;
}

const char *tq__table_kind_name(int kind)
{
    return kind >= 0 && kind < TQ__TB_COUNT ? kinds[kind].name : NULL;
}

/* ---------------------------------------------------------------- getters --- */

static const tq__table *table_at(const tq_tables *t, int k)
{
    return t && k >= 0 && k < t->count ? &t->tb[k] : NULL;
}

static const tq__col *col_at(const tq_tables *t, int k, int c)
{
    const tq__table *tb = table_at(t, k);
    return tb && c >= 0 && c < tb->ncols ? &tb->cols[c] : NULL;
}

tq_detail tq_tables_detail(const tq_tables *t)
{
    return t ? t->detail : TQ_DETAIL_SUMMARY;
}

int tq_tables_runs(const tq_tables *t)
{
    return t ? t->nruns : 0;
}

int tq_tables_count(const tq_tables *t)
{
    return t ? t->count : 0;
}

const char *tq_tables_name(const tq_tables *t, int k)
{
    const tq__table *tb = table_at(t, k);
    return tb ? tb->name : NULL;
}

int tq_tables_find(const tq_tables *t, const char *name)
{
    for (int k = 0; t && name && k < t->count; k++)
        if (strcmp(t->tb[k].name, name) == 0)
            return k;
    return -1;
}

int tq_tables_cols(const tq_tables *t, int k)
{
    const tq__table *tb = table_at(t, k);
    return tb ? tb->ncols : 0;
}

const char *tq_tables_col_name(const tq_tables *t, int k, int c)
{
    const tq__col *col = col_at(t, k, c);
    return col ? col->name : NULL;
}

tq_coltype tq_tables_col_type(const tq_tables *t, int k, int c)
{
    const tq__col *col = col_at(t, k, c);
    return col ? col->type : TQ_COL_NONE;
}

const char *tq_tables_col_unit(const tq_tables *t, int k, int c)
{
    const tq__col *col = col_at(t, k, c);
    return col ? col->unit : NULL;
}

const char *tq_tables_col_label(const tq_tables *t, int k, int c)
{
    const tq__col *col = col_at(t, k, c);
    return col ? col->label : NULL;
}

int tq_tables_col_find(const tq_tables *t, int k, const char *name)
{
    const tq__table *tb = table_at(t, k);
    for (int c = 0; tb && name && c < tb->ncols; c++)
        if (strcmp(tb->cols[c].name, name) == 0)
            return c;
    return -1;
}

size_t tq_tables_rows(const tq_tables *t, int k)
{
    const tq__table *tb = table_at(t, k);
    return tb ? tb->nrows : 0;
}

size_t tq_tables_run_rows(const tq_tables *t, int k, int r, size_t *first)
{
    const tq__table *tb = table_at(t, k);
    if (!tb || r < 0 || r >= t->nruns) {
        if (first)
            *first = 0;
        return 0;
    }
    if (first)
        *first = tb->first[r];
    return tb->first[r + 1] - tb->first[r];
}

double tq_tables_number(const tq_tables *t, int k, size_t row, int c)
{
    const tq__table *tb = table_at(t, k);
    if (!tb || c < 0 || c >= tb->ncols || row >= tb->nrows)
        return NAN;
    const tq__cell *v = &tb->cells[row * (size_t)tb->ncols + (size_t)c];
    switch (tb->cols[c].type) {
    case TQ_COL_NUMBER: return v->d;
    case TQ_COL_INTEGER:
    case TQ_COL_FLAG: return (double)v->i;
    default: return NAN;
    }
}

const char *tq_tables_text(const tq_tables *t, int k, size_t row, int c)
{
    const tq__table *tb = table_at(t, k);
    if (!tb || c < 0 || c >= tb->ncols || row >= tb->nrows || tb->cols[c].type != TQ_COL_TEXT)
        return NULL;
    const char *s = tb->cells[row * (size_t)tb->ncols + (size_t)c].s;
    return s ? s : "";
}

/* The column, or NULL when k, c or the rows are out of range or c is not of the kind. */
static const tq__table *column_run(const tq_tables *t, int k, int c, size_t first, size_t count, int text)
{
    const tq__table *tb = table_at(t, k);
    if (!tb || c < 0 || c >= tb->ncols || first > tb->nrows || count > tb->nrows - first)
        return NULL;
    return (tb->cols[c].type == TQ_COL_TEXT) == text ? tb : NULL;
}

tq_status tq_tables_numbers(const tq_tables *t, int k, int c, size_t first, size_t count, double *out)
{
    const tq__table *tb = column_run(t, k, c, first, count, 0);
    if (!tb || (!out && count))
        return TQ_ERR_INVALID;
    const tq__cell *v = tb->cells + first * (size_t)tb->ncols + (size_t)c;
    int num = tb->cols[c].type == TQ_COL_NUMBER;
    for (size_t r = 0; r < count; r++, v += tb->ncols)
        out[r] = num ? v->d : (double)v->i;
    return TQ_OK;
}

tq_status tq_tables_texts(const tq_tables *t, int k, int c, size_t first, size_t count, const char **out)
{
    const tq__table *tb = column_run(t, k, c, first, count, 1);
    if (!tb || (!out && count))
        return TQ_ERR_INVALID;
    const tq__cell *v = tb->cells + first * (size_t)tb->ncols + (size_t)c;
    for (size_t r = 0; r < count; r++, v += tb->ncols)
        out[r] = v->s ? v->s : "";
    return TQ_OK;
}
