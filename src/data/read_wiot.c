/* Reader for world input-output tables in WIOD's wide layout (shared/data/wiod2013;
 * docs/formats/wiot.md).
 *
 * A folder holds countries.csv (position,code,name), industries.csv (code,
 * [nace_rev1_1,] name[, tradable]), final_demand.csv (code,name) and one
 * wiot_YYYY.csv[.gz] per year. Each table has one row per (country, industry) of
 * origin and the columns country, industry, <CTY>_<industry> (intermediate use by
 * that industry of CTY), <CTY>_<final-demand code> (final use in CTY) and
 * c62_total_output. All years go into one dataset, and the model inputs are derived
 * from the table (MODEL.md notation):
 *   Z[n,i,j]     = row (i,j) summed over every using industry and every final-demand
 *                  column of n, inventories included; a cell that negative final
 *                  demand (inventory run-downs, net sales of used capital goods)
 *                  makes negative is set to 0 (counted in a log message);
 *   gamma[n,k,j] = intermediate use of sector k (all origins) by sector j of n,
 *                  divided by the gross output of (n,j) from c62_total_output;
 *   beta[n,j]    = 1 - sum_k gamma[n,k,j] = (output - inputs) / output;
 *   VA[n]        = sum_j (output - intermediate inputs): value added at basic prices
 *                  plus net taxes on products, international margins and rounding;
 *   alpha[n,j]   = final demand F[n,j] = sum_i Z[n,i,j] - intermediate use of j in n,
 *                  negative F (inventory run-downs) set to 0, normalised over j;
 *   D[n]         = imports - exports, from Z; tariffs are zero (a WIOT has none).
 * Cells with zero output get gamma = 0 and beta = 1. */
#include "readers_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYOUT "world input-output table (docs/formats/wiot.md)"
#define OUTPUT_COL "c62_total_output"

typedef struct meta {
    int N, J, F;
    int cap[6];                     /* allocated slots of rfile, rcode, rname, scode, sname, fcode (NULL-filled) */
    char **rfile, **rcode, **rname; /* [N] code in the files, dataset code, name */
    char **scode, **sname;          /* [J] */
    int *tradable;                  /* [J] */
    char **fcode;                   /* [F] */
    tq__index rix, six, fix;
} meta;

static void strv_free(tq_context *ctx, char **v, int cap)
{
    if (!v)
        return;
    for (int k = 0; k < cap; k++)
        if (v[k])
            tq__free(ctx, v[k]);
    tq__free(ctx, v);
}

static void meta_free(tq_context *ctx, meta *m)
{
    strv_free(ctx, m->rfile, m->cap[0]);
    strv_free(ctx, m->rcode, m->cap[1]);
    strv_free(ctx, m->rname, m->cap[2]);
    strv_free(ctx, m->scode, m->cap[3]);
    strv_free(ctx, m->sname, m->cap[4]);
    strv_free(ctx, m->fcode, m->cap[5]);
    tq__free(ctx, m->tradable);
    tq__index_free(&m->rix);
    tq__index_free(&m->six);
    tq__index_free(&m->fix);
}

/* The 2013 release uses pre-ISO codes for two regions. */
static const char *iso3_of(const char *code)
{
    if (strcmp(code, "ROM") == 0)
        return "ROU";
    if (strcmp(code, "RoW") == 0)
        return "ROW";
    return code;
}

/* Goods sectors by their NACE Rev.1.1 code: sections A-D (AtB, C, 15t16 ... 36t37). */
static int nace_goods(const char *s)
{
    if (s[0] >= '0' && s[0] <= '9')
        return atoi(s) < 40;
    return strcmp(s, "AtB") == 0 || strcmp(s, "A") == 0 || strcmp(s, "B") == 0 || strcmp(s, "C") == 0 ||
           strcmp(s, "D") == 0;
}

/* Append a copy of s as element n; new slots are NULL so that meta_free can free
 * every allocated slot after a failure half-way. */
static tq_status push(tq_context *ctx, char ***v, int n, int *cap, const char *s)
{
    if (n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        char **a = tq__realloc(ctx, *v, sizeof(char *) * (size_t)nc);
        if (!a)
            return TQ_ERR_NOMEM;
        for (int k = *cap; k < nc; k++)
            a[k] = NULL;
        *v = a;
        *cap = nc;
    }
    (*v)[n] = tq__strdup(ctx, s);
    return (*v)[n] ? TQ_OK : TQ_ERR_NOMEM;
}

