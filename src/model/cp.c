/* The Caliendo-Parro model: MODEL.md (E1)-(E5) in changes as a map for src/solve/.
 *
 * State x = (log w^ [N], log P^ [N*J], X'/VA_b [N*J]). One sweep of the map T(x):
 *   1. log c^ from (E1) at the state's wages and prices;
 *   2. P^ from (E2): P^[n,j]^(-theta_j) = sum_i A[n,i,j] c^[i,j]^(-theta_j) with
 *      A = pi * kappa^(-theta) computed once per solve (kappa^ = (1+t')/(1+t) d^), so a
 *      sweep needs N*J exponentials and O(N^2 J) multiply-adds, no pow;
 *   3. pi' from (E3) implicitly, sales Y'[i,j] = sum_n pi' X' / (1+t') at the state's X';
 *   4. income I' and X' from (E4);
 *   5. the wage from the excess of (E5): log w^ -= lambda_n * (imports - exports - D') /
 *      (w^ VA), where lambda_n is a diagonal Newton step estimated once from the base
 *      (the derivative of that excess with respect to log w^ is about
 *      sum_j (1+theta_j)(EX+IM)/VA); then the numeraire (world VA unchanged, or w^[r]=1).
 * A fixed point of T is an equilibrium: (E2) and (E4) hold by construction and the wage
 * step vanishes only when (E5) holds.
 *
 * Methods: the generic Anderson core of src/solve/ on the joint map, with continuation
 * on the shock when it stalls (model-specific: the homotopy is in the tariffs); or the
 * textbook damped nested fixed point (prices to convergence, then X' to convergence,
 * then one damped wage step), which needs the map's stages and so lives here.
 *
 * What depends only on the baseline (the wage steps lambda, world value added) is
 * computed once per workspace; the shock arrays A, B once per solve (per continuation
 * step). The powers of (1+t_b) are not tabulated: they would cost another N^2 J array,
 * and changed cells are few in a typical scenario (unchanged ones need no pow).
 *
 * Determinism: every OpenMP loop writes disjoint outputs and each output's sum runs in a
 * fixed order inside one thread; global reductions run serially. Results are therefore
 * bitwise identical for any thread count. The dot products of a sweep are sequential
 * sums (no reassociation); four rows are summed side by side so that their chains of
 * additions overlap, which changes no rounding. */
#include "cp.h"
#include "cp_impl.h"

#include "model.h"

#include "../solve/fp.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void tq__closure_deficits(const tq_baseline *b, tq_closure closure, const double *target, const double *what,
                          double *Dp)
{
    const int N = b->N;
    switch (closure) {
    case TQ_CLOSURE_BALANCED:
        for (int n = 0; n < N; n++)
            Dp[n] = 0.0;
        break;
    case TQ_CLOSURE_SHARE: {
        double w = 0, v = 0;
        for (int n = 0; n < N; n++) {
            w += what[n] * b->VA[n];
            v += b->VA[n];
        }
        for (int n = 0; n < N; n++)
            Dp[n] = b->D[n] * (w / v);
        break;
    }
    case TQ_CLOSURE_TARGET:
        for (int n = 0; n < N; n++)
            Dp[n] = target[n];
        break;
    case TQ_CLOSURE_FIXED:
    default:
        for (int n = 0; n < N; n++)
            Dp[n] = b->D[n];
        break;
    }
}

/* Stage 1: prices. (E1) then (E2) at the state's wages and prices; writes log P^ of
 * (E2) into glP and returns max |glP - lP|. */
