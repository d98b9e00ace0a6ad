/* Reader for a square bilateral trade matrix with GDP, one sector (shared/data/
 * liberation2025; docs/formats/square.md).
 *
 * Files: country_labels.csv (iso3,iso_code,CountryName; iso_code = row number),
 * trade_cepii.csv (N x N, header export_ij1..export_ijN, row = exporter, column =
 * importer, thousands of USD, empty = no flow, diagonal empty), gdp.csv (gdp, USD).
 * Domestic absorption is built as in Ignatenko, Macedoni, Lashkaripour & Simonovska
 * (2025): Z[n,n] = GDP[n] - exports[n], set to 0 where negative (their code does the
 * same). tariffs.csv (the April-2025 US tariffs) is a scenario, not the baseline: the
 * baseline tariffs are zero and tq__square_us_tariffs() reads the file. */
#include "readers_extra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYOUT "square matrix (docs/formats/square.md)"
#define YEAR 2023 /* BACI 2023 and WDI 2023; the files carry no year */

/* country_labels.csv: codes and names, iso_code must be 1..N in order. */
static tq_status read_countries(tq_context *ctx, const char *dir, int *N, char ***code, char ***name)
{
    *N = 0;
    *code = *name = NULL;
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "country_labels.csv", LAYOUT, NULL);
    if (st)
        return st;
    static const char *const want[] = {"iso3", "iso_code", "CountryName"};
    int col[3], cap = 0, r;
    tq__index ix;
    memset(&ix, 0, sizeof ix);
    st = tq__csv_read_header(&c, want, 3, col);
    if (!st)
        st = tq__index_init(ctx, &ix, 256);
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        long id;
        if ((st = tq__csv_exact(&c, c.nheader)) || (st = tq__csv_int(&c, col[1], &id)))
            break;
        if (id != *N + 1) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[1],
                               "iso_code %ld out of order: expected %d (the matrix rows follow this file)", id, *N + 1);
            break;
        }
        const char *s = tq__csv_str(&c, col[0]);
        if (!*s) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[0], "empty country code");
            break;
        }
        st = tq__index_put(&ix, s, *N);
        if (st == TQ_ERR_INVALID)
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "duplicate country code '%s'", s);
        if (st)
            break;
        if (*N == cap) {
            cap = cap ? 2 * cap : 256;
            char **a = tq__realloc(ctx, *code, sizeof(char *) * (size_t)cap);
            if (a)
                *code = a;
            char **b = a ? tq__realloc(ctx, *name, sizeof(char *) * (size_t)cap) : NULL;
            if (b)
                *name = b;
            if (!a || !b) {
                st = TQ_ERR_NOMEM;
                break;
            }
        }
        (*code)[*N] = tq__strdup(ctx, s);
        (*name)[*N] = tq__strdup(ctx, tq__csv_str(&c, col[2]));
        (*N)++;
        if (!(*code)[*N - 1] || !(*name)[*N - 1])
            st = TQ_ERR_NOMEM;
    }
    if (!st && *N == 0)
        st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, NULL, "no countries");
    tq__index_free(&ix);
    tq__csv_close(&c);
    return st;
}

/* A one-column file with exactly N rows (gdp.csv, tariffs.csv) into v[N]. */
static tq_status read_column(tq_context *ctx, const char *dir, const char *file, const char *colname, int N,
                             int positive, double *v)
{
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, file, LAYOUT, NULL);
    if (st)
        return st;
    const char *want[] = {colname};
    int col, n = 0, r;
    st = tq__csv_read_header(&c, want, 1, &col);
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, c.nheader)))
            break;
        if (n == N) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col, "more rows than the %d countries of country_labels.csv", N);
            break;
        }
        if ((st = tq__csv_double(&c, col, &v[n])))
            break;
        if (positive ? !(v[n] > 0) : v[n] < 0) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, col, "%s must be %s, not %g", colname, positive ? "> 0" : ">= 0",
                               v[n]);
            break;
        }
        n++;
    }
    if (!st && n < N)
        st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, colname,
                       "%d rows, expected one per country of country_labels.csv (%d)", n, N);
    tq__csv_close(&c);
    return st;
}

