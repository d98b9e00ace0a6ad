/* Reader for the KITE / Caliendo-Parro initial-conditions layout (shared/data/wiod2014).
 *
 * The folder holds long-format CSV files (plain or .gz) keyed by ISO3 country codes and
 * sector codes; docs/formats/kite.md describes them and how each model input of MODEL.md
 * is derived. The files are read as labelled: in particular tariff.csv row (origin=i,
 * destination=n) is taken as n's tariff on imports from i, although the data README notes
 * that the table looks transposed. Fixing that is the embedded-data step's job, because
 * the stored trade balances are consistent with the labelled reading only.
 *
 * Every cell of every table must be present exactly once; shares must sum to one within
 * KITE_SHARE_TOL. Errors name the file, the line and the column.
 */
#include "readers_extra.h"

#include "../core/longtable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Tolerance on share sums. The shipped files sum to one within 3e-15; anything beyond
 * 1e-6 is a broken file rather than rounding. */
#define KITE_SHARE_TOL 1e-6

/* The year of the shipped initial conditions. The layout itself carries no year. */
#define KITE_YEAR 2014

/* English names of the WIOD 2016 release countries; other codes keep the code as name. */
static const char *const kite_region_names[][2] = {
    {"AUS", "Australia"},      {"AUT", "Austria"},     {"BEL", "Belgium"},       {"BGR", "Bulgaria"},
    {"BRA", "Brazil"},         {"CAN", "Canada"},      {"CHE", "Switzerland"},   {"CHN", "China"},
    {"CYP", "Cyprus"},         {"CZE", "Czechia"},     {"DEU", "Germany"},       {"DNK", "Denmark"},
    {"ESP", "Spain"},          {"EST", "Estonia"},     {"FIN", "Finland"},       {"FRA", "France"},
    {"GBR", "United Kingdom"}, {"GRC", "Greece"},      {"HRV", "Croatia"},       {"HUN", "Hungary"},
    {"IDN", "Indonesia"},      {"IND", "India"},       {"IRL", "Ireland"},       {"ITA", "Italy"},
    {"JPN", "Japan"},          {"KOR", "South Korea"}, {"LTU", "Lithuania"},     {"LUX", "Luxembourg"},
    {"LVA", "Latvia"},         {"MEX", "Mexico"},      {"MLT", "Malta"},         {"NLD", "Netherlands"},
    {"NOR", "Norway"},         {"POL", "Poland"},      {"PRT", "Portugal"},      {"ROU", "Romania"},
    {"RUS", "Russia"},         {"SVK", "Slovakia"},    {"SVN", "Slovenia"},      {"SWE", "Sweden"},
    {"TUR", "Turkey"},         {"TWN", "Taiwan"},      {"USA", "United States"}, {"ROW", "Rest of the world"},
};

static const char *kite_region_name(const char *code)
{
    size_t n = sizeof kite_region_names / sizeof kite_region_names[0];
    for (size_t k = 0; k < n; k++)
        if (strcmp(kite_region_names[k][0], code) == 0)
            return kite_region_names[k][1];
    return code;
}

enum { KEY_REGION = 0, KEY_SECTOR = 1 };

/* One long table: up to three key columns and a value column. Values are stored in key
 * order, i.e. for keys (a,b,c) at (a*dim(b) + b)*dim(c) + c. */
typedef struct kite_table {
    const char *file; /* base name; name.gz is found too */
    int nkeys;
    const char *cols[4]; /* key columns, then the value column */
    int kinds[3];
    double lo;        /* smallest allowed value (inclusive unless lo_open) */
    int lo_open;      /* value must be > lo */
    double hi;        /* largest allowed value (inclusive) */
    const char *what; /* what the value is, for messages */
} kite_table;

typedef struct kite {
    tq_context *ctx;
    const char *dir;
    int N, J;
    char **rcode;  /* [N] owned */
    char **scode;  /* [J] owned */
    char **sname;  /* [J] owned */
    int *tradable; /* [J] */
    tq__index rix, six;
    int rix_ok, six_ok;
} kite;

