/* Reader for the data of Ossa (2014, "Trade Wars and Trade Talks with Data", AER
 * 104(12)), in the CSV layout of his replication files (docs/formats/ossa2014.md).
 * GTAP-derived: read for tests and comparisons, never shipped.
 *
 * Files (no headers unless noted):
 *   regions.csv      header "No.,String": N region names in order
 *   labels.csv       J industry codes (quoted) in order
 *   sectors.csv      header "No.,String,String": code and name of each industry (names
 *                    only; it may list more industries than labels.csv)
 *   trade_ijs.csv    N*J rows x N columns: row s*N + i, column j = the pre-tariff flow
 *                    from exporter i to importer j in industry s
 *   tariff_ijs.csv   the same layout: the tariff j levies on i in industry s
 *   sigma_s.csv      J rows: the elasticity of substitution sigma_s in the first column
 *                    (his main estimates; the others are his robustness variants)
 * The dataset has no input-output table: gamma 0, beta 1, VA = sales, alpha = spending
 * shares (tq_dataset_fill_no_io), theta = sigma - 1 (the trade elasticity of the model;
 * the Ossa model reads sigma = theta + 1 back). */
#include "readers_extra.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define LAYOUT "Ossa (2014) layout (docs/formats/ossa2014.md)"
#define YEAR 2007 /* GTAP 8, base year 2007 */
#define MAXN 64
#define MAXJ 256

/* ISO-like codes for the names of his regions; other names get their first letters. */
static void region_code(const char *name, char *code, size_t n)
{
    static const char *const map[][2] = {{"Brazil", "BRA"}, {"China", "CHN"}, {"EU", "EU"},  {"India", "IND"},
                                         {"Japan", "JPN"},  {"ROW", "ROW"},   {"US", "USA"}, {"USA", "USA"}};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (!strcmp(name, map[k][0])) {
            snprintf(code, n, "%s", map[k][1]);
            return;
        }
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < n && o < 3; p++)
        if (isalnum((unsigned char)*p))
            code[o++] = (char)toupper((unsigned char)*p);
    code[o] = 0;
}

/* A headerless numeric matrix of `rows` x `cols` into out (row-major). */
static tq_status read_matrix(tq_context *ctx, const char *dir, const char *file, int rows, int cols, int use_cols,
                             double *out)
{
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, file, LAYOUT, NULL);
    if (st)
        return st;
    int r = 0, k;
    while (!st && (k = tq__csv_next(&c)) != 0) {
        if (k < 0) {
            st = (tq_status)k;
            break;
        }
        if (r >= rows) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, 0, "more than %d rows", rows);
            break;
        }
        if ((st = tq__csv_exact(&c, cols)))
            break;
        for (int q = 0; q < use_cols && !st; q++)
            st = tq__csv_double(&c, q, &out[(size_t)r * use_cols + q]);
        r++;
    }
    if (!st && r != rows)
        st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, NULL, "%d rows, expected %d", r, rows);
    tq__csv_close(&c);
    return st;
}

/* labels.csv: the industry codes (one per row). */
static tq_status read_labels(tq_context *ctx, const char *dir, int *J, char code[][16])
{
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "labels.csv", LAYOUT, NULL);
    if (st)
        return st;
    int k;
    *J = 0;
    while (!st && (k = tq__csv_next(&c)) != 0) {
        if (k < 0) {
            st = (tq_status)k;
            break;
        }
        const char *s = tq__csv_str(&c, 0);
        if (!*s || strlen(s) >= 16)
            st = tq__csv_error(&c, TQ_ERR_PARSE, 0, "industry code '%s' empty or longer than 15 characters", s);
        else if (*J >= MAXJ)
            st = tq__csv_error(&c, TQ_ERR_PARSE, 0, "more than %d industries", MAXJ);
        else
            snprintf(code[(*J)++], 16, "%s", s);
    }
    tq__csv_close(&c);
    if (!st && *J == 0)
        st = tq__error(ctx, TQ_ERR_PARSE, dir, 0, "labels.csv", "no industries");
    return st;
}

/* regions.csv: the region names in order (header No.,String). */
static tq_status read_regions(tq_context *ctx, const char *dir, int *N, char name[][64])
{
    tq__csv c;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "regions.csv", LAYOUT, NULL);
    if (st)
        return st;
    static const char *const want[] = {"No.", "String"};
    int col[2], k;
    *N = 0;
    st = tq__csv_read_header(&c, want, 2, col);
    while (!st && (k = tq__csv_next(&c)) != 0) {
        if (k < 0) {
            st = (tq_status)k;
            break;
        }
        long id;
        if ((st = tq__csv_need(&c, 2)) || (st = tq__csv_int(&c, col[0], &id)))
            break;
        const char *s = tq__csv_str(&c, col[1]);
        if (id != *N + 1)
            st = tq__csv_error(&c, TQ_ERR_INVALID, col[0], "region number %ld out of order: expected %d", id, *N + 1);
        else if (!*s || strlen(s) >= 64)
            st = tq__csv_error(&c, TQ_ERR_PARSE, col[1], "region name empty or too long");
        else if (*N >= MAXN)
            st = tq__csv_error(&c, TQ_ERR_PARSE, 0, "more than %d regions", MAXN);
        else
            snprintf(name[(*N)++], 64, "%s", s);
    }
    tq__csv_close(&c);
    if (!st && *N < 2)
        st = tq__error(ctx, TQ_ERR_PARSE, dir, 0, "regions.csv", "fewer than two regions");
    return st;
}

