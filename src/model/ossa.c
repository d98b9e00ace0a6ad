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
 * the numeraire: Newton's method on log w^ with an analytic Jacobian (build_jz, E'
 * eliminated) and a backtracking line search. Each evaluation is O(N^2 J) plus an N x N
 * solve, each Jacobian O(N^3 J), so a 7 x 33 solve takes well under a millisecond.
 *
 * The solution is stored as the Caliendo-Parro model stores it (ut = u in [j][i]
 * order, S), so tq__cp_pi gives pi' with theta = sigma - 1 and the engine's welfare
 * W^ = E^ / prod_j P^^alpha is Ossa's W^[j] = E^[j] / prod_s P^[j,s]^m[j,s]. */
#include "ossa.h"

#include "model.h"

#include "../solve/fp.h"

#include <math.h>
#include <string.h>

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
    double *p, *Jz, *D3, *Zm;    /* Newton's Jacobian: shares [n,i,j], Phi_z [2N x 2N],
                                    DL/DP/Dr [3 N x N], C^-1 D [N x N] */
    double *rhs, *G, *G0, *dx;   /* [n] */
    double *x, *xt, *xlast, *wh; /* [n] */
    int *ipiv;
    int have_last;
    int evals;
    double res_o3, res_o4;
};

/* Dense LU with partial pivoting of the n x n column-major matrix A in place (the
 * systems here are N or 2N square, N the regions: a few hundred at most, so this is
 * cheaper than a call into a threaded BLAS, which on a busy machine spends its time
 * waking threads). Returns -1 when a pivot is zero or not finite. */
static int lu_factor(double *A, int n, int *piv)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        double big = fabs(A[k + (size_t)k * n]);
        for (int r = k + 1; r < n; r++)
            if (fabs(A[r + (size_t)k * n]) > big) {
                big = fabs(A[r + (size_t)k * n]);
                p = r;
            }
        piv[k] = p;
        if (!(big > 0) || !isfinite(big))
            return -1;
        if (p != k)
            for (int c = 0; c < n; c++) {
                const double t = A[k + (size_t)c * n];
                A[k + (size_t)c * n] = A[p + (size_t)c * n];
                A[p + (size_t)c * n] = t;
            }
        const double inv = 1.0 / A[k + (size_t)k * n];
        for (int r = k + 1; r < n; r++)
            A[r + (size_t)k * n] *= inv;
        for (int c = k + 1; c < n; c++) {
            const double f = A[k + (size_t)c * n];
            if (f == 0)
                continue;
            double *col = A + (size_t)c * n;
            const double *lk = A + (size_t)k * n;
            for (int r = k + 1; r < n; r++)
                col[r] -= lk[r] * f;
        }
    }
    return 0;
}

/* Solve A x = b (trans 0) or A' x = b (trans 1) with the factors of lu_factor; b is
 * overwritten by x. */