static void kite_free(kite *k)
{
    if (k->rcode)
        for (int n = 0; n < k->N; n++)
            tq__free(k->ctx, k->rcode[n]);
    if (k->scode)
        for (int j = 0; j < k->J; j++) {
            tq__free(k->ctx, k->scode[j]);
            tq__free(k->ctx, k->sname[j]);
        }
    tq__free(k->ctx, k->rcode);
    tq__free(k->ctx, k->scode);
    tq__free(k->ctx, k->sname);
    tq__free(k->ctx, k->tradable);
    if (k->rix_ok)
        tq__index_free(&k->rix);
    if (k->six_ok)
        tq__index_free(&k->six);
}

/* Open dir/name or dir/name.gz as a long table; a missing file is TQ_ERR_IO naming it. */
static tq_status kite_open(kite *k, tq__lt *t, const char *name, const tq__lt_col *cols, int ncols,
                           const tq__lt_spec *spec)
{
    return tq__lt_open_in(k->ctx, t, k->dir, name, "KITE", NULL, cols, ncols, spec);
}

/* The folder's last path component, for the dataset name ("kite" if there is none). */
static void kite_basename(const char *dir, char *out, size_t n)
{
    tq__dir_basename(dir, out, n);
    if (!out[0] || !strcmp(out, ".") || !strcmp(out, "/"))
        snprintf(out, n, "kite");
}

static tq__lt_col text_col(const char *name)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_TEXT;
    return c;
}

/* A code field: non-empty. */
static tq_status kite_code(tq__lt *t, int k, const char **out)
{
    const char *s = tq__lt_str(t, k);
    if (!*s)
        return tq__lt_error(t, k, TQ_ERR_PARSE, "empty code");
    *out = s;
    return TQ_OK;
}

/* countries.csv: header `code`, one row per region. */
static tq_status read_countries(kite *k)
{
    const tq__lt_col cols[] = {text_col("code")};
    tq__lt t;
    int cap = 0;
    tq_status st = kite_open(k, &t, "countries.csv", cols, 1, NULL);
    if (st)
        return st;
    st = tq__index_init(k->ctx, &k->rix, 64);
    k->rix_ok = (st == TQ_OK);
    while (!st && tq__lt_next(&t, &st)) {
        const char *code = "";
        if ((st = kite_code(&t, 0, &code)))
            break;
        if (tq__index_get(&k->rix, code) >= 0) {
            st = tq__lt_error(&t, 0, TQ_ERR_INVALID, "duplicate region code '%s'", code);
            break;
        }
        if (k->N == cap) {
            int ncap = cap ? 2 * cap : 64;
            char **p = tq__realloc(k->ctx, k->rcode, (size_t)ncap * sizeof *p);
            if (!p) {
                st = TQ_ERR_NOMEM;
                break;
            }
            k->rcode = p;
            cap = ncap;
        }
        k->rcode[k->N] = tq__strdup(k->ctx, code);
        if (!k->rcode[k->N]) {
            st = TQ_ERR_NOMEM;
            break;
        }
        k->N++;
        if ((st = tq__index_put(&k->rix, code, k->N - 1)) != TQ_OK)
            st = tq__lt_error(&t, 0, st, "cannot index region '%s'", code);
    }
    if (!st && k->N == 0)
        st = tq__error(k->ctx, TQ_ERR_INVALID, tq__lt_path(&t), tq__lt_line(&t), "code", "no regions listed");
    tq__lt_close(&t);
    return st;
}

