/* The independent checker: recompute MODEL.md (E0)-(E5) from a baseline and a result
 * with the textbook formulas (plain loops over the dataset index order, pow(), no code
 * shared with the solver), and report relative residuals. For an Ossa (2014) baseline
 * (MODEL.md (O1)-(O4)) the same checks apply with gamma = 0, beta = 1 (E1: c^ = w^; E2,
 * E3: (O1) and the shares with theta = sigma - 1; E4: X' = m E'), except that income is
 * (O4), E' = sales' + R' + D' (labour income plus profits), e5 also holds (O3), labour
 * income L w^ = sum_j Y' (sigma_j-1)/sigma_j, and the numeraire is sum L w^ = sum L. */
#include "model.h"

#include <math.h>

static void upd(double *m, double v)
{
    if (!(v <= *m)) /* also catches NaN */
        *m = isnan(v) ? INFINITY : v;
}

tq_status tq_check_solution(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_result *r,
                            const tq_solver_options *opt, tq_check *out)
{
    (void)opt;
    *out = (tq_check){0};
    if (!b || !sc || !r || sc->b != b || r->N != b->N || r->J != b->J)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "check: baseline, scenario and result do not belong together");
    const int N = b->N, J = b->J;
    const double *what = r->arr[TQ_RES_WHAT], *P = r->arr[TQ_RES_PHAT], *c = r->arr[TQ_RES_CHAT];
    const double *pi1 = tq_result_array(r, TQ_RES_PI, NULL), *X1 = r->arr[TQ_RES_X], *I1 = r->arr[TQ_RES_INCOME];
    const double *D1 = r->arr[TQ_RES_DEFICIT];
    const double *t1 = sc->t, *d1 = sc->d;
    tq_check k = {0};
    if (!pi1)
        return tq__error(ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "check: no memory for the result's shares");

    double *Y = tq__malloc(ctx, 2 * (size_t)J * sizeof(double)), *Y1 = Y + J;
    if (!Y)
        return TQ_ERR_NOMEM;
    const int ossa = b->model == &tq__model_ossa;
    double wva = 0, wva1 = 0, lab0 = 0, lab1 = 0;
    for (int n = 0; n < N; n++) {
        wva += b->VA[n];
        wva1 += what[n] * b->VA[n];
    }

    for (int n = 0; n < N; n++) {
        /* (E0) on the base */
        double xs = 0, xs1 = 0;
        for (int j = 0; j < J; j++) {
            xs += b->X[TQ_NJ(J, n, j)];
            xs1 += X1[TQ_NJ(J, n, j)];
        }
        for (int kk = 0; kk < J; kk++) { /* sales of n, base and counterfactual */
            double y0 = 0, y1 = 0;
            for (int m = 0; m < N; m++) {
                const size_t mn = TQ_NIJ(N, J, m, n, kk);
                y0 += b->X[TQ_NJ(J, m, kk)] * b->pi[mn] / (1.0 + b->t[mn]);
                y1 += X1[TQ_NJ(J, m, kk)] * pi1[mn] / (1.0 + t1[mn]);
            }
            Y[kk] = y0;
            Y1[kk] = y1;
        }
        for (int j = 0; j < J; j++) {
            double rhs = b->alpha[TQ_NJ(J, n, j)] * b->I[n], rhs1 = b->alpha[TQ_NJ(J, n, j)] * I1[n];
            for (int kk = 0; kk < J; kk++) {
                rhs += b->gamma[TQ_NKJ(J, n, j, kk)] * Y[kk];
                rhs1 += b->gamma[TQ_NKJ(J, n, j, kk)] * Y1[kk];
            }
            upd(&k.e0, fabs(b->X[TQ_NJ(J, n, j)] - rhs) / (xs > 0 ? xs : b->VA[n]));
            /* (E4) */
            upd(&k.e4, fabs(X1[TQ_NJ(J, n, j)] - rhs1) / (xs1 > 0 ? xs1 : b->VA[n]));
        }
        /* (E1) */
        for (int j = 0; j < J; j++) {
            double v = pow(what[n], b->beta[TQ_NJ(J, n, j)]);
            for (int kk = 0; kk < J; kk++)
                v *= pow(P[TQ_NJ(J, n, kk)], b->gamma[TQ_NKJ(J, n, kk, j)]);
            upd(&k.e1, fabs(c[TQ_NJ(J, n, j)] / v - 1.0));
        }
        /* (E2), (E3) */
        for (int j = 0; j < J; j++) {
            const double th = b->theta[j];
            double s = 0;
            for (int i = 0; i < N; i++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j);
                if (b->pi[ni] > 0) {
                    double kap = (1.0 + t1[ni]) / (1.0 + b->t[ni]) * (d1 ? d1[ni] : 1.0);
                    s += b->pi[ni] * pow(kap * c[TQ_NJ(J, i, j)], -th);
                }
            }
            if (s > 0)
                upd(&k.e2, fabs(P[TQ_NJ(J, n, j)] / pow(s, -1.0 / th) - 1.0));
            for (int i = 0; i < N; i++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j);
                double e = 0;
                if (b->pi[ni] > 0) {
                    double kap = (1.0 + t1[ni]) / (1.0 + b->t[ni]) * (d1 ? d1[ni] : 1.0);
                    e = b->pi[ni] * pow(kap * c[TQ_NJ(J, i, j)] / P[TQ_NJ(J, n, j)], -th);
                }
                upd(&k.e3, fabs(pi1[ni] - e));
            }
        }
        /* income and (E5) */
        double rev = 0, imp = 0, exp_ = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j), in = TQ_NIJ(N, J, i, n, j);
                rev += t1[ni] * pi1[ni] * X1[TQ_NJ(J, n, j)] / (1.0 + t1[ni]);
                imp += pi1[ni] * X1[TQ_NJ(J, n, j)] / (1.0 + t1[ni]);
                exp_ += pi1[in] * X1[TQ_NJ(J, i, j)] / (1.0 + t1[in]);
            }
        double sales1 = 0, L0 = 0, L1 = 0;
        for (int kk = 0; kk < J; kk++) {
            sales1 += Y1[kk];
            L0 += Y[kk] * b->theta[kk] / (b->theta[kk] + 1.0);
            L1 += Y1[kk] * b->theta[kk] / (b->theta[kk] + 1.0);
        }
        const double inc = (ossa ? sales1 : what[n] * b->VA[n]) + rev + D1[n];
        upd(&k.income, fabs(I1[n] - inc) / fabs(inc));
        upd(&k.e5, fabs(imp - D1[n] - exp_) / (what[n] * b->VA[n]));
        if (ossa) { /* (O3) */
            upd(&k.e5, fabs(L1 - L0 * what[n]) / (L0 * what[n]));
            lab0 += L0;
            lab1 += L0 * what[n];
        }
    }
    tq__free(ctx, Y);
    /* numeraire and deficits */
    if (r->numeraire_region >= 0)
        k.numeraire = fabs(what[r->numeraire_region] - 1.0);
    else
        k.numeraire = ossa ? fabs(lab1 / lab0 - 1.0) : fabs(wva1 / wva - 1.0);
    double dsum = 0;
    for (int n = 0; n < N; n++)
        dsum += D1[n];
    k.deficit_sum = fabs(dsum) / wva;
    {
        double dp[1024], *Dp = dp;
        double *heap = NULL;
        if (N > 1024) {
            heap = tq__malloc(ctx, (size_t)N * sizeof(double));
            if (!heap)
                return TQ_ERR_NOMEM;
            Dp = heap;
        }
        tq__closure_deficits(b, sc->closure, sc->target, what, Dp);
        for (int n = 0; n < N; n++)
            upd(&k.deficit_sum, fabs(D1[n] - Dp[n]) / wva);
        tq__free(ctx, heap);
    }
    k.max = k.e0;
    upd(&k.max, k.e1);
    upd(&k.max, k.e2);
    upd(&k.max, k.e3);
    upd(&k.max, k.e4);
    upd(&k.max, k.income);
    upd(&k.max, k.e5);
    upd(&k.max, k.numeraire);
    upd(&k.max, k.deficit_sum);
    /* a result with NaN/inf or a non-positive income or price fails the check, whatever
       the residuals say */
    const tq_status st = tq_result_validate(ctx, r);
    if (st)
        k.max = INFINITY;
    *out = k;
    return st;
}
