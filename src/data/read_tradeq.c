/* tradeq's own dataset format: a folder of long-format CSV files (docs/formats/tradeq.md).
 * Reader and writer; writing then reading gives the same numbers bit for bit (%.17g).
 * Every file is read with the long-table reader (core/longtable.h). */
#include "readers.h"

#include "../core/longtable.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SHARE_TOL 1e-6

typedef struct reader {
    tq_context *ctx;
    const char *dir;
    tq_dataset *ds;
    tq__index regions, sectors;
    char yhint[160]; /* "meta.csv 'years' lists 2019 2020" for unknown-year messages */
} reader;

static tq_status open_in(reader *r, tq__lt *lt, const char *name, int required, int *found, const tq__lt_col *cols,
                         int ncols, const tq__lt_spec *spec)
{
    return tq__lt_open_in(r->ctx, lt, r->dir, name, required ? "tradeq" : NULL, found, cols, ncols, spec);
}

/* A year code: its index among meta.csv's years, -1 if not listed, -2 if not an integer. */
static int year_code(void *ud, const char *s)
{
    const tq_dataset *ds = ud;
    long y;
    if (tq__parse_long(s, &y))
        return -2;
    if (y < INT_MIN || y > INT_MAX)
        return -1;
    return tq_dataset_find_year(ds, (int)y);
}

static void year_hint(reader *r)
{
    const tq_dataset *ds = r->ds;
    size_t len = (size_t)snprintf(r->yhint, sizeof r->yhint, "meta.csv 'years' lists");
    if (ds->Y == 1 && ds->year[0] == 0) {
        snprintf(r->yhint, sizeof r->yhint, "meta.csv lists no 'years'");
        return;
    }
    for (int y = 0; y < ds->Y && len < sizeof r->yhint; y++) {
        if (len + 16 >= sizeof r->yhint) {
            snprintf(r->yhint + len, sizeof r->yhint - len, " ...");
            break;
        }
        len += (size_t)snprintf(r->yhint + len, sizeof r->yhint - len, " %d", ds->year[y]);
    }
}

static tq__lt_col text_col(const char *name)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_TEXT;
    return c;
}

/* ---------------------------------------------------------------- meta --- */

typedef struct meta {
    char name[128], source[512];
    int has_io;
    int years[1000];
    int nyears;
} meta;

static tq_status read_meta(reader *r, meta *m)
{
    tq__lt t;
    int found;
    const tq__lt_col cols[] = {text_col("key"), text_col("value")};
    int fmt_ok = 0;
    memset(m, 0, sizeof *m);
    m->has_io = 1;
    tq_status st = open_in(r, &t, "meta.csv", 1, &found, cols, 2, NULL);
    if (st)
        return st;
    while (tq__lt_next(&t, &st)) {
        const char *k = tq__lt_str(&t, 0), *v = tq__lt_str(&t, 1);
        if (strcmp(k, "format") == 0) {
            if (strcmp(v, "tradeq") != 0) {
                st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "format is '%.40s', expected 'tradeq'", v);
                goto done;
            }
            fmt_ok = 1;
        } else if (strcmp(k, "name") == 0) {
            snprintf(m->name, sizeof m->name, "%s", v);
        } else if (strcmp(k, "source") == 0) {
            snprintf(m->source, sizeof m->source, "%s", v);
        } else if (strcmp(k, "has_io") == 0) {
            if (strcmp(v, "0") && strcmp(v, "1")) {
                st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "has_io must be 0 or 1, not '%.40s'", v);
                goto done;
            }
            m->has_io = v[0] == '1';
        } else if (strcmp(k, "years") == 0) {
            /* space- or semicolon-separated list */
            const char *p = v;
            while (*p) {
                while (*p == ' ' || *p == ';')
                    p++;
                if (!*p)
                    break;
                char *end;
                long y = strtol(p, &end, 10);
                if (end == p || (*end && *end != ' ' && *end != ';') || m->nyears >= 1000) {
                    st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "bad year list '%.60s'", v);
                    goto done;
                }
                for (int q = 0; q < m->nyears; q++)
                    if (m->years[q] == (int)y) {
                        st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "year %ld listed twice", y);
                        goto done;
                    }
                m->years[m->nyears++] = (int)y;
                p = end;
            }
        }
        /* unknown keys are kept for forward compatibility and ignored */
    }
    if (!st && !fmt_ok)
        st = tq__error(r->ctx, TQ_ERR_PARSE, tq__lt_path(&t), 0, "format", "missing 'format,tradeq' row");
