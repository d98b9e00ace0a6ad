/* The Ossa (2014) model, MODEL.md "Ossa (2014) model variant" (O1)-(O4), in changes
 * from a base equilibrium held in the engine's baseline layout:
 *   pi[n,i,j]  tariff-inclusive shares g (importer n, exporter i, industry j),
 *   X[n,j]     tariff-inclusive spending, alpha[n,j] = X / E = m (Cobb-Douglas shares),
 *   I[n]       spending E, VA[n] total sales (labour income plus profits),
 *   D[n]       deficit -NX, R[n] tariff revenue, theta[j] = sigma[j] - 1.
 * From these, base sales Y[i,j] = sum_n X[n,j] pi[n,i,j] / (1+t), labour income
 * L[i] = sum_j Y[i,j] (sigma_j-1)/sigma_j and profits PI[i,j] = Y[i,j] / sigma_j.
 *
 * With u[i,j] = w^_i^(1-sigma_j) and A = pi kappa^^(1-sigma) (kappa^ = tau^ d^):
 *   (O1) P^[n,j]^(1-sigma) = S[n,j] = sum_i A[n,i,j] u[i,j];
 *   tariff-inclusive shares pi' = A u / S, so (O2) sales
 *        Y'[i,j] = sum_n pi'[n,i,j] / (1+t') alpha[n,j] E'[n], PI^ = Y^;
 *   (O4) E'[n] = L[n] w^[n] + sum_j Y'[n,j] / sigma_j + R'[n] + D'[n],
 *        R'[n] = rho[n] E'[n], rho[n] = sum_j alpha[n,j] sum_i pi' t' / (1+t');
 *   (O3) L[i] w^[i] = sum_j Y'[i,j] (sigma_j - 1) / sigma_j (labour-market clearing,
 *        the same as w^ = sum_s delta PI^).
 * For given wages (O4) is linear in E': (diag(1-rho) - K) E' = L w^ + D' with
 * K[r,m] = sum_j alpha[m,j] pi'[m,r,j] / (1+t') / sigma_j; the matrix is strictly
 * diagonally dominant by columns (profits are a fraction of sales), so E' is unique.
 * What remains is (O3) in the N wages, one equation redundant (Walras) and replaced by
 * the numeraire: Newton's method on log w^ with a forward-difference Jacobian and a
 * backtracking line search. Each evaluation is O(N^2 J) plus an N x N solve, so a
 * 7 x 33 solve takes well under a millisecond.
 *
 * The solution is stored as the Caliendo-Parro model stores it (ut = u in [j][i]
 * order, S), so tq__cp_pi gives pi' with theta = sigma - 1 and the engine's welfare
 * W^ = E^ / prod_j P^^alpha is Ossa's W^[j] = E^[j] / prod_s P^[j,s]^m[j,s]. */
#include "ossa.h"

#include "model.h"

#include "../solve/fp.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>
#include <time.h>

