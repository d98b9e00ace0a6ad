/* The solver object, tq_solve and the result object: the counterfactual, welfare and
 * the CP2015 terms-of-trade / volume-of-trade decomposition (MODEL.md "Welfare" and
 * "Welfare decomposition"). */
#include "model.h"

#include <math.h>
#include <string.h>

struct tq_solver {
    tq_context *ctx;
    const tq_baseline *b;
    tq_solver_options opt;
    int warm;
    const tq__model *model;
    void *ws; /* the model's workspace */
    tq_solve_info info;
};

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

static int is_lazy(int a)
{
    return a == TQ_RES_PI || a == TQ_RES_TOT_NIJ || a == TQ_RES_VOT_NIJ;
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
    const size_t NJ = (size_t)N * J;
    size_t total = 2 * NJ; /* ut, S */
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++)
        if (!is_lazy(a))
            total += res_len((tq_res)a, (size_t)N, (size_t)J);
    double *p = tq__calloc(ctx, total, sizeof(double));
    if (!p) {
        tq__free(ctx, r);
        return TQ_ERR_NOMEM;
    }
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++) {
        r->len[a] = res_len((tq_res)a, (size_t)N, (size_t)J);
        if (is_lazy(a))
            continue;
        r->arr[a] = p;
        p += r->len[a];
    }
    r->ut = p;
    r->S = p + NJ;
    *out = r;
    return TQ_OK;
}

void tq_result_free(tq_result *r)
{
    if (!r)
        return;
    tq__free(r->ctx, r->arr[TQ_RES_WHAT]);
    tq__free(r->ctx, r->pi);
    tq__free(r->ctx, r->nij);
    tq__free(r->ctx, r);
}

const tq_solve_info *tq_result_info(const tq_result *r)
{
    return &r->info;
}

/* Threads for the O(N^2 J) loops over importers of a result (each n's sums stay in
 * one thread, so the values do not depend on it). */
static int par_threads(const tq_result *r)
{
    const double cells = (double)r->N * r->N * r->J;
    return cells >= 1e6 && r->info.threads > 1 ? r->info.threads : 1;
}

/* pi'[n,i,j] of the solution, from the model. */
static inline double pi1_at(const tq_result *r, size_t c, int n, int i, int j)
{
    return tq__model_of(r->b)->pi_at(r, c, n, i, j);
}

static int compute_pi(tq_result *r)
{
    const int N = r->N, J = r->J;
    if (!r->b || !r->sc)
        return -1;
    if (!r->pi) {
        if (!(r->pi = tq__malloc(r->ctx, (size_t)N * N * J * sizeof(double))))
            return -1;
        tq__advise_huge(r->pi, (size_t)N * N * J * sizeof(double));
    }
    const int nth = par_threads(r);
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                r->pi[c] = pi1_at(r, c, n, i, j);
            }
    r->pi_valid = 1;
    return 0;
}

/* The terms of cell [n,i,j] of the decomposition (welfare() gives the formulas): *ct
 * to the terms of trade, *cv to the volume of trade, with p1 = pi'[n,i,j], t1 the
 * counterfactual tariffs and scale = 100 / I_b[n]. One definition for the sums in
 * welfare() and the stored cells of compute_nij(), so that the two agree bit for bit. */
static inline void decomp_cell(const tq_baseline *b, const tq_result *r, const double *t1, int n, int i, int j,
                               double p1, double scale, double *ct, double *cv)
{
    const int N = b->N, J = b->J;
    const double *c = r->arr[TQ_RES_CHAT], *X1 = r->arr[TQ_RES_X];
    const size_t ni = TQ_NIJ(N, J, n, i, j), in = TQ_NIJ(N, J, i, n, j);
    const double Mb = b->X[TQ_NJ(J, n, j)] * b->pi[ni] / (1.0 + b->t[ni]);
    const double Eb = b->X[TQ_NJ(J, i, j)] * b->pi[in] / (1.0 + b->t[in]);
    const double Mc = X1[TQ_NJ(J, n, j)] * p1 / (1.0 + t1[ni]);
    *ct = (Eb * (c[TQ_NJ(J, n, j)] - 1.0) - Mb * (c[TQ_NJ(J, i, j)] - 1.0)) * scale;
    *cv = b->t[ni] * (Mc - Mb * c[TQ_NJ(J, i, j)]) * scale;
}