static double stage_prices(tq__cp *w, const double *x, double *glP)
{
    const int N = w->N, J = w->J;
    const tq_baseline *b = w->b;
    const double *lw = x, *lP = x + N;

    /* MODEL.md (E1): log c^ = beta log w^ + sum_k gamma[n,k,j] log P^[n,k] */
#pragma omp parallel for schedule(dynamic, 2) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++) {
        double *lc = w->lc + (size_t)n * J;
        for (int j = 0; j < J; j++)
            lc[j] = b->beta[TQ_NJ(J, n, j)] * lw[n];
        for (int k = 0; k < J; k++) {
            const double p = lP[(size_t)n * J + k];
            if (p == 0.0)
                continue;
            const double *g = b->gamma + TQ_NKJ(J, n, k, 0);
            for (int j = 0; j < J; j++)
                lc[j] += g[j] * p;
        }
        for (int j = 0; j < J; j++)
            w->ut[(size_t)j * N + n] = exp(-b->theta[j] * lc[j]);
    }

    /* MODEL.md (E2): S[n,j] = sum_i A[n,i,j] u[i,j], four rows n at a time */
    double e2 = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->nth) if (w->par) reduction(max : e2)
    for (int j = 0; j < J; j++) {
        const double *u = w->ut + (size_t)j * N;
        const double th = b->theta[j];
        const int *lo = w->lo + (size_t)j * N, *hi = w->hi + (size_t)j * N;
        for (int n0 = 0; n0 < N; n0 += 4) {
            const int nr = N - n0 < 4 ? N - n0 : 4;
            double s[4] = {0, 0, 0, 0};
            const double *a = w->A + ((size_t)j * N + n0) * N;
            if (nr == 4) {
                /* the union of the four rows' ranges: the other cells add exact zeros */
                int i0 = N, i1 = 0;
                for (int r = 0; r < 4; r++)
                    if (hi[n0 + r] > lo[n0 + r]) {
                        i0 = lo[n0 + r] < i0 ? lo[n0 + r] : i0;
                        i1 = hi[n0 + r] > i1 ? hi[n0 + r] : i1;
                    }
                const double *a1 = a + N, *a2 = a1 + N, *a3 = a2 + N;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int i = i0; i < i1; i++) {
                    s0 += a[i] * u[i];
                    s1 += a1[i] * u[i];
                    s2 += a2[i] * u[i];
                    s3 += a3[i] * u[i];
                }
                s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
            } else {
                for (int r = 0; r < nr; r++) {
                    const double *ar = a + (size_t)r * N;
                    double sr = 0;
                    for (int i = lo[n0 + r]; i < hi[n0 + r]; i++)
                        sr += ar[i] * u[i];
                    s[r] = sr;
                }
            }
            for (int r = 0; r < nr; r++) {
                const size_t nj = (size_t)(n0 + r) * J + j;
                w->S[nj] = s[r];
                glP[nj] = s[r] > 0 ? -log(s[r]) / th : 0.0;
                double d = fabs(glP[nj] - lP[nj]);
                if (d > e2)
                    e2 = d;
            }
        }
    }
    return e2;
}

/* Stage 2: demand. Sales at the prices of stage 1 and the state's X'; (E4) into gXs;
 * the (E5) wage step into glw. Returns e4 and e5 through res. */
static void stage_demand(tq__cp *w, const double *x, double *gXs, double *glw, double res[2])
{
    const int N = w->N, J = w->J;
    const tq_baseline *b = w->b;
    const double *lw = x, *Xs = x + N + w->NJ;

    for (size_t nj = 0; nj < w->NJ; nj++) {
        const double s = w->S[nj];
        w->q[nj] = s > 0 ? Xs[nj] * b->VA[nj / (size_t)J] / s : 0.0;
    }
    /* sales Y'[i,j] = c^[i,j]^-theta sum_n B[n,i,j] X'[n,j] / S[n,j] (pi' of (E3)), and
     * in the same pass over B the pre-tariff sums SB[n,j] = sum_i B[n,i,j] u[i,j] */
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->nth) if (w->par)
    for (int j = 0; j < J; j++) {
        double *y = w->Yt + (size_t)j * N;
        const double *u = w->ut + (size_t)j * N;
        for (int i = 0; i < N; i++)
            y[i] = 0.0;
        const int *lo = w->lo + (size_t)j * N, *hi = w->hi + (size_t)j * N;
        for (int n = 0; n < N; n++) {
            const double qn = w->q[(size_t)n * J + j];
            const double *row = w->B + ((size_t)j * N + n) * N;
            const int i0 = lo[n], i1 = hi[n];
            double sb = 0;
            if (qn == 0.0) {
                for (int i = i0; i < i1; i++)
                    sb += row[i] * u[i];
            } else {
                for (int i = i0; i < i1; i++) {
                    y[i] += row[i] * qn;
                    sb += row[i] * u[i];
                }
            }
            w->SB[(size_t)n * J + j] = sb;
        }
        for (int i = 0; i < N; i++)
            y[i] *= u[i];
    }

    for (int n = 0; n < N; n++)
        w->what[n] = exp(lw[n]);
    tq__closure_deficits(b, w->closure, w->target, w->what, w->Dp);

    double e4 = 0, e5 = 0;
