/* Plausibility of a dataset's headline aggregates against official figures.
 *
 * data/checks/official.csv lists, per dataset and year, an official figure (USD bn) with
 * its source, a tolerance in percent and why the bases differ. tq_dataset_plausibility
 * computes the same measure from the dataset and reports the difference; a row beyond its
 * tolerance is flagged (data/PROVENANCE.md explains every flagged row). Measures:
 *   goods_balance, services_balance: exports minus imports of region with partner
 *     (pre-tariff flows Z, tq_balance) summed over the sector group "goods" / "services";
 *   tariff_revenue: sum over partners and sectors of t Z levied by region (partner empty). */
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* The measure of row r in ds, M USD. */
static tq_status compute(tq__csv *c, const tq_dataset *ds, const tq_plausibility_row *r, const int *col, double *out)
{
    tq_context *ctx = c->ctx;
    const int y = tq_dataset_find_year(ds, r->year);
    if (y < 0)
        return tq__csv_error(c, TQ_ERR_NOT_FOUND, col[1], "year %d is not in dataset '%s'", r->year, r->dataset);
    const int a = tq_dataset_find_region(ds, r->region);
    if (a < 0)
        return tq__csv_error(c, TQ_ERR_NOT_FOUND, col[3], "region '%s' is not in dataset '%s'", r->region, r->dataset);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    if (!strcmp(r->measure, "tariff_revenue")) {
        if (r->partner[0])
            return tq__csv_error(c, TQ_ERR_PARSE, col[4], "tariff_revenue takes no partner (it sums over all)");
        const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
        const double *T = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
        double rev = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++)
                rev += T[TQ_NIJ(N, J, a, i, j)] * Z[TQ_NIJ(N, J, a, i, j)];
        *out = rev;
        return TQ_OK;
    }
    const char *group = !strcmp(r->measure, "goods_balance")      ? "goods"
                        : !strcmp(r->measure, "services_balance") ? "services"
                                                                  : NULL;
    if (!group)
        return tq__csv_error(c, TQ_ERR_PARSE, col[2],
                             "unknown measure '%s' (goods_balance, services_balance or tariff_revenue)", r->measure);
    const int b = tq_dataset_find_region(ds, r->partner);
    if (b < 0 || b == a)
        return tq__csv_error(c, TQ_ERR_NOT_FOUND, col[4], "partner '%s' is not another region of dataset '%s'",
                             r->partner, r->dataset);
    const int count = tq_dataset_group(ds, TQ_GROUP_SECTOR, group, NULL);
    if (count <= 0)
        return tq__csv_error(c, TQ_ERR_NOT_FOUND, col[2], "dataset '%s' has no sector group '%s'", r->dataset, group);
    int *members = tq__malloc(ctx, (size_t)count * sizeof *members);
    double *ex = tq__malloc(ctx, (size_t)J * sizeof *ex), *im = tq__malloc(ctx, (size_t)J * sizeof *im);
    tq_status st = TQ_ERR_NOMEM;
    if (members && ex && im) {
        tq_dataset_group(ds, TQ_GROUP_SECTOR, group, members);
        st = tq_balance(ctx, ds, y, a, b, ex, im);
        if (st == TQ_OK) {
            double bal = 0;
            for (int k = 0; k < count; k++)
                bal += ex[members[k]] - im[members[k]];
            *out = bal;
        }
    }
    tq__free(ctx, members);
    tq__free(ctx, ex);
    tq__free(ctx, im);
    return st;
}

tq_status tq_dataset_plausibility(tq_context *ctx, const tq_dataset *ds, const char *csv_path,
                                  tq_plausibility_row **rows, int *count)
{
    if (!ds || !csv_path || !rows || !count)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "tq_dataset_plausibility: NULL argument");
    *rows = NULL;
    *count = 0;
    static const char *const want[] = {"dataset",  "year",   "measure",       "region", "partner",
                                       "value_bn", "source", "tolerance_pct", "basis"};
    enum { NCOL = 9 };
    int col[NCOL];
    tq__csv c;
    tq_status st = tq__csv_open(ctx, &c, csv_path, ',');
    if (st)
        return st;
    if ((st = tq__csv_read_header(&c, want, NCOL, col))) {
        tq__csv_close(&c);
        return st;
    }
    int maxcol = 0;
    for (int k = 0; k < NCOL; k++)
        if (col[k] > maxcol)
            maxcol = col[k];
    tq_plausibility_row *out = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = tq__csv_next(&c)) > 0) {
        if ((st = tq__csv_need(&c, maxcol + 1)) || (c.nfields > c.nheader && (st = tq__csv_exact(&c, c.nheader))))
            break;
        if (strcasecmp(tq__csv_str(&c, col[0]), tq_dataset_name(ds)) != 0)
            continue;
        if (n == cap) {
            int ncap = cap ? 2 * cap : 8;
            tq_plausibility_row *grown = tq__calloc(ctx, (size_t)ncap, sizeof *grown);
            if (!grown) {
                st = TQ_ERR_NOMEM;
                break;
            }
            if (n)
                memcpy(grown, out, (size_t)n * sizeof *out);
            tq__free(ctx, out);
            out = grown;
            cap = ncap;
        }
        tq_plausibility_row *r = &out[n];
        memset(r, 0, sizeof *r);
        long year;
        if ((st = tq__csv_int(&c, col[1], &year)) || (st = tq__csv_double(&c, col[5], &r->official_bn)) ||
            (st = tq__csv_double(&c, col[7], &r->tolerance_pct)))
            break;
        if (r->official_bn == 0 || r->tolerance_pct < 0) {
            st = tq__csv_error(&c, TQ_ERR_PARSE, r->official_bn == 0 ? col[5] : col[7],
                               "an official figure must be non-zero and a tolerance non-negative");
            break;
        }
        r->year = (int)year;
        copy_field(r->dataset, sizeof r->dataset, tq__csv_str(&c, col[0]));
        copy_field(r->measure, sizeof r->measure, tq__csv_str(&c, col[2]));
        copy_field(r->region, sizeof r->region, tq__csv_str(&c, col[3]));
        copy_field(r->partner, sizeof r->partner, tq__csv_str(&c, col[4]));
        copy_field(r->source, sizeof r->source, tq__csv_str(&c, col[6]));
        copy_field(r->basis, sizeof r->basis, tq__csv_str(&c, col[8]));
        double musd = 0;
        if ((st = compute(&c, ds, r, col, &musd)))
            break;
        r->data_bn = musd / 1000.0;
        r->diff_pct = 100.0 * (r->data_bn - r->official_bn) / fabs(r->official_bn);
        r->flagged = fabs(r->diff_pct) > r->tolerance_pct;
        n++;
    }
    if (rc < 0 && !st)
        st = (tq_status)rc;
    tq__csv_close(&c);
    if (st) {
        tq__free(ctx, out);
        return st;
    }
    *rows = out;
    *count = n;
    return TQ_OK;
}

void tq_plausibility_free(tq_context *ctx, tq_plausibility_row *rows)
{
    if (rows)
        tq__free(ctx, rows);
}
