/* Result files of solved scenarios (issue 5, "Results -> Files"; docs/results.md).
 *
 * Every table is first built in memory as typed cells, then written by one writer per
 * format (CSV, JSON, xlsx, Stata .dta). One table model for all formats means the
 * formats cannot disagree on a row, a column or a number: they differ only in how a
 * number is spelled (CSV and JSON round-trip doubles exactly; libxlsxwriter writes
 * 16 significant digits; .dta stores the double itself).
 *
 * Trade values are pre-tariff: M[n,i,j] = pi[n,i,j] X[n,j] / (1 + t[n,i,j]) (MODEL.md
 * (E3), with X the tariff-inclusive spending), before from the baseline, after from the
 * counterfactual pi', X' and the scenario's t'. Gross output Y[i,j] = sum_n M[n,i,j];
 * value added beta Y (beta is fixed under Cobb-Douglas technology, so sum_j beta Y' =
 * w^ VA holds in a solved equilibrium).
 *
 * Files are written to "<name>.part" and renamed into place only when every file
 * succeeded, so a failure (I/O, memory, cancellation) leaves no result file behind.
 */
#include "../core/internal.h"
#include "../data/dataset.h"
#include "../model/ge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <readstat.h>
#include <xlsxwriter.h>

/* ------------------------------------------------------------ table model --- */

typedef enum ctype { T_STR, T_INT, T_BOOL, T_NUM } ctype;

typedef struct col {
    const char *name; /* CSV header, xlsx header, .dta variable (<= 32 chars) */
    ctype type;
    const char *json;  /* key in JSON rows; NULL: left out (the run's trace columns) */
    const char *sub;   /* "before" / "after": folded into JSON as key: {before, after} */
    const char *label; /* .dta variable label (<= 80 chars) */
} col;

typedef union cell {
    double d;
    long i;
    const char *s; /* borrowed: labels of the baseline's dataset, run_info, or the caller's tq_run */
} cell;

typedef struct table {
    const char *name; /* "regions": files results_regions.csv / .dta, xlsx sheet, JSON key */
    const col *cols;
    int ncols;
    cell *cells; /* row-major nrows x ncols */
    size_t nrows, cap;
    size_t *first; /* rows of run r are first[r] .. first[r+1]-1 */
} table;

/* The columns every table but `run` ends with, so that a row read on its own still
 * says where it came from. */
#define TRACE_COLS                                                                                                     \
    {"dataset", T_STR, NULL, NULL, "dataset name"},                                                                    \
        {"dataset_hash", T_STR, NULL, NULL, "dataset content hash (FNV-1a 64, hex)"},                                  \
        {"closure", T_STR, NULL, NULL, "deficit closure"},                                                             \
    {                                                                                                                  \
        "converged", T_BOOL, NULL, NULL, "solver converged (1) or not (0)"                                             \
    }
#define BEFORE_AFTER(stem, what)                                                                                       \
    {stem "_before_musd", T_NUM, stem "_musd", "before", what " before (baseline), M USD"},                            \
    {                                                                                                                  \
        stem "_after_musd", T_NUM, stem "_musd", "after", what " after (counterfactual), M USD"                        \
    }

static const col regions_cols[] = {
    {"scenario", T_STR, NULL, NULL, "scenario"},
    {"region", T_STR, "code", NULL, "region code"},
    {"region_name", T_STR, "name", NULL, "region name"},
    {"welfare_pct", T_NUM, "welfare_pct", NULL, "welfare: exact real income change, %"},
    {"ev_musd", T_NUM, "ev_musd", NULL, "equivalent variation, M USD"},
    {"real_wage_pct", T_NUM, "real_wage_pct", NULL, "real wage change, %"},
    {"wage_change_pct", T_NUM, "wage_change_pct", NULL, "nominal wage change, %"},
    {"cpi_pct", T_NUM, "cpi_pct", NULL, "consumer price index change, %"},
    {"tot_pct", T_NUM, "tot_pct", NULL, "terms-of-trade effect (CP2015), %"},
    {"vot_pct", T_NUM, "vot_pct", NULL, "volume-of-trade effect (CP2015), %"},
    {"decomp_pct", T_NUM, "decomp_pct", NULL, "tot + vot (CP2015 welfare), %"},
    {"decomp_gap_pct", T_NUM, "decomp_gap_pct", NULL, "welfare_pct - decomp_pct, percentage points"},
    BEFORE_AFTER("tariff_revenue", "tariff revenue"),
    BEFORE_AFTER("exports", "exports (pre-tariff)"),
    BEFORE_AFTER("imports", "imports (pre-tariff)"),
    BEFORE_AFTER("deficit", "trade deficit"),
    BEFORE_AFTER("income", "income"),
    TRACE_COLS,
};