/* sectors.csv: header with at least `code,name,tradable`, one row per sector. */
static tq_status read_sectors(kite *k)
{
    const tq__lt_col cols[] = {text_col("code"), text_col("name"), text_col("tradable")};
    tq__lt t;
    int cap = 0;
    tq_status st = kite_open(k, &t, "sectors.csv", cols, 3, NULL);
    if (st)
        return st;
    st = tq__index_init(k->ctx, &k->six, 64);
    k->six_ok = (st == TQ_OK);
    while (!st && tq__lt_next(&t, &st)) {
        const char *code = "";
        long tr = 0;
        if ((st = kite_code(&t, 0, &code)))
            break;
        if (tq__index_get(&k->six, code) >= 0) {
            st = tq__lt_error(&t, 0, TQ_ERR_INVALID, "duplicate sector code '%s'", code);
            break;
        }
        if ((st = tq__lt_int(&t, 2, &tr)))
            break;
        if (tr != 0 && tr != 1) {
            st = tq__lt_error(&t, 2, TQ_ERR_INVALID, "tradable must be 0 or 1, not %ld", tr);
            break;
        }
        if (k->J == cap) {
            int ncap = cap ? 2 * cap : 64;
            char **p = tq__realloc(k->ctx, k->scode, (size_t)ncap * sizeof *p);
            char **q = p ? tq__realloc(k->ctx, k->sname, (size_t)ncap * sizeof *q) : NULL;
            int *tp = q ? tq__realloc(k->ctx, k->tradable, (size_t)ncap * sizeof *tp) : NULL;
            if (p)
                k->scode = p;
            if (q)
                k->sname = q;
            if (!tp) {
                st = TQ_ERR_NOMEM;
                break;
            }
            k->tradable = tp;
            cap = ncap;
        }
        k->scode[k->J] = tq__strdup(k->ctx, code);
        k->sname[k->J] = tq__strdup(k->ctx, tq__lt_str(&t, 1));
        k->tradable[k->J] = (int)tr;
        k->J++;
        if (!k->scode[k->J - 1] || !k->sname[k->J - 1]) {
            st = TQ_ERR_NOMEM;
            break;
        }
        if ((st = tq__index_put(&k->six, code, k->J - 1)) != TQ_OK)
            st = tq__lt_error(&t, 0, st, "cannot index sector '%s'", code);
    }
    if (!st && k->J == 0)
        st = tq__error(k->ctx, TQ_ERR_INVALID, tq__lt_path(&t), tq__lt_line(&t), "code", "no sectors listed");
    tq__lt_close(&t);
    return st;
}

static int kite_dim(const kite *k, int kind)
{
    return kind == KEY_REGION ? k->N : k->J;
}

static const char *kite_keycode(const kite *k, int kind, int idx)
{
    return kind == KEY_REGION ? k->rcode[idx] : k->scode[idx];
}

/* Read one long table into vals (key order, see kite_table). lines[cell] receives the
 * line number of the cell's row; *path_out the path read (allocated, may be NULL on
 * failure). Unknown codes, duplicates, missing cells and values out of range are
 * errors naming file, line and column (the long-table convention; duplicates and
 * missing cells are TQ_ERR_INVALID, as docs/formats/kite.md says). */
static tq_status read_table(kite *k, const kite_table *t, double *vals, long *lines, char **path_out)
{
    tq__lt_col cols[4];
    memset(cols, 0, sizeof cols);
    for (int q = 0; q < t->nkeys; q++) {
        int reg = t->kinds[q] == KEY_REGION;
        cols[q].name = t->cols[q];
        cols[q].type = TQ__LT_KEY;
        cols[q].codes = reg ? &k->rix : &k->six;
        cols[q].count = kite_dim(k, t->kinds[q]);
        cols[q].what = reg ? "region code" : "sector code";
        cols[q].hint = reg ? "not in countries.csv" : "not in sectors.csv";
        cols[q].label = (const char *const *)(reg ? k->rcode : k->scode);
    }
    const int vc = t->nkeys;
    cols[vc].name = t->cols[vc];
    cols[vc].type = TQ__LT_VALUE;
    const tq__lt_spec spec = {NULL, 1, 1, TQ_ERR_INVALID};
    tq__lt lt;
    *path_out = NULL;
    tq_status st = kite_open(k, &lt, t->file, cols, t->nkeys + 1, &spec);
    if (st)
        return st;
    *path_out = tq__strdup(k->ctx, tq__lt_path(&lt));
    if (!*path_out) {
        tq__lt_close(&lt);
        return TQ_ERR_NOMEM;
    }
    while (tq__lt_next(&lt, &st)) {
        size_t cell = tq__lt_cell(&lt);
        double v = tq__lt_value(&lt, vc);
        if (t->lo_open ? !(v > t->lo) : !(v >= t->lo)) {
            st = tq__lt_error(&lt, vc, TQ_ERR_INVALID, "%s must be %s %g, got %.17g", t->what,
                              t->lo_open ? ">" : ">=", t->lo, v);
            break;
        }
        if (!(v <= t->hi)) {
            st = tq__lt_error(&lt, vc, TQ_ERR_INVALID, "%s must be <= %g, got %.17g", t->what, t->hi, v);
            break;
        }
        vals[cell] = v;
        lines[cell] = tq__lt_line(&lt);
    }
    if (!st)
        st = tq__lt_finish(&lt);
    tq__lt_close(&lt);
    return st;
}