static tq_status push_int(tq_context *ctx, int **v, int n, int val)
{
    int *a = tq__realloc(ctx, *v, sizeof(int) * (size_t)(n + 1));
    if (!a)
        return TQ_ERR_NOMEM;
    *v = a;
    a[n] = val;
    return TQ_OK;
}

/* which: 0 countries.csv, 1 industries.csv, 2 final_demand.csv */
static tq_status read_meta_file(tq_context *ctx, const char *dir, int which, meta *m)
{
    static const char *const files[] = {"countries.csv", "industries.csv", "final_demand.csv"};
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, files[which], LAYOUT, NULL);
    if (st)
        return st;
    static const char *const want[] = {"code", "name"};
    int col[2], r;
    st = tq__csv_read_header(&c, want, 2, col);
    int ctrad = st ? -1 : tq__csv_col(&c, "tradable"), cnace = st ? -1 : tq__csv_col(&c, "nace_rev1_1");
    tq__index *ix = which == 0 ? &m->rix : which == 1 ? &m->six : &m->fix;
    int *count = which == 0 ? &m->N : which == 1 ? &m->J : &m->F;
    if (!st)
        st = tq__index_init(ctx, ix, 64);
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        const char *code = tq__csv_str(&c, col[0]), *name = tq__csv_str(&c, col[1]);
        if (!*code || strchr(code, '_')) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "code '%s' is empty or holds '_'", code);
            break;
        }
        /* region and sector codes share the column names, so they must differ */
        if ((which == 2 && tq__index_get(&m->six, code) >= 0) ||
            (st = tq__index_put(ix, code, *count)) == TQ_ERR_INVALID) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "duplicate code '%s'", code);
            break;
        }
        if (st)
            break;
        int n = *count;
        if (which == 0) {
            if ((st = push(ctx, &m->rfile, n, &m->cap[0], code)) ||
                (st = push(ctx, &m->rcode, n, &m->cap[1], iso3_of(code))) ||
                (st = push(ctx, &m->rname, n, &m->cap[2], name)))
                break;
        } else if (which == 1) {
            long trad = 1;
            if (ctrad >= 0) {
                if ((st = tq__csv_int(&c, ctrad, &trad)))
                    break;
                if (trad != 0 && trad != 1) {
                    st = tq__csv_error(&c, TQ_ERR_PARSE, ctrad, "tradable must be 0 or 1, not %ld", trad);
                    break;
                }
            } else if (cnace >= 0) {
                trad = nace_goods(tq__csv_str(&c, cnace));
            }
            if ((st = push(ctx, &m->scode, n, &m->cap[3], code)) || (st = push(ctx, &m->sname, n, &m->cap[4], name)) ||
                (st = push_int(ctx, &m->tradable, n, (int)trad)))
                break;
        } else {
            if ((st = push(ctx, &m->fcode, n, &m->cap[5], code)))
                break;
        }
        (*count)++;
    }
    if (!st && *count == 0 && which < 2)
        st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, NULL, "no rows");
    tq__csv_close(&c);
    return st;
}

/* Scratch for one year. */
typedef struct work {
    int *kind, *cn, *ck;              /* per column: 0 other, 1 intermediate, 2 final demand */
    unsigned char *colseen;           /* [N*J + N*F] */
    unsigned char *rowseen;           /* [N*J] */
    double *out, *colsum, *inter_use; /* [N*J] */
    int ncol;
} work;

static void work_free(tq_context *ctx, work *w)
{
    tq__free(ctx, w->kind);
    tq__free(ctx, w->cn);
    tq__free(ctx, w->ck);
    tq__free(ctx, w->colseen);
    tq__free(ctx, w->rowseen);
    tq__free(ctx, w->out);
    tq__free(ctx, w->colsum);
    tq__free(ctx, w->inter_use);
    memset(w, 0, sizeof *w);
}

