/* Optimal tariffs, the Nash equilibrium of a tariff war and cooperative tariffs
 * (MODEL.md "Strategic tariffs", docs/strategic.md): the public objects over the
 * shared machinery of game.c. */
#include "../model/ge.h"
#include "policy.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ============================================================== optimal === */

struct tq_optimal {
    tq__game g;
    int region;
    double *start; /* [NNJ] everyone's tariffs; the baseline's until set */
    double *t;     /* [NNJ] result */
    double *W;     /* [N] */
    int have;
    tq_optimum_info info;
};

tq_status tq_optimal_new(tq_context *ctx, const tq_baseline *b, int region, tq_optimal **out)
{
    *out = NULL;
    tq_optimal *o = tq__calloc(ctx, 1, sizeof *o);
    if (!o)
        return TQ_ERR_NOMEM;
    tq_status st = tq__game_init(&o->g, ctx, b);
    if (!st && (region < 0 || region >= o->g.N))
        st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "region", "region index %d outside 0..%d", region, o->g.N - 1);
    if (!st) {
        o->region = region;
        o->start = tq__calloc(ctx, o->g.NNJ, sizeof(double));
        o->t = tq__calloc(ctx, o->g.NNJ, sizeof(double));
        o->W = tq__calloc(ctx, (size_t)o->g.N, sizeof(double));
        if (!o->start || !o->t || !o->W)
            st = TQ_ERR_NOMEM;
        else
            memcpy(o->start, tq_baseline_array(b, TQ_TARIFF, NULL), o->g.NNJ * sizeof(double));
    }
    if (st) {
        tq_optimal_free(o);
        return st;
    }
    *out = o;
    return TQ_OK;
}

void tq_optimal_free(tq_optimal *o)
{
    if (!o)
        return;
    tq_context *ctx = o->g.ctx;
    tq__game_free(&o->g);
    tq__free(ctx, o->start);
    tq__free(ctx, o->t);
    tq__free(ctx, o->W);
    tq__free(ctx, o);
}

tq_status tq_optimal_set_options(tq_optimal *o, const tq_policy_options *opt)
{
    return tq__game_set_options(&o->g, opt);
}

tq_status tq_optimal_set_tariffs(tq_optimal *o, const double *tariffs)
{
    tq_status st = tq__policy_check_tariffs(o->g.ctx, o->g.NNJ, tariffs);
    if (!st)
        memcpy(o->start, tariffs, o->g.NNJ * sizeof(double));
    return st;
}

tq_status tq_optimal_run(tq_optimal *o)
{
    tq__game *g = &o->g;
    tq__pvars v = {0};
    tq_status st = tq__pvars_add_region(g, &v, o->region, NULL);
    double *x = NULL;
    if (!st && v.n > 0 && !(x = tq__calloc(g->ctx, (size_t)v.n, sizeof *x)))
        st = TQ_ERR_NOMEM;
    double *weight = tq__calloc(g->ctx, (size_t)g->N, sizeof *weight);
    if (!weight)
        st = TQ_ERR_NOMEM;
    if (!st) {
        memcpy(o->t, o->start, g->NNJ * sizeof(double));
        tq__pvars_read(&v, o->t, x);
        weight[o->region] = 1.0;
        tq__pobjective ob = {0, weight, NULL};
        st = tq__game_maximise(g, &v, &ob, o->t, x, o->W, &o->info, "optimal", 0.0, 1.0);
        o->have = st == TQ_OK || st == TQ_ERR_NOT_CONVERGED || o->info.partial;
    }
    tq__free(g->ctx, weight);
    tq__free(g->ctx, x);
    tq__pvars_free(g->ctx, &v);
    return st;
}

const double *tq_optimal_tariffs(const tq_optimal *o)
{
    return o && o->have ? o->t : NULL;
}
const double *tq_optimal_welfare(const tq_optimal *o)
{
    return o && o->have ? o->W : NULL;
}
const tq_optimum_info *tq_optimal_info(const tq_optimal *o)
{
    return o && o->have ? &o->info : NULL;
}

/* ================================================================= nash === */

struct tq_nash {
    tq__game g;
    int *players, np;
    double *start, *t, *W;
    double tol;
    int max_rounds;
    int have;
    tq_nash_method method;
    tq_nash_info info;
    tq_optimum_info *pinfo; /* [np] */
};