/* trade_cepii.csv into Z (importer-first), M USD. */
static tq_status read_matrix(tq_context *ctx, const char *dir, int N, double *Z)
{
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "trade_cepii.csv", LAYOUT, NULL);
    if (st)
        return st;
    st = tq__csv_read_header(&c, NULL, 0, NULL);
    if (!st && c.nheader != N)
        st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, tq__csv_colname(&c, c.nheader < N ? c.nheader - 1 : N),
                       "%d columns, expected one per country of country_labels.csv (%d)", c.nheader, N);
    for (int k = 0; !st && k < N; k++) {
        char want[32];
        snprintf(want, sizeof want, "export_ij%d", k + 1);
        if (strcmp(c.header[k], want) != 0)
            st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, c.header[k], "column %d is '%s', expected '%s'", k + 1,
                           c.header[k], want);
    }
    int i = 0, r;
    while (!st && (r = tq__csv_next(&c)) != 0) {
        if (r < 0) {
            st = (tq_status)r;
            break;
        }
        if ((st = tq__csv_exact(&c, N)))
            break;
        if (i == N) {
            st = tq__csv_error(&c, TQ_ERR_INVALID, 0, "more rows than the %d countries", N);
            break;
        }
        for (int n = 0; n < N; n++) {
            double v;
            if ((st = tq__csv_double_or(&c, n, 0.0, &v)))
                break;
            if (v < 0) {
                st = tq__csv_error(&c, TQ_ERR_INVALID, n, "negative flow %g", v);
                break;
            }
            if (n == i && v != 0) {
                st = tq__csv_error(&c, TQ_ERR_INVALID, n,
                                   "the diagonal must be empty: domestic absorption is built from GDP");
                break;
            }
            Z[TQ_NIJ(N, 1, n, i, 0)] = v / 1e3; /* thousands -> millions of USD */
        }
        i++;
    }
    if (!st && i < N)
        st = tq__error(ctx, TQ_ERR_INVALID, c.path, c.line, NULL,
                       "%d rows, expected one per country of country_labels.csv (%d)", i, N);
    tq__csv_close(&c);
    return st;
}

tq_status tq__read_square(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    int N = 0;
    char **code = NULL, **name = NULL;
    double *gdp = NULL;
    tq_dataset *ds = NULL;
    tq_status st = read_countries(ctx, dir, &N, &code, &name);
    if (!st) {
        gdp = tq__calloc(ctx, (size_t)N, sizeof(double));
        st = gdp ? read_column(ctx, dir, "gdp.csv", "gdp", N, 1, gdp) : TQ_ERR_NOMEM;
    }
    if (!st)
        st = tq_dataset_new(ctx, N, 1, 1, &ds);
    if (!st)
        st = read_matrix(ctx, dir, N, tq_dataset_array(ds, TQ_Z, 0, NULL));
    for (int n = 0; !st && n < N; n++)
        st = tq_dataset_set_region(ds, n, code[n], name[n]);
    if (!st)
        st = tq_dataset_set_sector(ds, 0, "ALL", "All goods (BACI HS22)", 1);
    if (!st)
        st = tq_dataset_set_year(ds, 0, YEAR);
    if (!st) {
        char base[128];
        tq__dir_basename(dir, base, sizeof base);
        st = tq_dataset_set_name(ds, base[0] ? base : "square",
                                 "square bilateral matrix (trade_cepii.csv, kUSD) with GDP (gdp.csv, USD); "
                                 "domestic = GDP - exports; theta default 4");
    }
    if (!st) {
        double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
        int clipped = 0;
        char list[256] = "";
        for (int n = 0; n < N; n++) {
            double x = 0;
            for (int m = 0; m < N; m++)
                if (m != n)
                    x += Z[TQ_NIJ(N, 1, m, n, 0)];
            double dom = gdp[n] / 1e6 - x;
            if (dom < 0) {
                /* exports above GDP (re-exports, ship registries: GMB and MHL in 2023);
                 * the paper's code sets these to zero too */
                clipped++;
                size_t l = strlen(list);
                if (l + 8 < sizeof list)
                    snprintf(list + l, sizeof list - l, "%s%s", l ? " " : "", code[n]);
                dom = 0;
            }
            Z[TQ_NIJ(N, 1, n, n, 0)] = dom;
        }
        if (clipped)
            tq__log(ctx, TQ_LOG_WARN, "%s: exports exceed GDP for %d countries (%s): domestic absorption set to 0", dir,
                    clipped, list);
        tq_dataset_array(ds, TQ_THETA, 0, NULL)[0] = TQ__THETA_DEFAULT;
        st = tq_dataset_fill_no_io(ctx, ds); /* gamma 0, beta 1, VA = output, alpha 1, D; derives */
    }
    for (int n = 0; n < N; n++) {
        tq__free(ctx, code[n]);
        tq__free(ctx, name[n]);
    }
    tq__free(ctx, code);
    tq__free(ctx, name);
    tq__free(ctx, gdp);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}

tq_status tq__square_us_tariffs(tq_context *ctx, const char *dir, const tq_dataset *ds, double floor, double *tariff)
{
    const int N = tq_dataset_regions(ds);
    if (tq_dataset_sectors(ds) != 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the square layout has one sector, not %d",
                         tq_dataset_sectors(ds));
    int us = tq_dataset_find_region(ds, "USA");
    if (us < 0)
        return tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "iso3", "no region USA in the dataset");
    double *t = tq__calloc(ctx, (size_t)N, sizeof(double));
    if (!t)
        return TQ_ERR_NOMEM;
    tq_status st = read_column(ctx, dir, "tariffs.csv", "applied_tariff", N, 0, t);
    if (!st) {
        memset(tariff, 0, sizeof(double) * (size_t)N * (size_t)N);
        for (int i = 0; i < N; i++)
            if (i != us)
                tariff[TQ_NIJ(N, 1, us, i, 0)] = t[i] > floor ? t[i] : floor;
    }
    tq__free(ctx, t);
    return st;
}