done:
    tq__lt_close(&t);
    return st;
}

/* ------------------------------------------------------------- labels --- */

/* Data rows of a file (its lines but the header and blank ones), to size the dataset
 * before the labels are read. */
static tq_status count_rows(reader *r, const char *name, int *count)
{
    tq__csv c;
    int found;
    tq_status st = tq__csv_open_in(r->ctx, &c, r->dir, name, "tradeq", &found);
    if (st)
        return st;
    int n = -1, rr;
    while ((rr = tq__csv_next(&c)) > 0)
        n++;
    tq__csv_close(&c);
    if (rr < 0)
        return (tq_status)rr;
    *count = n < 0 ? 0 : n;
    return TQ_OK;
}

static tq_status read_regions(reader *r)
{
    tq__lt t;
    int found, n = 0;
    const tq__lt_col cols[] = {text_col("code"), text_col("name")};
    tq_status st = open_in(r, &t, "regions.csv", 1, &found, cols, 2, NULL);
    if (st)
        return st;
    while (tq__lt_next(&t, &st)) {
        const char *code = tq__lt_str(&t, 0);
        if (!*code) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "empty region code");
            break;
        }
        st = tq__index_put(&r->regions, code, n);
        if (st == TQ_ERR_INVALID) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "duplicate region code '%.40s'", code);
            break;
        }
        if (st || (st = tq_dataset_set_region(r->ds, n, code, tq__lt_str(&t, 1))))
            break;
        n++;
    }
    tq__lt_close(&t);
    return st;
}

static tq_status read_sectors(reader *r)
{
    tq__lt t;
    int found, j = 0;
    tq__lt_col cols[] = {text_col("code"), text_col("name"), text_col("tradable"), text_col("theta")};
    cols[3].type = TQ__LT_VALUE;
    tq_status st = open_in(r, &t, "sectors.csv", 1, &found, cols, 4, NULL);
    if (st)
        return st;
    while (tq__lt_next(&t, &st)) {
        const char *code = tq__lt_str(&t, 0);
        if (!*code) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "empty sector code");
            break;
        }
        const char *tr = tq__lt_str(&t, 2);
        if (strcmp(tr, "0") && strcmp(tr, "1")) {
            st = tq__lt_error(&t, 2, TQ_ERR_PARSE, "tradable must be 0 or 1, not '%.40s'", tr);
            break;
        }
        double th = tq__lt_value(&t, 3);
        if (!(th > 0)) {
            st = tq__lt_error(&t, 3, TQ_ERR_PARSE, "trade elasticity must be positive, got %g", th);
            break;
        }
        st = tq__index_put(&r->sectors, code, j);
        if (st == TQ_ERR_INVALID) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "duplicate sector code '%.40s'", code);
            break;
        }
        if (st || (st = tq_dataset_set_sector(r->ds, j, code, tq__lt_str(&t, 1), tr[0] == '1')))
            break;
        r->ds->theta[j] = th;
        j++;
    }
    tq__lt_close(&t);
    return st;
}