/* Check that the values of every group sum to one (or to zero when zero_ok says the
 * group may be empty). Groups are the cells sharing all keys but key `over`. */
static tq_status check_sums(kite *k, const kite_table *t, const double *vals, const long *lines, const char *path,
                            int over, const double *zero_ok_by_group)
{
    size_t dims[3] = {1, 1, 1};
    for (int q = 0; q < t->nkeys; q++)
        dims[q] = (size_t)kite_dim(k, t->kinds[q]);
    /* strides in key order */
    size_t stride[3];
    stride[2] = 1;
    stride[1] = dims[2];
    stride[0] = dims[1] * dims[2];
    if (t->nkeys == 2) {
        stride[1] = 1;
        stride[0] = dims[1];
    }
    size_t cells = dims[0] * dims[1] * dims[2];
    size_t g = 0;
    for (size_t cell = 0; cell < cells; cell++) {
        size_t ko = (cell / stride[over]) % dims[over];
        if (ko != 0)
            continue; /* visit each group once, from its first member */
        double s = 0.0;
        long line = lines[cell];
        for (size_t m = 0; m < dims[over]; m++) {
            size_t cm = cell + m * stride[over];
            s += vals[cm];
            if (lines[cm] < line)
                line = lines[cm];
        }
        int zero_ok = zero_ok_by_group ? zero_ok_by_group[g] != 0.0 : 0;
        g++;
        if (fabs(s - 1.0) <= KITE_SHARE_TOL || (zero_ok && fabs(s) <= KITE_SHARE_TOL))
            continue;
        char key[256];
        int len = 0;
        for (int q = 0; q < t->nkeys && len < (int)sizeof key; q++) {
            if (q == over)
                continue;
            size_t idx = (cell / stride[q]) % dims[q];
            len += snprintf(key + len, sizeof key - (size_t)len, "%s%s=%s", len ? " " : "", t->cols[q],
                            kite_keycode(k, t->kinds[q], (int)idx));
        }
        return tq__error(k->ctx, TQ_ERR_INVALID, path, line, t->cols[t->nkeys],
                         "%s over %s sum to %.12g for %s, not 1 (tolerance %g)", t->what, t->cols[over], s, key,
                         KITE_SHARE_TOL);
    }
    return TQ_OK;
}

enum {
    T_EXPENDITURE,
    T_TRADE_SHARE,
    T_TARIFF,
    T_INTERMEDIATE,
    T_FACTOR,
    T_CONSUMPTION,
    T_VALUE_ADDED,
    T_BALANCE,
    T_ELASTICITY,
    T_COUNT
};

