/* The public face of the Liberation-Day model (include/tradeq.h, "Liberation-Day
 * model"): the data, the calibrated baseline and one workspace behind one handle. */
#include "liberation.h"

#include <string.h>

struct tq_liberation {
    tq_context *ctx;
    tq__lib_data *d;
    tq__lib_base *b;
    tq__lib_ws *ws;
    tq__lib_out out;
};

void tq_liberation_free(tq_liberation *m)
{
    if (!m)
        return;
    tq__lib_ws_free(m->ws);
    tq__lib_base_free(m->b);
    tq__lib_data_free(m->d);
    tq__free(m->ctx, m);
}

tq_status tq_liberation_new(tq_context *ctx, const char *dir, tq_liberation **out)
{
    *out = NULL;
    tq_liberation *m = tq__calloc(ctx, 1, sizeof *m);
    if (!m)
        return TQ_ERR_NOMEM;
    m->ctx = ctx;
    tq_status st;
    if ((st = tq__lib_data_load(ctx, dir, &m->d)) || (st = tq__lib_base_new(ctx, m->d, &m->b)) ||
        (st = tq__lib_ws_new(ctx, m->b, &m->ws))) {
        tq_liberation_free(m);
        return st;
    }
    *out = m;
    return TQ_OK;
}

int tq_liberation_regions(const tq_liberation *m)
{
    return m ? m->b->N : 0;
}

const char *tq_liberation_region_code(const tq_liberation *m, int i)
{
    return m && i >= 0 && i < m->b->N ? m->d->code[i] : NULL;
}

int tq_liberation_find_region(const tq_liberation *m, const char *code)
{
    if (!m || !code)
        return -1;
    for (int i = 0; i < m->b->N; i++)
        if (!strcmp(m->d->code[i], code))
            return i;
    return -1;
}

double tq_liberation_expenditure(const tq_liberation *m, int i)
{
    return m && i >= 0 && i < m->b->N ? m->b->E[i] : 0.0;
}

const char *tq_liberation_case_name(int k)
{
    const char *s = tq__lib_case_name(k);
    return *s ? s : NULL;
}

tq_status tq_liberation_case_tariffs(tq_liberation *m, int k, double *t)
{
    return tq__lib_case_tariffs(m->ws, k, t);
}

static void fill(const tq_liberation *m, tq_liberation_result *r)
{
    const tq__lib_out *o = &m->out;
    r->regions = m->b->N;
    r->welfare = o->welfare;
    r->deficit = o->deficit;
    r->exports_gdp = o->exports_gdp;
    r->imports_gdp = o->imports_gdp;
    r->employment = o->employment;
    r->cpi = o->cpi;
    r->revenue = o->revenue;
    r->trade_gdp = o->trade_gdp;
    r->employment_global = o->employment_global;
    r->residual = o->residual;
    r->iterations = o->iterations;
}

tq_status tq_liberation_solve_case(tq_liberation *m, int k, tq_liberation_result *res)
{
    memset(res, 0, sizeof *res);
    tq_status st = tq__lib_solve_case(m->ws, k, &m->out);
    if (!st)
        fill(m, res);
    return st;
}

tq_status tq_liberation_solve(tq_liberation *m, const double *t, int lump_sum, tq_liberation_result *res)
{
    memset(res, 0, sizeof *res);
    tq_status st = tq__lib_solve_tariffs(m->ws, t, lump_sum, &m->out);
    if (!st)
        fill(m, res);
    return st;
}

double tq_liberation_average(const tq_liberation *m, const double *r, const unsigned char *mask)
{
    return tq__lib_eavg(m->b, r, mask);
}