static void lu_solve(const double *A, int n, const int *piv, double *b, int trans)
{
    if (!trans) {
        for (int k = 0; k < n; k++)
            if (piv[k] != k) {
                const double t = b[k];
                b[k] = b[piv[k]];
                b[piv[k]] = t;
            }
        for (int c = 0; c < n; c++) /* L y = b, unit diagonal */
            for (int r = c + 1; r < n; r++)
                b[r] -= A[r + (size_t)c * n] * b[c];
        for (int c = n - 1; c >= 0; c--) { /* U x = y */
            b[c] /= A[c + (size_t)c * n];
            for (int r = 0; r < c; r++)
                b[r] -= A[r + (size_t)c * n] * b[c];
        }
    } else {
        for (int c = 0; c < n; c++) { /* U' y = b */
            double s = b[c];
            for (int r = 0; r < c; r++)
                s -= A[r + (size_t)c * n] * b[r];
            b[c] = s / A[c + (size_t)c * n];
        }
        for (int c = n - 1; c >= 0; c--) { /* L' z = y */
            double s = b[c];
            for (int r = c + 1; r < n; r++)
                s -= A[r + (size_t)c * n] * b[r];
            b[c] = s;
        }
        for (int k = n - 1; k >= 0; k--)
            if (piv[k] != k) {
                const double t = b[k];
                b[k] = b[piv[k]];
                b[piv[k]] = t;
            }
    }
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
    w->A = tq__huge_zeroed(ctx, 3 * NNJ);
    w->sig = tq__calloc(ctx, 2 * (size_t)J + 3 * NJ + 10 * NN + 13 * (size_t)N, sizeof(double));
    w->ipiv = tq__calloc(ctx, 2 * (size_t)N, sizeof(int));
    if (!w->A || !w->sig || !w->ipiv) {
        tq__ossa_free(w);
        return TQ_ERR_NOMEM;
    }
    w->invt = w->A + NNJ;
    w->p = w->A + 2 * NNJ;
    double *p = w->sig;
    p += J;
    w->frac = p, p += J;
    w->u = p, p += NJ;
    w->S = p, p += NJ;
    w->Ys = p, p += NJ;
    w->Mx = p, p += NN;
    w->Jac = p, p += NN;
    w->Jz = p, p += 4 * NN;
    w->D3 = p, p += 3 * NN;
    w->Zm = p, p += NN;
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
    if (lu_factor(w->Mx, N, w->ipiv) != 0)
        return -1;
    lu_solve(w->Mx, N, w->ipiv, w->rhs, 0);
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

static void build_jz(tq__ossa *w, double *p, double *DL, double *DP, double *Dr, double *Jz);

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
        /* the Jacobian of G in log w^ with E' eliminated: with Phi_z = [A B; C D'] in the
         * blocks (O3 rows, O4 rows) x (log w^, E'), dG/dx = A - B C^-1 D (C = the (O4)
         * matrix in E', nonsingular, see above) */
        memcpy(w->G0, w->G, (size_t)N * sizeof(double));
        build_jz(w, w->p, w->D3, w->D3 + (size_t)N * N, w->D3 + 2 * (size_t)N * N, w->Jz);
        const size_t N2 = 2 * (size_t)N;
        for (int r = 0; r < N; r++)
            for (int m = 0; m < N; m++) {
                w->Mx[(size_t)r + (size_t)m * N] = w->Jz[(size_t)(N + r) + (size_t)(N + m) * N2];
                w->Zm[(size_t)r + (size_t)m * N] = w->Jz[(size_t)(N + r) + (size_t)m * N2];
            }
        if (lu_factor(w->Mx, N, w->ipiv) != 0)
            return TQ_STOP_STALLED;
        for (int c = 0; c < N; c++)
            lu_solve(w->Mx, N, w->ipiv, w->Zm + (size_t)c * N, 0);
        for (int c = 0; c < N; c++)
            for (int r = 0; r < N; r++) {
                double v = w->Jz[(size_t)r + (size_t)c * N2];
                for (int m = 0; m < N; m++)
                    v -= w->Jz[(size_t)r + (size_t)(N + m) * N2] * w->Zm[(size_t)m + (size_t)c * N];
                w->Jac[(size_t)r + (size_t)c * N] = v;
            }
        for (int r = 0; r < N; r++)
            w->dx[r] = -w->G0[r];
        if (lu_factor(w->Jac, N, w->ipiv) != 0)
            return TQ_STOP_STALLED;
        lu_solve(w->Jac, N, w->ipiv, w->dx, 0);
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
    const double t_start = tq__fp_now();
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
    info->seconds = tq__fp_now() - t_start;
    if (st == TQ_ERR_NOT_CONVERGED)
        return tq__error(w->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                         "the Ossa equilibrium did not converge: stopped (%s) after %d Newton steps with residual %.3g "
                         "(tolerance %.3g; (O3) %.3g, (O4) %.3g)",
                         tq__cp_stop_text(stop), iters, info->residual, tol, w->res_o3, w->res_o4);
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
    const tq__cp_out out = tq__cp_result_out(r);
    return tq__ossa_solve(ws, sc->t, sc->d, sc->closure, sc->target, opt, warm, &out, NULL, &r->info,
                          &r->numeraire_region);
}