/* Map the header's columns; every <CTY>_<code> must be known and all must be there. */
static tq_status map_header(tq_context *ctx, tq__csv *c, const meta *m, work *w, int *ccty, int *cind, int *cout)
{
    const int N = m->N, J = m->J, F = m->F;
    static const char *const want[] = {"country", "industry", OUTPUT_COL};
    int col[3];
    tq_status st = tq__csv_read_header(c, want, 3, col);
    if (st)
        return st;
    *ccty = col[0];
    *cind = col[1];
    *cout = col[2];
    size_t nc = (size_t)c->nheader;
    w->ncol = c->nheader;
    tq__free(ctx, w->kind);
    tq__free(ctx, w->cn);
    tq__free(ctx, w->ck);
    w->kind = tq__calloc(ctx, nc, sizeof(int));
    w->cn = tq__calloc(ctx, nc, sizeof(int));
    w->ck = tq__calloc(ctx, nc, sizeof(int));
    if (!w->kind || !w->cn || !w->ck)
        return TQ_ERR_NOMEM;
    size_t ncells = (size_t)N * (size_t)(J + F);
    memset(w->colseen, 0, ncells);
    for (int k = 0; k < c->nheader; k++) {
        if (k == col[0] || k == col[1] || k == col[2])
            continue;
        const char *h = c->header[k];
        const char *us = strrchr(h, '_');
        char cty[128];
        size_t len = us ? (size_t)(us - h) : 0;
        if (!us || len == 0 || len >= sizeof cty)
            return tq__error(ctx, TQ_ERR_PARSE, c->path, c->line, h,
                             "column '%s' is not <country>_<industry or final-demand code>", h);
        memcpy(cty, h, len);
        cty[len] = 0;
        int n = tq__index_get(&m->rix, cty);
        if (n < 0)
            return tq__error(ctx, TQ_ERR_NOT_FOUND, c->path, c->line, h,
                             "unknown region code '%s' (not in countries.csv)", cty);
        int j = tq__index_get(&m->six, us + 1), f = j < 0 ? tq__index_get(&m->fix, us + 1) : -1;
        if (j < 0 && f < 0)
            return tq__error(ctx, TQ_ERR_NOT_FOUND, c->path, c->line, h,
                             "unknown code '%s' (not in industries.csv or final_demand.csv)", us + 1);
        size_t cell =
            j >= 0 ? (size_t)n * (size_t)J + (size_t)j : (size_t)N * (size_t)J + (size_t)n * (size_t)F + (size_t)f;
        if (w->colseen[cell])
            return tq__error(ctx, TQ_ERR_INVALID, c->path, c->line, h, "duplicate column '%s'", h);
        w->colseen[cell] = 1;
        w->kind[k] = j >= 0 ? 1 : 2;
        w->cn[k] = n;
        w->ck[k] = j >= 0 ? j : f;
    }
    for (size_t cell = 0; cell < ncells; cell++)
        if (!w->colseen[cell]) {
            int inter = cell < (size_t)N * (size_t)J;
            size_t r = inter ? cell : cell - (size_t)N * (size_t)J;
            int per = inter ? J : F;
            char name[300];
            snprintf(name, sizeof name, "%s_%s", m->rfile[r / (size_t)per],
                     inter ? m->scode[r % (size_t)per] : m->fcode[r % (size_t)per]);
            return tq__error(ctx, TQ_ERR_INVALID, c->path, c->line, name,
                             "missing column '%s' (%d regions x (%d industries + %d final-demand columns) needed)",
                             name, N, J, F);
        }
    return TQ_OK;
}