static const col region_sector_cols[] = {
    {"scenario", T_STR, NULL, NULL, "scenario"},
    {"region", T_STR, "region", NULL, "region code"},
    {"sector", T_STR, "sector", NULL, "sector code"},
    {"sector_name", T_STR, "sector_name", NULL, "sector name"},
    BEFORE_AFTER("output", "gross output"),
    BEFORE_AFTER("value_added", "value added"),
    {"price_pct", T_NUM, "price_pct", NULL, "sector price index change P^, %"},
    {"input_cost_pct", T_NUM, "input_cost_pct", NULL, "input bundle cost change c^, %"},
    BEFORE_AFTER("exports", "exports (pre-tariff)"),
    BEFORE_AFTER("imports", "imports (pre-tariff)"),
    TRACE_COLS,
};

static const col bilateral_cols[] = {
    {"scenario", T_STR, NULL, NULL, "scenario"},
    {"importer", T_STR, "importer", NULL, "importer code"},
    {"exporter", T_STR, "exporter", NULL, "exporter code"},
    {"sector", T_STR, "sector", NULL, "sector code"},
    {"domestic", T_BOOL, "domestic", NULL, "1 if importer = exporter"},
    BEFORE_AFTER("trade", "trade (pre-tariff)"),
    {"tariff_before_pct", T_NUM, "tariff_pct", "before", "tariff before, % ad valorem"},
    {"tariff_after_pct", T_NUM, "tariff_pct", "after", "tariff after, % ad valorem"},
    TRACE_COLS,
};

static const col decomposition_cols[] = {
    {"scenario", T_STR, NULL, NULL, "scenario"},
    {"region", T_STR, "region", NULL, "region code"},
    {"partner", T_STR, "partner", NULL, "partner code"},
    {"sector", T_STR, "sector", NULL, "sector code"},
    {"tot_pct", T_NUM, "tot_pct", NULL, "terms-of-trade contribution, %"},
    {"vot_pct", T_NUM, "vot_pct", NULL, "volume-of-trade contribution, %"},
    TRACE_COLS,
};

static const col run_cols[] = {
    {"scenario", T_STR, "scenario", NULL, "scenario"},
    {"scenario_file", T_STR, "scenario_file", NULL, "scenario file (empty: command line)"},
    {"description", T_STR, "description", NULL, "description"},
    {"dataset", T_STR, "dataset", NULL, "dataset name"},
    {"dataset_hash", T_STR, "dataset_hash", NULL, "dataset content hash (FNV-1a 64, hex)"},
    {"year", T_INT, "year", NULL, "data year"},
    {"closure", T_STR, "closure", NULL, "deficit closure"},
    {"method", T_STR, "method", NULL, "solver method"},
    {"converged", T_BOOL, "converged", NULL, "solver converged (1) or not (0)"},
    {"status", T_STR, "status", NULL, "solver status"},
    {"iterations", T_INT, "iterations", NULL, "solver iterations"},
    {"residual", T_NUM, "residual", NULL, "max relative residual of (E2), (E4), (E5)"},
    {"seconds", T_NUM, "seconds", NULL, "solve time, seconds"},
    {"tradeq_version", T_STR, "tradeq_version", NULL, "tradeq version"},
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

enum { TB_REGIONS, TB_REGION_SECTOR, TB_BILATERAL, TB_DECOMPOSITION, TB_RUN, TB_COUNT };

/* What the trace columns say about one run; the strings live as long as the write. */
typedef struct run_info {
    const char *name, *file, *desc, *dataset, *closure, *method, *status;
    char hash[17];
    int year, converged;
    const tq_solve_info *info;
} run_info;

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

/* Append a row; returns a pointer to its ncols cells (zeroed) or NULL (NOMEM recorded). */
static cell *table_add_row(tq_context *ctx, table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        cell *c = tq__realloc(ctx, t->cells, cap * (size_t)t->ncols * sizeof *c);
        if (!c)
            return NULL;
        t->cells = c;
        t->cap = cap;
    }
    cell *row = t->cells + t->nrows * (size_t)t->ncols;
    memset(row, 0, (size_t)t->ncols * sizeof *row);
    t->nrows++;
    return row;
}

static void put_trace(cell *row, int *k, const run_info *ri)
{
    row[(*k)++].s = ri->dataset;
    row[(*k)++].s = ri->hash;
    row[(*k)++].s = ri->closure;
    row[(*k)++].i = ri->converged;
}

/* A row filled with the wrong number of cells is a bug in this file, not bad input. */
static tq_status check_width(tq_context *ctx, const table *t, int k)
{
    if (k != t->ncols)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, t->name, "internal: %d cells for %d columns", k, t->ncols);
    return TQ_OK;
}

/* --------------------------------------------------------- building rows --- */

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