/* ------------------------------------------------------------ gradient --- */

/* At the current evaluation (eval at the state): the shares p = pi' [n,i,j], the
 * aggregated derivatives DL, DP, Dr (N x N) and the Jacobian Phi_z of the system
 * ((O3) relative, with the numeraire in row k; (O4) as E'(1-rho) - L w^ - sum_j Y/sigma
 * - D') in z = (log w^, E'), column-major 2N x 2N: every entry analytic. */
static void build_jz(tq__ossa *w, double *p, double *DL, double *DP, double *Dr, double *Jz)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J, N2 = 2 * N;
    const double *wh = w->wh, *E1 = w->E1;
    const int k = w->nr >= 0 ? w->nr : N - 1;
    memset(DL, 0, 3 * (size_t)N * N * sizeof(double)); /* DL, DP, Dr are one block */
    memset(Jz, 0, (size_t)N2 * N2 * sizeof(double));
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t c = TQ_NIJ(N, J, n, i, j), nj = TQ_NJ(J, n, j);
                p[c] = w->S[nj] > 0 ? w->A[c] * w->u[TQ_NJ(J, i, j)] / w->S[nj] : 0.0;
            }
    /* d sales / d log w^ aggregated: DL[i'][i] = sum_j frac_j dY[i',j]/dx_i, DP with 1/sigma;
     * dY[i',j]/dx_i = sum_m a[m,i',j] (p[m,i,j] - delta_{i'i}), a = theta invt alpha E' p */
    for (int m = 0; m < N; m++)
        for (int j = 0; j < J; j++) {
            const size_t mj = TQ_NJ(J, m, j);
            if (!(w->S[mj] > 0))
                continue;
            const double base = b->theta[j] * b->alpha[mj] * E1[m];
            double rsum = 0; /* sum_i' invt p, for d rho */
            for (int ip = 0; ip < N; ip++) {
                const size_t c = TQ_NIJ(N, J, m, ip, j);
                rsum += w->invt[c] * p[c];
            }
            for (int ip = 0; ip < N; ip++) {
                const size_t c = TQ_NIJ(N, J, m, ip, j);
                const double a = base * w->invt[c] * p[c];
                if (a == 0)
                    continue;
                for (int i = 0; i < N; i++) {
                    const double d = a * (p[TQ_NIJ(N, J, m, i, j)] - (ip == i ? 1.0 : 0.0));
                    DL[(size_t)ip * N + i] += d * w->frac[j];
                    DP[(size_t)ip * N + i] += d / w->sig[j];
                }
            }
            /* d rho_m / dx_i = sum_j alpha theta p[m,i,j] (invt[m,i,j] - sum_i' invt p) */
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, m, i, j);
                Dr[(size_t)m * N + i] += b->alpha[mj] * b->theta[j] * p[c] * (w->invt[c] - rsum);
            }
        }
    double suml = 0, sumlw = 0, sumva = 0;
    for (int i = 0; i < N; i++) {
        suml += w->L[i];
        sumlw += w->L[i] * wh[i];
        sumva += b->VA[i];
    }
    /* the Jacobian Phi_z, stored column-major: element (row, col) at row + col * 2N */