struct tq__ossa {
    tq_context *ctx;
    const tq_baseline *b;
    int N, J;
    size_t NJ, NNJ;
    /* baseline only */
    double *sig;  /* [j] sigma */
    double *frac; /* [j] (sigma - 1) / sigma: labour's share of sales */
    double *L;    /* [i] base labour income */
    /* the current shock */
    double *A;    /* [n,i,j] pi kappa^^(-theta) */
    double *invt; /* [n,i,j] 1 / (1 + t') */
    const double *t1;
    tq_closure closure;
    const double *target;
    int nr; /* numeraire region, -1: labour income */
    /* evaluation */
    double *u, *S, *Ys;          /* [i,j], [n,j], [i,j] */
    double *rho, *E1, *Dp, *F;   /* [n] */
    double *Mx, *Jac;            /* [N*N] column-major */
    double *rhs, *G, *G0, *dx;   /* [n] */
    double *x, *xt, *xlast, *wh; /* [n] */
    lapack_int *ipiv;
    int have_last;
    int evals;
    double res_o3, res_o4;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tq__ossa_free(tq__ossa *w)
{
    if (!w)
        return;
    tq__free(w->ctx, w->A);
    tq__free(w->ctx, w->sig);
    tq__free(w->ctx, w->ipiv);
    tq__free(w->ctx, w);
}

tq_status tq__ossa_new(tq_context *ctx, const tq_baseline *b, tq__ossa **out)
{
    *out = NULL;
    tq__ossa *w = tq__calloc(ctx, 1, sizeof *w);
    if (!w)
        return TQ_ERR_NOMEM;
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J, NNJ = NJ * (size_t)N, NN = (size_t)N * N;
    w->ctx = ctx;
    w->b = b;
    w->N = N;
    w->J = J;
    w->NJ = NJ;
    w->NNJ = NNJ;
    w->A = tq__huge_zeroed(ctx, 2 * NNJ);
    w->sig = tq__calloc(ctx, 2 * (size_t)J + 3 * NJ + 2 * NN + 13 * (size_t)N, sizeof(double));
    w->ipiv = tq__calloc(ctx, (size_t)N, sizeof(lapack_int));
    if (!w->A || !w->sig || !w->ipiv) {
        tq__ossa_free(w);
        return TQ_ERR_NOMEM;
    }
    w->invt = w->A + NNJ;
    double *p = w->sig;
    p += J;
    w->frac = p, p += J;
    w->u = p, p += NJ;
    w->S = p, p += NJ;
    w->Ys = p, p += NJ;
    w->Mx = p, p += NN;
    w->Jac = p, p += NN;
    double **vec[] = {&w->L,  &w->rho, &w->E1, &w->Dp, &w->F,     &w->rhs, &w->G,
                      &w->G0, &w->dx,  &w->x,  &w->xt, &w->xlast, &w->wh};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++)
        *vec[k] = p, p += N;
    for (int j = 0; j < J; j++) {
        w->sig[j] = b->theta[j] + 1.0;
        w->frac[j] = b->theta[j] / w->sig[j];
    }
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                w->L[i] += b->X[TQ_NJ(J, n, j)] * b->pi[c] / (1.0 + b->t[c]) * w->frac[j];
            }
    for (int i = 0; i < N; i++)
        if (!(w->L[i] > 0)) {
            const char *code = b->labels ? tq_dataset_region_code(b->labels, i) : "";
            tq__ossa_free(w);
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "L", "region %s has no sales, so no labour income", code);
        }
    *out = w;
    return TQ_OK;
}

/* A = pi kappa^^(-theta) and 1/(1+t') for the shock (t1, d1). */
static void setup_shock(tq__ossa *w, const double *t1, const double *d1)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                double kap = (1.0 + t1[c]) / (1.0 + b->t[c]);
                if (d1 && d1[c] != 1.0)
                    kap *= d1[c];
                const double pv = b->pi[c];
                w->A[c] = pv > 0 ? (kap == 1.0 ? pv : pv * pow(kap, -b->theta[j])) : 0.0;
                w->invt[c] = 1.0 / (1.0 + t1[c]);
            }
    w->t1 = t1;
}

/* Evaluate at log wages x: u, S, rho, E' from (O4) (a linear solve), sales, and the
 * relative (O3) residuals F[i]. Returns 0, or -1 when the linear system is singular
 * or a value is not finite. */