static tq_status add_run(tq_context *ctx, table *T, const tq_run *run, const run_info *ri)
{
    const tq_baseline *b = run->base;
    const tq_scenario *sc = run->sc;
    const tq_result *res = run->res;
    const tq_dataset *lab = b->labels;
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J, NNJ = NJ * (size_t)N;
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

    /* [n,j] work arrays: output, exports, imports, before (0) and after (1). */
    double *w = tq__calloc(ctx, 6 * NJ, sizeof *w);
    if (!w)
        return TQ_ERR_NOMEM;
    double *Y0 = w, *Y1 = w + NJ, *ex0 = w + 2 * NJ, *ex1 = w + 3 * NJ, *im0 = w + 4 * NJ, *im1 = w + 5 * NJ;
    table *tb = &T[TB_BILATERAL];
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
                if (!(m0 > 0 || m1 > 0 || t0[a] != t1[a]))
                    continue;
                cell *row = table_add_row(ctx, tb);
                if (!row) {
                    st = TQ_ERR_NOMEM;
                    break;
                }
                int k = 0;
                row[k++].s = ri->name;
                row[k++].s = tq_dataset_region_code(lab, n);
                row[k++].s = tq_dataset_region_code(lab, i);
                row[k++].s = tq_dataset_sector_code(lab, j);
                row[k++].i = n == i;
                row[k++].d = m0;
                row[k++].d = m1;
                row[k++].d = 100.0 * t0[a];
                row[k++].d = 100.0 * t1[a];
                put_trace(row, &k, ri);
                if ((st = check_width(ctx, tb, k)))
                    break;
            }

    table *td = &T[TB_DECOMPOSITION];
    for (int n = 0; n < N && !st; n++)
        for (int i = 0; i < N && !st; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j);
                if (totn[a] == 0 && votn[a] == 0)
                    continue;
                cell *row = table_add_row(ctx, td);
                if (!row) {
                    st = TQ_ERR_NOMEM;
                    break;
                }
                int k = 0;
                row[k++].s = ri->name;
                row[k++].s = tq_dataset_region_code(lab, n);
                row[k++].s = tq_dataset_region_code(lab, i);
                row[k++].s = tq_dataset_sector_code(lab, j);
                row[k++].d = totn[a];
                row[k++].d = votn[a];
                put_trace(row, &k, ri);
                if ((st = check_width(ctx, td, k)))
                    break;
            }

    table *ts = &T[TB_REGION_SECTOR];
    for (int n = 0; n < N && !st; n++)
        for (int j = 0; j < J; j++) {
            size_t a = TQ_NJ(J, n, j);
            cell *row = table_add_row(ctx, ts);
            if (!row) {
                st = TQ_ERR_NOMEM;
                break;
            }
            int k = 0;
            row[k++].s = ri->name;
            row[k++].s = tq_dataset_region_code(lab, n);
            row[k++].s = tq_dataset_sector_code(lab, j);
            row[k++].s = tq_dataset_sector_name(lab, j);
            row[k++].d = Y0[a];
            row[k++].d = Y1[a];
            row[k++].d = beta[a] * Y0[a];
            row[k++].d = beta[a] * Y1[a];
            row[k++].d = 100.0 * (phat[a] - 1.0);
            row[k++].d = 100.0 * (chat[a] - 1.0);
            row[k++].d = ex0[a];
            row[k++].d = ex1[a];
            row[k++].d = im0[a];
            row[k++].d = im1[a];
            put_trace(row, &k, ri);
            if ((st = check_width(ctx, ts, k)))
                break;
        }

    table *tr = &T[TB_REGIONS];
    for (int n = 0; n < N && !st; n++) {
        double e0 = 0, e1 = 0, i0 = 0, i1 = 0;
        for (int j = 0; j < J; j++) {
            e0 += ex0[TQ_NJ(J, n, j)];
            e1 += ex1[TQ_NJ(J, n, j)];
            i0 += im0[TQ_NJ(J, n, j)];
            i1 += im1[TQ_NJ(J, n, j)];
        }
        cell *row = table_add_row(ctx, tr);
        if (!row) {
            st = TQ_ERR_NOMEM;
            break;
        }
        int k = 0;
        row[k++].s = ri->name;
        row[k++].s = tq_dataset_region_code(lab, n);
        row[k++].s = tq_dataset_region_name(lab, n);
        row[k++].d = wel[n];
        row[k++].d = ev[n];
        row[k++].d = rw[n];
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
        row[k++].d = I0[n];
        row[k++].d = I1[n];
        put_trace(row, &k, ri);
        st = check_width(ctx, tr, k);
    }

    table *tu = &T[TB_RUN];
    cell *row = st ? NULL : table_add_row(ctx, tu);
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
        row[k++].s = ri->method;
        row[k++].i = ri->converged;
        row[k++].s = ri->status;
        row[k++].i = ri->info->iterations;
        row[k++].d = ri->info->residual;
        row[k++].d = ri->info->seconds;
        row[k++].s = TQ_VERSION_STRING;
        st = check_width(ctx, tu, k);
    }
    tq__free(ctx, w);
    return st;
}

/* -------------------------------------------------------------- progress --- */