static tq_status read_groups(reader *r)
{
    tq__lt t;
    int found;
    const tq__lt_col cols[] = {text_col("kind"), text_col("group"), text_col("code")};
    tq_status st = open_in(r, &t, "groups.csv", 0, &found, cols, 3, NULL);
    if (st || !found)
        return st;
    int cap = (r->ds->N > r->ds->J ? r->ds->N : r->ds->J);
    int *mem = tq__malloc(r->ctx, sizeof(int) * (size_t)cap);
    if (!mem) {
        tq__lt_close(&t);
        return TQ_ERR_NOMEM;
    }
    while (tq__lt_next(&t, &st)) {
        const char *kind = tq__lt_str(&t, 0), *name = tq__lt_str(&t, 1);
        int is_region = strcmp(kind, "region") == 0;
        if (!is_region && strcmp(kind, "sector") != 0) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "kind must be 'region' or 'sector', not '%.40s'", kind);
            break;
        }
        if (!*name) {
            st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "empty group name");
            break;
        }
        int idx = -1;
        if ((st = tq__lt_lookup(&t, 2, is_region ? &r->regions : &r->sectors, is_region ? "region code" : "sector code",
                                NULL, &idx)))
            break;
        tq_group_kind gk = is_region ? TQ_GROUP_REGION : TQ_GROUP_SECTOR;
        int n = tq_dataset_group(r->ds, gk, name, mem);
        if (n < 0)
            n = 0;
        for (int k = 0; k < n; k++)
            if (mem[k] == idx) {
                st = tq__lt_error(&t, 2, TQ_ERR_PARSE, "'%.40s' is listed twice in group '%.40s'", tq__lt_str(&t, 2),
                                  name);
                goto done;
            }
        mem[n++] = idx;
        if ((st = tq_dataset_add_group(r->ds, gk, name, mem, n)))
            break;
    }
done:
    tq__free(r->ctx, mem);
    tq__lt_close(&t);
    return st;
}

/* ------------------------------------------------------------- tables --- */

/* A keyed table of the format: key columns resolved to indices, value columns parsed,
 * each key (with the year) at most once. */
typedef struct table_spec {
    const char *file;
    int required;
    int nkeys;
    const char *keys[3]; /* column names */
    char kind[3];        /* 'r' region, 's' sector */
    int nvals;
    const char *vals[2];
    tq_array arr[2];
    double lo[2];     /* allowed minimum (inclusive) */
    double hi[2];     /* allowed maximum (inclusive) */
    const char *what; /* row description for messages */
    int opt2;         /* the second value column may be absent */
} table_spec;

static size_t cell_index(const tq_dataset *ds, tq_array a, const int *k)
{
    const int N = ds->N, J = ds->J;
    switch (a) {
    case TQ_Z:
    case TQ_TARIFF: return TQ_NIJ(N, J, k[1], k[0], k[2]); /* keys: exporter, importer, sector */
    case TQ_GAMMA: return TQ_NKJ(J, k[0], k[1], k[2]);     /* region, input, sector */
    case TQ_BETA:
    case TQ_ALPHA: return TQ_NJ(J, k[0], k[1]); /* region, sector */
    default: return (size_t)k[0];               /* region */
    }
}