#pragma omp parallel for schedule(dynamic, 2) num_threads(w->nth) if (w->par) reduction(max : e4, e5)
    for (int n = 0; n < N; n++) {
        double purchases = 0, rev = 0, sales = 0;
        for (int j = 0; j < J; j++) {
            const size_t nj = (size_t)n * J + j;
            const double X = Xs[nj] * b->VA[n];
            const double m = w->S[nj] > 0 ? w->SB[nj] / w->S[nj] : 1.0; /* pre-tariff share */
            purchases += X * m;
            rev += X * (1.0 - m);
            sales += w->Yt[(size_t)j * N + n];
        }
        const double wva = w->what[n] * b->VA[n];
        /* MODEL.md (E5): imports - exports - D' = purchases - sales - D' (domestic cancels) */
        const double ex = purchases - sales - w->Dp[n];
        w->ex[n] = ex;
        w->Rv[n] = rev;
        w->Inc[n] = wva + rev + w->Dp[n]; /* I' of (E4) */
        /* MODEL.md (E4) */
        double xsum = 0, dmax = 0;
        for (int j = 0; j < J; j++) {
            const size_t nj = (size_t)n * J + j;
            double v = 0;
            if (w->S[nj] > 0) {
                v = b->alpha[nj] * w->Inc[n];
                const double *g = b->gamma + TQ_NKJ(J, n, j, 0);
                for (int k = 0; k < J; k++)
                    v += g[k] * w->Yt[(size_t)k * N + n];
            }
            double d = fabs(v - Xs[nj] * b->VA[n]);
            if (d > dmax)
                dmax = d;
            xsum += v;
            gXs[nj] = v / b->VA[n];
        }
        const double r4 = dmax / (xsum > 0 ? xsum : b->VA[n]);
        const double r5 = fabs(ex) / wva;
        if (r4 > e4)
            e4 = r4;
        if (r5 > e5)
            e5 = r5;
        double step = w->damping * w->lam[n] * ex / wva;
        if (step > 0.3)
            step = 0.3;
        if (step < -0.3)
            step = -0.3;
        glw[n] = lw[n] - step;
    }
    /* numeraire */
    double shift;
    if (w->numeraire_region >= 0) {
        shift = -glw[w->numeraire_region];
    } else {
        double s = 0;
        for (int n = 0; n < N; n++)
            s += exp(glw[n]) * b->VA[n];
        shift = log(w->world_va / s);
    }
    for (int n = 0; n < N; n++)
        glw[n] += shift;
    res[0] = e4;
    res[1] = e5;
}

static double maxres(const double r[3])
{
    double m = r[0] > r[1] ? r[0] : r[1];
    m = m > r[2] ? m : r[2];
    return isfinite(m) ? m : INFINITY;
}

double tq__cp_maxres(const tq__cp *w)
{
    return maxres(w->res);
}

/* The joint map: g = T(x); w->res = {e2, e4, e5} at x. */
void tq__cp_map(tq__cp *w, const double *x, double *g)
{
    w->res[0] = stage_prices(w, x, g + w->N);
    double r[2];
    stage_demand(w, x, g + w->N + w->NJ, g, r);
    w->res[1] = r[0];
    w->res[2] = r[1];
    w->sweeps++;
}

/* The map as the fixed-point core sees it. */
static double cp_map(void *ud, const double *x, double *g)
{
    tq__cp *w = ud;
    tq__cp_map(w, x, g);
    return maxres(w->res);
}

/* Progress as the share of the way, in orders of magnitude, from the first residual r0
 * to the tolerance. */
static double progress_fraction(double r0, double r, double tol)
{
    if (!(r0 > tol) || !(r > 0) || !isfinite(r0))
        return -1.0;
    double f = log(r0 / r) / log(r0 / tol);
    return f < 0 ? 0 : (f > 1 ? 1 : f);
}