static tq_status read_year(tq_context *ctx, tq_dataset *ds, int y, const char *path, const meta *m, work *w)
{
    const int N = m->N, J = m->J;
    const size_t nj = (size_t)N * (size_t)J;
    double *Z = tq_dataset_array(ds, TQ_Z, y, NULL);
    double *G = tq_dataset_array(ds, TQ_GAMMA, y, NULL);
    memset(w->rowseen, 0, nj);
    memset(w->out, 0, sizeof(double) * nj);
    memset(w->colsum, 0, sizeof(double) * nj);
    memset(w->inter_use, 0, sizeof(double) * nj);
    tq__csv c;
    tq_status st = tq__csv_open(ctx, &c, path, ',');
    if (st)
        return st;
    int ccty, cind, cout;
    st = map_header(ctx, &c, m, w, &ccty, &cind, &cout);
    size_t rows = 0;
    int r;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        const char *s = tq__csv_str(&c, ccty);
        int i = tq__index_get(&m->rix, s);
        if (i < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, ccty, "unknown region code '%s' (not in countries.csv)", s);
            break;
        }
        s = tq__csv_str(&c, cind);
        int j = tq__index_get(&m->six, s);
        if (j < 0) {
            st = tq__csv_error(&c, TQ_ERR_NOT_FOUND, cind, "unknown industry code '%s' (not in industries.csv)", s);
            break;
        }
        if (w->rowseen[TQ_NJ(J, i, j)]) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, ccty, "duplicate row %s,%s", m->rfile[i], m->scode[j]);
            break;
        }
        w->rowseen[TQ_NJ(J, i, j)] = 1;
        rows++;
        for (int k = 0; k < c.nheader; k++) {
            int kind = w->kind[k];
            if (k == cout) {
                double v;
                if ((st = tq__csv_double(&c, k, &v)))
                    break;
                if (v < 0) {
                    st = tq__csv_error(&c, TQ_ERR_INVALID, k, "negative gross output %g", v);
                    break;
                }
                w->out[TQ_NJ(J, i, j)] = v;
                continue;
            }
            if (!kind)
                continue;
            double v;
            if ((st = tq__csv_double(&c, k, &v)))
                break;
            int n = w->cn[k];
            /* final demand may be negative: inventory run-downs (c42) and net sales of
             * used capital goods (c41: DNK c1, SVK c9/c10/c34 in 2009-2011) */
            if (v < 0 && kind == 1) {
                st = tq__csv_error(&c, TQ_ERR_INVALID, k,
                                   "negative flow %g (only final-demand columns may be negative)", v);
                break;
            }
            Z[TQ_NIJ(N, J, n, i, j)] += v;
            if (kind == 1) {
                int u = w->ck[k];
                G[TQ_NKJ(J, n, j, u)] += v; /* input j of using sector u in n */
                w->colsum[TQ_NJ(J, n, u)] += v;
                w->inter_use[TQ_NJ(J, n, j)] += v;
            }
        }
    }
    if (!st && rows != nj) {
        size_t a = 0;
        while (a < nj && w->rowseen[a])
            a++;
        st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, "country,industry",
                       "missing row %s,%s: expected %zu rows (%d regions x %d industries), found %zu",
                       m->rfile[a / (size_t)J], m->scode[a % (size_t)J], nj, N, J, rows);
    }
    tq__csv_close(&c);
    return st;
}

/* Derive the model inputs of year y from the raw sums (see the header comment). */
static void derive_year(tq_context *ctx, tq_dataset *ds, int y, const meta *m, const work *w)
{
    const int N = m->N, J = m->J;
    double *Z = tq_dataset_array(ds, TQ_Z, y, NULL);
    double *G = tq_dataset_array(ds, TQ_GAMMA, y, NULL);
    double *beta = tq_dataset_array(ds, TQ_BETA, y, NULL);
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, y, NULL);
    double *VA = tq_dataset_array(ds, TQ_VA, y, NULL);
    double *D = tq_dataset_array(ds, TQ_DEFICIT, y, NULL);
    int year = tq_dataset_year(ds, y);
    size_t ncells = (size_t)N * (size_t)N * (size_t)J;
    long nneg = 0, nfneg = 0, nzero = 0, nbeta = 0, nnoin = 0;
    double negsum = 0, fnegsum = 0, maxdiff = 0, outsum = 0, rowsum = 0;
    for (size_t a = 0; a < ncells; a++)
        if (Z[a] < 0) {
            nneg++;
            negsum -= Z[a];
            Z[a] = 0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J; j++) {
            double yr = 0;
            for (int n = 0; n < N; n++)
                yr += Z[TQ_NIJ(N, J, n, i, j)];
            double o = w->out[TQ_NJ(J, i, j)];
            outsum += o;
            rowsum += yr;
            if (fabs(o - yr) > maxdiff)
                maxdiff = fabs(o - yr);
        }
    for (int n = 0; n < N; n++) {
        double va = 0, fsum = 0, imp = 0, exp = 0;
        for (int u = 0; u < J; u++) {
            double o = w->out[TQ_NJ(J, n, u)], b = 1;
            if (o > 0) {
                for (int k = 0; k < J; k++) {
                    G[TQ_NKJ(J, n, k, u)] /= o;
                    b -= G[TQ_NKJ(J, n, k, u)];
                }
                if (b <= 0)
                    nbeta++;
            } else {
                nzero++;
                if (w->colsum[TQ_NJ(J, n, u)] > 0)
                    nnoin++;
                for (int k = 0; k < J; k++)
                    G[TQ_NKJ(J, n, k, u)] = 0;
            }
            beta[TQ_NJ(J, n, u)] = b;
            va += b * o;
        }
        VA[n] = va;
        for (int j = 0; j < J; j++) {
            double x = 0;
            for (int i = 0; i < N; i++) {
                x += Z[TQ_NIJ(N, J, n, i, j)];
                if (i != n) {
                    imp += Z[TQ_NIJ(N, J, n, i, j)];
                    exp += Z[TQ_NIJ(N, J, i, n, j)];
                }
            }
            double f = x - w->inter_use[TQ_NJ(J, n, j)];
            if (f < 0) {
                nfneg++;
                fnegsum -= f;
                f = 0;
            }
            alpha[TQ_NJ(J, n, j)] = f;
            fsum += f;
        }
        for (int j = 0; j < J; j++)
            alpha[TQ_NJ(J, n, j)] = fsum > 0 ? alpha[TQ_NJ(J, n, j)] / fsum : 1.0 / J;
        D[n] = imp - exp;
    }
    tq__log(ctx, TQ_LOG_INFO,
            "wiot %d: gross output from %s = %.0f M USD, row sums of the flows = %.0f (max cell gap %.0f: "
            "integer truncation)",
            year, OUTPUT_COL, outsum, rowsum, maxdiff);
    if (nneg)
        tq__log(ctx, TQ_LOG_WARN, "wiot %d: %ld flows made negative by negative final demand set to 0 (%.0f M USD)",
                year, nneg, negsum);
    if (nfneg)
        tq__log(ctx, TQ_LOG_WARN,
                "wiot %d: %ld negative final-demand cells (inventory run-downs) set to 0 in alpha (%.0f M USD)", year,
                nfneg, fnegsum);
    if (nzero)
        tq__log(ctx, TQ_LOG_INFO, "wiot %d: %ld (region, sector) cells with zero output: gamma 0, beta 1", year, nzero);
    if (nnoin)
        tq__log(ctx, TQ_LOG_WARN, "wiot %d: %ld cells have inputs but zero output: inputs dropped", year, nnoin);
    if (nbeta)
        tq__log(ctx, TQ_LOG_WARN, "wiot %d: %ld cells with inputs >= output (beta <= 0)", year, nbeta);
}