static tq_status read_table(reader *r, const table_spec *sp, int *found_out, long *first_line_by_region,
                            int *has_second)
{
    tq_dataset *ds = r->ds;
    tq__lt_col cols[6];
    int nc = 0;
    memset(cols, 0, sizeof cols);
    for (int k = 0; k < sp->nkeys; k++, nc++) {
        int reg = sp->kind[k] == 'r';
        cols[nc].name = sp->keys[k];
        cols[nc].type = TQ__LT_KEY;
        cols[nc].codes = reg ? &r->regions : &r->sectors;
        cols[nc].count = reg ? ds->N : ds->J;
        cols[nc].what = reg ? "region code" : "sector code";
    }
    const int vcol = nc;
    for (int v = 0; v < sp->nvals; v++, nc++) {
        cols[nc].name = sp->vals[v];
        cols[nc].type = TQ__LT_VALUE;
        cols[nc].optional = v == 1 && sp->opt2;
    }
    /* the year is the last key so that key messages name the first region column */
    const int ycol = nc++;
    cols[ycol].name = "year";
    cols[ycol].type = TQ__LT_KEY;
    cols[ycol].optional = 1;
    cols[ycol].fn = year_code;
    cols[ycol].ud = ds;
    cols[ycol].count = ds->Y;
    cols[ycol].what = "year";
    cols[ycol].hint = r->yhint;
    const tq__lt_spec spec = {sp->what, 1, 0, TQ_ERR_PARSE};

    tq__lt t;
    int found;
    tq_status st = open_in(r, &t, sp->file, sp->required, &found, cols, nc, &spec);
    if (found_out)
        *found_out = found;
    if (st || !found)
        return st;
    int nvals = sp->nvals;
    if (sp->opt2 && !tq__lt_has(&t, vcol + 1))
        nvals = 1;
    if (has_second)
        *has_second = nvals == 2;
    if (!tq__lt_has(&t, ycol) && ds->Y > 1) {
        st = tq__error(r->ctx, TQ_ERR_PARSE, tq__lt_path(&t), 1, "year",
                       "the dataset has %d years but this file has no 'year' column", ds->Y);
        goto done;
    }
    while (tq__lt_next(&t, &st)) {
        int key[3];
        for (int k = 0; k < sp->nkeys; k++)
            key[k] = tq__lt_key(&t, k);
        const int y = tq__lt_key(&t, ycol);
        size_t cell = cell_index(ds, sp->arr[0], key);
        if (first_line_by_region && first_line_by_region[(size_t)y * (size_t)ds->N + (size_t)key[0]] == 0)
            first_line_by_region[(size_t)y * (size_t)ds->N + (size_t)key[0]] = tq__lt_line(&t);
        for (int v = 0; v < nvals; v++) {
            double x = tq__lt_value(&t, vcol + v);
            if (x < sp->lo[v] || x > sp->hi[v]) {
                st = tq__lt_error(&t, vcol + v, TQ_ERR_PARSE, "%s %g out of range [%g, %g]", sp->vals[v], x, sp->lo[v],
                                  sp->hi[v]);
                goto done;
            }
            tq_dataset_array(ds, sp->arr[v], y, NULL)[cell] = x;
        }
    }
done:
    tq__lt_close(&t);
    return st;
}

static tq_status check_sums(reader *r, const long *first_line, const char *file, const char *field)
{
    /* alpha sums to 1 per region and year; beta + sum_k gamma = 1 per sector */
    tq_dataset *ds = r->ds;
    const int N = ds->N, J = ds->J;
    for (int y = 0; y < ds->Y; y++) {
        const double *alpha = tq_dataset_array(ds, TQ_ALPHA, y, NULL);
        const double *beta = tq_dataset_array(ds, TQ_BETA, y, NULL);
        const double *gamma = tq_dataset_array(ds, TQ_GAMMA, y, NULL);
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int j = 0; j < J; j++)
                s += alpha[TQ_NJ(J, n, j)];
            if (fabs(s - 1) > SHARE_TOL) {
                char *p = tq__path_join(r->ctx, r->dir, file);
                tq__error(r->ctx, TQ_ERR_INVALID, p, first_line[(size_t)y * (size_t)N + (size_t)n], field,
                          "final-demand shares of region %s%s sum to %.9g, not 1", ds->rcode[n],
                          ds->Y > 1 ? " in one year" : "", s);
                tq__free(r->ctx, p);
                return TQ_ERR_INVALID;
            }
            for (int j = 0; j < J; j++) {
                double g = 0;
                for (int k = 0; k < J; k++)
                    g += gamma[TQ_NKJ(J, n, k, j)];
                double b = beta[TQ_NJ(J, n, j)];
                if (fabs(g + b - 1) > SHARE_TOL) {
                    char *p = tq__path_join(r->ctx, r->dir, "io.csv");
                    tq__error(r->ctx, TQ_ERR_INVALID, p, 0, "share",
                              "input shares of %s sector %s sum to %.9g with value-added share %.9g: "
                              "they must add to 1",
                              ds->rcode[n], ds->scode[j], g, b);
                    tq__free(r->ctx, p);
                    return TQ_ERR_INVALID;
                }
            }
        }
    }
    return TQ_OK;
}

