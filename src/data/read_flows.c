/* Reader for yearly bilateral flows and tariffs without input-output tables
 * (shared/data/icio, shared/data/wiod16; docs/formats/flows.md).
 *
 * A folder holds countries.csv, sectors.csv, optionally elasticities.csv, and one
 * flows_YYYY.csv[.gz] per year with rows exporter,importer,sector,value,tariff. All
 * years go into one dataset. The files are exporter-first; the dataset is
 * importer-first (MODEL.md: Z[n,i,j], n imports from i). Values are pre-tariff (basic
 * prices), so they are stored in Z as they are. Without input-output data the
 * dataset gets the no-IO reading (tq_dataset_fill_no_io: gamma = 0, beta = 1,
 * VA = gross output, alpha = spending shares, D from flows). */
#include "readers_extra.h"

#include <stdio.h>
#include <string.h>

#define LAYOUT "yearly flows (docs/formats/flows.md)"

/* Codes and names read from a metadata file, in file order. */
typedef struct labels {
    int n, cap;
    char **code, **name;
    int *flag; /* tradable for sectors */
    tq__index ix;
} labels;

static void labels_free(tq_context *ctx, labels *l)
{
    for (int k = 0; k < l->n; k++) {
        tq__free(ctx, l->code[k]);
        tq__free(ctx, l->name[k]);
    }
    tq__free(ctx, l->code);
    tq__free(ctx, l->name);
    tq__free(ctx, l->flag);
    tq__index_free(&l->ix);
    memset(l, 0, sizeof *l);
}

static tq_status labels_add(tq_context *ctx, labels *l, const char *code, const char *name, int flag)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 64;
        char **a = tq__realloc(ctx, l->code, sizeof(char *) * (size_t)nc);
        if (!a)
            return TQ_ERR_NOMEM;
        l->code = a;
        char **b = tq__realloc(ctx, l->name, sizeof(char *) * (size_t)nc);
        if (!b)
            return TQ_ERR_NOMEM;
        l->name = b;
        int *f = tq__realloc(ctx, l->flag, sizeof(int) * (size_t)nc);
        if (!f)
            return TQ_ERR_NOMEM;
        l->flag = f;
        l->cap = nc;
    }
    l->code[l->n] = tq__strdup(ctx, code);
    l->name[l->n] = tq__strdup(ctx, name);
    l->flag[l->n] = flag;
    l->n++;
    if (!l->code[l->n - 1] || !l->name[l->n - 1])
        return TQ_ERR_NOMEM;
    return TQ_OK;
}

/* Read countries.csv (iso3,name) or sectors.csv (code,name,tradable). */
static tq_status read_labels(tq_context *ctx, const char *dir, const char *file, int sectors, labels *l)
{
    memset(l, 0, sizeof *l);
    tq_status st = tq__index_init(ctx, &l->ix, 128);
    if (st)
        return st;
    tq__csv c;
    st = tq__csv_open_in(ctx, &c, dir, file, LAYOUT, NULL);
    if (st)
        return st;
    static const char *const want_c[] = {"iso3", "name"};
    static const char *const want_s[] = {"code", "name", "tradable"};
    int col[3];
    st = tq__csv_read_header(&c, sectors ? want_s : want_c, sectors ? 3 : 2, col);
    int r;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        const char *code = tq__csv_str(&c, col[0]);
        if (!*code) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "empty code");
            break;
        }
        long trad = 1;
        if (sectors) {
            if ((st = tq__csv_int(&c, col[2], &trad)))
                break;
            if (trad != 0 && trad != 1) {
                st = tq__csv_error(&c, TQ_ERR_PARSE, col[2], "tradable must be 0 or 1, not %ld", trad);
                break;
            }
        }
        st = tq__index_put(&l->ix, code, l->n);
        if (st == TQ_ERR_INVALID) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "duplicate code '%s'", code);
            break;
        }
        if (st || (st = labels_add(ctx, l, code, tq__csv_str(&c, col[1]), (int)trad)))
            break;
    }
    if (!st && l->n == 0)
        st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, NULL, "no rows: at least one %s needed",
                       sectors ? "sector" : "country");
    tq__csv_close(&c);
    return st;
}