#define JZ(r, c) Jz[(size_t)(r) + (size_t)(c) * (size_t)N2]
    for (int ip = 0; ip < N; ip++) {
        double lab = 0;
        for (int j = 0; j < J; j++)
            lab += w->Ys[TQ_NJ(J, ip, j)] * w->frac[j];
        const double lw = w->L[ip] * wh[ip];
        if (ip == k) { /* the numeraire */
            if (w->nr >= 0)
                JZ(ip, w->nr) = 1.0;
            else
                for (int i = 0; i < N; i++)
                    JZ(ip, i) = w->L[i] * wh[i] / sumlw;
        } else {
            for (int i = 0; i < N; i++)
                JZ(ip, i) = DL[(size_t)ip * N + i] / lw - (ip == i ? lab / lw : 0.0);
            for (int m = 0; m < N; m++) {
                double s = 0;
                for (int j = 0; j < J; j++) {
                    const size_t c = TQ_NIJ(N, J, m, ip, j);
                    s += p[c] * w->invt[c] * b->alpha[TQ_NJ(J, m, j)] * w->frac[j];
                }
                JZ(ip, N + m) = s / lw;
            }
        }
        /* (O4) row of region r = ip: H = E'(1 - rho) - L w^ - sum_j Y/sigma - D' */
        const int r = ip;
        for (int i = 0; i < N; i++) {
            double dD = 0;
            if (w->closure == TQ_CLOSURE_SHARE)
                dD = b->D[r] * wh[i] * b->VA[i] / sumva;
            JZ(N + r, i) =
                -E1[r] * Dr[(size_t)r * N + i] - (r == i ? w->L[r] * wh[r] : 0.0) - DP[(size_t)r * N + i] - dD;
        }
        for (int m = 0; m < N; m++) {
            double s = 0;
            for (int j = 0; j < J; j++) {
                const size_t c = TQ_NIJ(N, J, m, r, j);
                s += p[c] * w->invt[c] * b->alpha[TQ_NJ(J, m, j)] / w->sig[j];
            }
            JZ(N + r, N + m) = (r == m ? 1.0 - w->rho[r] : 0.0) - s;
        }
    }
#undef JZ
}

/* d f / d t'[n,i,j] for f = sum_k weights[k] W_k (percent; weights NULL: region `region`
 * alone) at the last converged solution, by the implicit function theorem on the state
 * z = (log w^, E') and the system Phi = ((O3) with the numeraire in row k, (O4)):
 * df/dt = f_t - lambda' Phi_t with Phi_z' lambda = f_z (one adjoint solve). Every partial
 * derivative is analytic (MODEL.md (O1)-(O4) differentiated by hand; docs/models.md). */