tq_status tq__read_wiot(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    meta m;
    work w;
    memset(&m, 0, sizeof m);
    memset(&w, 0, sizeof w);
    tq__year_files yf = {0};
    tq_dataset *ds = NULL;
    tq_status st = read_meta_file(ctx, dir, 0, &m);
    if (!st)
        st = read_meta_file(ctx, dir, 1, &m);
    if (!st)
        st = read_meta_file(ctx, dir, 2, &m);
    if (!st)
        st = tq__list_year_files(ctx, dir, "wiot_", &yf);
    if (!st)
        st = tq_dataset_new(ctx, m.N, m.J, yf.count, &ds);
    if (!st) {
        size_t nj = (size_t)m.N * (size_t)m.J;
        w.colseen = tq__malloc(ctx, (size_t)m.N * (size_t)(m.J + m.F));
        w.rowseen = tq__malloc(ctx, nj);
        w.out = tq__calloc(ctx, nj, sizeof(double));
        w.colsum = tq__calloc(ctx, nj, sizeof(double));
        w.inter_use = tq__calloc(ctx, nj, sizeof(double));
        if (!w.colseen || !w.rowseen || !w.out || !w.colsum || !w.inter_use)
            st = TQ_ERR_NOMEM;
    }
    for (int n = 0; !st && n < m.N; n++)
        st = tq_dataset_set_region(ds, n, m.rcode[n], m.rname[n]);
    for (int j = 0; !st && j < m.J; j++) {
        st = tq_dataset_set_sector(ds, j, m.scode[j], m.sname[j], m.tradable[j]);
        tq_dataset_array(ds, TQ_THETA, 0, NULL)[j] = TQ__THETA_DEFAULT;
    }
    for (int y = 0; !st && y < yf.count; y++) {
        st = tq__progress(ctx, "reading world input-output tables", (double)y / yf.count);
        if (!st)
            st = tq_dataset_set_year(ds, y, yf.year[y]);
        if (!st)
            st = read_year(ctx, ds, y, yf.path[y], &m, &w);
        if (!st)
            derive_year(ctx, ds, y, &m, &w);
    }
    if (!st) {
        char name[128], source[256];
        tq__dir_basename(dir, name, sizeof name);
        snprintf(source, sizeof source,
                 "world input-output tables in WIOD's wide layout (wiot_YYYY.csv, %d-%d, M USD); "
                 "no tariffs; theta default 4",
                 yf.year[0], yf.year[yf.count - 1]);
        st = tq_dataset_set_name(ds, name[0] ? name : "wiot", source);
    }
    if (!st) {
        tq_dataset_set_has_io(ds, 1);
        st = tq_dataset_derive(ctx, ds);
    }
    work_free(ctx, &w);
    meta_free(ctx, &m);
    tq__year_files_free(ctx, &yf);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}