/* theta[j] from column epsilon_<src> of elasticities.csv; absent file = default. */
static tq_status read_theta(tq_context *ctx, const char *dir, const char *src, const labels *sec, double *theta,
                            int *from_file)
{
    *from_file = 0;
    for (int j = 0; j < sec->n; j++)
        theta[j] = TQ__THETA_DEFAULT;
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "elasticities.csv", NULL, from_file);
    if (st || !*from_file)
        return st;
    char colname[64];
    snprintf(colname, sizeof colname, "epsilon_%s", src);
    const char *want[] = {"code", colname};
    int col[2];
    st = tq__csv_read_header(&c, want, 2, col);
    if (st == TQ_ERR_PARSE && tq__csv_col(&c, "code") >= 0)
        st = tq__error(ctx, TQ_ERR_NOT_FOUND, c.path, 1, colname,
                       "no elasticity column '%s' (sources are the epsilon_* columns)", colname);
    unsigned char *seen = st ? NULL : tq__calloc(ctx, (size_t)sec->n, 1);
    if (!st && !seen)
        st = TQ_ERR_NOMEM;
    int r;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        const char *code = tq__csv_str(&c, col[0]);
        int j = tq__index_get(&sec->ix, code);
        if (j < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[0], "unknown sector code '%s' (not in sectors.csv)", code);
            break;
        }
        if (seen[j]) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "duplicate sector '%s'", code);
            break;
        }
        seen[j] = 1;
        double v;
        if ((st = tq__csv_double(&c, col[1], &v)))
            break;
        if (!(v > 0)) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[1], "trade elasticity must be > 0, not %g", v);
            break;
        }
        theta[j] = v;
    }
    for (int j = 0; !st && j < sec->n; j++)
        if (!seen[j])
            st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, "code", "missing row for sector '%s'", sec->code[j]);
    tq__free(ctx, seen);
    tq__csv_close(&c);
    return st;
}

/* Index of a code; the files come in a fixed order, so try the expected one first. */
static inline int find_code(const labels *l, const char *s, int expect)
{
    if (expect < l->n && strcmp(l->code[expect], s) == 0)
        return expect;
    return tq__index_get(&l->ix, s);
}

/* Read one flows_YYYY file into year index y of ds. seen has N*N*J bytes. */
static tq_status read_year(tq_context *ctx, tq_dataset *ds, int y, const char *path, const labels *reg,
                           const labels *sec, unsigned char *seen)
{
    const int N = ds->N, J = ds->J;
    const size_t cells = (size_t)N * (size_t)N * (size_t)J;
    double *Z = tq_dataset_array(ds, TQ_Z, y, NULL);
    double *T = tq_dataset_array(ds, TQ_TARIFF, y, NULL);
    memset(seen, 0, cells);
    tq__csv c;
    tq_status st = tq__csv_open(ctx, &c, path, ',');
    if (st)
        return st;
    static const char *const want[] = {"exporter", "importer", "sector", "value", "tariff"};
    int col[5];
    st = tq__csv_read_header(&c, want, 5, col);
    size_t rows = 0;
    int xe = 0, xi = 0, xs = 0; /* expected codes in the documented exporter-major order */
    int r;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        const char *s;
        int e = find_code(reg, s = tq__csv_str(&c, col[0]), xe);
        if (e < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[0], "unknown region code '%s' (not in countries.csv)", s);
            break;
        }
        int i = find_code(reg, s = tq__csv_str(&c, col[1]), xi);
        if (i < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[1], "unknown region code '%s' (not in countries.csv)", s);
            break;
        }
        int j = find_code(sec, s = tq__csv_str(&c, col[2]), xs);
        if (j < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, col[2], "unknown sector code '%s' (not in sectors.csv)", s);
            break;
        }
        size_t a = TQ_NIJ(N, J, i, e, j);
        if (seen[a]) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "duplicate row for %s,%s,%s", reg->code[e], reg->code[i],
                               sec->code[j]);
            break;
        }
        seen[a] = 1;
        double v, t;
        if ((st = tq__csv_double(&c, col[3], &v)) || (st = tq__csv_double(&c, col[4], &t)))
            break;
        if (v < 0) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[3], "negative flow %g", v);
            break;
        }
        if (!(t > -1.0)) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[4], "tariff %g is not an ad valorem rate above -1 (0.25 = 25%%)",
                               t);
            break;
        }
        if (e == i && t != 0) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[4], "non-zero tariff %g on domestic flow %s,%s", t, reg->code[e],
                               reg->code[i]);
            break;
        }
        Z[a] = v;
        T[a] = t;
        rows++;
        if (++xs == J) {
            xs = 0;
            if (++xi == N) {
                xi = 0;
                xe++;
            }
        }
    }
    if (!st && rows != cells) {
        size_t a = 0;
        while (a < cells && seen[a])
            a++;
        int n = (int)(a / ((size_t)N * (size_t)J)), i = (int)((a / (size_t)J) % (size_t)N), j = (int)(a % (size_t)J);
        st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, "exporter,importer,sector",
                       "missing row %s,%s,%s: expected %zu rows (%d regions x %d x %d sectors), found %zu",
                       reg->code[i], reg->code[n], sec->code[j], cells, N, N, J, rows);
    }
    tq__csv_close(&c);
    return st;
}