tq_status tq__ossa_gradient(tq__ossa *w, const tq_scenario *sc, int region, const double *weights, double *grad)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J, N2 = 2 * N;
    if (!w->have_last)
        return tq__error(w->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "gradient: the solver has no converged solution");
    w->closure = sc->closure;
    w->target = sc->target;
    setup_shock(w, sc->t, sc->d);
    memcpy(w->x, w->xlast, (size_t)N * sizeof(double));
    if (eval(w, w->x) != 0 || fmax(w->res_o3, w->res_o4) > 1e-8)
        return tq__error(w->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "gradient: the solver's last solution is not an equilibrium of this scenario (residual "
                         "%.3g): solve it first",
                         fmax(w->res_o3, w->res_o4));
    const size_t NNJ = w->NNJ;
    double *blk =
        tq__calloc(w->ctx, (size_t)N2 * N2 + 2 * (size_t)N2 + 3 * (size_t)N * N + 2 * (size_t)N + NNJ, sizeof(double));
    int *piv = tq__calloc(w->ctx, (size_t)N2, sizeof(int));
    if (!blk || !piv) {
        tq__free(w->ctx, blk);
        tq__free(w->ctx, piv);
        return TQ_ERR_NOMEM;
    }
    double *Jz = blk;                              /* [2N x 2N] column-major, transposed below */
    double *lam = Jz + (size_t)N2 * N2;            /* [2N] f_z, then lambda */
    double *Wh = lam + N2;                         /* [N] W^ */
    double *om = Wh + N;                           /* [N] weights */
    double *DL = om + N, *DP = DL + (size_t)N * N; /* [i'][i] d lab / dx, d profits / dx */
    double *Dr = DP + (size_t)N * N;               /* [r][i] d rho / dx */
    double *p = Dr + (size_t)N * N;                /* [n,i,j] shares pi' */
    const double *wh = w->wh, *E1 = w->E1;
    const int k = w->nr >= 0 ? w->nr : N - 1;
    build_jz(w, p, DL, DP, Dr, Jz);
    /* welfare W^ and the weights */
    for (int n = 0; n < N; n++) {
        double lp = 0;
        for (int j = 0; j < J; j++) {
            const size_t nj = TQ_NJ(J, n, j);
            if (w->S[nj] > 0)
                lp += b->alpha[nj] * (-log(w->S[nj]) / b->theta[j]);
        }
        Wh[n] = E1[n] / b->I[n] * exp(-lp);
        om[n] = weights ? weights[n] : (n == region ? 1.0 : 0.0);
    }
    /* f_z: d f / d log w^_i = -sum_k om_k 100 W^_k sum_j alpha p[k,i,j]; d f / d E'_m */
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int kk = 0; kk < N; kk++) {
            if (om[kk] == 0)
                continue;
            double a = 0;
            for (int j = 0; j < J; j++)
                a += b->alpha[TQ_NJ(J, kk, j)] * p[TQ_NIJ(N, J, kk, i, j)];
            s -= om[kk] * 100.0 * Wh[kk] * a;
        }
        lam[i] = s;
        lam[N + i] = om[i] * 100.0 * Wh[i] / E1[i];
    }
    /* Phi_z' lambda = f_z (LU of Phi_z, then the transposed solve) */
    const int info = lu_factor(Jz, N2, piv);
    if (info == 0)
        lu_solve(Jz, N2, piv, lam, 1);
    tq_status st = TQ_OK;
    if (info != 0)
        st = tq__error(w->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "gradient: the equilibrium's Jacobian is singular");
    /* df/dt' per cell: only the (n, j) row of importer n moves */
    for (int n = 0; n < N && !st; n++)
        for (int j = 0; j < J; j++) {
            const size_t nj = TQ_NJ(J, n, j);
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                grad[c] = 0.0;
                if (i == n || !(w->S[nj] > 0) || p[c] == 0)
                    continue;
                const double it = w->invt[c], th = b->theta[j], al = b->alpha[nj];
                /* dS / S = -theta p_i invt; dp_i' = -theta invt p_i (delta_i'i - p_i') */
                double dot = 0, sumdq = 0;
                for (int ip = 0; ip < N; ip++) {
                    const size_t cp = TQ_NIJ(N, J, n, ip, j);
                    const double dp = -th * it * p[c] * ((ip == i ? 1.0 : 0.0) - p[cp]);
                    double dq = dp * w->invt[cp];
                    if (ip == i)
                        dq -= p[c] * it * it;
                    sumdq += dq;
                    const double dY = dq * al * E1[n];
                    if (ip != k)
                        dot += lam[ip] * dY * w->frac[j] / (w->L[ip] * wh[ip]);
                    dot += lam[N + ip] * (-dY / w->sig[j]);
                }
                dot += lam[N + n] * al * sumdq * E1[n];
                const double ft = om[n] * 100.0 * Wh[n] * (-al * p[c] * it);
                grad[c] = ft - dot;
            }
            if (st)
                break;
        }
    tq__free(w->ctx, blk);
    tq__free(w->ctx, piv);
    return st;
}

static tq_status ossa_gradient(void *ws, const tq_scenario *sc, int region, const double *weights, double *grad)
{
    return tq__ossa_gradient(ws, sc, region, weights, grad);
}

const tq__model tq__model_ossa = {"ossa2014", ossa_ws_new,  ossa_ws_free, ossa_prepare,
                                  ossa_solve, tq__cp_pi_at, ossa_gradient};