/* The [n,i,j] contributions of the decomposition (see welfare() for the formulas). */
static int compute_nij(tq_result *r)
{
    const tq_baseline *b = r->b;
    const int N = r->N, J = r->J;
    const size_t NNJ = (size_t)N * N * J;
    if (!b || !r->sc)
        return -1;
    if (!r->nij) {
        if (!(r->nij = tq__malloc(r->ctx, 2 * NNJ * sizeof(double))))
            return -1;
        tq__advise_huge(r->nij, 2 * NNJ * sizeof(double));
    }
    const double *t1 = r->sc->t;
    double *tot_nij = r->nij, *vot_nij = r->nij + NNJ;
    const int nth = par_threads(r);
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
    for (int n = 0; n < N; n++) {
        const double scale = 100.0 / b->I[n];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t ni = TQ_NIJ(N, J, n, i, j);
                decomp_cell(b, r, t1, n, i, j, pi1_at(r, ni, n, i, j), scale, &tot_nij[ni], &vot_nij[ni]);
            }
    }
    r->nij_valid = 1;
    return 0;
}

const double *tq_result_array(const tq_result *r, tq_res which, size_t *len)
{
    if (!r || which < 0 || which >= TQ_RES_ARRAY_COUNT) {
        if (len)
            *len = 0;
        return NULL;
    }
    const double *p = r->arr[which];
    if (is_lazy(which)) {
        /* computed on first request: the result is logically const, the cache is not */
        tq_result *w = (tq_result *)r;
        if (which == TQ_RES_PI) {
            if (!w->pi_valid && compute_pi(w) != 0)
                p = NULL;
            else
                p = w->pi;
        } else if (!w->nij_valid && compute_nij(w) != 0) {
            p = NULL;
        } else {
            p = w->nij + (which == TQ_RES_TOT_NIJ ? 0 : r->len[TQ_RES_TOT_NIJ]);
        }
    }
    if (len)
        *len = p ? r->len[which] : 0;
    return p;
}

/* Welfare and the decomposition from the base b and the counterfactual in r.
 * MODEL.md: W^ = I^ / prod_j P^^alpha; real wage w^ / prod_j P^^alpha; EV = (W^-1) I_b.
 * Decomposition (CP2015's discrete form), M = X pi / (1+t), E[n,i,j] = M[i,n,j]:
 *   ToT[n] = sum_{i,j} ( E_b[n,i,j] (c^[n,j]-1) - M_b[n,i,j] (c^[i,j]-1) ) / I_b[n]
 *   VoT[n] = sum_{i,j} t_b[n,i,j] ( M_c[n,i,j] - M_b[n,i,j] c^[i,j] ) / I_b[n].
 * The per-cell terms (decomp_cell) are summed here and stored only on request
 * (compute_nij). */
static void welfare(const tq_baseline *b, const double *t1, tq_result *r)
{
    /* eager (tq_solve): pi' is already there and the cells are stored as they are summed */
    const double *pi1 = r->eager ? r->pi : NULL;
    double *tot_nij = r->eager ? r->nij : NULL, *vot_nij = r->eager ? r->nij + r->len[TQ_RES_TOT_NIJ] : NULL;
    const int N = b->N, J = b->J;
    const double *what = r->arr[TQ_RES_WHAT], *P = r->arr[TQ_RES_PHAT], *I1 = r->arr[TQ_RES_INCOME];
    const int nth = par_threads(r);
#pragma omp parallel for schedule(dynamic, 4) num_threads(nth) if (nth > 1)
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
                const size_t ni = TQ_NIJ(N, J, n, i, j);
                double ct, cv;
                decomp_cell(b, r, t1, n, i, j, pi1 ? pi1[ni] : pi1_at(r, ni, n, i, j), scale, &ct, &cv);
                if (tot_nij) {
                    tot_nij[ni] = ct;
                    vot_nij[ni] = cv;
                }
                tot += ct;
                vot += cv;
            }
        r->arr[TQ_RES_TOT][n] = tot;
        r->arr[TQ_RES_VOT][n] = vot;
        r->arr[TQ_RES_DECOMP][n] = tot + vot;
        r->arr[TQ_RES_DECOMP_GAP][n] = r->arr[TQ_RES_WELFARE][n] - (tot + vot);
    }
}

/* ------------------------------------------------------------ the solver --- */

tq_status tq_solver_new(tq_context *ctx, const tq_baseline *b, tq_solver **out)
{
    *out = NULL;
    if (!b)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "a solver needs a baseline");
    tq_solver *s = tq__calloc(ctx, 1, sizeof *s);
    if (!s)
        return TQ_ERR_NOMEM;
    s->ctx = ctx;
    s->b = b;
    tq_solver_options_default(&s->opt);
    s->model = tq__model_of(b);
    tq_status st = s->model->ws_new(ctx, b, &s->ws);
    if (st) {
        tq__free(ctx, s);
        return st;
    }
    *out = s;
    return TQ_OK;
}