tq_status tq__read_flows_ex(tq_context *ctx, const char *dir, const char *theta_source, tq_dataset **out)
{
    *out = NULL;
    if (!theta_source)
        theta_source = TQ__FLOWS_THETA_SOURCE;
    labels reg = {0}, sec = {0};
    tq__year_files yf = {0};
    tq_dataset *ds = NULL;
    unsigned char *seen = NULL;
    int from_file = 0;
    tq_status st = read_labels(ctx, dir, "countries.csv", 0, &reg);
    if (!st)
        st = read_labels(ctx, dir, "sectors.csv", 1, &sec);
    if (!st)
        st = tq__list_year_files(ctx, dir, "flows_", &yf);
    if (!st)
        st = tq_dataset_new(ctx, reg.n, sec.n, yf.count, &ds);
    if (!st)
        st = read_theta(ctx, dir, theta_source, &sec, tq_dataset_array(ds, TQ_THETA, 0, NULL), &from_file);
    for (int n = 0; !st && n < reg.n; n++)
        st = tq_dataset_set_region(ds, n, reg.code[n], reg.name[n]);
    for (int j = 0; !st && j < sec.n; j++)
        st = tq_dataset_set_sector(ds, j, sec.code[j], sec.name[j], sec.flag[j]);
    if (!st) {
        seen = tq__malloc(ctx, (size_t)reg.n * (size_t)reg.n * (size_t)sec.n);
        if (!seen)
            st = TQ_ERR_NOMEM;
    }
    for (int y = 0; !st && y < yf.count; y++) {
        st = tq__progress(ctx, "reading flows", (double)y / yf.count);
        if (!st)
            st = tq_dataset_set_year(ds, y, yf.year[y]);
        if (!st)
            st = read_year(ctx, ds, y, yf.path[y], &reg, &sec, seen);
    }
    if (!st) {
        char name[128], source[256];
        tq__dir_basename(dir, name, sizeof name);
        snprintf(source, sizeof source, "yearly bilateral flows and tariffs (flows_YYYY.csv, %d-%d); theta: %s",
                 yf.year[0], yf.year[yf.count - 1],
                 from_file ? "elasticities.csv epsilon_" : "default 4 (no elasticities.csv)");
        if (from_file)
            strncat(source, theta_source, sizeof source - strlen(source) - 1);
        st = tq_dataset_set_name(ds, name[0] ? name : "flows", source);
    }
    if (!st)
        st = tq_dataset_fill_no_io(ctx, ds); /* also derives */
    if (!st && !from_file)
        tq__log(ctx, TQ_LOG_WARN, "%s: no elasticities.csv, theta = %g in every sector", dir, TQ__THETA_DEFAULT);
    tq__free(ctx, seen);
    tq__year_files_free(ctx, &yf);
    labels_free(ctx, &reg);
    labels_free(ctx, &sec);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}

tq_status tq__read_flows(tq_context *ctx, const char *dir, tq_dataset **out)
{
    return tq__read_flows_ex(ctx, dir, NULL, out);
}
