/* The solver core for MODEL.md (E1)-(E5) in changes.
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
 * Methods: Anderson acceleration (type II, memory m, least squares through the m x m
 * normal equations solved by LAPACKE_dgelss, i.e. SVD with a rank cutoff) on the joint
 * map, with a restart from the best iterate when the residual blows up; or the textbook
 * damped nested fixed point (prices to convergence, then X' to convergence, then one
 * damped wage step).
 *
 * Determinism: every OpenMP loop writes disjoint outputs and each output's sum runs in a
 * fixed order inside one thread; global reductions run serially. Results are therefore
 * bitwise identical for any thread count.
 */
#include "../model/ge.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define IBLOCK 256

typedef struct ws {
    tq_context *ctx;
    const tq_baseline *b;
    int N, J, nth;
    int par; /* run the loops in parallel (enough work per sweep to pay for a fork) */
    size_t NJ, nx;
    tq_closure closure;
    const double *target;
    int numeraire_region;
    double damping;
    double *A, *B;                     /* [j][n][i]: pi kappa^-theta, and that / (1+t') */
    double *lam;                       /* [n] wage step */
    double *lc;                        /* [n,j] log c^ */
    double *ut;                        /* [j][i] c^^-theta */
    double *S, *SB;                    /* [n,j] sum_i A u, sum_i B u */
    double *q;                         /* [n,j] X'/S */
    double *Yt;                        /* [j][i] sales */
    double *Inc, *Rv, *Dp, *ex, *what; /* [n] */
    double world_va;
    int sweeps;
} ws;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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
static double stage_prices(ws *w, const double *x, double *glP)
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

    /* MODEL.md (E2) */
    double e2 = 0;
#pragma omp parallel for collapse(2) schedule(dynamic, 8) num_threads(w->nth) if (w->par) reduction(max : e2)
    for (int j = 0; j < J; j++) {
        for (int n = 0; n < N; n++) {
            const double *a = w->A + ((size_t)j * N + n) * N;
            const double *bb = w->B + ((size_t)j * N + n) * N;
            const double *u = w->ut + (size_t)j * N;
            double s = 0, sb = 0;
            for (int i = 0; i < N; i++) {
                s += a[i] * u[i];
                sb += bb[i] * u[i];
            }
            const size_t nj = (size_t)n * J + j;
            w->S[nj] = s;
            w->SB[nj] = sb;
            glP[nj] = s > 0 ? -log(s) / b->theta[j] : 0.0;
            double d = fabs(glP[nj] - lP[nj]);
            if (d > e2)
                e2 = d;
        }
    }
    return e2;
}

/* Stage 2: demand. Sales at the prices of stage 1 and the state's X'; (E4) into gXs;
 * the (E5) wage step into glw. Returns e4 and e5 through res. */