/* Write the equilibrium at state x into out (uses the workspace of the last map at x). */
static void finish(tq__cp *w, const double *x, const double *g, const tq__cp_out *out)
{
    const int N = w->N, J = w->J;
    for (int n = 0; n < N; n++) {
        if (out->what)
            out->what[n] = exp(x[n]);
        if (out->income)
            out->income[n] = w->Inc[n];
        if (out->revenue)
            out->revenue[n] = w->Rv[n];
        if (out->deficit)
            out->deficit[n] = w->Dp[n];
    }
    for (size_t nj = 0; nj < w->NJ; nj++) {
        if (out->phat)
            out->phat[nj] = exp(g[N + nj]);
        if (out->chat)
            out->chat[nj] = exp(w->lc[nj]);
        if (out->X)
            out->X[nj] = x[N + w->NJ + nj] * w->b->VA[nj / (size_t)J];
    }
    if (out->ut)
        memcpy(out->ut, w->ut, w->NJ * sizeof(double));
    if (out->S)
        memcpy(out->S, w->S, w->NJ * sizeof(double));
    double *pi = out->pi;
    if (!pi)
        return;
#pragma omp parallel for schedule(static) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t nj = (size_t)n * J + j;
                pi[TQ_NIJ(N, J, n, i, j)] =
                    w->S[nj] > 0 ? w->A[((size_t)j * N + n) * N + i] * w->ut[(size_t)j * N + i] / w->S[nj] : 0.0;
            }
}

/* Shock of homotopy parameter s in [0,1]: t_s = t_b + s (t' - t_b), d_s = d^^s, and
 * A = pi kappa_s^(-theta), B = A / (1+t_s), j-major for the hot loops. Read in the
 * [n,i,j] order of the inputs; the writes of one n stay within 2 J rows of N. */
void tq__cp_setup_shock(tq__cp *w, const double *t1, const double *d1, double s)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
#pragma omp parallel for schedule(static) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++) {
            const size_t c0 = TQ_NIJ(N, J, n, i, 0);
            for (int j = 0; j < J; j++) {
                const size_t c = c0 + (size_t)j;
                const double pv = b->pi[c];
                double a = 0, bb = 0;
                if (pv > 0) {
                    const double ts = s == 1.0 ? t1[c] : b->t[c] + s * (t1[c] - b->t[c]);
                    double kap = (1.0 + ts) / (1.0 + b->t[c]);
                    if (d1 && d1[c] != 1.0)
                        kap *= s == 1.0 ? d1[c] : pow(d1[c], s);
                    a = kap == 1.0 ? pv : pv * pow(kap, -b->theta[j]);
                    bb = a / (1.0 + ts);
                }
                w->A[((size_t)j * N + n) * N + i] = a;
                w->B[((size_t)j * N + n) * N + i] = bb;
            }
        }
}

tq_status tq__cp_new(tq_context *ctx, const tq_baseline *b, tq__cp **out)
{
    *out = NULL;
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J, NNJ = (size_t)N * N * J, nx = (size_t)N + 2 * NJ;
    tq__cp *w = tq__calloc(ctx, 1, sizeof *w);
    if (!w)
        return TQ_ERR_NOMEM;
    /* One allocation for every work array (no allocation inside the iterations), zeroed:
     * this touches the pages of A and B here rather than in the first solve. */
    const size_t total = 2 * NNJ + (size_t)N * 6 + NJ * 6 + nx * 4;
    double *p = tq__huge_zeroed(ctx, total);
    if (!p) {
        tq__free(ctx, w);
        return TQ_ERR_NOMEM;
    }
    w->ctx = ctx;
    w->b = b;
    w->N = N;
    w->J = J;
    w->NJ = NJ;
    w->nx = nx;
    w->A = p, p += NNJ;
    w->B = p, p += NNJ;
    w->lam = p, p += N;
    w->Inc = p, p += N;
    w->Rv = p, p += N;
    w->Dp = p, p += N;
    w->ex = p, p += N;
    w->what = p, p += N;
    w->lc = p, p += NJ;
    w->ut = p, p += NJ;
    w->S = p, p += NJ;
    w->SB = p, p += NJ;
    w->q = p, p += NJ;
    w->Yt = p, p += NJ;
    w->x = p, p += nx;
    w->xsave = p, p += nx;
    w->g2 = p, p += nx;
    w->xlast = p;

    w->lo = tq__malloc(ctx, 2 * NJ * sizeof(int));
    if (!w->lo) {
        tq__cp_free(w);
        return TQ_ERR_NOMEM;
    }
    w->hi = w->lo + NJ;
    /* Rows of zeros (non-tradable sectors, absent trade) are skipped: A and B are zero
     * exactly where pi_b is, whatever the shock. */
    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++) {
            int i0 = N, i1 = 0;
            for (int i = 0; i < N; i++)
                if (b->pi[TQ_NIJ(N, J, n, i, j)] > 0) {
                    if (i < i0)
                        i0 = i;
                    i1 = i + 1;
                }
            w->lo[(size_t)j * N + n] = i0 < i1 ? i0 : 0;
            w->hi[(size_t)j * N + n] = i0 < i1 ? i1 : 0;
        }
    for (int n = 0; n < N; n++)
        w->world_va += b->VA[n];
    /* Diagonal Newton step for the wage from the base's trade (see the file comment):
     * tr[j] = sum_{i != n} (imports + exports of n with i in j), each sum in the order of
     * i, accumulated for all j at once so that the reads run along the memory. */
    for (int n = 0; n < N; n++) {
        double *tr = w->q; /* scratch [J] */
        for (int j = 0; j < J; j++)
            tr[j] = 0;
        for (int i = 0; i < N; i++) {
            if (i == n)
                continue;
            for (int j = 0; j < J; j++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j), in = TQ_NIJ(N, J, i, n, j);
                tr[j] += b->X[TQ_NJ(J, n, j)] * b->pi[ni] / (1.0 + b->t[ni]);
                tr[j] += b->X[TQ_NJ(J, i, j)] * b->pi[in] / (1.0 + b->t[in]);
            }
        }
        double d = 0;
        for (int j = 0; j < J; j++)
            d += (1.0 + b->theta[j]) * tr[j];
        d /= b->VA[n];
        w->lam[n] = 1.0 / (d > 0.05 ? d : 0.05);
    }
    *out = w;
    return TQ_OK;
}