static int eval(tq__ossa *w, const double *x)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    w->evals++;
    for (int i = 0; i < N; i++) {
        w->wh[i] = exp(x[i]);
        for (int j = 0; j < J; j++)
            w->u[TQ_NJ(J, i, j)] = exp(-b->theta[j] * x[i]);
    }
    tq__closure_deficits(b, w->closure, w->target, w->wh, w->Dp);
    memset(w->Mx, 0, (size_t)N * N * sizeof(double));
    for (int n = 0; n < N; n++) {
        double rho = 0;
        for (int j = 0; j < J; j++) {
            const size_t nj = TQ_NJ(J, n, j);
            double s = 0;
            for (int i = 0; i < N; i++)
                s += w->A[TQ_NIJ(N, J, n, i, j)] * w->u[TQ_NJ(J, i, j)];
            w->S[nj] = s;
            if (!(s > 0))
                continue;
            const double al = b->alpha[nj], inv = 1.0 / s;
            double pre = 0; /* sum_i pi' / (1+t') */
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                const double q = w->A[c] * w->u[TQ_NJ(J, i, j)] * inv * w->invt[c];
                pre += q;
                w->Mx[(size_t)n * N + i] -= al * q / w->sig[j]; /* K[i,n], column n */
            }
            rho += al * (1.0 - pre);
        }
        w->rho[n] = rho;
        w->Mx[(size_t)n * N + n] += 1.0 - rho;
        w->rhs[n] = w->L[n] * w->wh[n] + w->Dp[n];
    }
    lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, N, 1, w->Mx, N, w->ipiv, w->rhs, N);
    if (info != 0)
        return -1;
    memcpy(w->E1, w->rhs, (size_t)N * sizeof(double));
    memset(w->Ys, 0, w->NJ * sizeof(double));
    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++) {
            const size_t nj = TQ_NJ(J, n, j);
            if (!(w->S[nj] > 0))
                continue;
            const double spend = b->alpha[nj] * w->E1[n] / w->S[nj];
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                w->Ys[TQ_NJ(J, i, j)] += w->A[c] * w->u[TQ_NJ(J, i, j)] * w->invt[c] * spend;
            }
        }
    double r3 = 0, r4 = 0;
    for (int i = 0; i < N; i++) {
        double lab = 0, prof = 0;
        for (int j = 0; j < J; j++) {
            lab += w->Ys[TQ_NJ(J, i, j)] * w->frac[j];
            prof += w->Ys[TQ_NJ(J, i, j)] / w->sig[j];
        }
        const double li = w->L[i] * w->wh[i];
        w->F[i] = (lab - li) / li;
        const double e4 = (w->E1[i] - (li + prof + w->rho[i] * w->E1[i] + w->Dp[i])) / fabs(w->E1[i]);
        if (!isfinite(w->F[i]) || !isfinite(e4))
            return -1;
        r3 = fmax(r3, fabs(w->F[i]));
        r4 = fmax(r4, fabs(e4));
    }
    w->res_o3 = r3;
    w->res_o4 = r4;
    return 0;
}

/* The Newton system: (O3) for every region but one, and the numeraire in its place. */
static void newton_rhs(const tq__ossa *w, const double *x, double *G)
{
    const int N = w->N;
    memcpy(G, w->F, (size_t)N * sizeof(double));
    if (w->nr >= 0) {
        G[w->nr] = x[w->nr];
    } else {
        double lw = 0, l0 = 0;
        for (int i = 0; i < N; i++) {
            lw += w->L[i] * exp(x[i]);
            l0 += w->L[i];
        }
        G[N - 1] = log(lw / l0);
    }
}

static double maxabs(const double *v, int n)
{
    double m = 0;
    for (int k = 0; k < n; k++)
        m = fmax(m, fabs(v[k]));
    return m;
}

