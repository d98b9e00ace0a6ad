/* The generic fixed-point core (see fp.h).
 *
 * Anderson type II with memory m: with f = T(x) - x and the differences dF, dG of the
 * last m residuals and map values, the next iterate is T(x) - dG gamma where gamma
 * solves min || f - dF gamma ||. The m x m normal equations are solved by SVD
 * (LAPACKE_dgelss with a rank cutoff), which copes with the nearly collinear histories
 * that appear close to the solution. When the residual blows up (not finite, or 10^4
 * times the best) the history is cleared and the iteration restarts from the best
 * iterate. A run stops as stalled when the best residual has not fallen tenfold for
 * `stall` iterations: the caller (a model) may then shorten its step, e.g. by
 * continuation on the shock.
 *
 * Non-finite values never reach LAPACK (whose SVD can loop without end on inf or NaN):
 * the normal equations are checked first, and when they are not finite the history is
 * dropped and the step falls back to the plain iteration x <- T(x); a map value T(x)
 * that is not finite counts as an infinite residual (whatever the map returned), which
 * leads to the restart from the best iterate. A run ends at its iteration
 * budget or at the wall-clock deadline, whichever comes first. */
#include "fp.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>
#include <time.h>

struct tq__fp {
    tq_context *ctx;
    tq__fp_method method;
    size_t nx;
    int m;
    double *g, *f, *fprev, *gprev, *xbest, *dF, *dG, *H, *rhs; /* one allocation */
    /* the problem */
    tq__fp_map map;
    void *ud;
    double *x;
    double tol, damping;
    int stall;
    double deadline; /* CLOCK_MONOTONIC seconds; <= 0: none */
    /* iteration state */
    int it, k, restarts, it_ref;
    double best, best_ref, last;
    /* progress */
    double r0, ptol;
};

tq_status tq__fp_alloc(tq_context *ctx, tq__fp_method method, size_t nx, int memory, tq__fp **out)
{
    *out = NULL;
    tq__fp *fp = tq__calloc(ctx, 1, sizeof *fp);
    if (!fp)
        return TQ_ERR_NOMEM;
    const int m = method == TQ__FP_ANDERSON ? (memory < 1 ? 1 : (memory > 50 ? 50 : memory)) : 0;
    const size_t hist = (size_t)m;
    double *p = tq__calloc(ctx, nx * (5 + 2 * hist) + hist * hist + hist, sizeof(double));
    if (!p) {
        tq__free(ctx, fp);
        return TQ_ERR_NOMEM;
    }
    fp->ctx = ctx;
    fp->method = method;
    fp->nx = nx;
    fp->m = m;
    fp->g = p, p += nx;
    fp->f = p, p += nx;
    fp->fprev = p, p += nx;
    fp->gprev = p, p += nx;
    fp->xbest = p, p += nx;
    fp->dF = p, p += nx * hist;
    fp->dG = p, p += nx * hist;
    fp->H = p, p += hist * hist;
    fp->rhs = p;
    fp->r0 = -1;
    fp->last = fp->best = INFINITY;
    fp->deadline = 0;
    *out = fp;
    return TQ_OK;
}

void tq__fp_free(tq__fp *fp)
{
    if (!fp)
        return;
    tq__free(fp->ctx, fp->g);
    tq__free(fp->ctx, fp);
}

tq__fp_method tq__fp_method_of(const tq__fp *fp)
{
    return fp->method;
}
int tq__fp_memory(const tq__fp *fp)
{
    return fp->m;
}
size_t tq__fp_size(const tq__fp *fp)
{
    return fp->nx;
}

void tq__fp_set(tq__fp *fp, tq__fp_map map, void *ud, double *x, double tol, int stall, double damping)
{
    fp->map = map;
    fp->ud = ud;
    fp->x = x;
    fp->tol = tol;
    fp->stall = stall;
    fp->damping = damping;
    fp->it = fp->k = fp->restarts = fp->it_ref = 0;
    fp->best = fp->best_ref = INFINITY;
}

double tq__fp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tq__fp_set_deadline(tq__fp *fp, double deadline)
{
    fp->deadline = deadline > 0 && isfinite(deadline) ? deadline : 0;
}

void tq__fp_progress_reset(tq__fp *fp, double progress_tol)
{
    fp->r0 = -1;
    fp->ptol = progress_tol;
}

const double *tq__fp_g(const tq__fp *fp)
{
    return fp->g;
}
double tq__fp_residual(const tq__fp *fp)
{
    return fp->last;
}
double tq__fp_best(const tq__fp *fp)
{
    return fp->best;
}

/* Solve the m x m normal equations H gam = rhs by SVD (LAPACKE_dgelss). Returns -1
 * without calling LAPACK when H or rhs holds a non-finite value. */
static int small_lsq(int m, double *H, double *rhs)
{
    for (int a = 0; a < m; a++) {
        if (!isfinite(rhs[a]))
            return -1;
        for (int c = 0; c < m; c++)
            if (!isfinite(H[(size_t)a * m + c]))
                return -1;
    }
    double s[64];
    lapack_int rank;
    lapack_int info = LAPACKE_dgelss(LAPACK_COL_MAJOR, m, m, 1, H, m, rhs, m, s, 1e-13, &rank);
    return info == 0 ? 0 : -1;
}