tq_status tq__read_tradeq(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    reader r = {ctx, dir, NULL, {0}, {0}, ""};
    meta *m = tq__calloc(ctx, 1, sizeof *m);
    long *first_line = NULL;
    if (!m)
        return TQ_ERR_NOMEM;
    tq_status st;
    int N, J;
    if ((st = read_meta(&r, m)) || (st = count_rows(&r, "regions.csv", &N)) || (st = count_rows(&r, "sectors.csv", &J)))
        goto fail;
    if (N < 1 || J < 1) {
        char *p = tq__path_join(ctx, dir, N < 1 ? "regions.csv" : "sectors.csv");
        st = tq__error(ctx, TQ_ERR_PARSE, p, 1, NULL, "no %s listed", N < 1 ? "regions" : "sectors");
        tq__free(ctx, p);
        goto fail;
    }
    if ((st = tq_dataset_new(ctx, N, J, m->nyears > 0 ? m->nyears : 1, &r.ds)))
        goto fail;
    for (int y = 0; y < m->nyears; y++)
        r.ds->year[y] = m->years[y];
    year_hint(&r);
    r.ds->has_io = m->has_io;
    if ((st = tq_dataset_set_name(r.ds, m->name, m->source)) || (st = tq__index_init(ctx, &r.regions, (size_t)N)) ||
        (st = tq__index_init(ctx, &r.sectors, (size_t)J)) || (st = read_regions(&r)) || (st = read_sectors(&r)) ||
        (st = read_groups(&r)))
        goto fail;

    const table_spec flows = {"flows.csv",
                              1,
                              3,
                              {"exporter", "importer", "sector"},
                              {'r', 'r', 's'},
                              2,
                              {"value", "tariff"},
                              {TQ_Z, TQ_TARIFF},
                              {0, -0.99},
                              {INFINITY, 1000},
                              "flow",
                              1};
    const table_spec tariffs = {"tariffs.csv",
                                0,
                                3,
                                {"exporter", "importer", "sector"},
                                {'r', 'r', 's'},
                                1,
                                {"tariff", NULL},
                                {TQ_TARIFF, TQ_TARIFF},
                                {-0.99, 0},
                                {1000, 0},
                                "tariff",
                                0};
    const table_spec io = {"io.csv",
                           m->has_io,
                           3,
                           {"region", "input", "sector"},
                           {'r', 's', 's'},
                           1,
                           {"share", NULL},
                           {TQ_GAMMA, TQ_GAMMA},
                           {0, 0},
                           {1, 0},
                           "input-output",
                           0};
    const table_spec shares = {"shares.csv",
                               m->has_io,
                               2,
                               {"region", "sector", NULL},
                               {'r', 's', 0},
                               2,
                               {"va_share", "final_share"},
                               {TQ_BETA, TQ_ALPHA},
                               {0, 0},
                               {1, 1},
                               "share",
                               0};
    const table_spec accounts = {"accounts.csv",
                                 m->has_io,
                                 1,
                                 {"region", NULL, NULL},
                                 {'r', 0, 0},
                                 2,
                                 {"value_added", "deficit"},
                                 {TQ_VA, TQ_DEFICIT},
                                 {0, -INFINITY},
                                 {INFINITY, INFINITY},
                                 "accounts",
                                 0};
    first_line = tq__calloc(ctx, (size_t)N * (size_t)r.ds->Y, sizeof(long));
    if (!first_line) {
        st = TQ_ERR_NOMEM;
        goto fail;
    }
    int have_io = 0, have_shares = 0, have_acc = 0;
    int flow_tariffs = 0, have_tariffs = 0;
    if ((st = read_table(&r, &flows, NULL, NULL, &flow_tariffs)))
        goto fail;
    if (flow_tariffs) {
        /* tariffs come with the flows: a separate tariffs.csv would give them twice */
        char *p = tq__find_file(ctx, dir, "tariffs.csv");
        if (p) {
            st = tq__error(ctx, TQ_ERR_PARSE, p, 0, NULL,
                           "tariffs given twice: flows.csv has a 'tariff' column and tariffs.csv exists");
            tq__free(ctx, p);
            goto fail;
        }
    } else if ((st = read_table(&r, &tariffs, &have_tariffs, NULL, NULL))) {
        goto fail;
    }
    if ((st = read_table(&r, &io, &have_io, NULL, NULL)) ||
        (st = read_table(&r, &shares, &have_shares, first_line, NULL)) ||
        (st = read_table(&r, &accounts, &have_acc, NULL, NULL)))
        goto fail;
    if (m->has_io) {
        if ((st = check_sums(&r, first_line, "shares.csv", "final_share")))
            goto fail;
        st = tq_dataset_derive(ctx, r.ds);
    } else {
        st = tq_dataset_fill_no_io(ctx, r.ds);
    }
    if (st)
        goto fail;
    tq__index_free(&r.regions);
    tq__index_free(&r.sectors);
    tq__free(ctx, first_line);
    tq__free(ctx, m);
    *out = r.ds;
    return TQ_OK;
fail:
    tq__index_free(&r.regions);
    tq__index_free(&r.sectors);
    tq__free(ctx, first_line);
    tq__free(ctx, m);
    tq_dataset_free(r.ds);
    return st;
}