static tq_stop newton(tq__ossa *w, double tol, int max_iter, double deadline, int *iters)
{
    const int N = w->N;
    double *x = w->x;
    *iters = 0;
    for (int it = 0;; it++) {
        if (eval(w, x) != 0)
            return TQ_STOP_DIVERGED;
        newton_rhs(w, x, w->G);
        if (fmax(w->res_o3, w->res_o4) < tol && fabs(w->G[w->nr >= 0 ? w->nr : N - 1]) < tol)
            return TQ_STOP_CONVERGED;
        if (it >= max_iter)
            return TQ_STOP_ITERATION_LIMIT;
        if (tq__fp_now() > deadline)
            return TQ_STOP_TIME_LIMIT;
        if (tq__progress(w->ctx, "solve", -1.0) != TQ_OK)
            return TQ_STOP_CANCELLED;
        *iters = it + 1;
        /* forward-difference Jacobian of G in log w^ */
        memcpy(w->G0, w->G, (size_t)N * sizeof(double));
        for (int c = 0; c < N; c++) {
            memcpy(w->xt, x, (size_t)N * sizeof(double));
            const double h = 1e-7 * fmax(1.0, fabs(x[c]));
            w->xt[c] += h;
            if (eval(w, w->xt) != 0)
                return TQ_STOP_DIVERGED;
            newton_rhs(w, w->xt, w->G);
            for (int r = 0; r < N; r++)
                w->Jac[(size_t)c * N + r] = (w->G[r] - w->G0[r]) / h;
        }
        for (int r = 0; r < N; r++)
            w->dx[r] = -w->G0[r];
        if (LAPACKE_dgesv_work(LAPACK_COL_MAJOR, N, 1, w->Jac, N, w->ipiv, w->dx, N) != 0)
            return TQ_STOP_STALLED;
        /* backtracking on max |G| */
        const double g0 = maxabs(w->G0, N);
        double lam = 1.0;
        int ok = 0;
        for (int k = 0; k < 30 && !ok; k++, lam *= 0.5) {
            for (int r = 0; r < N; r++)
                w->xt[r] = x[r] + lam * w->dx[r];
            if (eval(w, w->xt) != 0)
                continue;
            newton_rhs(w, w->xt, w->G);
            if (maxabs(w->G, N) < (1.0 - 1e-4 * lam) * g0)
                ok = 1;
        }
        if (!ok)
            return TQ_STOP_STALLED;
        memcpy(x, w->xt, (size_t)N * sizeof(double));
    }
}

tq_status tq__ossa_solve(tq__ossa *w, const double *t1, const double *d1, tq_closure closure, const double *target,
                         const tq_solver_options *opt, int warm, const tq__cp_out *out, double *sales,
                         tq_solve_info *info, int *numeraire_region)
{
    tq_solver_options defo;
    if (!opt) {
        tq_solver_options_default(&defo);
        opt = &defo;
    }
    const double t_start = now_seconds();
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    const double tol = opt->tol > 0 ? opt->tol : 1e-10;
    const int max_iter = opt->max_iter > 0 ? opt->max_iter : 200;
    const double max_seconds =
        opt->max_seconds > 0 && isfinite(opt->max_seconds) ? opt->max_seconds : TQ_DEFAULT_MAX_SECONDS;
    const double deadline = tq__fp_now() + max_seconds;
    w->closure = closure;
    w->target = target;
    w->nr = opt->numeraire_region >= 0 && opt->numeraire_region < N ? opt->numeraire_region : -1;
    w->evals = 0;
    w->res_o3 = w->res_o4 = INFINITY;
    setup_shock(w, t1, d1);

    const tq_result *s0 = opt->start;
    if (warm && w->have_last)
        memcpy(w->x, w->xlast, (size_t)N * sizeof(double));
    else if (s0 && s0->N == N && s0->J == J)
        for (int n = 0; n < N; n++)
            w->x[n] = log(s0->arr[TQ_RES_WHAT][n]);
    else
        memset(w->x, 0, (size_t)N * sizeof(double));

    int iters = 0;
    tq_stop stop = newton(w, tol, max_iter, deadline, &iters);
    if (stop != TQ_STOP_DIVERGED && eval(w, w->x) != 0)
        stop = TQ_STOP_DIVERGED;
    if (stop == TQ_STOP_CONVERGED) {
        memcpy(w->xlast, w->x, (size_t)N * sizeof(double));
        w->have_last = 1;
    }
    /* the equilibrium (or the last iterate) */
    for (int n = 0; n < N; n++) {
        const double wn = exp(w->x[n]);
        if (out->what)
            out->what[n] = wn;
        if (out->income)
            out->income[n] = w->E1[n];
        if (out->revenue)
            out->revenue[n] = w->rho[n] * w->E1[n];
        if (out->deficit)
            out->deficit[n] = w->Dp[n];
        double sn = 0;
        for (int j = 0; j < J; j++) {
            const size_t nj = TQ_NJ(J, n, j);
            sn += w->Ys[nj];
            if (out->phat)
                out->phat[nj] = w->S[nj] > 0 ? pow(w->S[nj], -1.0 / b->theta[j]) : 1.0;
            if (out->chat)
                out->chat[nj] = wn;
            if (out->X)
                out->X[nj] = b->alpha[nj] * w->E1[n];
            if (out->ut)
                out->ut[(size_t)j * N + n] = w->u[nj];
            if (out->S)
                out->S[nj] = w->S[nj];
        }
        if (sales)
            sales[n] = sn;
    }
    if (out->pi)
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++) {
                    const size_t c = TQ_NIJ(N, J, n, i, j), nj = TQ_NJ(J, n, j);
                    out->pi[c] = w->S[nj] > 0 ? w->A[c] * w->u[TQ_NJ(J, i, j)] / w->S[nj] : 0.0;
                }
    const tq_status st = stop == TQ_STOP_CONVERGED   ? TQ_OK
                         : stop == TQ_STOP_CANCELLED ? TQ_ERR_CANCELLED
                                                     : TQ_ERR_NOT_CONVERGED;
    memset(info, 0, sizeof *info);
    info->status = st;
    info->stop = stop;
    info->iterations = iters;
    info->sweeps = w->evals;
    info->res_e2 = 0.0; /* (O1) holds by construction */
    info->res_e4 = w->res_o4;
    info->res_e5 = w->res_o3;
    info->residual = fmax(w->res_o3, w->res_o4);
    info->method = opt->method;
    info->threads = 1;
    if (numeraire_region)
        *numeraire_region = w->nr;
    info->seconds = now_seconds() - t_start;
    if (st == TQ_ERR_NOT_CONVERGED)
        return tq__error(w->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                         "the Ossa equilibrium did not converge: stopped (%s) after %d Newton steps with residual %.3g "
                         "(tolerance %.3g; (O3) %.3g, (O4) %.3g)",
                         stop == TQ_STOP_ITERATION_LIMIT ? "iteration limit"
                         : stop == TQ_STOP_DIVERGED      ? "diverged"
                         : stop == TQ_STOP_TIME_LIMIT    ? "time limit"
                                                         : "stalled",
                         iters, info->residual, tol, w->res_o3, w->res_o4);
    if (st == TQ_ERR_CANCELLED)
        return tq__error(w->ctx, TQ_ERR_CANCELLED, NULL, 0, NULL, "cancelled during the Ossa solve");
    return st;
}

