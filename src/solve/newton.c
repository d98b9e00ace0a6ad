/* The dense Newton solver (see newton.h).
 *
 * Each step solves J dx = -F with the LU factors of the last Jacobian: the model's, or
 * by forward differences (step 1e-7 max(1, |x_k|)). A Jacobian is formed at the start and
 * again whenever a step reduced max |F| by less than a factor of four, or when the line
 * search failed with an old Jacobian: with a fresh one this is Newton's method, with a
 * kept one the chord method, which converges linearly but costs one evaluation of F per
 * step instead of n + 1. The line search halves the step until ||F||_2 falls (at most
 * 40 halvings). */
#include "newton.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

struct tq__newton {
    tq_context *ctx;
    size_t n;
    double *jac; /* n x n, column-major, LU factors after dgetrf */
    double *f, *ft, *xt, *dx;
    lapack_int *ipiv;
};

tq_status tq__newton_alloc(tq_context *ctx, size_t n, tq__newton **out)
{
    *out = NULL;
    tq__newton *nw = tq__calloc(ctx, 1, sizeof *nw);
    if (!nw)
        return TQ_ERR_NOMEM;
    nw->ctx = ctx;
    nw->n = n;
    nw->jac = tq__calloc(ctx, n * n, sizeof(double));
    nw->f = tq__calloc(ctx, 4 * n, sizeof(double));
    nw->ipiv = tq__calloc(ctx, n, sizeof(lapack_int));
    if (!nw->jac || !nw->f || !nw->ipiv) {
        tq__newton_free(nw);
        return TQ_ERR_NOMEM;
    }
    nw->ft = nw->f + n;
    nw->xt = nw->f + 2 * n;
    nw->dx = nw->f + 3 * n;
    *out = nw;
    return TQ_OK;
}

void tq__newton_free(tq__newton *nw)
{
    if (!nw)
        return;
    tq__free(nw->ctx, nw->jac);
    tq__free(nw->ctx, nw->f);
    tq__free(nw->ctx, nw->ipiv);
    tq__free(nw->ctx, nw);
}

static double max_abs(const double *f, size_t n)
{
    double m = 0;
    for (size_t k = 0; k < n; k++) {
        double a = fabs(f[k]);
        if (!(a <= m)) /* NaN propagates */
            m = a;
    }
    return m;
}

static double norm2(const double *f, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += f[k] * f[k];
    return s;
}

/* The Jacobian at x (F(x) in nw->f), the model's or by forward differences, and its LU
 * factors. Returns 0 on success. */
static int jacobian(tq__newton *nw, tq__newton_fn fn, tq__newton_jac jac, void *ud, double *x, long *evals)
{
    const size_t n = nw->n;
    if (jac) {
        if (jac(ud, x, nw->f, nw->jac))
            return 1;
        for (size_t k = 0; k < n * n; k++)
            if (!isfinite(nw->jac[k]))
                return 1;
    } else
        for (size_t k = 0; k < n; k++) {
            const double xk = x[k], h = 1e-7 * (fabs(xk) > 1 ? fabs(xk) : 1.0);
            x[k] = xk + h;
            const double hh = x[k] - xk; /* the step actually representable */
            int bad = fn(ud, x, nw->ft);
            (*evals)++;
            x[k] = xk;
            if (bad)
                return 1;
            double *col = nw->jac + k * n;
            for (size_t r = 0; r < n; r++)
                col[r] = (nw->ft[r] - nw->f[r]) / hh;
        }
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, nw->jac, (lapack_int)n, nw->ipiv);
    return info != 0;
}

tq_status tq__newton_solve(tq__newton *nw, tq__newton_fn fn, tq__newton_jac jac, void *ud, double *x, double tol,
                           int max_iter, tq__newton_info *info)
{
    const size_t n = nw->n;
    memset(info, 0, sizeof *info);
    if (fn(ud, x, nw->f) || !isfinite(max_abs(nw->f, n))) {
        info->residual = INFINITY;
        return tq__error(nw->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the system cannot be evaluated at the start");
    }
    info->evaluations = 1;
    double r = max_abs(nw->f, n), s2 = norm2(nw->f, n);
    int fresh = 0, need = 1;
    while (r > tol && info->iterations < max_iter) {
        if (need) {
            if (jacobian(nw, fn, jac, ud, x, &info->evaluations))
                break;
            info->jacobians++;
            fresh = 1;
            need = 0;
        }
        for (size_t k = 0; k < n; k++)
            nw->dx[k] = -nw->f[k];
        if (LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', (lapack_int)n, 1, nw->jac, (lapack_int)n, nw->ipiv, nw->dx,
                           (lapack_int)n) != 0)
            break;
        double alpha = 1, rt = INFINITY, s2t = INFINITY;
        int ok = 0;
        for (int h = 0; h < 40; h++, alpha *= 0.5) {
            for (size_t k = 0; k < n; k++)
                nw->xt[k] = x[k] + alpha * nw->dx[k];
            info->evaluations++;
            if (fn(ud, nw->xt, nw->ft))
                continue;
            s2t = norm2(nw->ft, n);
            rt = max_abs(nw->ft, n);
            if (isfinite(s2t) && (s2t < s2 || rt <= tol)) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            if (fresh)
                break; /* no descent even along a fresh Newton direction */
            need = 1;
            continue;
        }
        info->iterations++;
        memcpy(x, nw->xt, n * sizeof *x);
        memcpy(nw->f, nw->ft, n * sizeof *x);
        need = rt > 0.25 * r;
        fresh = 0;
        r = rt;
        s2 = s2t;
    }
    info->residual = r;
    info->converged = r <= tol;
    return TQ_OK;
}