static void stage_demand(ws *w, const double *x, double *gXs, double *glw, double res[2])
{
    const int N = w->N, J = w->J;
    const tq_baseline *b = w->b;
    const double *lw = x, *Xs = x + N + w->NJ;

    for (size_t nj = 0; nj < w->NJ; nj++) {
        const double s = w->S[nj];
        w->q[nj] = s > 0 ? Xs[nj] * b->VA[nj / (size_t)J] / s : 0.0;
    }
    /* sales Y'[i,j] = c^[i,j]^-theta sum_n B[n,i,j] X'[n,j] / S[n,j] (pi' of (E3)) */
    const int nb = (N + IBLOCK - 1) / IBLOCK;
#pragma omp parallel for collapse(2) schedule(dynamic, 1) num_threads(w->nth) if (w->par)
    for (int j = 0; j < J; j++) {
        for (int ib = 0; ib < nb; ib++) {
            const int i0 = ib * IBLOCK, i1 = i0 + IBLOCK < N ? i0 + IBLOCK : N;
            double *y = w->Yt + (size_t)j * N;
            for (int i = i0; i < i1; i++)
                y[i] = 0.0;
            for (int n = 0; n < N; n++) {
                const double qn = w->q[(size_t)n * J + j];
                if (qn == 0.0)
                    continue;
                const double *row = w->B + ((size_t)j * N + n) * N;
                for (int i = i0; i < i1; i++)
                    y[i] += row[i] * qn;
            }
            const double *u = w->ut + (size_t)j * N;
            for (int i = i0; i < i1; i++)
                y[i] *= u[i];
        }
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

/* The joint map: g = T(x); res = {e2, e4, e5} at x. */
static void ge_map(ws *w, const double *x, double *g, double res[3])
{
    res[0] = stage_prices(w, x, g + w->N);
    double r[2];
    stage_demand(w, x, g + w->N + w->NJ, g, r);
    res[1] = r[0];
    res[2] = r[1];
    w->sweeps++;
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

static double maxres(const double r[3])
{
    double m = r[0] > r[1] ? r[0] : r[1];
    m = m > r[2] ? m : r[2];
    return isfinite(m) ? m : INFINITY;
}

/* Write the equilibrium at state x into r (uses the workspace of the last map at x). */
static void finish(ws *w, const double *x, const double *g, tq_result *r)
{
    const int N = w->N, J = w->J;
    double *what = r->arr[TQ_RES_WHAT], *P = r->arr[TQ_RES_PHAT], *c = r->arr[TQ_RES_CHAT];
    double *pi = r->arr[TQ_RES_PI], *X = r->arr[TQ_RES_X];
    for (int n = 0; n < N; n++) {
        what[n] = exp(x[n]);
        r->arr[TQ_RES_INCOME][n] = w->Inc[n];
        r->arr[TQ_RES_REVENUE][n] = w->Rv[n];
        r->arr[TQ_RES_DEFICIT][n] = w->Dp[n];
    }
    for (size_t nj = 0; nj < w->NJ; nj++) {
        P[nj] = exp(g[N + nj]);
        c[nj] = exp(w->lc[nj]);
        X[nj] = x[N + w->NJ + nj] * w->b->VA[nj / (size_t)J];
    }
#pragma omp parallel for schedule(static) num_threads(w->nth) if (w->par)
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t nj = (size_t)n * J + j;
                pi[TQ_NIJ(N, J, n, i, j)] =
                    w->S[nj] > 0 ? w->A[((size_t)j * N + n) * N + i] * w->ut[(size_t)j * N + i] / w->S[nj] : 0.0;
            }
}

/* Solve the m x m normal equations H gam = rhs by SVD (LAPACKE_dgelss). */
static int small_lsq(int m, double *H, double *rhs)
{
    double s[64];
    lapack_int rank;
    lapack_int info = LAPACKE_dgelss(LAPACK_COL_MAJOR, m, m, 1, H, m, rhs, m, s, 1e-13, &rank);
    return info == 0 ? 0 : -1;
}

/* Shock of homotopy parameter s in [0,1]: t_s = t_b + s (t' - t_b), d_s = d^^s, and
 * A = pi kappa_s^(-theta), B = A / (1+t_s), j-major for the hot loops. */
static void setup_shock(ws *w, const double *t1, const double *d1, double s)
{
    const tq_baseline *b = w->b;
    const int N = w->N, J = w->J;
#pragma omp parallel for schedule(static) num_threads(w->nth) if (w->par)
    for (int j = 0; j < J; j++) {
        const double th = b->theta[j];
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                const double pv = b->pi[c];
                double a = 0, bb = 0;
                if (pv > 0) {
                    const double ts = s == 1.0 ? t1[c] : b->t[c] + s * (t1[c] - b->t[c]);
                    double kap = (1.0 + ts) / (1.0 + b->t[c]);
                    if (d1 && d1[c] != 1.0)
                        kap *= s == 1.0 ? d1[c] : pow(d1[c], s);
                    a = kap == 1.0 ? pv : pv * pow(kap, -th);
                    bb = a / (1.0 + ts);
                }
                w->A[((size_t)j * N + n) * N + i] = a;
                w->B[((size_t)j * N + n) * N + i] = bb;
            }
    }
}

/* Anderson work arrays. */
typedef struct aa {
    int m;
    size_t nx;
    double *g, *f, *fprev, *gprev, *xbest, *dF, *dG, *H, *rhs;
} aa;

/* Anderson-accelerated iterations of the joint map from x, at most `budget` of them.
 * TQ_OK: converged (x is the solution and the workspace holds the map at x).
 * TQ_ERR_NOT_CONVERGED: budget spent or stalled (no tenfold progress in `stall`
 * iterations); x is the best iterate (workspace not at x). TQ_ERR_CANCELLED. */
static tq_status anderson_run(ws *w, aa *h, double *x, double tol, int budget, int stall, int *used, double res[3],
                              double *r0, double final_tol)
{
    const size_t nx = h->nx;
    const int m = h->m;
    double *g = h->g, *f = h->f;
    double best = INFINITY, best_ref = INFINITY;
    int k = 0, restarts = 0, it, it_ref = 0;
    tq_status st = TQ_ERR_NOT_CONVERGED;
    for (it = 0; it < budget; it++) {
        ge_map(w, x, g, res);
        double rr = maxres(res);
        if (*r0 < 0)
            *r0 = rr;
        if (rr < tol) {
            st = TQ_OK;
            break;
        }
        if (!isfinite(rr) || (it > 5 && rr > 1e4 * best)) {
            /* blown up: restart from the best iterate with a plain step */
            if (!isfinite(best) || restarts >= 50)
                break;
            memcpy(x, h->xbest, nx * sizeof(double));
            k = 0;
            restarts++;
            ge_map(w, x, g, res);
            rr = maxres(res);
        }
        if (rr < best) {
            best = rr;
            memcpy(h->xbest, x, nx * sizeof(double));
        }
        if (best < 0.1 * best_ref) {
            best_ref = best;
            it_ref = it;
        } else if (it - it_ref > stall) {
            break;
        }
        for (size_t e = 0; e < nx; e++)
            f[e] = g[e] - x[e];
        if (k > 0) {
            const int col = (k - 1) % m;
            double *df = h->dF + (size_t)col * nx, *dg = h->dG + (size_t)col * nx;
            for (size_t e = 0; e < nx; e++) {
                df[e] = f[e] - h->fprev[e];
                dg[e] = g[e] - h->gprev[e];
            }
        }
        memcpy(h->fprev, f, nx * sizeof(double));
        memcpy(h->gprev, g, nx * sizeof(double));
        const int mk = k < m ? k : m;
        memcpy(x, g, nx * sizeof(double));
        if (mk > 0) {
            /* min || f - dF gamma ||: normal equations, solved by SVD */
            for (int a = 0; a < mk; a++) {
                const double *fa = h->dF + (size_t)a * nx;
                double sum = 0;
                for (size_t e = 0; e < nx; e++)
                    sum += fa[e] * f[e];
                h->rhs[a] = sum;
                for (int c = 0; c <= a; c++) {
                    const double *fc = h->dF + (size_t)c * nx;
                    double hh = 0;
                    for (size_t e = 0; e < nx; e++)
                        hh += fa[e] * fc[e];
                    h->H[(size_t)a * mk + c] = h->H[(size_t)c * mk + a] = hh;
                }
            }
            if (small_lsq(mk, h->H, h->rhs) == 0) {
                for (int a = 0; a < mk; a++) {
                    const double ga = h->rhs[a];
                    if (!isfinite(ga))
                        continue;
                    const double *dga = h->dG + (size_t)a * nx;
                    for (size_t e = 0; e < nx; e++)
                        x[e] -= ga * dga[e];
                }
            }
        }
        k++;
        if ((st = tq__progress(w->ctx, "solve", progress_fraction(*r0, best, final_tol))) != TQ_OK)
            break;
        st = TQ_ERR_NOT_CONVERGED;
    }
    *used = it + (st == TQ_OK ? 1 : 0);
    if (st != TQ_OK && isfinite(best))
        memcpy(x, h->xbest, nx * sizeof(double));
    return st;
}

tq_status tq__ge_solve(tq_context *ctx, const tq_baseline *b, const double *t1, const double *d1, tq_closure closure,
                       const double *target, const tq_solver_options *opt, tq_result *r)
{
    tq_solver_options defo;
    if (!opt) {
        tq_solver_options_default(&defo);
        opt = &defo;
    }
    const double t_start = now_seconds();
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J, NNJ = (size_t)N * N * J;
    const int anderson = opt->method == TQ_METHOD_ANDERSON;
    const int m = opt->anderson_m < 1 ? 1 : (opt->anderson_m > 50 ? 50 : opt->anderson_m);
    const double tol = opt->tol > 0 ? opt->tol : 1e-10;
    int max_iter = opt->max_iter > 0 ? opt->max_iter : (anderson ? 2000 : 20000);

    ws w;
    memset(&w, 0, sizeof w);
    w.ctx = ctx;
    w.b = b;
    w.N = N;
    w.J = J;
    w.NJ = NJ;
    w.nx = (size_t)N + 2 * NJ;
    w.closure = closure;
    w.target = target;
    w.numeraire_region = opt->numeraire_region < N ? opt->numeraire_region : -1;
    w.damping = opt->damping > 0 ? opt->damping : (anderson ? 1.0 : 0.5);
#ifdef _OPENMP
    w.nth = opt->threads > 0 ? opt->threads : omp_get_max_threads();
#else
    w.nth = 1;
#endif
    for (int n = 0; n < N; n++)
        w.world_va += b->VA[n];
    w.par = w.nth > 1 && (double)NNJ + (double)NJ * J >= 1e6;

    const size_t nx = w.nx;
    const int hist = anderson ? m : 0;
    /* One allocation for every work array (no allocation inside the iterations). */
    size_t total = 2 * NNJ + (size_t)N * 6 + NJ * 6 + nx * (7 + 2 * (size_t)hist) + (size_t)hist * hist + (size_t)hist;
    double *mem = tq__calloc(ctx, total, sizeof(double));
    if (!mem)
        return TQ_ERR_NOMEM;
    double *p = mem;
    w.A = p, p += NNJ;
    w.B = p, p += NNJ;
    w.lam = p, p += N;
    w.Inc = p, p += N;
    w.Rv = p, p += N;
    w.Dp = p, p += N;
    w.ex = p, p += N;
    w.what = p, p += N;
    w.lc = p, p += NJ;
    w.ut = p, p += NJ;
    w.S = p, p += NJ;
    w.SB = p, p += NJ;
    w.q = p, p += NJ;
    w.Yt = p, p += NJ;
    double *x = p;
    p += nx;
    double *g = p;
    p += nx;
    double *f = p;
    p += nx;
    double *fprev = p;
    p += nx;
    double *gprev = p;
    p += nx;
    double *xbest = p;
    p += nx;
    double *dF = p;
    p += nx * (size_t)hist;
    double *dG = p;
    p += nx * (size_t)hist;
    double *H = p;
    p += (size_t)hist * hist;
    double *rhs = p;
    p += hist;
    double *gam_x = p; /* Anderson: the last solved point of the continuation */
    p += nx;

    /* Diagonal Newton step for the wage from the base's trade (see the file comment). */
    for (int n = 0; n < N; n++) {
        double d = 0;
        for (int j = 0; j < J; j++) {
            double tr = 0;
            for (int i = 0; i < N; i++) {
                if (i == n)
                    continue;
                const size_t ni = TQ_NIJ(N, J, n, i, j), in = TQ_NIJ(N, J, i, n, j);
                tr += b->X[TQ_NJ(J, n, j)] * b->pi[ni] / (1.0 + b->t[ni]);
                tr += b->X[TQ_NJ(J, i, j)] * b->pi[in] / (1.0 + b->t[in]);
            }
            d += (1.0 + b->theta[j]) * tr;
        }
        d /= b->VA[n];
        w.lam[n] = 1.0 / (d > 0.05 ? d : 0.05);
    }

    /* start at the base (w^ = P^ = 1, X' = X_b) or at a given earlier solution */
    const tq_result *s0 = opt->start;
    if (s0 && s0->N == N && s0->J == J) {
        for (int n = 0; n < N; n++)
            x[n] = log(s0->arr[TQ_RES_WHAT][n]);
        for (size_t k = 0; k < NJ; k++) {
            x[N + k] = log(s0->arr[TQ_RES_PHAT][k]);
            x[N + NJ + k] = s0->arr[TQ_RES_X][k] / b->VA[k / (size_t)J];
        }
    } else {
        for (size_t k = 0; k < NJ; k++)
            x[N + NJ + k] = b->X[k] / b->VA[k / (size_t)J];
    }

    double res[3] = {INFINITY, INFINITY, INFINITY}, best = INFINITY, r0 = -1;
    tq_status st = TQ_ERR_NOT_CONVERGED;
    int it = 0, iters = 0;
    if (anderson) {
        /* Continuation on the shock: try the whole shock; if Anderson stalls, go back to
         * the last solved fraction s of the shock and take a smaller step (intermediate
         * steps solved to 1e-6 only). Ordinary shocks converge in the first attempt. */
        aa h = {m, nx, g, f, fprev, gprev, xbest, dF, dG, H, rhs};
        double s_done = 0.0, ds = 1.0, s_cur = -1.0;
        double *xsave = gam_x;
        for (;;) {
            const double s_try = s_done + ds >= 1.0 - 1e-12 ? 1.0 : s_done + ds;
            if (s_try != s_cur) {
                setup_shock(&w, t1, d1, s_try);
                s_cur = s_try;
            }
            memcpy(xsave, x, nx * sizeof(double));
            const double stol = s_try == 1.0 ? tol : fmax(tol, 1e-6);
            int used = 0;
            st = anderson_run(&w, &h, x, stol, max_iter - it, 150, &used, res, &r0, tol);
            it += used;
            if (st == TQ_OK) {
                if (s_try == 1.0)
                    break;
                s_done = s_try;
                ds *= 2.0;
                continue;
            }
            if (st == TQ_ERR_CANCELLED || it >= max_iter || ds < 1.0 / 1024) {
                if (st != TQ_ERR_CANCELLED)
                    st = TQ_ERR_NOT_CONVERGED;
                if (s_cur != 1.0) { /* report the full shock's residual at the best point */
                    setup_shock(&w, t1, d1, 1.0);
                    s_cur = 1.0;
                }
                break;
            }
            tq__log(ctx, TQ_LOG_DEBUG, "solve: stalled at residual %.3g with %.4g of the shock; step %.4g", maxres(res),
                    s_try, ds / 4);
            memcpy(x, xsave, nx * sizeof(double));
            ds /= 4.0;
        }
        if (st != TQ_OK)
            ge_map(&w, x, g, res); /* the workspace at the reported point */
        iters = it;
    } else {
        double *glP = g + N, *gXs = g + N + NJ;
        const double itol = tol * 0.01;
        setup_shock(&w, t1, d1, 1.0);
        for (it = 0; it < max_iter; it++) {
            double e2 = INFINITY, r2[2] = {INFINITY, INFINITY};
            for (int k = 0; k < 100000 && e2 > itol; k++) {
                e2 = stage_prices(&w, x, glP);
                w.sweeps++;
                memcpy(x + N, glP, NJ * sizeof(double));
            }
            stage_prices(&w, x, glP);
            for (int k = 0; k < 100000 && r2[0] > itol; k++) {
                stage_demand(&w, x, gXs, g, r2);
                w.sweeps++;
                memcpy(x + N + NJ, gXs, NJ * sizeof(double));
            }
            ge_map(&w, x, g, res);
            if (r0 < 0)
                r0 = maxres(res);
            if (maxres(res) < tol) {
                st = TQ_OK;
                break;
            }
            if (!isfinite(maxres(res)))
                break;
            memcpy(x, g, (size_t)N * sizeof(double)); /* damped wage step */
            if ((st = tq__progress(ctx, "solve", progress_fraction(r0, maxres(res), tol))) != TQ_OK)
                break;
            st = TQ_ERR_NOT_CONVERGED;
        }
        iters = it + (st == TQ_OK ? 1 : 0);
    }
    (void)best;
    finish(&w, x, g, r);
    r->info.status = st == TQ_OK ? TQ_OK : st;
    r->info.iterations = iters;
    r->info.sweeps = w.sweeps;
    r->info.res_e2 = res[0];
    r->info.res_e4 = res[1];
    r->info.res_e5 = res[2];
    r->info.residual = maxres(res);
    r->info.method = opt->method;
    r->info.threads = w.nth;
    r->numeraire_region = w.numeraire_region;
    tq__free(ctx, mem);
    r->info.seconds = now_seconds() - t_start;
    if (st == TQ_ERR_NOT_CONVERGED)
        return tq__error(ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                         "the equilibrium solver stopped after %d iterations with residual %.3g "
                         "(tolerance %.3g; (E2) %.3g, (E4) %.3g, (E5) %.3g)",
                         r->info.iterations, r->info.residual, tol, res[0], res[1], res[2]);
    return st;
}