/* ---------------------------------------------------------------- writer --- */

typedef struct out_file {
    gzFile gz;
    FILE *fp;
    char *final_path, *part_path;
} out_file;

static tq_status out_open(tq_context *ctx, out_file *f, const char *dir, const char *name)
{
    memset(f, 0, sizeof *f);
    f->final_path = tq__path_join(ctx, dir, name);
    if (!f->final_path)
        return TQ_ERR_NOMEM;
    size_t n = strlen(f->final_path);
    f->part_path = tq__malloc(ctx, n + 6);
    if (!f->part_path)
        return TQ_ERR_NOMEM;
    memcpy(f->part_path, f->final_path, n);
    memcpy(f->part_path + n, ".part", 6);
    int gz = n > 3 && strcmp(f->final_path + n - 3, ".gz") == 0;
    if (gz)
        f->gz = gzopen(f->part_path, "wb6");
    else
        f->fp = fopen(f->part_path, "wb");
    if (!f->gz && !f->fp)
        return tq__error(ctx, TQ_ERR_IO, f->part_path, 0, NULL, "cannot create: %s", strerror(errno));
    return TQ_OK;
}

static int out_printf(out_file *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int out_printf(out_file *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    if (f->gz)
        return gzwrite(f->gz, buf, (unsigned)n) == n ? 0 : -1;
    return fwrite(buf, 1, (size_t)n, f->fp) == (size_t)n ? 0 : -1;
}

static tq_status out_close(tq_context *ctx, out_file *f, int ok)
{
    int bad = 0;
    if (f->gz)
        bad = gzclose(f->gz) != Z_OK;
    else if (f->fp)
        bad = fclose(f->fp) != 0;
    f->gz = NULL;
    f->fp = NULL;
    tq_status st = TQ_OK;
    if (ok && bad)
        st = tq__error(ctx, TQ_ERR_IO, f->part_path, 0, NULL, "write failed");
    if ((!ok || bad) && f->part_path)
        unlink(f->part_path);
    return st;
}

static void out_free(tq_context *ctx, out_file *f)
{
    tq__free(ctx, f->final_path);
    tq__free(ctx, f->part_path);
}

/* The shortest of %.15g, %.16g, %.17g that reads back to exactly v. */
static const char *num(char *buf, double v)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 32, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* Quote a label for CSV if it holds a comma or quote: we replace both by safe
 * characters instead, since our reader does not support quoted separators. */
static void safe_label(char *dst, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++)
        dst[o++] = (*s == ',' ? ';' : (*s == '"' ? '\'' : *s));
    dst[o] = 0;
}