void tq_solver_free(tq_solver *s)
{
    if (!s)
        return;
    s->model->ws_free(s->ws);
    tq__free(s->ctx, s);
}

tq_status tq_solver_set_tol(tq_solver *s, double tol)
{
    if (!(tol > 0) || !isfinite(tol))
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "tol", "the tolerance must be positive (got %g)", tol);
    s->opt.tol = tol;
    return TQ_OK;
}

tq_status tq_solver_set_method(tq_solver *s, tq_method method)
{
    if (method != TQ_METHOD_ANDERSON && method != TQ_METHOD_FIXED_POINT)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "method", "unknown method %d", (int)method);
    s->opt.method = method;
    return TQ_OK;
}

tq_status tq_solver_set_max_iter(tq_solver *s, int max_iter)
{
    if (max_iter < 0)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "max_iter", "negative iteration limit %d", max_iter);
    s->opt.max_iter = max_iter;
    return TQ_OK;
}

tq_status tq_solver_set_max_seconds(tq_solver *s, double max_seconds)
{
    if (!(max_seconds >= 0))
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "max_seconds", "negative or NaN time budget %g", max_seconds);
    s->opt.max_seconds = max_seconds;
    return TQ_OK;
}

tq_status tq_solver_set_threads(tq_solver *s, int threads)
{
    if (threads < 0)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "threads", "negative thread count %d", threads);
    s->opt.threads = threads;
    return TQ_OK;
}

tq_status tq_solver_set_warm_start(tq_solver *s, int on)
{
    s->warm = on != 0;
    return TQ_OK;
}

tq_status tq_solver_set_anderson_memory(tq_solver *s, int m)
{
    if (m < 1 || m > 50)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "anderson_m", "Anderson memory %d outside 1..50", m);
    s->opt.anderson_m = m;
    return TQ_OK;
}

tq_status tq_solver_set_damping(tq_solver *s, double damping)
{
    if (!(damping >= 0 && damping <= 1))
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "damping", "damping %g outside [0,1]", damping);
    s->opt.damping = damping;
    return TQ_OK;
}

tq_status tq_solver_set_numeraire(tq_solver *s, int region)
{
    if (region < -1 || region >= s->b->N)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, "numeraire", "numeraire region %d outside -1..%d", region,
                         s->b->N - 1);
    s->opt.numeraire_region = region;
    return TQ_OK;
}

tq_status tq_solver_set_options(tq_solver *s, const tq_solver_options *opt)
{
    if (!opt)
        tq_solver_options_default(&s->opt);
    else
        s->opt = *opt;
    return TQ_OK;
}

tq_status tq_solver_welfare_gradient(tq_solver *s, const tq_scenario *sc, int region, const double *weights,
                                     double *grad)
{
    if (!sc || sc->b != s->b || !grad || (!weights && (region < 0 || region >= s->b->N)))
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "gradient: a scenario of the solver's baseline, a region or weights, and an output array");
    if (!s->model->gradient)
        return tq__error(s->ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "model",
                         "the %s model has no exact welfare gradient: use finite differences", s->model->name);
    return s->model->gradient(s->ws, sc, region, weights, grad);
}

const tq_solve_info *tq_solver_info(const tq_solver *s)
{
    return &s->info;
}

/* The result arrays a solve fills hold only finite values, and incomes, wages and
 * prices are positive: else TQ_ERR_INVALID naming the first offender (an equilibrium
 * that would need a non-positive income, e.g. a fixed deficit larger than what is left
 * of the region's income under the shock, or a solve that diverged to a point with
 * inf or NaN). Never triggered by an ordinary solve, so it changes no number. */