/* ------------------------------------------------- the model's interface --- */

static tq_status ossa_ws_new(tq_context *ctx, const tq_baseline *b, void **ws)
{
    tq__ossa *w = NULL;
    tq_status st = tq__ossa_new(ctx, b, &w);
    *ws = w;
    return st;
}

static void ossa_ws_free(void *ws)
{
    tq__ossa_free(ws);
}

static tq_status ossa_prepare(void *ws, const tq_solver_options *opt)
{
    (void)ws;
    (void)opt;
    return TQ_OK; /* everything is allocated with the workspace */
}

static tq_status ossa_solve(void *ws, const tq_scenario *sc, const tq_solver_options *opt, int warm, tq_result *r)
{
    const tq__cp_out out = {r->arr[TQ_RES_WHAT],
                            r->arr[TQ_RES_PHAT],
                            r->arr[TQ_RES_CHAT],
                            r->eager ? r->pi : NULL,
                            r->arr[TQ_RES_X],
                            r->arr[TQ_RES_INCOME],
                            r->arr[TQ_RES_REVENUE],
                            r->arr[TQ_RES_DEFICIT],
                            r->ut,
                            r->S};
    return tq__ossa_solve(ws, sc->t, sc->d, sc->closure, sc->target, opt, warm, &out, NULL, &r->info,
                          &r->numeraire_region);
}

static double ossa_pi_at(const tq_result *r, size_t c, int n, int i, int j)
{
    return tq__cp_pi(r->b, r->sc->t, r->sc->d, r->ut, r->S, c, n, i, j);
}

const tq__model tq__model_ossa = {"ossa2014", ossa_ws_new, ossa_ws_free, ossa_prepare, ossa_solve, ossa_pi_at};
