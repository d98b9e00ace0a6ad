/* Welfare as a function of tariff variables, through the public solver object only
 * (docs/strategic.md). The gradient is exact where the model has one (an adjoint solve),
 * else a forward finite difference per variable, each difference a warm-started solve on
 * one worker thread's own solver; NLopt's L-BFGS maximises under bounds.
 *
 * Reproducibility: the parallel loops (finite differences, the second-order check) hand
 * out their points with a static schedule, so which worker solves which point, and so
 * every warm start, is the same from run to run for a given number of threads; with a
 * dynamic schedule the answers varied from run to run in the 7th-12th digit. */
#include "policy.h"

#include <lapacke.h>
#include <math.h>
#include <nlopt.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void tq_policy_options_default(tq_policy_options *o)
{
    memset(o, 0, sizeof *o);
    o->form = TQ_FORM_SECTOR;
    o->lower = 0.0;
    o->upper = 3.0;
    o->xtol = 1e-7;
    o->max_eval = 500;
    o->fd_step = 1e-6;
    o->solve_tol = 1e-12;
    o->second_order = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A worker's progress callback: only the main context's cancellation flag stops it (the
 * caller's own callback is not thread-safe and is called by the main thread only). */
static int watch_cancel(void *ud, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    tq_context *main_ctx = ud;
    return atomic_load(&main_ctx->cancelled);
}

static void free_workers(tq__game *g)
{
    for (int k = 0; k < g->nw && g->w; k++) {
        tq_result_free(g->w[k].r);
        tq_scenario_free(g->w[k].sc);
        tq_solver_free(g->w[k].s);
        tq_context_free(g->w[k].ctx);
    }
    tq__free(g->ctx, g->w);
    tq__free(g->ctx, g->wbuf);
    g->w = NULL;
    g->wbuf = NULL;
    g->nw = 0;
}

static tq_status make_workers(tq__game *g)
{
    if (g->w)
        return TQ_OK;
    int nw = g->opt.threads;
#ifdef _OPENMP
    if (nw <= 0)
        nw = omp_get_max_threads();
#endif
    if (nw <= 0)
        nw = 1;
    g->w = tq__calloc(g->ctx, (size_t)nw, sizeof *g->w);
    g->wbuf = tq__calloc(g->ctx, (size_t)nw * (size_t)g->N, sizeof(double));
    if (!g->w || !g->wbuf) {
        tq__free(g->ctx, g->w);
        tq__free(g->ctx, g->wbuf);
        g->w = NULL;
        g->wbuf = NULL;
        return TQ_ERR_NOMEM;
    }
    g->nw = nw;
    for (int k = 0; k < nw; k++) {
        tq__pworker *w = &g->w[k];
        tq_status st = tq_context_new(&w->ctx, &g->ctx->alloc);
        if (st) {
            free_workers(g);
            return tq__error(g->ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "out of memory making a solver per thread");
        }
        tq_context_set_progress(w->ctx, watch_cancel, g->ctx);
        if ((st = tq_solver_new(w->ctx, g->b, &w->s)) || (st = tq_solver_set_tol(w->s, g->opt.solve_tol)) ||
            (st = tq_solver_set_threads(w->s, nw > 1 ? 1 : g->opt.threads)) ||
            (st = tq_solver_set_warm_start(w->s, 1)) || (st = tq_scenario_new(w->ctx, g->b, &w->sc))) {
            g->ctx->err = w->ctx->err;
            free_workers(g);
            return st;
        }
    }
    return TQ_OK;
}

tq_status tq__game_set_options(tq__game *g, const tq_policy_options *opt)
{
    tq_policy_options o;
    if (opt)
        o = *opt;
    else
        tq_policy_options_default(&o);
    if (o.form < TQ_FORM_SECTOR || o.form > TQ_FORM_PER_PARTNER)
        return tq__error(g->ctx, TQ_ERR_INVALID, NULL, 0, "form", "unknown tariff form %d", (int)o.form);
    if (!(o.lower > -1.0) || !(o.upper > o.lower) || !(o.upper <= 1000.0))
        return tq__error(g->ctx, TQ_ERR_INVALID, NULL, 0, "bounds",
                         "tariff bounds must satisfy -1 < lower < upper <= 1000 (got %g, %g)", o.lower, o.upper);
    if (!(o.xtol > 0) || !(o.fd_step > 0) || !(o.fd_step < 0.1) || !(o.solve_tol > 0) || o.max_eval < 0 ||
        o.threads < 0)
        return tq__error(g->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "policy options: xtol, fd_step (< 0.1) and solve_tol must be positive, max_eval and "
                         "threads not negative");
    if (o.max_eval == 0)
        o.max_eval = 500;
    int *sec = NULL;
    if (o.sectors && o.nsectors > 0) {
        if (!(sec = tq__calloc(g->ctx, (size_t)o.nsectors, sizeof *sec)))
            return TQ_ERR_NOMEM;
        for (int k = 0; k < o.nsectors; k++) {
            if (o.sectors[k] < 0 || o.sectors[k] >= g->J) {
                tq__free(g->ctx, sec);
                return tq__error(g->ctx, TQ_ERR_INVALID, NULL, 0, "sectors", "sector index %d outside 0..%d",
                                 o.sectors[k], g->J - 1);
            }
            sec[k] = o.sectors[k];
        }
    } else {
        o.nsectors = 0;
    }
    free_workers(g); /* threads or the tolerance may have changed */
    tq__free(g->ctx, g->sectors);
    g->sectors = sec;
    o.sectors = sec;
    g->opt = o;
    return TQ_OK;
}

tq_status tq__game_init(tq__game *g, tq_context *ctx, const tq_baseline *b)
{
    memset(g, 0, sizeof *g);
    g->ctx = ctx;
    if (!b)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "strategic tariffs need a baseline");
    g->b = b;
    g->N = tq_baseline_regions(b);
    g->J = tq_baseline_sectors(b);
    g->NNJ = (size_t)g->N * (size_t)g->N * (size_t)g->J;
    g->pi0 = tq_baseline_array(b, TQ_PI, NULL);
    return tq__game_set_options(g, NULL);
}

void tq__game_free(tq__game *g)
{
    if (!g)
        return;
    free_workers(g);
    tq__free(g->ctx, g->sectors);
    g->sectors = NULL;
    tq__free(g->ctx, g->gbuf);
    g->gbuf = NULL;
}

/* ------------------------------------------------------------ variables --- */

void tq__pvars_free(tq_context *ctx, tq__pvars *v)
{
    tq__free(ctx, v->first);
    tq__free(ctx, v->cells);
    tq__free(ctx, v->owner);
    tq__free(ctx, v->scale);
    memset(v, 0, sizeof *v);
}

static tq_status pvars_reserve(tq_context *ctx, tq__pvars *v, size_t vars, size_t cells)
{
    if (vars + 1 > v->cap_vars) {
        size_t cap = 2 * (vars + 1) + 8;
        int *f = tq__realloc(ctx, v->first, cap * sizeof *f);
        if (!f)
            return TQ_ERR_NOMEM;
        v->first = f;
        int *o = tq__realloc(ctx, v->owner, cap * sizeof *o);
        if (!o)
            return TQ_ERR_NOMEM;
        v->owner = o;
        double *sc = tq__realloc(ctx, v->scale, cap * sizeof *sc);
        if (!sc)
            return TQ_ERR_NOMEM;
        v->scale = sc;
        if (v->cap_vars == 0)
            v->first[0] = 0;
        v->cap_vars = cap;
    }
    if (cells > v->cap_cells) {
        size_t cap = 2 * cells + 16;
        size_t *c = tq__realloc(ctx, v->cells, cap * sizeof *c);
        if (!c)
            return TQ_ERR_NOMEM;
        v->cells = c;
        v->cap_cells = cap;
    }
    return TQ_OK;
}

tq_status tq__pvars_add_region(tq__game *g, tq__pvars *v, int n, const unsigned char *partner_mask)
{
    const int N = g->N, J = g->J;
    int nsec = g->opt.nsectors > 0 ? g->opt.nsectors : J;
    /* groups: one per sector (SECTOR), one in all (UNIFORM), one per partner x sector */
    const int first_var = v->n;
    int ngroups = g->opt.form == TQ_FORM_UNIFORM ? 1 : g->opt.form == TQ_FORM_SECTOR ? nsec : N * nsec;
    for (int q = 0; q < ngroups; q++) {
        tq_status st = pvars_reserve(g->ctx, v, (size_t)v->n + 1, v->ncells + (size_t)N * (size_t)nsec);
        if (st)
            return st;
        size_t start = v->ncells;
        for (int s = 0; s < nsec; s++) {
            if (g->opt.form == TQ_FORM_SECTOR && s != q)
                continue;
            if (g->opt.form == TQ_FORM_PER_PARTNER && s != q % nsec)
                continue;
            int j = g->opt.nsectors > 0 ? g->sectors[s] : s;
            for (int i = 0; i < N; i++) {
                if (i == n || (partner_mask && !partner_mask[i]))
                    continue;
                if (g->opt.form == TQ_FORM_PER_PARTNER && i != q / nsec)
                    continue;
                size_t c = ((size_t)n * (size_t)N + (size_t)i) * (size_t)J + (size_t)j;
                if (g->pi0[c] > 0)
                    v->cells[v->ncells++] = c;
            }
        }
        if (v->ncells > start) {
            v->owner[v->n] = n;
            v->n++;
            v->first[v->n] = (int)v->ncells;
        }
    }
    /* Conditioning: the curvature of welfare in a tariff is about proportional to the
     * import spending it taxes times (1 + theta), which spans orders of magnitude across
     * cells. The optimiser works on y = scale x (a roughly uniform Hessian; unscaled,
     * L-BFGS crawls along the flat directions) and the finite-difference step in x is
     * fd_step / scale (the same relative accuracy for small flows as for large ones). */
    const double *X = tq_baseline_array(g->b, TQ_XJ, NULL), *theta = tq_baseline_array(g->b, TQ_THETA, NULL);
    double vmax = 0;
    for (int k = first_var; k < v->n; k++) {
        double val = 0;
        for (int c = v->first[k]; c < v->first[k + 1]; c++) {
            size_t cell = v->cells[c];
            int j = (int)(cell % (size_t)J);
            double xj = X ? X[(size_t)n * (size_t)J + (size_t)j] : 1.0, th = theta ? theta[j] : 1.0;
            val += g->pi0[cell] * xj * (1.0 + th);
        }
        v->scale[k] = val;
        vmax = fmax(vmax, val);
    }
    for (int k = first_var; k < v->n; k++)
        v->scale[k] = vmax > 0 ? fmin(1.0, fmax(1e-3, sqrt(v->scale[k] / vmax))) : 1.0;
    return TQ_OK;
}

void tq__pvars_read(const tq__pvars *v, const double *t, double *x)
{
    for (int k = 0; k < v->n; k++) {
        double s = 0;
        for (int c = v->first[k]; c < v->first[k + 1]; c++)
            s += t[v->cells[c]];
        x[k] = s / (double)(v->first[k + 1] - v->first[k]);
    }
}

void tq__pvars_apply(const tq__pvars *v, const double *x, double *t)
{
    for (int k = 0; k < v->n; k++)
        for (int c = v->first[k]; c < v->first[k + 1]; c++)
            t[v->cells[c]] = x[k];
}

static void set_var(const tq__pvars *v, int k, double xk, double *t)
{
    for (int c = v->first[k]; c < v->first[k + 1]; c++)
        t[v->cells[c]] = xk;
}

/* --------------------------------------------------------------- solves --- */

static tq_status worker_solve(tq__game *g, tq__pworker *w, double *W)
{
    tq_status st = w->r ? tq_solver_solve_into(w->s, w->sc, w->r) : tq_solver_solve(w->s, w->sc, &w->r);
    if (st)
        return st;
    const double *wel = tq_result_array(w->r, TQ_RES_WELFARE, NULL);
    memcpy(W, wel, (size_t)g->N * sizeof *W);
    return TQ_OK;
}

/* Move a worker's error into the caller's context (main thread only). */
static tq_status worker_error(tq__game *g, tq__pworker *w, tq_status st)
{
    if (st == TQ_ERR_CANCELLED)
        return tq__error(g->ctx, st, NULL, 0, NULL, "cancelled during a strategic tariff search");
    g->ctx->err = w->ctx->err;
    if (st == TQ_ERR_NOT_CONVERGED)
        return tq__error(g->ctx, st, NULL, 0, NULL,
                         "an equilibrium solve of the tariff search did not converge (residual %.3g): %s",
                         tq_solver_info(w->s)->residual, w->ctx->err.message);
    return st;
}

tq_status tq__game_welfare(tq__game *g, const double *t, double *W)
{
    tq_status st = make_workers(g);
    if (st)
        return st;
    memcpy(tq_scenario_tariffs(g->w[0].sc), t, g->NNJ * sizeof(double));
    g->solves++;
    if ((st = worker_solve(g, &g->w[0], W)))
        return worker_error(g, &g->w[0], st);
    return TQ_OK;
}

tq_status tq__game_jacobian(tq__game *g, const tq__pvars *v, const double *t0, const double *x, double *W, double *jac,
                            const double *rows)
{
    tq_status st = make_workers(g);
    if (st)
        return st;
    const int nv = v->n, N = g->N;
    int nuse = jac ? (nv < g->nw ? nv : g->nw) : 1;
    if (nuse < 1)
        nuse = 1;
    for (int k = 0; k < nuse; k++) {
        double *t = tq_scenario_tariffs(g->w[k].sc);
        memcpy(t, t0, g->NNJ * sizeof *t);
        tq__pvars_apply(v, x, t);
    }
    g->solves++;
    if ((st = worker_solve(g, &g->w[0], W)))
        return worker_error(g, &g->w[0], st);
    if (!jac || nv == 0)
        return TQ_OK;
    if (!g->no_adjoint && !g->opt.finite_differences) {
        /* the exact gradient (implicit function theorem, one adjoint solve per region's
         * welfare) where the model has one; finite differences otherwise. Only the rows
         * asked for are computed (the others are 0). */
        if (!g->gbuf && !(g->gbuf = tq__malloc(g->ctx, g->NNJ * sizeof(double))))
            return TQ_ERR_NOMEM;
        for (int r = 0; r < N; r++) {
            if (rows && !(rows[r] != 0)) {
                for (int k = 0; k < nv; k++)
                    jac[(size_t)r * (size_t)nv + (size_t)k] = 0.0;
                continue;
            }
            st = tq_solver_welfare_gradient(g->w[0].s, g->w[0].sc, r, NULL, g->gbuf);
            if (st == TQ_ERR_UNSUPPORTED) {
                g->no_adjoint = 1;
                break;
            }
            if (st)
                return worker_error(g, &g->w[0], st);
            for (int k = 0; k < nv; k++) {
                double d = 0;
                for (int c = v->first[k]; c < v->first[k + 1]; c++)
                    d += g->gbuf[v->cells[c]];
                jac[(size_t)r * (size_t)nv + (size_t)k] = d;
            }
        }
        if (!g->no_adjoint)
            return TQ_OK;
    }
    tq_status wst[256] = {0};
    int failed_worker = -1;
    const double h0 = g->opt.fd_step, upper = g->opt.upper;
#pragma omp parallel for schedule(static) num_threads(nuse)
    for (int k = 0; k < nv; k++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        tq__pworker *w = &g->w[tid];
        if (wst[tid & 255])
            continue;
        double hk = h0 / v->scale[k];
        double h = x[k] + hk > upper ? -hk : hk;
        double *t = tq_scenario_tariffs(w->sc);
        double *Wk = g->wbuf + (size_t)tid * (size_t)N;
        set_var(v, k, x[k] + h, t);
        tq_status s = worker_solve(g, w, Wk);
        set_var(v, k, x[k], t);
        if (s) {
            wst[tid & 255] = s;
            continue;
        }
        for (int r = 0; r < N; r++)
            jac[(size_t)r * (size_t)nv + (size_t)k] = (Wk[r] - W[r]) / h;
    }
    g->solves += nv;
    for (int k = 0; k < nuse && k < 256; k++)
        if (wst[k] && failed_worker < 0)
            failed_worker = k;
    if (failed_worker >= 0)
        return worker_error(g, &g->w[failed_worker], wst[failed_worker]);
    return TQ_OK;
}

/* ------------------------------------------------------------ objective --- */

/* log(gap) continued below eps by its second-order Taylor expansion, so that an
 * infeasible point (some player losing against the threat) has a finite, concave,
 * steep value that the line search backs away from. */
static double safe_log(double gap, double *d)
{
    const double eps = 1e-4;
    if (gap >= eps) {
        *d = 1.0 / gap;
        return log(gap);
    }
    double u = gap - eps;
    *d = 1.0 / eps - u / (eps * eps);
    return log(eps) + u / eps - u * u / (2 * eps * eps);
}

double tq__pobjective_value(const tq__pobjective *ob, int N, const double *W, const double *jac, int nv, double *grad)
{
    double f = 0;
    if (grad)
        for (int k = 0; k < nv; k++)
            grad[k] = 0;
    for (int r = 0; r < N; r++) {
        if (!(ob->weight[r] != 0))
            continue;
        double coef;
        if (ob->mode == 1) {
            double d;
            f += ob->weight[r] * safe_log(W[r] - ob->threat[r], &d);
            coef = ob->weight[r] * d;
        } else {
            f += ob->weight[r] * W[r];
            coef = ob->weight[r];
        }
        if (grad && jac)
            for (int k = 0; k < nv; k++)
                grad[k] += coef * jac[(size_t)r * (size_t)nv + (size_t)k];
    }
    return f;
}

/* ----------------------------------------------------------- maximising --- */

typedef struct maxctx {
    tq__game *g;
    const tq__pvars *v;
    const tq__pobjective *ob;
    const double *t0;
    double *W, *jac, *bestx, *bestW;
    double *scale, *xs; /* NLopt works on y = scale x; xs is x */
    double bestf;
    int nev;
    tq_status status;
    nlopt_opt nl;
    const char *stage;
    double lo, hi;
} maxctx;

static double nl_objective(unsigned n, const double *y, double *grad, void *data)
{
    maxctx *m = data;
    tq__game *g = m->g;
    double *x = m->xs;
    for (unsigned k = 0; k < n; k++)
        x[k] = y[k] / m->scale[k];
    if (m->status)
        return m->bestf;
    double frac = m->lo + (m->hi - m->lo) * (double)m->nev / (double)g->opt.max_eval;
    tq_status st = tq__progress(g->ctx, m->stage, frac);
    if (!st)
        st = tq__game_jacobian(g, m->v, m->t0, x, m->W, grad ? m->jac : NULL, m->ob->weight);
    if (st) {
        m->status = st;
        nlopt_force_stop(m->nl);
        if (grad)
            memset(grad, 0, n * sizeof *grad);
        return m->bestf;
    }
    double f = tq__pobjective_value(m->ob, g->N, m->W, m->jac, (int)n, grad);
    if (grad)
        for (unsigned k = 0; k < n; k++)
            grad[k] /= m->scale[k];
    m->nev++;
    if (m->nev == 1 || f > m->bestf) {
        m->bestf = f;
        memcpy(m->bestx, x, n * sizeof *x);
        memcpy(m->bestW, m->W, (size_t)g->N * sizeof *m->W);
    }
    return f;
}

/* Largest eigenvalue of the symmetric n x n matrix H (destroyed). */
static double max_eigenvalue(double *H, int n)
{
    double ev[64];
    if (n > 64 || LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', n, H, n, ev) != 0)
        return NAN;
    return ev[n - 1];
}

static uint64_t split_state;
static double split_rand(void)
{
    uint64_t z = (split_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Values of the objective at the points x + P[p] (p = 0..np-1, each of length nv), in
 * parallel. */
static tq_status eval_points(tq__game *g, const tq__pvars *v, const tq__pobjective *ob, const double *t0,
                             const double *x, const double *P, int np, double *f)
{
    tq_status st = make_workers(g);
    if (st)
        return st;
    const int nv = v->n, N = g->N;
    int nuse = np < g->nw ? np : g->nw;
    tq_status wst[256] = {0};
    for (int k = 0; k < nuse; k++)
        memcpy(tq_scenario_tariffs(g->w[k].sc), t0, g->NNJ * sizeof(double));
#pragma omp parallel for schedule(static) num_threads(nuse)
    for (int p = 0; p < np; p++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        tq__pworker *w = &g->w[tid];
        if (wst[tid & 255])
            continue;
        double *t = tq_scenario_tariffs(w->sc);
        for (int k = 0; k < nv; k++)
            set_var(v, k, x[k] + P[(size_t)p * (size_t)nv + (size_t)k], t);
        double *Wp = g->wbuf + (size_t)tid * (size_t)N;
        tq_status s = worker_solve(g, w, Wp);
        if (s) {
            wst[tid & 255] = s;
            continue;
        }
        f[p] = tq__pobjective_value(ob, N, Wp, NULL, 0, NULL);
    }
    g->solves += np;
    for (int k = 0; k < nuse && k < 256; k++)
        if (wst[k])
            return worker_error(g, &g->w[k], wst[k]);
    return TQ_OK;
}

/* The second-order check at x over the free variables (docs/strategic.md): with up to
 * 12 free variables the largest eigenvalue of the finite-difference Hessian; with more,
 * the largest curvature along each free variable and 8 random directions. */
static tq_status second_order(tq__game *g, const tq__pvars *v, const tq__pobjective *ob, const double *t0,
                              const double *x, double f0, const unsigned char *isfree, tq_optimum_info *info)
{
    const int nv = v->n;
    int nf = 0, fidx[64];
    for (int k = 0; k < nv; k++)
        if (isfree[k]) {
            if (nf < 64)
                fidx[nf] = k;
            nf++;
        }
    info->max_curvature = NAN;
    info->second_order_ok = -1;
    if (nf == 0)
        return TQ_OK;
    const double h = 1e-2;
    int full = nf <= 12;
    int ndir = full ? nf + nf * (nf - 1) / 2 * 2 : nf + 8; /* directions, each evaluated at +h and -h */
    int np = 2 * ndir;
    double *P = tq__calloc(g->ctx, (size_t)np * (size_t)nv, sizeof *P);
    double *f = tq__calloc(g->ctx, (size_t)np, sizeof *f);
    if (!P || !f) {
        tq__free(g->ctx, P);
        tq__free(g->ctx, f);
        return TQ_ERR_NOMEM;
    }
    int d = 0;
    /* free coordinates (all variables when there are more than 64 free: fidx is short) */
    for (int k = 0; k < nv; k++) {
        if (!isfree[k])
            continue;
        P[(size_t)(2 * d) * nv + k] = h;
        P[(size_t)(2 * d + 1) * nv + k] = -h;
        d++;
    }
    if (full) {
        /* e_a + e_b and e_a - e_b: H_ab = (c(e_a+e_b) - c(e_a-e_b)) / 4 in curvature units */
        for (int a = 0; a < nf; a++)
            for (int b2 = a + 1; b2 < nf; b2++) {
                for (int s = 0; s < 2; s++) {
                    double sb = s ? -1.0 : 1.0;
                    P[(size_t)(2 * d) * nv + fidx[a]] = h;
                    P[(size_t)(2 * d) * nv + fidx[b2]] = sb * h;
                    P[(size_t)(2 * d + 1) * nv + fidx[a]] = -h;
                    P[(size_t)(2 * d + 1) * nv + fidx[b2]] = -sb * h;
                    d++;
                }
            }
    } else {
        split_state = 12345;
        for (int r = 0; r < 8; r++) {
            double norm = 0;
            for (int k = 0; k < nv; k++)
                if (isfree[k]) {
                    double u = split_rand() - 0.5;
                    P[(size_t)(2 * d) * nv + k] = u;
                    norm += u * u;
                }
            norm = sqrt(norm);
            for (int k = 0; k < nv; k++) {
                P[(size_t)(2 * d) * nv + k] *= h / norm;
                P[(size_t)(2 * d + 1) * nv + k] = -P[(size_t)(2 * d) * nv + k];
            }
            d++;
        }
    }
    tq_status st = eval_points(g, v, ob, t0, x, P, np, f);
    if (!st) {
        double cmax = -INFINITY;
        if (full) {
            double H[144];
            for (int a = 0; a < nf; a++)
                H[a * nf + a] = (f[2 * a] + f[2 * a + 1] - 2 * f0) / (h * h);
            int dd = nf;
            for (int a = 0; a < nf; a++)
                for (int b2 = a + 1; b2 < nf; b2++) {
                    double cp = (f[2 * dd] + f[2 * dd + 1] - 2 * f0) / (h * h);
                    double cm = (f[2 * dd + 2] + f[2 * dd + 3] - 2 * f0) / (h * h);
                    H[a * nf + b2] = H[b2 * nf + a] = (cp - cm) / 4.0;
                    dd += 2;
                }
            cmax = max_eigenvalue(H, nf);
        } else {
            for (int q = 0; q < d; q++) {
                double c = (f[2 * q] + f[2 * q + 1] - 2 * f0) / (h * h);
                if (c > cmax)
                    cmax = c;
            }
        }
        info->max_curvature = cmax;
        /* rounding: welfare is good to ~1e-9 points, so curvatures below 1e-4 are noise */
        info->second_order_ok = cmax < 1e-4 ? 1 : 0;
    }
    tq__free(g->ctx, P);
    tq__free(g->ctx, f);
    return st;
}

tq_status tq__game_maximise(tq__game *g, const tq__pvars *v, const tq__pobjective *ob, double *t0, double *x, double *W,
                            tq_optimum_info *info, const char *stage, double lo, double hi)
{
    double t_start = now_seconds();
    long solves0 = g->solves;
    const int nv = v->n, N = g->N;
    memset(info, 0, sizeof *info);
    info->variables = nv;
    info->max_curvature = NAN;
    info->second_order_ok = -1;
    for (int k = 0; k < nv; k++)
        x[k] = fmin(fmax(x[k], g->opt.lower), g->opt.upper);
    tq_status st;
    if (nv == 0) {
        if ((st = tq__game_jacobian(g, v, t0, x, W, NULL, NULL)))
            return st;
        info->welfare = tq__pobjective_value(ob, N, W, NULL, 0, NULL);
        info->solves = g->solves - solves0;
        info->seconds = now_seconds() - t_start;
        return TQ_OK;
    }
    maxctx m = {0};
    m.g = g;
    m.v = v;
    m.ob = ob;
    m.t0 = t0;
    m.stage = stage;
    m.lo = lo;
    m.hi = hi;
    m.W = tq__calloc(g->ctx, (size_t)N, sizeof(double));
    m.bestW = tq__calloc(g->ctx, (size_t)N, sizeof(double));
    m.jac = tq__calloc(g->ctx, (size_t)N * (size_t)nv, sizeof(double));
    m.bestx = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    double *lb = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    double *ub = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    double *grad = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    unsigned char *isfree = tq__calloc(g->ctx, (size_t)nv, 1);
    m.scale = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    m.xs = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    double *xtol = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    double *y = tq__calloc(g->ctx, (size_t)nv, sizeof(double));
    st = TQ_OK;
    if (!m.W || !m.bestW || !m.jac || !m.bestx || !lb || !ub || !grad || !isfree || !m.scale || !m.xs || !xtol || !y) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    memcpy(m.scale, v->scale, (size_t)nv * sizeof(double));
    {
        /* Absolute scale: the curvature c of the objective along the largest variable at
         * the start (two solves), so that in y = sqrt(-c) scale x the Hessian is about -1
         * and L-BFGS's first, gradient-sized step is about a Newton step. Unscaled, that
         * step can leap to a bound where welfare, not concave far from the start (fixed
         * deficits at very high tariffs), is higher than at the start but lower than at
         * the interior optimum. */
        int kmax = 0;
        for (int k = 1; k < nv; k++)
            if (m.scale[k] > m.scale[kmax])
                kmax = k;
        double P[2 * 512], fc[2], f0 = 0;
        const double hc = 0.01;
        if (nv <= 512) {
            memset(P, 0, sizeof(double) * 2 * (size_t)nv);
            P[kmax] = hc;
            P[nv + kmax] = -hc;
            st = tq__game_jacobian(g, v, t0, x, m.W, NULL, NULL);
            if (!st)
                st = eval_points(g, v, ob, t0, x, P, 2, fc);
            if (st)
                goto done;
            f0 = tq__pobjective_value(ob, N, m.W, NULL, 0, NULL);
            double c = (fc[0] + fc[1] - 2 * f0) / (hc * hc);
            double K = c < -1e-6 ? sqrt(-c) : 1.0;
            for (int k = 0; k < nv; k++)
                m.scale[k] *= K;
        }
    }
    for (int k = 0; k < nv; k++) {
        lb[k] = g->opt.lower * m.scale[k];
        ub[k] = g->opt.upper * m.scale[k];
        xtol[k] = g->opt.xtol * m.scale[k];
        y[k] = x[k] * m.scale[k];
    }
    m.nl = nlopt_create(NLOPT_LD_LBFGS, (unsigned)nv);
    if (!m.nl) {
        st = tq__error(g->ctx, TQ_ERR_NOMEM, NULL, 0, NULL, "cannot create the NLopt optimiser");
        goto done;
    }
    nlopt_set_lower_bounds(m.nl, lb);
    nlopt_set_upper_bounds(m.nl, ub);
    nlopt_set_max_objective(m.nl, nl_objective, &m);
    nlopt_set_xtol_abs(m.nl, xtol);
    nlopt_set_ftol_abs(m.nl, 1e-11);
    nlopt_set_maxeval(m.nl, g->opt.max_eval);
    double fopt = 0;
    nlopt_result res = nlopt_optimize(m.nl, y, &fopt);
    nlopt_destroy(m.nl);
    info->evaluations = m.nev;
    if (m.nev > 0)
        memcpy(x, m.bestx, (size_t)nv * sizeof *x);
    if (m.status) {
        st = m.status;
        if (st == TQ_ERR_CANCELLED) {
            info->partial = 1;
            if (m.nev > 0)
                memcpy(W, m.bestW, (size_t)N * sizeof *W);
            info->welfare = m.bestf;
            tq__pvars_apply(v, x, t0);
        }
        goto done;
    }
    if (m.nev == 0) {
        st = tq__error(g->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL, "the optimiser failed (NLopt code %d)", (int)res);
        goto done;
    }
    /* the optimum: welfare, gradient, which bounds bind, second-order check */
    tq_status s2 = tq__game_jacobian(g, v, t0, x, W, m.jac, ob->weight);
    if (s2) {
        st = s2;
        goto done;
    }
    double f = tq__pobjective_value(ob, N, W, m.jac, nv, grad);
    info->welfare = f;
    double gn = 0;
    for (int k = 0; k < nv; k++) {
        int atlo = x[k] <= g->opt.lower + 1e-6, athi = x[k] >= g->opt.upper - 1e-6;
        double pg = grad[k];
        if (atlo && pg < 0)
            pg = 0;
        if (athi && pg > 0)
            pg = 0;
        isfree[k] = !(atlo || athi);
        info->at_bounds += !isfree[k];
        if (fabs(pg) > gn)
            gn = fabs(pg);
    }
    info->grad_norm = gn;
    /* L-BFGS's line search gives up (NLOPT_FAILURE, ROUNDOFF_LIMITED) once the steps are
     * below what finite-difference gradients resolve: that is the optimum when the
     * projected gradient is small; the evaluation limit is a stop without one. */
    if (res == NLOPT_MAXEVAL_REACHED || (res < 0 && gn > TQ__POLICY_GTOL))
        st = TQ_ERR_NOT_CONVERGED;
    if (g->opt.second_order && (s2 = second_order(g, v, ob, t0, x, f, isfree, info))) {
        st = s2;
        goto done;
    }
    tq__pvars_apply(v, x, t0);
    if (st == TQ_ERR_NOT_CONVERGED)
        tq__error(g->ctx, st, NULL, 0, NULL,
                  "the tariff search stopped after %d evaluations (gradient norm %.3g); the best point is kept", m.nev,
                  gn);
done:
    info->status = st;
    info->solves = g->solves - solves0;
    info->seconds = now_seconds() - t_start;
    tq__free(g->ctx, m.W);
    tq__free(g->ctx, m.bestW);
    tq__free(g->ctx, m.jac);
    tq__free(g->ctx, m.bestx);
    tq__free(g->ctx, lb);
    tq__free(g->ctx, ub);
    tq__free(g->ctx, grad);
    tq__free(g->ctx, isfree);
    tq__free(g->ctx, m.scale);
    tq__free(g->ctx, m.xs);
    tq__free(g->ctx, xtol);
    tq__free(g->ctx, y);
    return st;
}

/* --------------------------------------------------------------- helpers --- */

tq_status tq__policy_players(tq_context *ctx, int N, const int *players, int nplayers, int minimum, int **out,
                             int *count)
{
    int n = players && nplayers > 0 ? nplayers : N;
    if (n < minimum)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "players", "needs at least %d players (got %d)", minimum, n);
    int *p = tq__calloc(ctx, (size_t)n, sizeof *p);
    if (!p)
        return TQ_ERR_NOMEM;
    for (int k = 0; k < n; k++) {
        p[k] = players && nplayers > 0 ? players[k] : k;
        if (p[k] < 0 || p[k] >= N) {
            tq__free(ctx, p);
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "players", "region index %d outside 0..%d", p[k], N - 1);
        }
        for (int q = 0; q < k; q++)
            if (p[q] == p[k]) {
                tq__free(ctx, p);
                return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "players", "region %d named twice", p[k]);
            }
    }
    *out = p;
    *count = n;
    return TQ_OK;
}

tq_status tq__policy_check_tariffs(tq_context *ctx, size_t len, const double *t)
{
    if (!t)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "tariffs", "no tariffs given");
    for (size_t c = 0; c < len; c++)
        if (!isfinite(t[c]) || !(t[c] > -1.0))
            return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "tariffs", "tariff %g at cell %zu is not a rate above -1",
                             t[c], c);
    return TQ_OK;
}