static tq_status result_sane(tq_solver *s, tq_result *r, tq_status st)
{
    const tq_baseline *b = s->b;
    static const char *const names[TQ_RES_ARRAY_COUNT] = {
        [TQ_RES_WHAT] = "w^",   [TQ_RES_PHAT] = "P^",    [TQ_RES_CHAT] = "c^",   [TQ_RES_X] = "X'",
        [TQ_RES_INCOME] = "I'", [TQ_RES_REVENUE] = "R'", [TQ_RES_DEFICIT] = "D'"};
    const char *why = NULL, *arr = NULL;
    size_t at = 0, len_of = 0;
    double v = 0;
    for (int a = 0; a < TQ_RES_ARRAY_COUNT && !why; a++) {
        const double *p = r->arr[a];
        if (is_lazy(a)) /* filled only by tq_solve (eager) */
            p = !r->eager ? NULL : a == TQ_RES_PI ? r->pi : r->nij + (a == TQ_RES_TOT_NIJ ? 0 : r->len[TQ_RES_TOT_NIJ]);
        if (!p)
            continue;
        const int positive = a == TQ_RES_WHAT || a == TQ_RES_PHAT || a == TQ_RES_CHAT || a == TQ_RES_INCOME;
        for (size_t e = 0; e < r->len[a]; e++)
            if (!isfinite(p[e]) || (positive && !(p[e] > 0))) {
                why = isfinite(p[e]) ? "non-positive" : "not finite";
                arr = names[a] ? names[a] : "a result array";
                at = e;
                len_of = r->len[a];
                v = p[e];
                break;
            }
    }
    if (!why)
        return st;
    const size_t NJ = (size_t)b->N * b->J;
    const size_t n = len_of == (size_t)b->N ? at : len_of == NJ ? at / (size_t)b->J : at / NJ;
    const char *code = n < (size_t)b->N ? tq_dataset_region_code(b->labels, (int)n) : NULL;
    return tq__error(
        s->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
        "the solve %s at a point where %s is %s (%g, element %zu%s%s): %s%s (residual %.3g)",
        st == TQ_OK ? "converged" : "did not converge and stopped", arr, why, v, at, code && code[0] ? ", region " : "",
        code && code[0] ? code : "", st == TQ_OK ? "no usable equilibrium for this shock" : "no usable result",
        st == TQ_OK && arr[0] == 'I' ? " with these deficits (try the balanced closure)" : "", r->info.residual);
}

tq_status tq_solver_solve_into(tq_solver *s, const tq_scenario *sc, tq_result *r)
{
    const tq_baseline *b = s->b;
    if (!sc || sc->b != b)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the scenario was not made for this solver's baseline");
    if (!r || r->N != b->N || r->J != b->J)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the result is not of this solver's dimensions");
    r->pi_valid = r->nij_valid = 0;
    r->b = b;
    r->sc = sc;
    tq_status st = s->model->solve(s->ws, sc, &s->opt, s->warm, r);
    s->info = r->info;
    if (st && st != TQ_ERR_NOT_CONVERGED)
        return st;
    welfare(b, sc->t, r);
    if (r->eager)
        r->pi_valid = r->nij_valid = 1;
    return result_sane(s, r, st);
}

tq_status tq_solver_solve(tq_solver *s, const tq_scenario *sc, tq_result **out)
{
    *out = NULL;
    if (!sc || sc->b != s->b)
        return tq__error(s->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the scenario was not made for this solver's baseline");
    tq_result *r;
    tq_status st = tq__result_alloc(s->ctx, s->b->N, s->b->J, &r);
    if (st)
        return st;
    st = tq_solver_solve_into(s, sc, r);
    if (st && st != TQ_ERR_NOT_CONVERGED) {
        tq_result_free(r);
        return st;
    }
    *out = r;
    return st;
}

tq_status tq_solve(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_solver_options *opt,
                   tq_result **out)
{
    *out = NULL;
    if (!b || !sc || sc->b != b)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "the scenario was not made for this baseline");
    tq_solver *s;
    tq_status st = tq_solver_new(ctx, b, &s);
    if (st)
        return st;
    tq_solver_set_options(s, opt);
    /* A one-shot result stands alone: pi' and the [n,i,j] contributions are filled by the
     * solve, as they are computed, so that it borrows neither scenario nor baseline. */
    tq_result *r;
    const size_t NNJ = (size_t)b->N * b->N * b->J;
    if ((st = tq__result_alloc(ctx, b->N, b->J, &r))) {
        tq_solver_free(s);
        return st;
    }
    r->pi = tq__malloc(ctx, NNJ * sizeof(double));
    r->nij = tq__malloc(ctx, 2 * NNJ * sizeof(double));
    if (!r->pi || !r->nij) {
        tq_result_free(r);
        tq_solver_free(s);
        return TQ_ERR_NOMEM;
    }
    tq__advise_huge(r->pi, NNJ * sizeof(double));
    tq__advise_huge(r->nij, 2 * NNJ * sizeof(double));
    r->eager = 1;
    st = tq_solver_solve_into(s, sc, r);
    tq_solver_free(s);
    if (st && st != TQ_ERR_NOT_CONVERGED) {
        tq_result_free(r);
        return st;
    }
    r->b = NULL; /* complete: nothing is computed later, nothing borrowed */
    r->sc = NULL;
    *out = r;
    return st;
}