tq_status tq_nash_new(tq_context *ctx, const tq_baseline *b, const int *players, int nplayers, tq_nash **out)
{
    *out = NULL;
    tq_nash *n = tq__calloc(ctx, 1, sizeof *n);
    if (!n)
        return TQ_ERR_NOMEM;
    tq_status st = tq__game_init(&n->g, ctx, b);
    if (!st)
        st = tq__policy_players(ctx, n->g.N, players, nplayers, 1, &n->players, &n->np);
    if (!st) {
        n->tol = 1e-4;
        n->max_rounds = 50;
        n->start = tq__calloc(ctx, n->g.NNJ, sizeof(double));
        n->t = tq__calloc(ctx, n->g.NNJ, sizeof(double));
        n->W = tq__calloc(ctx, (size_t)n->g.N, sizeof(double));
        n->pinfo = tq__calloc(ctx, (size_t)n->np, sizeof *n->pinfo);
        if (!n->start || !n->t || !n->W || !n->pinfo)
            st = TQ_ERR_NOMEM;
        else
            memcpy(n->start, tq_baseline_array(b, TQ_TARIFF, NULL), n->g.NNJ * sizeof(double));
    }
    if (st) {
        tq_nash_free(n);
        return st;
    }
    *out = n;
    return TQ_OK;
}

void tq_nash_free(tq_nash *n)
{
    if (!n)
        return;
    tq_context *ctx = n->g.ctx;
    tq__game_free(&n->g);
    tq__free(ctx, n->players);
    tq__free(ctx, n->start);
    tq__free(ctx, n->t);
    tq__free(ctx, n->W);
    tq__free(ctx, n->pinfo);
    tq__free(ctx, n);
}

tq_status tq_nash_set_options(tq_nash *n, const tq_policy_options *opt)
{
    return tq__game_set_options(&n->g, opt);
}

tq_status tq_nash_set_tariffs(tq_nash *n, const double *tariffs)
{
    tq_status st = tq__policy_check_tariffs(n->g.ctx, n->g.NNJ, tariffs);
    if (!st)
        memcpy(n->start, tariffs, n->g.NNJ * sizeof(double));
    return st;
}

tq_status tq_nash_set_method(tq_nash *n, tq_nash_method method)
{
    if (method != TQ_NASH_BEST_RESPONSE && method != TQ_NASH_SIMULTANEOUS)
        return tq__error(n->g.ctx, TQ_ERR_INVALID, NULL, 0, "method", "unknown Nash method %d", (int)method);
    n->method = method;
    return TQ_OK;
}

tq_status tq_nash_set_tolerance(tq_nash *n, double tol, int max_rounds)
{
    if (!(tol > 0) || max_rounds < 1)
        return tq__error(n->g.ctx, TQ_ERR_INVALID, NULL, 0, "tolerance",
                         "the Nash tolerance must be positive and max_rounds at least 1 (got %g, %d)", tol, max_rounds);
    n->tol = tol;
    n->max_rounds = max_rounds;
    return TQ_OK;
}

/* Best-response iteration (Gauss-Seidel): in each round every player in turn sets its
 * optimal tariffs against the others' current ones. */