/* Inside a file, report every PROGRESS_ROWS rows, so that a progress bar moves and a
 * cancellation is honoured while a large table (bilateral) is written. */
#define PROGRESS_ROWS 32768

typedef struct prog {
    tq_context *ctx;
    int file, nfiles;   /* the file being written, of nfiles */
    size_t done, total; /* rows of that file */
    tq_status st;       /* TQ_ERR_CANCELLED once asked to stop */
} prog;

static void prog_file(prog *p, size_t total)
{
    p->done = 0;
    p->total = total;
}

/* Non-zero when the caller asked to stop (p->st says so). */
static int prog_row(prog *p)
{
    if (++p->done % PROGRESS_ROWS)
        return 0;
    double within = p->total ? (double)p->done / (double)p->total : 0.0;
    p->st = tq__progress(p->ctx, "write results", (p->file + within) / p->nfiles);
    return p->st != TQ_OK;
}

/* ------------------------------------------------------------------- CSV --- */

/* Shortest decimal that reads back as the same double (at most 17 digits). */
static void fmt_num(char buf[40], double v)
{
    if (!isfinite(v)) {
        buf[0] = 0; /* empty field: missing for pandas (NaN) and Stata (.) */
        return;
    }
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 40, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

/* RFC 4180: quote a field holding a separator, quote, line break or edge space. */
static void csv_str(FILE *f, const char *s)
{
    size_t len = strlen(s);
    int q = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (const char *p = s; *p && !q; p++)
        q = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
    if (!q) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static tq_status write_csv(tq_context *ctx, const table *t, const char *path, const char *final, prog *pg)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "cannot create: %s", strerror(errno));
    char buf[40];
    for (int k = 0; k < t->ncols; k++) {
        if (k)
            fputc(',', f);
        fputs(t->cols[k].name, f);
    }
    fputc('\n', f);
    prog_file(pg, t->nrows);
    for (size_t r = 0; r < t->nrows && !prog_row(pg); r++) {
        const cell *row = t->cells + r * (size_t)t->ncols;
        for (int k = 0; k < t->ncols; k++) {
            if (k)
                fputc(',', f);
            switch (t->cols[k].type) {
            case T_STR: csv_str(f, row[k].s ? row[k].s : ""); break;
            case T_INT:
            case T_BOOL: fprintf(f, "%ld", row[k].i); break;
            case T_NUM:
                fmt_num(buf, row[k].d);
                fputs(buf, f);
                break;
            }
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return pg->st ? pg->st : tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "write failed (disk full?)");
    return pg->st;
}

/* ------------------------------------------------------------------ JSON --- */

/* jansson accepts only UTF-8; a label in another encoding is written with '?' for its
 * non-ASCII bytes rather than failing the whole file. */
static json_t *json_str(const char *s)
{
    if (!s)
        s = "";
    json_t *v = json_string(s);
    if (v)
        return v;
    size_t n = strlen(s);
    char *c = malloc(n + 1); /* jansson allocates with malloc as well */
    if (!c)
        return NULL;
    for (size_t k = 0; k <= n; k++)
        c[k] = (unsigned char)s[k] >= 0x80 ? '?' : s[k];
    v = json_string(c);
    free(c);
    return v;
}

static json_t *json_cell(const col *c, cell v)
{
    switch (c->type) {
    case T_STR: return json_str(v.s);
    case T_INT: return json_integer((json_int_t)v.i);
    case T_BOOL: return json_boolean(v.i);
    case T_NUM: return isfinite(v.d) ? json_real(v.d) : json_null();
    }
    return NULL;
}

/* One row as an object with the JSON keys of its columns; NULL when out of memory. */
static json_t *json_row(const table *t, size_t r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const cell *row = t->cells + r * (size_t)t->ncols;
    for (int k = 0; k < t->ncols; k++) {
        const col *c = &t->cols[k];
        if (!c->json)
            continue;
        json_t *dst = o;
        const char *key = c->json;
        if (c->sub) {
            dst = json_object_get(o, c->json);
            if (!dst && (!(dst = json_object()) || json_object_set_new(o, c->json, dst))) {
                json_decref(o);
                return NULL;
            }
            key = c->sub;
        }
        if (json_object_set_new(dst, key, json_cell(c, row[k]))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

enum { JSON_FLAGS = JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY };

/* Dump v (stolen) to f; non-zero on failure. */
static int json_put(FILE *f, json_t *v)
{
    if (!v)
        return -1;
    int rc = json_dumpf(v, f, JSON_FLAGS);
    json_decref(v);
    return rc;
}

static json_t *json_solver(const run_info *ri)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "converged", json_boolean(ri->converged));
    bad |= json_object_set_new(o, "iterations", json_integer(ri->info->iterations));
    double res = ri->info->residual;
    bad |= json_object_set_new(o, "residual", isfinite(res) ? json_real(res) : json_null());
    bad |= json_object_set_new(o, "seconds", json_real(ri->info->seconds));
    bad |= json_object_set_new(o, "method", json_str(ri->method));
    bad |= json_object_set_new(o, "status", json_str(ri->status));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The rows of run r of table t as a JSON array, one row per line. */
static int json_rows(FILE *f, const table *t, int r, prog *pg)
{
    int bad = fprintf(f, "[") < 0;
    for (size_t k = t->first[r]; k < t->first[r + 1] && !bad && !prog_row(pg); k++) {
        bad |= fputs(k > t->first[r] ? ",\n" : "\n", f) < 0;
        bad |= json_put(f, json_row(t, k));
    }
    bad |= fputs("\n]", f) < 0;
    return bad;
}

static tq_status write_json(tq_context *ctx, const table *T, const run_info *ri, int n, const char *path,
                            const char *final, prog *pg)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "cannot create: %s", strerror(errno));
    /* Streamed: the outer structure by hand, each row through jansson, so that memory
     * stays flat however large the bilateral table is. */
    prog_file(pg, T[TB_REGIONS].first[1] + T[TB_REGIONS].nrows + T[TB_REGION_SECTOR].nrows + T[TB_BILATERAL].nrows +
                      T[TB_DECOMPOSITION].nrows);
    int bad = fprintf(f, "{\"tradeq\": \"%s\",\n\"results_version\": 1,\n\"solver\": ", TQ_VERSION_STRING) < 0;
    bad |= json_put(f, json_solver(&ri[0]));
    bad |= fputs(",\n\"regions\": ", f) < 0;
    bad |= json_rows(f, &T[TB_REGIONS], 0, pg);
    bad |= fputs(",\n\"scenarios\": [", f) < 0;
    for (int r = 0; r < n && !bad && !pg->st; r++) {
        bad |= fputs(r ? ",\n{\"name\": " : "\n{\"name\": ", f) < 0;
        bad |= json_put(f, json_str(ri[r].name));
        bad |= fputs(",\n\"run\": ", f) < 0;
        bad |= json_put(f, json_row(&T[TB_RUN], T[TB_RUN].first[r]));
        bad |= fputs(",\n\"solver\": ", f) < 0;
        bad |= json_put(f, json_solver(&ri[r]));
        for (int tb = 0; tb < TB_RUN && !bad; tb++) {
            bad |= fprintf(f, ",\n\"%s\": ", T[tb].name) < 0;
            bad |= json_rows(f, &T[tb], r, pg);
        }
        bad |= fputs("}", f) < 0;
    }
    bad |= fputs("\n]}\n", f) < 0;
    bad |= ferror(f);
    if (fclose(f) != 0 || bad || pg->st)
        return pg->st ? pg->st
                      : tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "write failed (out of memory or disk full?)");
    return TQ_OK;
}