enum { F_META, F_REGIONS, F_SECTORS, F_FLOWS, F_IO, F_SHARES, F_ACCOUNTS, F_GROUPS, F_COUNT };
static const char *const out_names[F_COUNT] = {"meta.csv",  "regions.csv", "sectors.csv",  "flows.csv.gz",
                                               "io.csv.gz", "shares.csv",  "accounts.csv", "groups.csv"};

tq_status tq_dataset_write(tq_context *ctx, const tq_dataset *ds, const char *dir, int overwrite)
{
    const int N = ds->N, J = ds->J;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "cannot create folder: %s", strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "not a folder");
    if (!overwrite) {
        for (int f = 0; f < F_COUNT; f++) {
            char *p = tq__find_file(ctx, dir, f == F_FLOWS ? "flows.csv" : f == F_IO ? "io.csv" : out_names[f]);
            if (p) {
                tq__error(ctx, TQ_ERR_EXISTS, p, 0, NULL, "already exists; refusing to overwrite (use --force)");
                tq__free(ctx, p);
                return TQ_ERR_EXISTS;
            }
        }
    }
    out_file of[F_COUNT];
    memset(of, 0, sizeof of);
    tq_status st = TQ_OK;
    int werr = 0;
    for (int f = 0; f < F_COUNT && !st; f++)
        st = out_open(ctx, &of[f], dir, out_names[f]);
    if (st)
        goto finish;
    int ycol = ds->Y > 1 || ds->year[0] != 0;
    const char *yh = ycol ? "year," : "";
    char lab[512], lab2[512], n1[32], n2[32];
    werr |= out_printf(&of[F_META], "key,value\nformat,tradeq\nversion,1\n");
    safe_label(lab, sizeof lab, ds->name);
    werr |= out_printf(&of[F_META], "name,%s\n", lab);
    safe_label(lab, sizeof lab, ds->source);
    werr |= out_printf(&of[F_META], "source,%s\nhas_io,%d\n", lab, ds->has_io);
    if (ycol) {
        werr |= out_printf(&of[F_META], "years,");
        for (int y = 0; y < ds->Y; y++)
            werr |= out_printf(&of[F_META], "%s%d", y ? " " : "", ds->year[y]);
        werr |= out_printf(&of[F_META], "\n");
    }
    werr |= out_printf(&of[F_REGIONS], "code,name\n");
    for (int n = 0; n < N; n++) {
        safe_label(lab, sizeof lab, ds->rcode[n]);
        safe_label(lab2, sizeof lab2, ds->rname[n]);
        werr |= out_printf(&of[F_REGIONS], "%s,%s\n", lab, lab2);
    }
    werr |= out_printf(&of[F_SECTORS], "code,name,tradable,theta\n");
    for (int j = 0; j < J; j++) {
        safe_label(lab, sizeof lab, ds->scode[j]);
        safe_label(lab2, sizeof lab2, ds->sname[j]);
        werr |= out_printf(&of[F_SECTORS], "%s,%s,%d,%s\n", lab, lab2, ds->tradable[j], num(n1, ds->theta[j]));
    }
    werr |= out_printf(&of[F_GROUPS], "kind,group,code\n");
    for (int g = 0; g < ds->ngroups; g++)
        for (int k = 0; k < ds->groups[g].count; k++) {
            int reg = ds->groups[g].kind == TQ_GROUP_REGION;
            int m = ds->groups[g].members[k];
            safe_label(lab, sizeof lab, ds->groups[g].name);
            werr |= out_printf(&of[F_GROUPS], "%s,%s,%s\n", reg ? "region" : "sector", lab,
                               reg ? ds->rcode[m] : ds->scode[m]);
        }
    werr |= out_printf(&of[F_FLOWS], "%sexporter,importer,sector,value,tariff\n", yh);
    werr |= out_printf(&of[F_IO], "%sregion,input,sector,share\n", yh);
    werr |= out_printf(&of[F_SHARES], "%sregion,sector,va_share,final_share\n", yh);
    werr |= out_printf(&of[F_ACCOUNTS], "%sregion,value_added,deficit\n", yh);
    for (int y = 0; y < ds->Y && !werr; y++) {
        char yp[24] = "";
        if (ycol)
            snprintf(yp, sizeof yp, "%d,", ds->year[y]);
        const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
        const double *t = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
        const double *gamma = tq_dataset_array_const(ds, TQ_GAMMA, y, NULL);
        const double *beta = tq_dataset_array_const(ds, TQ_BETA, y, NULL);
        const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, y, NULL);
        const double *VA = tq_dataset_array_const(ds, TQ_VA, y, NULL);
        const double *D = tq_dataset_array_const(ds, TQ_DEFICIT, y, NULL);
        for (int i = 0; i < N && !werr; i++)
            for (int n = 0; n < N; n++)
                for (int j = 0; j < J; j++) {
                    size_t a = TQ_NIJ(N, J, n, i, j);
                    /* cells with no flow and no tariff are omitted: absent rows read as 0 */
                    if (Z[a] != 0 || t[a] != 0)
                        werr |= out_printf(&of[F_FLOWS], "%s%s,%s,%s,%s,%s\n", yp, ds->rcode[i], ds->rcode[n],
                                           ds->scode[j], num(n1, Z[a]), num(n2, t[a]));
                }
        if (ds->has_io) {
            for (int n = 0; n < N; n++) {
                for (int k = 0; k < J; k++)
                    for (int j = 0; j < J; j++) {
                        double g = gamma[TQ_NKJ(J, n, k, j)];
                        if (g != 0)
                            werr |= out_printf(&of[F_IO], "%s%s,%s,%s,%s\n", yp, ds->rcode[n], ds->scode[k],
                                               ds->scode[j], num(n1, g));
                    }
                for (int j = 0; j < J; j++)
                    werr |= out_printf(&of[F_SHARES], "%s%s,%s,%s,%s\n", yp, ds->rcode[n], ds->scode[j],
                                       num(n1, beta[TQ_NJ(J, n, j)]), num(n2, alpha[TQ_NJ(J, n, j)]));
                werr |= out_printf(&of[F_ACCOUNTS], "%s%s,%s,%s\n", yp, ds->rcode[n], num(n1, VA[n]), num(n2, D[n]));
            }
        }
    }
    if (werr)
        st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "write failed (disk full?)");
finish:
    for (int f = 0; f < F_COUNT; f++) {
        tq_status s2 = out_close(ctx, &of[f], st == TQ_OK);
        if (!st && s2)
            st = s2;
    }
    /* all parts written: move them into place (a no-IO dataset omits the IO files) */
    for (int f = 0; f < F_COUNT && !st; f++) {
        int skip =
            (!ds->has_io && (f == F_IO || f == F_SHARES || f == F_ACCOUNTS)) || (f == F_GROUPS && ds->ngroups == 0);
        if (skip) {
            unlink(of[f].part_path);
            continue;
        }
        if (rename(of[f].part_path, of[f].final_path) != 0)
            st = tq__error(ctx, TQ_ERR_IO, of[f].final_path, 0, NULL, "cannot rename: %s", strerror(errno));
    }
    if (st)
        for (int f = 0; f < F_COUNT; f++)
            if (of[f].part_path)
                unlink(of[f].part_path);
    for (int f = 0; f < F_COUNT; f++)
        out_free(ctx, &of[f]);
    return st;
}