static tq_status nash_iterate(tq_nash *n, tq__pvars *v, double *x, double *weight, const double *from, double tol)
{
    tq__game *g = &n->g;
    tq_status st = TQ_OK;
    double *Wbefore = tq__calloc(g->ctx, (size_t)g->N, sizeof *Wbefore);
    if (!Wbefore)
        return TQ_ERR_NOMEM;
    if (from != n->t)
        memcpy(n->t, from, g->NNJ * sizeof(double));
    n->info.status = TQ_ERR_NOT_CONVERGED;
    for (int round = 0; round < n->max_rounds; round++) {
        double maxch = 0, maxgain = -INFINITY;
        int gainer = -1;
        for (int k = 0; k < n->np; k++) {
            int p = n->players[k];
            tq__pvars *vp = &v[k];
            tq__pvars_read(vp, n->t, x);
            if ((st = tq__game_jacobian(g, vp, n->t, x, Wbefore, NULL, NULL)))
                goto out;
            double *xold = x + vp->n;
            memcpy(xold, x, (size_t)vp->n * sizeof *x);
            memset(weight, 0, (size_t)g->N * sizeof *weight);
            weight[p] = 1.0;
            tq__pobjective ob = {0, weight, NULL};
            double lo = (round + (double)k / n->np) / n->max_rounds, hi = (round + (k + 1.0) / n->np) / n->max_rounds;
            st = tq__game_maximise(g, vp, &ob, n->t, x, n->W, &n->pinfo[k], "nash", lo, hi);
            if (st == TQ_ERR_NOT_CONVERGED)
                st = TQ_OK; /* a best response at its evaluation limit: the next round refines it */
            if (st)
                goto out;
            for (int q = 0; q < vp->n; q++)
                maxch = fmax(maxch, fabs(x[q] - xold[q]));
            double gain = n->W[p] - Wbefore[p];
            if (gain > maxgain) {
                maxgain = gain;
                gainer = p;
            }
        }
        n->info.rounds++;
        n->info.max_change = maxch;
        n->info.max_gain = maxgain;
        n->info.max_gain_region = gainer;
        if (maxch < tol) {
            n->info.status = TQ_OK;
            break;
        }
    }
    if (n->info.status == TQ_ERR_NOT_CONVERGED)
        st = tq__error(g->ctx, TQ_ERR_NOT_CONVERGED, NULL, 0, NULL,
                       "the tariff war did not settle in %d rounds: tariffs still moved by %.3g, the largest "
                       "unilateral gain left is %.3g points",
                       n->max_rounds, n->info.max_change, n->info.max_gain);
out:
    tq__free(g->ctx, Wbefore);
    return st;
}

/* Each player's own curvature at x (n->t holds x, n->W its welfare, jac its gradients)
 * from one more solve a step h = 0.01 away: W(x + h e_k) = W + h g_k + h^2 c_k / 2 with the
 * exact slope g_k; c[k] is capped at -1e-6 when floor is set (a Newton model). */
static tq_status own_curvatures(tq_nash *n, const tq__pvars *v, const double *x, const double *jac, double *Wp,
                                double *c)
{
    tq__game *g = &n->g;
    const int nv = v->n;
    const double hc = 0.01;
    for (int k = 0; k < nv; k++) {
        const int p = v->owner[k];
        const double h = x[k] + hc <= g->opt.upper ? hc : -hc;
        for (int q = v->first[k]; q < v->first[k + 1]; q++)
            n->t[v->cells[q]] = x[k] + h;
        tq_status st = tq__game_welfare(g, n->t, Wp);
        for (int q = v->first[k]; q < v->first[k + 1]; q++)
            n->t[v->cells[q]] = x[k];
        if (st)
            return st;
        c[k] = 2 * (Wp[p] - n->W[p] - h * jac[(size_t)p * nv + k]) / (h * h);
    }
    return TQ_OK;
}

/* The simultaneous solver of a uniform war (docs/strategic.md, "Simultaneous Nash"):
 * Broyden's method on every player's first-order condition g_k(x) = dW_k/dx_k = 0 at
 * once, x the players' uniform tariffs. An iteration costs one equilibrium solve and one
 * adjoint per player (tq__game_jacobian with the players' rows); the Jacobian of g starts
 * as the diagonal of each player's own curvature (from its welfare one step away, its
 * value and exact slope: one solve per player) and is updated by Broyden's rank-one
 * formula, reset to that diagonal when the conditions grow more than twofold. Steps are capped at
 * 0.1 and kept within the bounds; a bound is an answer when the projected condition
 * holds there. Converged when no tariff moves by more than tol / 100 and every projected
 * first-order condition is below TQ__POLICY_GTOL. *fallback is set when it did not
 * converge in its iterations (the caller then continues with best responses). */