void tq__cp_free(tq__cp *cp)
{
    if (!cp)
        return;
    tq__fp_free(cp->fp);
    tq__free(cp->ctx, cp->lo);
    tq__free(cp->ctx, cp->A);
    tq__free(cp->ctx, cp);
}

static int anderson_memory(const tq_solver_options *opt)
{
    return opt->anderson_m < 1 ? 1 : (opt->anderson_m > 50 ? 50 : opt->anderson_m);
}

tq_status tq__cp_prepare(tq__cp *cp, const tq_solver_options *opt)
{
    if (opt->method != TQ_METHOD_ANDERSON)
        return TQ_OK;
    const int m = anderson_memory(opt);
    if (cp->fp && tq__fp_memory(cp->fp) == m)
        return TQ_OK;
    tq__fp_free(cp->fp);
    cp->fp = NULL;
    return tq__fp_alloc(cp->ctx, TQ__FP_ANDERSON, cp->nx, m, &cp->fp);
}

/* Anderson on the joint map with continuation on the shock: try the whole shock; if
 * Anderson stalls, go back to the last solved fraction s of the shock and take a smaller
 * step (intermediate steps solved to 1e-6 only). Ordinary shocks converge in the first
 * attempt. Returns the stop reason; the workspace and g are at x on return. */
