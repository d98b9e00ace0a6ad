/* The validation layer between the data or a scenario and the solver (validate.h), and
 * the check of a result before it is written or reported (tq_result_validate). */
#include "validate.h"

#include "ge.h"

#include <math.h>
#include <stdio.h>

/* where may be NULL (dataset values): then field is what and file is empty. */
static tq_status bad(tq_context *ctx, const char *where, const char *field, const char *what, const char *fmt, double v,
                     double lo, double hi)
{
    char msg[200];
    snprintf(msg, sizeof msg, fmt, v, lo, hi);
    return tq__error(ctx, TQ_ERR_INVALID, where, 0, field, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

tq_status tq__valid_theta(tq_context *ctx, const char *where, const char *field, const char *what, double theta)
{
    if (isfinite(theta) && theta >= TQ__THETA_MIN && theta <= TQ__THETA_MAX)
        return TQ_OK;
    return bad(ctx, where, field, what, "theta %g outside the range [%g, %g]", theta, TQ__THETA_MIN, TQ__THETA_MAX);
}

tq_status tq__valid_tariff(tq_context *ctx, const char *where, const char *field, const char *what, double t)
{
    const double f = 1.0 + t;
    if (isfinite(f) && f > 0 && f <= TQ__FACTOR_MAX)
        return TQ_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "tariff %.6g%% (1+t = %g) outside the range 1+t in (0, %g]", 100 * t, f, TQ__FACTOR_MAX);
    return tq__error(ctx, TQ_ERR_INVALID, where, 0, field, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

tq_status tq__valid_factor(tq_context *ctx, const char *where, const char *field, const char *what, double f)
{
    if (isfinite(f) && f > 0 && f <= TQ__FACTOR_MAX)
        return TQ_OK;
    return bad(ctx, where, field, what, "factor %g outside the range (%g, %g]", f, 0.0, TQ__FACTOR_MAX);
}

tq_status tq__valid_iceberg(tq_context *ctx, const char *where, const char *field, const char *what, double d)
{
    if (isfinite(d) && d >= TQ__ICEBERG_MIN && d <= TQ__FACTOR_MAX)
        return TQ_OK;
    return bad(ctx, where, field, what, "trade-cost change d^ = %g outside the range [%g, %g]", d, TQ__ICEBERG_MIN,
               TQ__FACTOR_MAX);
}

tq_status tq__valid_partial(tq_context *ctx, const char *where, const char *field, const char *what, double b)
{
    if (isfinite(b) && fabs(b) <= TQ__PARTIAL_MAX)
        return TQ_OK;
    return bad(ctx, where, field, what, "partial effect %g outside the range [%g, %g]", b, -TQ__PARTIAL_MAX,
               TQ__PARTIAL_MAX);
}

tq_status tq__valid_flow(tq_context *ctx, const char *where, const char *field, const char *what, double v)
{
    if (isfinite(v) && v >= 0)
        return TQ_OK;
    return tq__error(ctx, TQ_ERR_INVALID, where, 0, field, "%s%svalue %g is not a finite non-negative number",
                     what ? what : "", what ? ": " : "", v);
}

tq_status tq__valid_deficit(tq_context *ctx, const char *where, const char *field, const char *what, double d,
                            double va)
{
    if (isfinite(d) && va + d > 0)
        return TQ_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "deficit %.6g leaves income at or below 0 (value added %.6g; need deficit > %.6g)", d, va,
             -va);
    return tq__error(ctx, TQ_ERR_INVALID, where, 0, field, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

/* ------------------------------------------------------------- results --- */

static const char *const res_names[TQ_RES_ARRAY_COUNT] = {
    "w^",         "P^",        "c^",        "pi'", "X'",  "I'",  "R'",      "D'",
    "welfare",    "EV",        "real wage", "CPI", "ToT", "VoT", "ToT+VoT", "decomposition gap",
    "ToT[n,i,j]", "VoT[n,i,j]"};

tq_status tq_result_validate(tq_context *ctx, const tq_result *r)
{
    if (!r)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "result", "no result to check");
    const int N = r->N, J = r->J;
    /* every array that is there (the lazy [n,i,j] ones only once computed) */
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++) {
        const double *v = r->arr[a];
        if (a == TQ_RES_PI)
            v = r->pi_valid ? r->pi : NULL;
        else if (a == TQ_RES_TOT_NIJ)
            v = r->nij_valid ? r->nij : NULL;
        else if (a == TQ_RES_VOT_NIJ)
            v = r->nij_valid ? r->nij + r->len[TQ_RES_TOT_NIJ] : NULL;
        if (!v)
            continue;
        for (size_t k = 0; k < r->len[a]; k++)
            if (!isfinite(v[k]))
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, res_names[a],
                                 "the result's %s has a non-finite value (%g at index %zu): not written", res_names[a],
                                 v[k], k);
    }
    const double *w = r->arr[TQ_RES_WHAT], *P = r->arr[TQ_RES_PHAT], *c = r->arr[TQ_RES_CHAT];
    const double *I = r->arr[TQ_RES_INCOME];
    for (int n = 0; n < N; n++) {
        if (!(w[n] > 0))
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "w^", "region %d: wage change w^ = %g is not positive", n,
                             w[n]);
        if (!(I[n] > 0))
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "I'", "region %d: income I' = %g is not positive", n, I[n]);
        for (int j = 0; j < J; j++) {
            const size_t k = TQ_NJ(J, n, j);
            if (!(P[k] > 0) || !(c[k] > 0))
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, !(P[k] > 0) ? "P^" : "c^",
                                 "region %d sector %d: price change %s = %g is not positive", n, j,
                                 !(P[k] > 0) ? "P^" : "c^", !(P[k] > 0) ? P[k] : c[k]);
        }
    }
    return TQ_OK;
}