static const kite_table kite_tables[T_COUNT] = {
    [T_EXPENDITURE] = {"expenditure.csv",
                       2,
                       {"country", "sector", "value"},
                       {KEY_REGION, KEY_SECTOR},
                       0.0,
                       0,
                       HUGE_VAL,
                       "expenditure"},
    [T_TRADE_SHARE] = {"trade_share.csv",
                       3,
                       {"origin", "destination", "sector", "value"},
                       {KEY_REGION, KEY_REGION, KEY_SECTOR},
                       0.0,
                       0,
                       1.0 + KITE_SHARE_TOL,
                       "trade shares"},
    [T_TARIFF] = {"tariff.csv",
                  3,
                  {"origin", "destination", "sector", "value"},
                  {KEY_REGION, KEY_REGION, KEY_SECTOR},
                  0.0,
                  1,
                  HUGE_VAL,
                  "tariff power (1+t)"},
    [T_INTERMEDIATE] = {"intermediate_share.csv",
                        3,
                        {"input", "output", "country", "value"},
                        {KEY_SECTOR, KEY_SECTOR, KEY_REGION},
                        0.0,
                        0,
                        1.0 + KITE_SHARE_TOL,
                        "intermediate shares"},
    [T_FACTOR] =
        {"factor_share.csv", 2, {"sector", "country", "value"}, {KEY_SECTOR, KEY_REGION}, 0.0, 0, 1.0, "factor share"},
    [T_CONSUMPTION] = {"consumption_share.csv",
                       2,
                       {"sector", "country", "value"},
                       {KEY_SECTOR, KEY_REGION},
                       0.0,
                       0,
                       1.0 + KITE_SHARE_TOL,
                       "consumption shares"},
    [T_VALUE_ADDED] = {"value_added.csv", 1, {"country", "value"}, {KEY_REGION}, 0.0, 0, HUGE_VAL, "value added"},
    [T_BALANCE] = {"trade_balance.csv", 1, {"country", "value"}, {KEY_REGION}, -HUGE_VAL, 0, HUGE_VAL, "trade balance"},
    [T_ELASTICITY] = {"trade_elasticity.csv", 1, {"sector", "value"}, {KEY_SECTOR}, 0.0, 1, HUGE_VAL, "1/theta"},
};