static tq_status nash_simultaneous(tq_nash *n, double tol, int *fallback)
{
    tq__game *g = &n->g;
    const int N = g->N;
    *fallback = 0;
    tq__pvars v;
    memset(&v, 0, sizeof v);
    tq_status st = TQ_OK;
    for (int k = 0; !st && k < n->np; k++)
        st = tq__pvars_add_region(g, &v, n->players[k], NULL);
    const int nv = v.n;
    double *blk = NULL;
    int *piv = NULL;
    if (!st) {
        blk = tq__calloc(g->ctx, 7 * (size_t)nv + 3 * (size_t)nv * nv + (size_t)N * nv + 2 * (size_t)N + 1,
                         sizeof(double));
        piv = tq__calloc(g->ctx, (size_t)nv + 1, sizeof(int));
        if (!blk || !piv)
            st = TQ_ERR_NOMEM;
    }
    if (st || nv == 0) {
        tq__free(g->ctx, blk);
        tq__free(g->ctx, piv);
        tq__pvars_free(g->ctx, &v);
        if (!st)
            *fallback = 1;
        return st;
    }
    double *x = blk, *xp = x + nv, *gk = xp + nv, *gp = gk + nv, *sv = gp + nv, *pg = sv + nv, *hd = pg + nv;
    double *H = hd + nv, *Hc = H + (size_t)nv * nv, *u = Hc + (size_t)nv * nv;
    double *jac = u + (size_t)nv * nv, *rows = jac + (size_t)N * nv, *Wp = rows + N;
    const double lo = g->opt.lower, hi = g->opt.upper;
    memcpy(n->t, n->start, g->NNJ * sizeof(double));
    tq__pvars_read(&v, n->t, x);
    for (int k = 0; k < nv; k++) {
        x[k] = fmin(fmax(x[k], lo), hi);
        rows[v.owner[k]] = 1.0;
    }
    tq__pvars_apply(&v, x, n->t);
    /* the first-order conditions at the start, then each player's own curvature */
    if ((st = tq__game_jacobian(g, &v, n->t, x, n->W, jac, rows)) || (st = own_curvatures(n, &v, x, jac, Wp, hd)))
        goto done;
    for (int k = 0; k < nv; k++) {
        hd[k] = hd[k] < -1e-6 ? hd[k] : -1e-6; /* a Newton model needs a maximum */
        H[(size_t)k * nv + k] = hd[k];
    }
    const int maxit = 10 * n->max_rounds;
    double maxstep = INFINITY, gnorm_prev = INFINITY;
    int it;
    n->info.status = TQ_ERR_NOT_CONVERGED;
    for (it = 0; it < maxit; it++) {
        if ((st = tq__progress(g->ctx, "nash", (double)it / maxit)))
            goto done;
        if (it > 0 && (st = tq__game_jacobian(g, &v, n->t, x, n->W, jac, rows)))
            goto done;
        double gn = 0;
        const double gprev = it > 0 ? gnorm_prev : INFINITY;
        for (int k = 0; k < nv; k++) {
            gk[k] = jac[(size_t)v.owner[k] * nv + k];
            pg[k] = (x[k] <= lo + 1e-9 && gk[k] < 0) || (x[k] >= hi - 1e-9 && gk[k] > 0) ? 0.0 : gk[k];
            gn = fmax(gn, fabs(pg[k]));
        }
        gnorm_prev = gn;
        if (it > 0 && gn > 2 * gprev) { /* a bad model: back to the own curvatures */
            memset(H, 0, (size_t)nv * nv * sizeof(double));
            for (int k = 0; k < nv; k++)
                H[(size_t)k * nv + k] = hd[k];
        } else if (it > 0) { /* Broyden: H += (dg - H dx) dx' / dx'dx */
            double dd = 0;
            for (int k = 0; k < nv; k++)
                dd += (x[k] - xp[k]) * (x[k] - xp[k]);
            if (dd > 0)
                for (int a = 0; a < nv; a++) {
                    double r = gk[a] - gp[a];
                    for (int k = 0; k < nv; k++)
                        r -= H[(size_t)a * nv + k] * (x[k] - xp[k]);
                    for (int k = 0; k < nv; k++)
                        H[(size_t)a * nv + k] += r * (x[k] - xp[k]) / dd;
                }
        }
        n->info.rounds = it + 1;
        n->info.max_change = maxstep;
        tq__log(g->ctx, TQ_LOG_DEBUG, "nash: simultaneous iteration %d: first-order conditions %.3g, step %.3g", it, gn,
                maxstep);
        if (gn < TQ__POLICY_GTOL && maxstep < 0.01 * tol) {
            n->info.status = TQ_OK;
            break;
        }
        /* the Newton step of the model: H s = -g (variables at a bound with the projected
         * condition met stay there) */
        memcpy(Hc, H, (size_t)nv * nv * sizeof(double));
        for (int k = 0; k < nv; k++) {
            sv[k] = -gk[k];
            if (pg[k] == 0.0 && gk[k] != 0.0) { /* fixed at its bound */
                for (int l = 0; l < nv; l++)
                    Hc[(size_t)k * nv + l] = l == k ? 1.0 : 0.0;
                sv[k] = 0.0;
            }
        }
        int ok = LAPACKE_dgesv(LAPACK_ROW_MAJOR, nv, 1, Hc, nv, piv, sv, 1) == 0;
        for (int k = 0; ok && k < nv; k++)
            ok = isfinite(sv[k]);
        if (!ok)
            for (int k = 0; k < nv; k++)
                sv[k] = pg[k] == 0.0 ? 0.0 : -gk[k] / hd[k];
        double smax = 0;
        for (int k = 0; k < nv; k++)
            smax = fmax(smax, fabs(sv[k]));
        const double cap = smax > 0.1 ? 0.1 / smax : 1.0;
        memcpy(xp, x, (size_t)nv * sizeof(double));
        memcpy(gp, gk, (size_t)nv * sizeof(double));
        maxstep = 0;
        for (int k = 0; k < nv; k++) {
            x[k] = fmin(fmax(x[k] + cap * sv[k], lo), hi);
            maxstep = fmax(maxstep, fabs(x[k] - xp[k]));
        }
    }
    if (n->info.status != TQ_OK) {
        *fallback = 1;
        tq__log(g->ctx, TQ_LOG_INFO,
                "nash: the simultaneous solver did not settle in %d iterations; best responses "
                "from its point",
                maxit);
    }
    tq__pvars_apply(&v, x, n->t);
    if (*fallback)
        goto done;
    /* the second-order check at the answer (jac and n->W are at x) and what a player could
     * still gain alone, from the Newton model of its own welfare */
    if ((st = own_curvatures(n, &v, x, jac, Wp, u)))
        goto done;
    n->info.max_gain = 0;
    n->info.max_gain_region = -1;
    for (int k = 0; k < nv; k++) {
        const int p = v.owner[k];
        const double Hkk = u[k];
        const double gain = Hkk < 0 ? 0.5 * pg[k] * pg[k] / -Hkk : INFINITY;
        if (n->info.max_gain_region < 0 || gain > n->info.max_gain) {
            n->info.max_gain = gain;
            n->info.max_gain_region = p;
        }
        for (int q = 0; q < n->np; q++)
            if (n->players[q] == p) {
                tq_optimum_info *oi = &n->pinfo[q];
                memset(oi, 0, sizeof *oi);
                oi->status = n->info.status;
                oi->variables = 1;
                oi->at_bounds = x[k] <= lo + 1e-6 || x[k] >= hi - 1e-6;
                oi->evaluations = n->info.rounds;
                oi->welfare = n->W[p];
                oi->grad_norm = fabs(pg[k]);
                oi->max_curvature = Hkk;
                oi->second_order_ok = Hkk < 0 ? 1 : 0;
            }
    }
done:
    tq__free(g->ctx, blk);
    tq__free(g->ctx, piv);
    tq__pvars_free(g->ctx, &v);
    return st;
}

