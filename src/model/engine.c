/* tq_solve and the result object: the counterfactual, welfare and the CP2015
 * terms-of-trade / volume-of-trade decomposition (MODEL.md "Welfare" and
 * "Welfare decomposition"). */
#include "ge.h"

#include <math.h>
#include <string.h>

static size_t res_len(tq_res a, size_t N, size_t J)
{
    switch (a) {
    case TQ_RES_PI:
    case TQ_RES_TOT_NIJ:
    case TQ_RES_VOT_NIJ: return N * N * J;
    case TQ_RES_PHAT:
    case TQ_RES_CHAT:
    case TQ_RES_X: return N * J;
    default: return N;
    }
}

tq_status tq__result_alloc(tq_context *ctx, int N, int J, tq_result **out)
{
    *out = NULL;
    tq_result *r = tq__calloc(ctx, 1, sizeof *r);
    if (!r)
        return TQ_ERR_NOMEM;
    r->ctx = ctx;
    r->N = N;
    r->J = J;
    size_t total = 0;
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++)
        total += res_len((tq_res)a, (size_t)N, (size_t)J);
    double *p = tq__calloc(ctx, total, sizeof(double));
    if (!p) {
        tq__free(ctx, r);
        return TQ_ERR_NOMEM;
    }
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++) {
        r->arr[a] = p;
        r->len[a] = res_len((tq_res)a, (size_t)N, (size_t)J);
        p += r->len[a];
    }
    *out = r;
    return TQ_OK;
}

void tq_result_free(tq_result *r)
{
    if (!r)
        return;
    tq__free(r->ctx, r->arr[0]);
    tq__free(r->ctx, r);
}

const tq_solve_info *tq_result_info(const tq_result *r)
{
    return &r->info;
}

const double *tq_result_array(const tq_result *r, tq_res which, size_t *len)
{
    if (!r || which < 0 || which >= TQ_RES_ARRAY_COUNT) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = r->len[which];
    return r->arr[which];
}

/* Welfare and the decomposition from the base b and the counterfactual in r.
 * MODEL.md: W^ = I^ / prod_j P^^alpha; real wage w^ / prod_j P^^alpha; EV = (W^-1) I_b.
 * Decomposition (CP2015's discrete form), M = X pi / (1+t), E[n,i,j] = M[i,n,j]:
 *   ToT[n] = sum_{i,j} ( E_b[n,i,j] (c^[n,j]-1) - M_b[n,i,j] (c^[i,j]-1) ) / I_b[n]
 *   VoT[n] = sum_{i,j} t_b[n,i,j] ( M_c[n,i,j] - M_b[n,i,j] c^[i,j] ) / I_b[n]. */
static void welfare(const tq_baseline *b, const double *t1, tq_result *r)
{
    const int N = b->N, J = b->J;
    const double *what = r->arr[TQ_RES_WHAT], *P = r->arr[TQ_RES_PHAT], *c = r->arr[TQ_RES_CHAT];
    const double *pi1 = r->arr[TQ_RES_PI], *X1 = r->arr[TQ_RES_X], *I1 = r->arr[TQ_RES_INCOME];
    double *tot_nij = r->arr[TQ_RES_TOT_NIJ], *vot_nij = r->arr[TQ_RES_VOT_NIJ];
    for (int n = 0; n < N; n++) {
        double lcpi = 0;
        for (int j = 0; j < J; j++)
            lcpi += b->alpha[TQ_NJ(J, n, j)] * log(P[TQ_NJ(J, n, j)]);
        const double cpi = exp(lcpi);
        const double W = I1[n] / b->I[n] / cpi;
        r->arr[TQ_RES_WELFARE][n] = 100.0 * (W - 1.0);
        r->arr[TQ_RES_EV][n] = (W - 1.0) * b->I[n];
        r->arr[TQ_RES_REAL_WAGE][n] = 100.0 * (what[n] / cpi - 1.0);
        r->arr[TQ_RES_CPI][n] = 100.0 * (cpi - 1.0);
        double tot = 0, vot = 0;
        const double scale = 100.0 / b->I[n];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j), in = TQ_NIJ(N, J, i, n, j);
                const double Mb = b->X[TQ_NJ(J, n, j)] * b->pi[ni] / (1.0 + b->t[ni]);
                const double Eb = b->X[TQ_NJ(J, i, j)] * b->pi[in] / (1.0 + b->t[in]);
                const double Mc = X1[TQ_NJ(J, n, j)] * pi1[ni] / (1.0 + t1[ni]);
                const double ct = (Eb * (c[TQ_NJ(J, n, j)] - 1.0) - Mb * (c[TQ_NJ(J, i, j)] - 1.0)) * scale;
                const double cv = b->t[ni] * (Mc - Mb * c[TQ_NJ(J, i, j)]) * scale;
                tot_nij[ni] = ct;
                vot_nij[ni] = cv;
                tot += ct;
                vot += cv;
            }
        r->arr[TQ_RES_TOT][n] = tot;
        r->arr[TQ_RES_VOT][n] = vot;
        r->arr[TQ_RES_DECOMP][n] = tot + vot;
        r->arr[TQ_RES_DECOMP_GAP][n] = r->arr[TQ_RES_WELFARE][n] - (tot + vot);
    }
}

tq_status tq_solve(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_solver_options *opt,
                   tq_result **out)
{
    *out = NULL;
    if (!b || !sc || sc->b != b)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the scenario was not made for this baseline");
    tq_result *r;
    tq_status st = tq__result_alloc(ctx, b->N, b->J, &r);
    if (st)
        return st;
    st = tq__ge_solve(ctx, b, sc->t, sc->d, sc->closure, sc->target, opt, r);
    if (st && st != TQ_ERR_NOT_CONVERGED) {
        tq_result_free(r);
        return st;
    }
    welfare(b, sc->t, r);
    *out = r;
    return st;
}