/* ------------------------------------------------------------------ xlsx --- */

#define XLSX_MAX_ROWS 1048576 /* Excel's limit, header row included */
#define XLSX_MAX_STR 32767

static tq_status write_xlsx(tq_context *ctx, const table *T, const char *path, const char *final, prog *pg)
{
    for (int tb = 0; tb < TB_COUNT; tb++) {
        if (T[tb].nrows + 1 > XLSX_MAX_ROWS)
            return tq__error(ctx, TQ_ERR_UNSUPPORTED, final, 0, T[tb].name,
                             "%zu rows do not fit an Excel sheet (at most %d); write csv or dta instead", T[tb].nrows,
                             XLSX_MAX_ROWS - 1);
        for (size_t r = 0; r < T[tb].nrows; r++)
            for (int k = 0; k < T[tb].ncols; k++) {
                const cell *c = &T[tb].cells[r * (size_t)T[tb].ncols + (size_t)k];
                if (T[tb].cols[k].type == T_STR && c->s && strlen(c->s) > XLSX_MAX_STR)
                    return tq__error(ctx, TQ_ERR_UNSUPPORTED, final, 0, T[tb].cols[k].name,
                                     "a text longer than Excel's %d characters", XLSX_MAX_STR);
            }
    }
    /* constant_memory: rows go to disk as they are written (in order), so a large
     * bilateral table does not sit in memory twice. */
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_TRUE};
    size_t total = 0;
    for (int tb = 0; tb < TB_COUNT; tb++)
        total += T[tb].nrows;
    prog_file(pg, total);
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb)
        return tq__error(ctx, TQ_ERR_NOMEM, final, 0, NULL, "cannot start the workbook");
    lxw_format *bold = workbook_add_format(wb);
    lxw_error err = LXW_NO_ERROR;
    if (bold)
        format_set_bold(bold);
    else
        err = LXW_ERROR_MEMORY_MALLOC_FAILED;
    const char *field = NULL;
    for (int tb = 0; tb < TB_COUNT && !err && !pg->st; tb++) {
        const table *t = &T[tb];
        field = t->name;
        lxw_worksheet *ws = workbook_add_worksheet(wb, t->name);
        if (!ws) {
            err = LXW_ERROR_MEMORY_MALLOC_FAILED;
            break;
        }
        worksheet_freeze_panes(ws, 1, 0);
        for (int k = 0; k < t->ncols && !err; k++)
            err = worksheet_write_string(ws, 0, (lxw_col_t)k, t->cols[k].name, bold);
        for (size_t r = 0; r < t->nrows && !err && !prog_row(pg); r++) {
            const cell *row = t->cells + r * (size_t)t->ncols;
            lxw_row_t xr = (lxw_row_t)(r + 1);
            for (int k = 0; k < t->ncols && !err; k++) {
                lxw_col_t xc = (lxw_col_t)k;
                switch (t->cols[k].type) {
                case T_STR:
                    if (row[k].s && row[k].s[0]) /* an empty text is an empty cell */
                        err = worksheet_write_string(ws, xr, xc, row[k].s, NULL);
                    break;
                case T_INT:
                case T_BOOL: err = worksheet_write_number(ws, xr, xc, (double)row[k].i, NULL); break;
                case T_NUM:
                    if (isfinite(row[k].d)) /* non-finite: an empty cell */
                        err = worksheet_write_number(ws, xr, xc, row[k].d, NULL);
                    break;
                }
            }
        }
    }
    /* workbook_close also frees wb, so it runs even after an error (the .part file it
     * may leave is removed by the caller). */
    lxw_error cerr = workbook_close(wb);
    if (pg->st)
        return pg->st;
    if (err)
        return tq__error(ctx, err == LXW_ERROR_MEMORY_MALLOC_FAILED ? TQ_ERR_NOMEM : TQ_ERR_IO, final, 0, field,
                         "xlsx: %s", lxw_strerror(err));
    if (cerr)
        return tq__error(ctx, cerr == LXW_ERROR_MEMORY_MALLOC_FAILED ? TQ_ERR_NOMEM : TQ_ERR_IO, final, 0, NULL,
                         "xlsx: %s", lxw_strerror(cerr));
    return TQ_OK;
}