/* The war is solved in stages when the tariffs are finer than one rate per region:
 * first one uniform rate each (a handful of variables), then one per sector from there,
 * then one per partner and sector from there (docs/strategic.md, "Nash in stages"); the
 * early stages stop at a looser tolerance and skip the second-order check. Each stage
 * starts close to its answer, so the expensive last stage needs few evaluations. */
tq_status tq_nash_run(tq_nash *n)
{
    tq__game *g = &n->g;
    double t0 = wall();
    long s0 = g->solves;
    memset(&n->info, 0, sizeof n->info);
    n->info.max_gain_region = -1;
    const tq_policy_options keep = g->opt;
    tq_tariff_form stages[3] = {TQ_FORM_UNIFORM, TQ_FORM_SECTOR, TQ_FORM_PER_PARTNER};
    int first = keep.form == TQ_FORM_UNIFORM ? 2 : 0, last = keep.form == TQ_FORM_PER_PARTNER ? 2 : 1;
    if (keep.form == TQ_FORM_UNIFORM)
        first = last = 0;
    tq__pvars *v = tq__calloc(g->ctx, (size_t)n->np, sizeof *v);
    double *weight = tq__calloc(g->ctx, (size_t)g->N, sizeof *weight);
    double *x = NULL;
    tq_status st = v && weight ? TQ_OK : TQ_ERR_NOMEM;
    const double *from = n->start;
    if (!st && n->method == TQ_NASH_SIMULTANEOUS) {
        int fallback = 0;
        if (keep.form != TQ_FORM_UNIFORM)
            st = tq__error(g->ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "method",
                           "the simultaneous Nash solver is for uniform tariffs only (--uniform)");
        else
            st = nash_simultaneous(n, n->tol, &fallback);
        if (!st && !fallback)
            first = last + 1; /* done */
        from = n->t;
    }
    for (int stage = first; !st && stage <= last; stage++) {
        g->opt.form = stages[stage];
        g->opt.second_order = stage == last ? keep.second_order : 0;
        int maxv = 0;
        for (int k = 0; !st && k < n->np; k++) {
            tq__pvars_free(g->ctx, &v[k]);
            st = tq__pvars_add_region(g, &v[k], n->players[k], NULL);
            if (!st && v[k].n > maxv)
                maxv = v[k].n;
        }
        tq__free(g->ctx, x);
        if (!st && !(x = tq__calloc(g->ctx, 2 * (size_t)maxv + 1, sizeof *x)))
            st = TQ_ERR_NOMEM;
        if (!st)
            st = nash_iterate(n, v, x, weight, stage == first ? from : n->t,
                              stage == last ? n->tol : fmax(n->tol, 1e-3));
        if (st == TQ_ERR_NOT_CONVERGED && stage < last) {
            tq__clear_error(g->ctx);
            st = TQ_OK;
        }
    }
    g->opt = keep;
    if (st == TQ_ERR_CANCELLED)
        n->info.partial = 1;
    n->info.status = st;
    n->info.solves = g->solves - s0;
    n->info.seconds = wall() - t0;
    n->have = st == TQ_OK || st == TQ_ERR_NOT_CONVERGED || st == TQ_ERR_CANCELLED;
    for (int k = 0; v && k < n->np; k++)
        tq__pvars_free(g->ctx, &v[k]);
    tq__free(g->ctx, v);
    tq__free(g->ctx, x);
    tq__free(g->ctx, weight);
    return st;
}