static tq_stop solve_anderson(tq__cp *w, const double *t1, const double *d1, double tol, int max_iter, double deadline,
                              int *iters, const double **gout)
{
    tq__fp *fp = w->fp;
    tq__fp_set_deadline(fp, deadline);
    double *x = w->x;
    const size_t nx = w->nx;
    double s_done = 0.0, ds = 1.0, s_cur = -1.0;
    int it = 0;
    tq_stop stop = TQ_STOP_ITERATION_LIMIT;
    tq__fp_progress_reset(fp, tol);
    for (;;) {
        const double s_try = s_done + ds >= 1.0 - 1e-12 ? 1.0 : s_done + ds;
        if (s_try != s_cur) {
            tq__cp_setup_shock(w, t1, d1, s_try);
            s_cur = s_try;
        }
        memcpy(w->xsave, x, nx * sizeof(double));
        const double stol = s_try == 1.0 ? tol : fmax(tol, 1e-6);
        int used = 0;
        tq__fp_set(fp, cp_map, w, x, stol, 150, 1.0);
        const tq__fp_state fs = tq__fp_run(fp, max_iter - it, &used);
        it += used;
        if (fs == TQ__FP_CONVERGED) {
            if (s_try == 1.0) {
                stop = TQ_STOP_CONVERGED;
                break;
            }
            s_done = s_try;
            ds *= 2.0;
            continue;
        }
        if (fs == TQ__FP_CANCELLED || fs == TQ__FP_TIMEOUT || it >= max_iter || ds < 1.0 / 1024) {
            stop = fs == TQ__FP_CANCELLED  ? TQ_STOP_CANCELLED
                   : fs == TQ__FP_TIMEOUT  ? TQ_STOP_TIME_LIMIT
                   : fs == TQ__FP_LIMIT    ? TQ_STOP_ITERATION_LIMIT
                   : fs == TQ__FP_DIVERGED ? TQ_STOP_DIVERGED
                                           : TQ_STOP_STALLED;
            if (s_cur != 1.0) { /* report the full shock's residual at the best point */
                tq__cp_setup_shock(w, t1, d1, 1.0);
                s_cur = 1.0;
            }
            break;
        }
        tq__log(w->ctx, TQ_LOG_DEBUG, "solve: stalled at residual %.3g with %.4g of the shock; step %.4g",
                maxres(w->res), s_try, ds / 4);
        memcpy(x, w->xsave, nx * sizeof(double));
        ds /= 4.0;
    }
    *iters = it;
    if (stop == TQ_STOP_CONVERGED) {
        *gout = tq__fp_g(fp);
    } else {
        tq__cp_map(w, x, w->g2); /* the workspace at the reported point */
        *gout = w->g2;
    }
    return stop;
}

/* The textbook damped nested fixed point. */
static tq_stop solve_nested(tq__cp *w, const double *t1, const double *d1, double tol, int max_iter, double deadline,
                            int *iters)
{
    const int N = w->N;
    const size_t NJ = w->NJ;
    double *x = w->x, *g = w->g2;
    double *glP = g + N, *gXs = g + N + NJ;
    const double itol = tol * 0.01;
    double r0 = -1;
    tq_stop stop = TQ_STOP_ITERATION_LIMIT;
    int it;
    tq__cp_setup_shock(w, t1, d1, 1.0);
    for (it = 0; it < max_iter; it++) {
        double e2 = INFINITY, r2[2] = {INFINITY, INFINITY};
        for (int k = 0; k < 100000 && e2 > itol; k++) {
            if (!isfinite(e2 = stage_prices(w, x, glP)) || ((k & 63) == 63 && tq__fp_now() >= deadline))
                break;
            w->sweeps++;
            memcpy(x + N, glP, NJ * sizeof(double));
        }
        stage_prices(w, x, glP);
        for (int k = 0; k < 100000 && r2[0] > itol; k++) {
            stage_demand(w, x, gXs, g, r2);
            if (!isfinite(r2[0]) || ((k & 63) == 63 && tq__fp_now() >= deadline))
                break;
            w->sweeps++;
            memcpy(x + N + NJ, gXs, NJ * sizeof(double));
        }
        tq__cp_map(w, x, g);
        if (r0 < 0)
            r0 = maxres(w->res);
        if (maxres(w->res) < tol) {
            stop = TQ_STOP_CONVERGED;
            break;
        }
        if (!isfinite(maxres(w->res))) {
            stop = TQ_STOP_DIVERGED;
            break;
        }
        memcpy(x, g, (size_t)N * sizeof(double)); /* damped wage step */
        if (tq__progress(w->ctx, "solve", progress_fraction(r0, maxres(w->res), tol)) != TQ_OK) {
            stop = TQ_STOP_CANCELLED;
            break;
        }
        if (tq__fp_now() >= deadline) {
            stop = TQ_STOP_TIME_LIMIT;
            break;
        }
    }
    *iters = it + (stop == TQ_STOP_CONVERGED ? 1 : 0);
    return stop;
}