/* ------------------------------------------------------------- Stata dta --- */

#define DTA_MAX_STR 2045 /* longer texts are stored as strL */
#define DTA_MAX_LABEL 80

static ssize_t dta_sink(const void *data, size_t len, void *ud)
{
    return fwrite(data, 1, len, (FILE *)ud) == len ? (ssize_t)len : -1;
}

/* Cut s to at most max bytes without splitting a UTF-8 character. */
static void utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = 0;
}

static tq_status write_dta(tq_context *ctx, const table *t, const char *file_label, const char *path, const char *final,
                           prog *pg)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "cannot create: %s", strerror(errno));
    readstat_writer_t *w = readstat_writer_init();
    readstat_variable_t **var = tq__calloc(ctx, (size_t)t->ncols, sizeof *var);
    readstat_string_ref_t **refs = NULL; /* [row, col] for strL columns */
    readstat_error_t err = READSTAT_OK;
    tq_status st = TQ_OK;
    const char *field = NULL;
    if (!w || !var) {
        st = w ? TQ_ERR_NOMEM : tq__error(ctx, TQ_ERR_NOMEM, final, 0, NULL, "dta: cannot start the writer");
        goto done;
    }
    readstat_set_data_writer(w, dta_sink);
    readstat_writer_set_file_format_version(w, 118); /* UTF-8, names up to 32 characters */
    readstat_writer_set_file_timestamp(w, time(NULL));
    if ((err = readstat_writer_set_file_label(w, file_label)))
        goto done;
    int any_ref = 0;
    for (int k = 0; k < t->ncols && !err; k++) {
        const col *c = &t->cols[k];
        readstat_type_t type = READSTAT_TYPE_DOUBLE;
        size_t width = 0;
        if (c->type == T_STR) {
            width = 1; /* Stata's narrowest str1 */
            for (size_t r = 0; r < t->nrows; r++) {
                const char *s = t->cells[r * (size_t)t->ncols + (size_t)k].s;
                size_t len = s ? strlen(s) : 0;
                if (len > width)
                    width = len;
            }
            type = width > DTA_MAX_STR ? READSTAT_TYPE_STRING_REF : READSTAT_TYPE_STRING;
            any_ref |= type == READSTAT_TYPE_STRING_REF;
        } else if (c->type == T_BOOL) {
            type = READSTAT_TYPE_INT8;
        } else if (c->type == T_INT) {
            type = READSTAT_TYPE_INT32;
        }
        field = c->name;
        var[k] = readstat_add_variable(w, c->name, type, type == READSTAT_TYPE_STRING ? width : 0);
        if (!var[k]) {
            st = tq__error(ctx, TQ_ERR_NOMEM, final, 0, c->name, "dta: cannot add the variable");
            goto done;
        }
        readstat_variable_set_label(var[k], c->label);
    }
    if (any_ref) {
        /* strL values must be registered before the data section begins */
        refs = tq__calloc(ctx, t->nrows * (size_t)t->ncols, sizeof *refs);
        if (!refs) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        for (size_t r = 0; r < t->nrows; r++)
            for (int k = 0; k < t->ncols; k++)
                if (readstat_variable_get_type(var[k]) == READSTAT_TYPE_STRING_REF) {
                    const char *s = t->cells[r * (size_t)t->ncols + (size_t)k].s;
                    refs[r * (size_t)t->ncols + (size_t)k] = readstat_add_string_ref(w, s ? s : "");
                }
    }
    field = NULL;
    if ((err = readstat_begin_writing_dta(w, f, (long)t->nrows)))
        goto done;
    prog_file(pg, t->nrows);
    for (size_t r = 0; r < t->nrows && !err; r++) {
        if (prog_row(pg)) {
            st = pg->st;
            goto done;
        }
        const cell *row = t->cells + r * (size_t)t->ncols;
        if ((err = readstat_begin_row(w)))
            break;
        for (int k = 0; k < t->ncols && !err; k++) {
            switch (t->cols[k].type) {
            case T_STR:
                if (refs && readstat_variable_get_type(var[k]) == READSTAT_TYPE_STRING_REF)
                    err = readstat_insert_string_ref(w, var[k], refs[r * (size_t)t->ncols + (size_t)k]);
                else
                    err = readstat_insert_string_value(w, var[k], row[k].s ? row[k].s : "");
                break;
            case T_BOOL: err = readstat_insert_int8_value(w, var[k], (int8_t)(row[k].i != 0)); break;
            case T_INT: err = readstat_insert_int32_value(w, var[k], (int32_t)row[k].i); break;
            case T_NUM:
                err = isfinite(row[k].d) ? readstat_insert_double_value(w, var[k], row[k].d)
                                         : readstat_insert_missing_value(w, var[k]);
                break;
            }
        }
        if (!err)
            err = readstat_end_row(w);
    }
    if (!err)
        err = readstat_end_writing(w);