const double *tq_nash_tariffs(const tq_nash *n)
{
    return n && n->have ? n->t : NULL;
}
const double *tq_nash_welfare(const tq_nash *n)
{
    return n && n->have ? n->W : NULL;
}
const tq_nash_info *tq_nash_info_get(const tq_nash *n)
{
    return n && n->have ? &n->info : NULL;
}
const tq_optimum_info *tq_nash_player_info(const tq_nash *n, int k)
{
    return n && n->have && k >= 0 && k < n->np ? &n->pinfo[k] : NULL;
}

/* ================================================================ talks === */

struct tq_talks {
    tq__game g;
    int *players, np;
    tq_talks_mode mode;
    double *weights;  /* [np] */
    double *start;    /* [NNJ] */
    double *threat_t; /* [NNJ] */
    int threat_set;
    double *t, *W, *threat_W;
    int have;
    tq_optimum_info info;
};

tq_status tq_talks_new(tq_context *ctx, const tq_baseline *b, const int *players, int nplayers, tq_talks **out)
{
    *out = NULL;
    tq_talks *t = tq__calloc(ctx, 1, sizeof *t);
    if (!t)
        return TQ_ERR_NOMEM;
    tq_status st = tq__game_init(&t->g, ctx, b);
    if (!st)
        st = tq__policy_players(ctx, t->g.N, players, nplayers, 2, &t->players, &t->np);
    if (!st) {
        size_t NNJ = t->g.NNJ, N = (size_t)t->g.N;
        t->weights = tq__calloc(ctx, (size_t)t->np, sizeof(double));
        t->start = tq__calloc(ctx, NNJ, sizeof(double));
        t->threat_t = tq__calloc(ctx, NNJ, sizeof(double));
        t->t = tq__calloc(ctx, NNJ, sizeof(double));
        t->W = tq__calloc(ctx, N, sizeof(double));
        t->threat_W = tq__calloc(ctx, N, sizeof(double));
        if (!t->weights || !t->start || !t->threat_t || !t->t || !t->W || !t->threat_W)
            st = TQ_ERR_NOMEM;
        else {
            memcpy(t->start, tq_baseline_array(b, TQ_TARIFF, NULL), NNJ * sizeof(double));
            for (int k = 0; k < t->np; k++)
                t->weights[k] = 1.0;
        }
    }
    if (st) {
        tq_talks_free(t);
        return st;
    }
    *out = t;
    return TQ_OK;
}