tq_status tq__cp_solve(tq__cp *w, const double *t1, const double *d1, tq_closure closure, const double *target,
                       const tq_solver_options *opt, int warm, const tq__cp_out *out, tq_solve_info *info,
                       int *numeraire_region)
{
    tq_solver_options defo;
    if (!opt) {
        tq_solver_options_default(&defo);
        opt = &defo;
    }
    const double t_start = tq__fp_now();
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
    const size_t NJ = w->NJ, NNJ = NJ * (size_t)N;
    const int anderson = opt->method == TQ_METHOD_ANDERSON;
    const double tol = opt->tol > 0 ? opt->tol : 1e-10;
    const int max_iter = opt->max_iter > 0 ? opt->max_iter : (anderson ? 2000 : 20000);
    const double max_seconds =
        opt->max_seconds > 0 && isfinite(opt->max_seconds) ? opt->max_seconds : TQ_DEFAULT_MAX_SECONDS;
    const double deadline = tq__fp_now() + max_seconds;
    tq_status st = tq__cp_prepare(w, opt);
    if (st)
        return st;

    w->closure = closure;
    w->target = target;
    w->numeraire_region = opt->numeraire_region < N ? opt->numeraire_region : -1;
    w->damping = opt->damping > 0 ? opt->damping : (anderson ? 1.0 : 0.5);
#ifdef _OPENMP
    w->nth = opt->threads > 0 ? opt->threads : omp_get_max_threads();
#else
    w->nth = 1;
#endif
    w->par = w->nth > 1 && (double)NNJ + (double)NJ * J >= 1e6;
    w->sweeps = 0;
    w->res[0] = w->res[1] = w->res[2] = INFINITY;

    /* start at the base (w^ = P^ = 1, X' = X_b), at the last solution, or at a given
     * earlier result */
    double *x = w->x;
    const tq_result *s0 = opt->start;
    if (warm && w->have_last) {
        memcpy(x, w->xlast, w->nx * sizeof(double));
    } else if (s0 && s0->N == N && s0->J == J) {
        for (int n = 0; n < N; n++)
            x[n] = log(s0->arr[TQ_RES_WHAT][n]);
        for (size_t k = 0; k < NJ; k++) {
            x[N + k] = log(s0->arr[TQ_RES_PHAT][k]);
            x[N + NJ + k] = s0->arr[TQ_RES_X][k] / b->VA[k / (size_t)J];
        }
    } else {
        memset(x, 0, (size_t)N * (1 + J) * sizeof(double));
        for (size_t k = 0; k < NJ; k++)
            x[N + NJ + k] = b->X[k] / b->VA[k / (size_t)J];
    }

    int iters = 0;
    tq_stop stop;
    const double *g = w->g2;
    if (anderson)
        stop = solve_anderson(w, t1, d1, tol, max_iter, deadline, &iters, &g);
    else
        stop = solve_nested(w, t1, d1, tol, max_iter, deadline, &iters);
    finish(w, x, g, out);
    if (stop == TQ_STOP_CONVERGED) {
        memcpy(w->xlast, x, w->nx * sizeof(double));
        w->have_last = 1;
    }
    st = stop == TQ_STOP_CONVERGED ? TQ_OK : stop == TQ_STOP_CANCELLED ? TQ_ERR_CANCELLED : TQ_ERR_NOT_CONVERGED;
    memset(info, 0, sizeof *info);
    info->status = st;
    info->stop = stop;
    info->iterations = iters;
    info->sweeps = w->sweeps;
    info->res_e2 = w->res[0];
    info->res_e4 = w->res[1];
    info->res_e5 = w->res[2];
    info->residual = maxres(w->res);
    info->method = opt->method;
    info->threads = w->nth;
    if (numeraire_region)
        *numeraire_region = w->numeraire_region;
    info->seconds = tq__fp_now() - t_start;
    if (st == TQ_ERR_NOT_CONVERGED)
        return tq__error(w->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                         "the equilibrium solver did not converge: stopped (%s) after %d iterations with residual %.3g "
                         "(tolerance %.3g; (E2) %.3g, (E4) %.3g, (E5) %.3g)",
                         tq__cp_stop_text(stop), iters, info->residual, tol, w->res[0], w->res[1], w->res[2]);
    return st;
}

/* ------------------------------------------------- the model's interface --- */

const char *tq__cp_stop_text(tq_stop stop)
{
    return stop == TQ_STOP_ITERATION_LIMIT ? "iteration limit"
           : stop == TQ_STOP_DIVERGED      ? "diverged"
           : stop == TQ_STOP_TIME_LIMIT    ? "time limit"
                                           : "stalled";
}

tq__cp_out tq__cp_result_out(const tq_result *r)
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
    return out;
}

double tq__cp_pi_at(const tq_result *r, size_t c, int n, int i, int j)
{
    return tq__cp_pi(r->b, r->sc->t, r->sc->d, r->ut, r->S, c, n, i, j);
}