/* sectors.csv (optional): names of the industries by code. */
static tq_status read_sector_names(tq_context *ctx, const char *dir, tq_dataset *ds)
{
    tq__csv c;
    int found = 0;
    tq_status st = tq__csv_open_in(ctx, &c, dir, "sectors.csv", NULL, &found);
    if (st || !found)
        return st;
    st = tq__csv_read_header(&c, NULL, 0, NULL);
    int k;
    while (!st && (k = tq__csv_next(&c)) != 0) {
        if (k < 0) {
            st = (tq_status)k;
            break;
        }
        if ((st = tq__csv_need(&c, 3)))
            break;
        const int j = tq_dataset_find_sector(ds, tq__csv_str(&c, 1));
        if (j < 0)
            continue;
        /* a quoted name with commas ("Chemical,rubber,plastic prods") arrives split in
         * fields 2.. with its quotes on the ends: join them back */
        char name[256] = "";
        size_t o = 0;
        for (int f = 2; f < c.nfields && o + 1 < sizeof name; f++) {
            snprintf(name + o, sizeof name - o, "%s%s", f > 2 ? "," : "", tq__csv_str(&c, f));
            o = strlen(name);
        }
        if (o && name[o - 1] == '"')
            name[--o] = 0;
        st = tq_dataset_set_sector(ds, j, tq__csv_str(&c, 1), name[0] == '"' ? name + 1 : name, 1);
    }
    tq__csv_close(&c);
    return st;
}

tq_status tq__read_ossa(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    char(*names)[64] = tq__calloc(ctx, MAXN, sizeof *names);
    char(*codes)[16] = tq__calloc(ctx, MAXJ, sizeof *codes);
    int N = 0, J = 0;
    double *trade = NULL, *tariff = NULL, *sigma = NULL;
    tq_dataset *ds = NULL;
    tq_status st = names && codes ? TQ_OK : TQ_ERR_NOMEM;
    if (!st)
        st = read_regions(ctx, dir, &N, names);
    if (!st)
        st = read_labels(ctx, dir, &J, codes);
    if (!st) {
        const size_t NNJ = (size_t)N * N * J;
        trade = tq__malloc(ctx, 2 * NNJ * sizeof(double) + (size_t)J * sizeof(double));
        if (!trade)
            st = TQ_ERR_NOMEM;
        else {
            tariff = trade + NNJ;
            sigma = tariff + NNJ;
        }
    }
    if (!st)
        st = read_matrix(ctx, dir, "trade_ijs.csv", N * J, N, N, trade);
    if (!st)
        st = read_matrix(ctx, dir, "tariff_ijs.csv", N * J, N, N, tariff);
    if (!st) {
        /* sigma_s.csv: J rows, any number of columns; the first is used */
        tq__csv c;
        memset(&c, 0, sizeof c);
        st = tq__csv_open_in(ctx, &c, dir, "sigma_s.csv", LAYOUT, NULL);
        int r = 0, k;
        while (!st && (k = tq__csv_next(&c)) != 0) {
            if (k < 0) {
                st = (tq_status)k;
                break;
            }
            if (r >= J) {
                st = tq__csv_error(&c, TQ_ERR_PARSE, 0, "more than %d rows (one per industry of labels.csv)", J);
                break;
            }
            if ((st = tq__csv_double(&c, 0, &sigma[r])))
                break;
            if (!(sigma[r] > 1)) {
                st = tq__csv_error(&c, TQ_ERR_INVALID, 0, "sigma %g must exceed 1", sigma[r]);
                break;
            }
            r++;
        }
        if (!st && r != J)
            st = tq__error(ctx, TQ_ERR_PARSE, c.path, c.line, NULL, "%d rows, expected %d (one per industry)", r, J);
        tq__csv_close(&c);
    }
    if (!st)
        st = tq_dataset_new(ctx, N, J, 1, &ds);
    for (int n = 0; n < N && !st; n++) {
        char code[16];
        region_code(names[n], code, sizeof code);
        st = tq_dataset_set_region(ds, n, code, names[n]);
    }
    for (int j = 0; j < J && !st; j++)
        st = tq_dataset_set_sector(ds, j, codes[j], codes[j], 1);
    if (!st)
        st = read_sector_names(ctx, dir, ds);
    if (!st)
        st = tq_dataset_set_year(ds, 0, YEAR);
    if (!st) {
        char base[128];
        tq__dir_basename(dir, base, sizeof base);
        st = tq_dataset_set_name(ds, base[0] ? base : "ossa2014",
                                 "Ossa (2014) AER replication data (GTAP-derived, 2007): flows, tariffs, sigma; "
                                 "theta = sigma - 1");
    }
    if (!st) {
        double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
        double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
        for (int s = 0; s < J; s++) {
            theta[s] = sigma[s] - 1.0;
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++) {
                    const size_t src = ((size_t)s * N + i) * N + j, c = TQ_NIJ(N, J, j, i, s);
                    if (trade[src] < 0) {
                        st = tq__error(ctx, TQ_ERR_INVALID, "trade_ijs.csv", (long)(s * N + i + 1), NULL,
                                       "negative flow %g", trade[src]);
                        break;
                    }
                    Z[c] = trade[src];
                    t[c] = i == j ? 0.0 : tariff[src];
                }
        }
    }
    if (!st)
        st = tq_dataset_fill_no_io(ctx, ds);
    tq__free(ctx, trade);
    tq__free(ctx, names);
    tq__free(ctx, codes);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}