void tq_talks_free(tq_talks *t)
{
    if (!t)
        return;
    tq_context *ctx = t->g.ctx;
    tq__game_free(&t->g);
    tq__free(ctx, t->players);
    tq__free(ctx, t->weights);
    tq__free(ctx, t->start);
    tq__free(ctx, t->threat_t);
    tq__free(ctx, t->t);
    tq__free(ctx, t->W);
    tq__free(ctx, t->threat_W);
    tq__free(ctx, t);
}

tq_status tq_talks_set_options(tq_talks *t, const tq_policy_options *opt)
{
    return tq__game_set_options(&t->g, opt);
}

tq_status tq_talks_set_mode(tq_talks *t, tq_talks_mode mode)
{
    if (mode != TQ_TALKS_BARGAIN && mode != TQ_TALKS_EFFICIENT)
        return tq__error(t->g.ctx, TQ_ERR_INVALID, NULL, 0, "mode", "unknown talks mode %d", (int)mode);
    t->mode = mode;
    return TQ_OK;
}

tq_status tq_talks_set_weights(tq_talks *t, const double *weights)
{
    for (int k = 0; k < t->np; k++)
        if (!weights || !(weights[k] > 0) || !isfinite(weights[k]))
            return tq__error(t->g.ctx, TQ_ERR_INVALID, NULL, 0, "weights", "welfare weights must be positive");
    memcpy(t->weights, weights, (size_t)t->np * sizeof(double));
    return TQ_OK;
}

tq_status tq_talks_set_threat(tq_talks *t, const double *tariffs)
{
    tq_status st = tq__policy_check_tariffs(t->g.ctx, t->g.NNJ, tariffs);
    if (!st) {
        memcpy(t->threat_t, tariffs, t->g.NNJ * sizeof(double));
        t->threat_set = 1;
    }
    return st;
}

tq_status tq_talks_set_tariffs(tq_talks *t, const double *tariffs)
{
    tq_status st = tq__policy_check_tariffs(t->g.ctx, t->g.NNJ, tariffs);
    if (!st)
        memcpy(t->start, tariffs, t->g.NNJ * sizeof(double));
    return st;
}

/* The smallest gain over the threat point among the players at W. */
static double min_gain(const tq_talks *t, const double *W, int *who)
{
    double m = INFINITY;
    for (int k = 0; k < t->np; k++) {
        double gk = W[t->players[k]] - t->threat_W[t->players[k]];
        if (gk < m) {
            m = gk;
            *who = t->players[k];
        }
    }
    return m;
}