tq_status tq__read_kite(tq_context *ctx, const char *dir, tq_dataset **out)
{
    kite k;
    double *val[T_COUNT] = {0};
    long *lines = NULL;
    char *path[T_COUNT] = {0};
    tq_dataset *ds = NULL;
    tq_status st;

    if (!ctx || !dir || !out)
        return ctx ? tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq__read_kite: NULL argument") : TQ_ERR_INVALID;
    *out = NULL;
    memset(&k, 0, sizeof k);
    k.ctx = ctx;
    k.dir = dir;

    if ((st = read_countries(&k)) || (st = read_sectors(&k)))
        goto done;
    const int N = k.N, J = k.J;
    const size_t NJ = (size_t)N * (size_t)J;
    const size_t NNJ = NJ * (size_t)N;
    const size_t NJJ = NJ * (size_t)J;
    const size_t maxcells = NNJ > NJJ ? NNJ : NJJ;
    lines = tq__calloc(ctx, maxcells, sizeof *lines);
    if (!lines) {
        st = TQ_ERR_NOMEM;
        goto done;
    }

    for (int t = 0; t < T_COUNT; t++) {
        const kite_table *tb = &kite_tables[t];
        size_t cells = 1;
        for (int q = 0; q < tb->nkeys; q++)
            cells *= (size_t)kite_dim(&k, tb->kinds[q]);
        val[t] = tq__calloc(ctx, cells, sizeof(double));
        if (!val[t]) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        if ((st = tq__progress(ctx, "read kite", (double)t / T_COUNT)))
            goto done;
        if ((st = read_table(&k, tb, val[t], lines, &path[t])))
            goto done;
        switch (t) {
        case T_TRADE_SHARE: {
            /* Shares may sum to 0 only where the destination spends nothing. Group g of
             * (destination, sector) is visited in key order of the remaining keys. */
            double *ok = tq__calloc(ctx, NJ, sizeof *ok);
            if (!ok) {
                st = TQ_ERR_NOMEM;
                goto done;
            }
            for (size_t g = 0; g < NJ; g++)
                ok[g] = val[T_EXPENDITURE][g] == 0.0;
            st = check_sums(&k, tb, val[t], lines, path[t], 0, ok);
            tq__free(ctx, ok);
            break;
        }
        case T_INTERMEDIATE: {
            /* Cells with zero output carry all-zero input shares. */
            double *ok = tq__calloc(ctx, NJ, sizeof *ok);
            if (!ok) {
                st = TQ_ERR_NOMEM;
                goto done;
            }
            for (size_t g = 0; g < NJ; g++)
                ok[g] = 1.0;
            st = check_sums(&k, tb, val[t], lines, path[t], 0, ok);
            tq__free(ctx, ok);
            break;
        }
        case T_CONSUMPTION: st = check_sums(&k, tb, val[t], lines, path[t], 0, NULL); break;
        default: break;
        }
        if (st)
            goto done;
    }

    if ((st = tq_dataset_new(ctx, N, J, 1, &ds)))
        goto done;
    for (int n = 0; n < N && !st; n++)
        st = tq_dataset_set_region(ds, n, k.rcode[n], kite_region_name(k.rcode[n]));
    for (int j = 0; j < J && !st; j++)
        st = tq_dataset_set_sector(ds, j, k.scode[j], k.sname[j], k.tradable[j]);
    if (!st)
        st = tq_dataset_set_year(ds, 0, KITE_YEAR);
    if (!st) {
        char name[128], source[1024];
        kite_basename(dir, name, sizeof name);
        snprintf(source, sizeof source,
                 "KITE/Caliendo-Parro initial conditions (WIOD 2016 release, %d) read as "
                 "labelled from %s",
                 KITE_YEAR, dir);
        st = tq_dataset_set_name(ds, name, source);
    }
    if (st)
        goto done;
    tq_dataset_set_has_io(ds, 1);

    {
        double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
        double *tar = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
        double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL);
        double *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
        double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL);
        double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
        double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL);
        double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
        const double *X = val[T_EXPENDITURE];   /* [d,s] */
        const double *ts = val[T_TRADE_SHARE];  /* [o,d,s] */
        const double *pw = val[T_TARIFF];       /* [o,d,s] */
        const double *is = val[T_INTERMEDIATE]; /* [k,j,n] */
        const double *fs = val[T_FACTOR];       /* [s,n] */
        const double *cs = val[T_CONSUMPTION];  /* [s,n] */
        if (!Z || !tar || !gamma || !beta || !alpha || !VA || !D || !theta) {
            st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "dataset arrays missing");
            goto done;
        }
        for (int o = 0; o < N; o++)
            for (int d = 0; d < N; d++)
                for (int s = 0; s < J; s++) {
                    size_t src = TQ_NIJ(N, J, o, d, s); /* same formula, key order o,d,s */
                    size_t dst = TQ_NIJ(N, J, d, o, s); /* importer d, exporter o */
                    /* tariff-inclusive flow pi * X[d,s], pre-tariff Z = flow / (1+t) */
                    double flow = ts[src] * X[TQ_NJ(J, d, s)];
                    Z[dst] = flow / pw[src];
                    tar[dst] = pw[src] - 1.0;
                }
        for (int n = 0; n < N; n++)
            for (int j = 0; j < J; j++) {
                double b = fs[(size_t)j * (size_t)N + (size_t)n];
                beta[TQ_NJ(J, n, j)] = b;
                alpha[TQ_NJ(J, n, j)] = cs[(size_t)j * (size_t)N + (size_t)n];
                /* intermediate_share is a share of intermediate spending; MODEL.md's gamma
                 * is a share of gross output: scale by 1 - beta. */
                for (int kk = 0; kk < J; kk++)
                    gamma[TQ_NKJ(J, n, kk, j)] =
                        is[((size_t)kk * (size_t)J + (size_t)j) * (size_t)N + (size_t)n] * (1.0 - b);
            }
        for (int n = 0; n < N; n++) {
            VA[n] = val[T_VALUE_ADDED][n];
            D[n] = -val[T_BALANCE][n]; /* file: exports - imports; MODEL: imports - exports */
        }
        for (int j = 0; j < J; j++)
            theta[j] = 1.0 / val[T_ELASTICITY][j]; /* file holds 1/theta */
        for (int j = 0; j < J; j++)
            if (!isfinite(theta[j]) || theta[j] <= 0.0) {
                st = tq__error(ctx, TQ_ERR_INVALID, path[T_ELASTICITY], 0, "value",
                               "1/theta of sector %s gives theta %g", k.scode[j], theta[j]);
                goto done;
            }
    }
    if ((st = tq_dataset_derive(ctx, ds)))
        goto done;
    st = tq__progress(ctx, "read kite", 1.0);

done:
    for (int t = 0; t < T_COUNT; t++) {
        tq__free(ctx, val[t]);
        tq__free(ctx, path[t]);
    }
    tq__free(ctx, lines);
    kite_free(&k);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}