/* Anderson's extrapolation from g = T(x) and f = g - x into x. */
static void anderson_step(tq__fp *fp)
{
    const size_t nx = fp->nx;
    const int m = fp->m;
    double *x = fp->x, *g = fp->g, *f = fp->f;
    if (fp->k > 0) {
        const int col = (fp->k - 1) % m;
        double *df = fp->dF + (size_t)col * nx, *dg = fp->dG + (size_t)col * nx;
        for (size_t e = 0; e < nx; e++) {
            df[e] = f[e] - fp->fprev[e];
            dg[e] = g[e] - fp->gprev[e];
        }
    }
    memcpy(fp->fprev, f, nx * sizeof(double));
    memcpy(fp->gprev, g, nx * sizeof(double));
    const int mk = fp->k < m ? fp->k : m;
    memcpy(x, g, nx * sizeof(double));
    if (mk > 0) {
        /* min || f - dF gamma ||: normal equations, solved by SVD */
        for (int a = 0; a < mk; a++) {
            const double *fa = fp->dF + (size_t)a * nx;
            double sum = 0;
            for (size_t e = 0; e < nx; e++)
                sum += fa[e] * f[e];
            fp->rhs[a] = sum;
            for (int c = 0; c <= a; c++) {
                const double *fc = fp->dF + (size_t)c * nx;
                double hh = 0;
                for (size_t e = 0; e < nx; e++)
                    hh += fa[e] * fc[e];
                fp->H[(size_t)a * mk + c] = fp->H[(size_t)c * mk + a] = hh;
            }
        }
        if (small_lsq(mk, fp->H, fp->rhs) != 0) {
            /* not finite: drop the history and keep the plain step x = T(x); the
             * k++ of tq__fp_iterate makes k 0, so the next step starts a new history */
            fp->k = -1;
            return;
        }
        for (int a = 0; a < mk; a++) {
            const double ga = fp->rhs[a];
            if (!isfinite(ga))
                continue;
            const double *dga = fp->dG + (size_t)a * nx;
            for (size_t e = 0; e < nx; e++)
                x[e] -= ga * dga[e];
        }
        for (size_t e = 0; e < nx; e++)
            if (!isfinite(x[e])) { /* the extrapolation overflowed: plain step instead */
                memcpy(x, g, nx * sizeof(double));
                fp->k = -1;
                return;
            }
    }
}

/* The map at x into g; its residual, or inf when g holds a non-finite value (a map value
 * that cannot be used, whatever the residual says). */
static double evaluate(tq__fp *fp)
{
    const double *g = fp->g;
    const double rr = fp->map(fp->ud, fp->x, fp->g);
    for (size_t e = 0; e < fp->nx; e++)
        if (!isfinite(g[e]))
            return INFINITY;
    return rr;
}

tq__fp_state tq__fp_iterate(tq__fp *fp)
{
    const size_t nx = fp->nx;
    double *x = fp->x, *g = fp->g;
    double rr = evaluate(fp);
    fp->last = rr;
    if (fp->r0 < 0)
        fp->r0 = rr;
    if (rr < fp->tol)
        return TQ__FP_CONVERGED;
    if (!isfinite(rr) || (fp->method == TQ__FP_ANDERSON && fp->it > 5 && rr > 1e4 * fp->best)) {
        /* blown up: restart from the best iterate with a plain step */
        if (fp->method != TQ__FP_ANDERSON || !isfinite(fp->best) || fp->restarts >= 50)
            return TQ__FP_DIVERGED;
        memcpy(x, fp->xbest, nx * sizeof(double));
        fp->k = 0;
        fp->restarts++;
        rr = fp->last = evaluate(fp);
    }
    if (rr < fp->best) {
        fp->best = rr;
        memcpy(fp->xbest, x, nx * sizeof(double));
    }
    if (fp->best < 0.1 * fp->best_ref) {
        fp->best_ref = fp->best;
        fp->it_ref = fp->it;
    } else if (fp->it - fp->it_ref > fp->stall) {
        return TQ__FP_STALLED;
    }
    if (fp->method == TQ__FP_ANDERSON) {
        for (size_t e = 0; e < nx; e++)
            fp->f[e] = g[e] - x[e];
        anderson_step(fp);
    } else if (fp->damping == 1.0) {
        memcpy(x, g, nx * sizeof(double));
    } else {
        for (size_t e = 0; e < nx; e++)
            x[e] += fp->damping * (g[e] - x[e]);
    }
    fp->k++;
    fp->it++;
    return TQ__FP_RUNNING;
}

/* The share of the way, in orders of magnitude, from the first residual r0 to tol. */
static double progress_fraction(double r0, double r, double tol)
{
    if (!(r0 > tol) || !(r > 0) || !isfinite(r0))
        return -1.0;
    double f = log(r0 / r) / log(r0 / tol);
    return f < 0 ? 0 : (f > 1 ? 1 : f);
}

tq__fp_state tq__fp_run(tq__fp *fp, int budget, int *used)
{
    const int it0 = fp->it;
    tq__fp_state s = TQ__FP_LIMIT;
    while (fp->it - it0 < budget) {
        s = tq__fp_iterate(fp);
        if (s != TQ__FP_RUNNING)
            break;
        if (tq__progress(fp->ctx, "solve", progress_fraction(fp->r0, fp->best, fp->ptol)) != TQ_OK) {
            s = TQ__FP_CANCELLED;
            break;
        }
        if (fp->deadline > 0 && tq__fp_now() >= fp->deadline) {
            s = TQ__FP_TIMEOUT;
            break;
        }
        s = TQ__FP_LIMIT;
    }
    /* a converged evaluation counts; the step of a cancelled iteration does not */
    *used = fp->it - it0 + (s == TQ__FP_CONVERGED ? 1 : 0) - (s == TQ__FP_CANCELLED ? 1 : 0);
    if (s != TQ__FP_CONVERGED && isfinite(fp->best))
        memcpy(fp->x, fp->xbest, fp->nx * sizeof(double));
    return s;
}