done:
    if (err && !st)
        st = tq__error(ctx, err == READSTAT_ERROR_MALLOC ? TQ_ERR_NOMEM : TQ_ERR_IO, final, 0, field, "dta: %s",
                       readstat_error_message(err));
    readstat_writer_free(w);
    tq__free(ctx, refs);
    tq__free(ctx, var);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        if (!st)
            st = tq__error(ctx, TQ_ERR_IO, final, 0, NULL, "write failed (disk full?)");
    }
    return st;
}

/* ------------------------------------------------------------ the driver --- */

typedef struct target {
    char *final, *part;
    int kind;  /* TQ_FORMAT_* */
    int table; /* TB_* for csv and dta */
} target;

static tq_status validate(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats)
{
    if (!runs || n < 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "runs", "no runs to write");
    if (!dir || !dir[0])
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "dir", "no output folder");
    if (formats == 0 || (formats & ~(unsigned)(TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA)))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "formats", "formats 0x%x: want a combination of TQ_FORMAT_*",
                         formats);
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

static void free_targets(tq_context *ctx, target *tg, int count)
{
    for (int k = 0; k < count; k++) {
        tq__free(ctx, tg[k].final);
        tq__free(ctx, tg[k].part);
    }
}

tq_status tq_results_write(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats, int overwrite)
{
    tq_status st = validate(ctx, runs, n, dir, formats);
    if (st)
        return st;

    table T[TB_COUNT] = {
        {"regions", regions_cols, NCOLS(regions_cols), NULL, 0, 0, NULL},
        {"region_sector", region_sector_cols, NCOLS(region_sector_cols), NULL, 0, 0, NULL},
        {"bilateral", bilateral_cols, NCOLS(bilateral_cols), NULL, 0, 0, NULL},
        {"decomposition", decomposition_cols, NCOLS(decomposition_cols), NULL, 0, 0, NULL},
        {"run", run_cols, NCOLS(run_cols), NULL, 0, 0, NULL},
    };
    enum { MAX_TARGETS = 2 * TB_COUNT + 2 };
    target tg[MAX_TARGETS];
    int ntg = 0, created = 0, written = 0;
    memset(tg, 0, sizeof tg);
    run_info *ri = tq__calloc(ctx, (size_t)n, sizeof *ri);
    if (!ri)
        return TQ_ERR_NOMEM;
    for (int tb = 0; tb < TB_COUNT && !st; tb++)
        if (!(T[tb].first = tq__calloc(ctx, (size_t)n + 1, sizeof *T[tb].first)))
            st = TQ_ERR_NOMEM;

    /* tables */
    for (int r = 0; r < n && !st; r++) {
        const tq_run *u = &runs[r];
        run_info *x = &ri[r];
        const tq_dataset *lab = u->base->labels;
        x->name = u->scenario;
        x->file = u->scenario_file ? u->scenario_file : "";
        x->desc = u->description ? u->description : "";
        x->dataset = tq_dataset_name(lab) ? tq_dataset_name(lab) : "";
        snprintf(x->hash, sizeof x->hash, "%016llx", (unsigned long long)tq_dataset_hash(lab));
        x->year = tq_dataset_year(lab, u->base->year);
        x->closure = closure_name(u->sc->closure);
        x->info = tq_result_info(u->res);
        x->method = method_name(x->info->method);
        x->converged = x->info->status == TQ_OK;
        x->status = tq_status_string(x->info->status);
        for (int tb = 0; tb < TB_COUNT; tb++)
            T[tb].first[r] = T[tb].nrows;
        st = add_run(ctx, T, u, x);
        for (int tb = 0; tb < TB_COUNT; tb++)
            T[tb].first[r + 1] = T[tb].nrows;
    }
    if (!st)
        st = tq__progress(ctx, "write results", 0.0);

    /* targets, in the order they are written */
    static const char *const ext[2] = {"csv", "dta"};
    for (int f = 0; f < 4 && !st; f++) {
        unsigned kind = 1u << f;
        if (!(formats & kind))
            continue;
        int per_table = kind == TQ_FORMAT_CSV || kind == TQ_FORMAT_DTA;
        for (int tb = 0; tb < (per_table ? TB_COUNT : 1) && !st; tb++) {
            char name[64];
            if (per_table)
                snprintf(name, sizeof name, "results_%s.%s", T[tb].name, ext[kind == TQ_FORMAT_DTA]);
            else
                snprintf(name, sizeof name, "results.%s", kind == TQ_FORMAT_JSON ? "json" : "xlsx");
            target *g = &tg[ntg++];
            g->kind = (int)kind;
            g->table = tb;
            char part[80];
            snprintf(part, sizeof part, "%s.part", name);
            if (!(g->final = tq__path_join(ctx, dir, name)) || !(g->part = tq__path_join(ctx, dir, part)))
                st = TQ_ERR_NOMEM;
        }
    }

    /* the folder, and what is in the way */
    struct stat sb;
    if (!st) {
        if (stat(dir, &sb) == 0) {
            if (!S_ISDIR(sb.st_mode))
                st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "not a folder");
        } else if (mkdir(dir, 0777) == 0) {
            created = 1;
        } else {
            st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "cannot create folder: %s", strerror(errno));
        }
    }
    for (int k = 0; k < ntg && !st; k++) {
        if (lstat(tg[k].final, &sb) != 0)
            continue;
        if (!overwrite)
            st = tq__error(ctx, TQ_ERR_EXISTS, tg[k].final, 0, NULL,
                           "already exists; refusing to overwrite (use --force)");
        else if (!S_ISREG(sb.st_mode))
            st = tq__error(ctx, TQ_ERR_IO, tg[k].final, 0, NULL, "is in the way and not a regular file");
    }

    /* the files */
    char label[DTA_MAX_LABEL + 1] = "";
    if (!st) {
        if (n == 1)
            snprintf(label, sizeof label, "tradeq %s %s %s", ri[0].name, ri[0].dataset, ri[0].hash);
        else
            snprintf(label, sizeof label, "tradeq %d scenarios %s %s", n, ri[0].dataset, ri[0].hash);
        utf8_cut(label, DTA_MAX_LABEL);
    }
    prog pg = {ctx, 0, ntg, 0, 0, TQ_OK};
    for (int k = 0; k < ntg && !st; k++) {
        target *g = &tg[k];
        written = k + 1;
        pg.file = k;
        switch (g->kind) {
        case TQ_FORMAT_CSV: st = write_csv(ctx, &T[g->table], g->part, g->final, &pg); break;
        case TQ_FORMAT_JSON: st = write_json(ctx, T, ri, n, g->part, g->final, &pg); break;
        case TQ_FORMAT_XLSX: st = write_xlsx(ctx, T, g->part, g->final, &pg); break;
        case TQ_FORMAT_DTA: st = write_dta(ctx, &T[g->table], label, g->part, g->final, &pg); break;
        }
        if (!st)
            st = tq__progress(ctx, "write results", (double)(k + 1) / ntg);
    }

    /* into place */
    for (int k = 0; k < ntg && !st; k++)
        if (rename(tg[k].part, tg[k].final) != 0)
            st = tq__error(ctx, TQ_ERR_IO, tg[k].final, 0, NULL, "cannot rename: %s", strerror(errno));
    if (st) {
        for (int k = 0; k < written; k++)
            unlink(tg[k].part);
        if (created)
            rmdir(dir);
    }

    free_targets(ctx, tg, ntg);
    for (int tb = 0; tb < TB_COUNT; tb++) {
        tq__free(ctx, T[tb].cells);
        tq__free(ctx, T[tb].first);
    }
    tq__free(ctx, ri);
    return st;
}