tq_status tq_talks_run(tq_talks *t)
{
    tq__game *g = &t->g;
    tq_context *ctx = g->ctx;
    t->have = 0;
    tq_status st = TQ_OK;
    tq__pvars v = {0};
    double *x = NULL, *weight = NULL, *x0 = NULL;
    unsigned char *mask = tq__calloc(ctx, (size_t)g->N, 1);
    if (!(weight = tq__calloc(ctx, (size_t)g->N, sizeof *weight)) || !mask) {
        st = TQ_ERR_NOMEM;
        goto out;
    }
    /* the threat point: the war among the players unless given */
    if (!t->threat_set) {
        tq_nash *war = NULL;
        if ((st = tq_nash_new(ctx, g->b, t->players, t->np, &war)) || (st = tq_nash_set_options(war, &g->opt)) ||
            (st = tq_nash_set_tariffs(war, t->start)) || (st = tq_nash_run(war))) {
            tq_nash_free(war);
            goto out;
        }
        memcpy(t->threat_t, tq_nash_tariffs(war), g->NNJ * sizeof(double));
        tq_nash_free(war);
    }
    if ((st = tq__game_welfare(g, t->threat_t, t->threat_W)))
        goto out;
    for (int k = 0; k < t->np; k++)
        mask[t->players[k]] = 1;
    for (int k = 0; k < t->np && !st; k++)
        st = tq__pvars_add_region(g, &v, t->players[k], mask);
    if (st)
        goto out;
    if (!(x = tq__calloc(ctx, (size_t)v.n + 1, sizeof *x)) || !(x0 = tq__calloc(ctx, (size_t)v.n + 1, sizeof *x0))) {
        st = TQ_ERR_NOMEM;
        goto out;
    }
    for (int k = 0; k < t->np; k++)
        weight[t->players[k]] = t->mode == TQ_TALKS_EFFICIENT ? t->weights[k] : 1.0;
    /* the deal changes only the players' tariffs on each other: the rest (their tariffs
     * on outsiders, the outsiders') are those of the threat point */
    memcpy(t->t, t->threat_t, g->NNJ * sizeof(double));
    tq__pvars_read(&v, t->start, x);
    if (t->mode == TQ_TALKS_BARGAIN) {
        /* a start where everyone gains: the given one, else free trade among the players */
        int who = -1;
        if ((st = tq__game_jacobian(g, &v, t->t, x, t->W, NULL, NULL)))
            goto out;
        if (!(min_gain(t, t->W, &who) > 0)) {
            for (int k = 0; k < v.n; k++)
                x0[k] = fmax(0.0, g->opt.lower);
            if ((st = tq__game_jacobian(g, &v, t->t, x0, t->W, NULL, NULL)))
                goto out;
            double mg = min_gain(t, t->W, &who);
            if (!(mg > 0)) {
                /* last candidate: the tariffs that maximise the players' summed welfare */
                for (int k = 0; k < t->np; k++)
                    weight[t->players[k]] = 1.0;
                tq__pobjective sum = {0, weight, NULL};
                double *tt = tq__malloc(ctx, g->NNJ * sizeof(double));
                if (!tt) {
                    st = TQ_ERR_NOMEM;
                    goto out;
                }
                memcpy(tt, t->t, g->NNJ * sizeof(double));
                tq__pvars_read(&v, tt, x0);
                tq_optimum_info tmp;
                st = tq__game_maximise(g, &v, &sum, tt, x0, t->W, &tmp, "talks", 0.0, 0.5);
                tq__free(ctx, tt);
                if (st && st != TQ_ERR_NOT_CONVERGED)
                    goto out;
                st = TQ_OK;
                mg = min_gain(t, t->W, &who);
            }
            if (!(mg > 0)) {
                /* the region by its code (the baseline keeps its dataset's labels) */
                const char *code = g->b->labels && who >= 0 ? tq_dataset_region_code(g->b->labels, who) : NULL;
                char idx[32];
                snprintf(idx, sizeof idx, "%d", who);
                st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "threat",
                               "no deal found that beats the threat point for everyone: %s loses %.4g points even "
                               "where the players' summed welfare is largest (without transfers there is no deal)",
                               code && *code ? code : idx, -mg);
                goto out;
            }
            memcpy(x, x0, (size_t)v.n * sizeof *x);
        }
    }
    tq__pobjective ob = {t->mode == TQ_TALKS_BARGAIN ? 1 : 0, weight, t->threat_W};
    st = tq__game_maximise(g, &v, &ob, t->t, x, t->W, &t->info, "talks", 0.0, 1.0);
    t->have = st == TQ_OK || st == TQ_ERR_NOT_CONVERGED || t->info.partial;
out:
    tq__pvars_free(ctx, &v);
    tq__free(ctx, x);
    tq__free(ctx, x0);
    tq__free(ctx, weight);
    tq__free(ctx, mask);
    return st;
}

const double *tq_talks_tariffs(const tq_talks *t)
{
    return t && t->have ? t->t : NULL;
}
const double *tq_talks_welfare(const tq_talks *t)
{
    return t && t->have ? t->W : NULL;
}
const double *tq_talks_threat_tariffs(const tq_talks *t)
{
    return t && t->have ? t->threat_t : NULL;
}
const double *tq_talks_threat_welfare(const tq_talks *t)
{
    return t && t->have ? t->threat_W : NULL;
}
const tq_optimum_info *tq_talks_info(const tq_talks *t)
{
    return t && t->have ? &t->info : NULL;
}
