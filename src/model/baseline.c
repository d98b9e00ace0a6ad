/* The base equilibrium of the engine and the scenario object (docs/engine.md).
 *
 * Baseline handling: real data is never an exact equilibrium of (E1)-(E5) (the market
 * clearing (E0) and the trade balances are off). By default (TQ_BASELINE_RECALIBRATE)
 * the data's own equilibrium is solved first with unchanged tariffs and the chosen
 * deficits (the data's D, or D = 0 for the balanced closure), and that equilibrium
 * (shares pi_b, expenditure X_b, value added w^ VA, income I_b) becomes the base. A
 * counterfactual solved from it in changes is the same as "solve the baseline, solve the
 * counterfactual from the data, report the ratio", because (E1)-(E5) use only pi, t,
 * gamma, beta, alpha, VA and D', never the data's X. TQ_BASELINE_RAW takes the data as
 * it is. */
#include "cp.h"
#include "model.h"
#include "ossa.h"
#include "validate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void tq_baseline_free(tq_baseline *b)
{
    if (!b)
        return;
    tq_context *ctx = b->ctx;
    tq__free(ctx, b->pi);
    tq__free(ctx, b->own);
    tq_dataset_free(b->labels);
    tq__free(ctx, b);
}

/* The baseline's own arrays in one block (b->pi first: tq_baseline_free frees it): pi,
 * X, theta, VA, D, I, R. t, gamma, beta and alpha, which a baseline never changes, are
 * set by the caller (baseline_raw points them into the labels' year). */
static tq_status baseline_alloc(tq_context *ctx, int N, int J, tq_baseline **out)
{
    *out = NULL;
    tq_baseline *b = tq__calloc(ctx, 1, sizeof *b);
    if (!b)
        return TQ_ERR_NOMEM;
    const size_t NN = (size_t)N, JJ = (size_t)J;
    size_t total = NN * NN * JJ + NN * JJ + JJ + 4 * NN;
    double *p = tq__huge_zeroed(ctx, total);
    if (!p) {
        tq__free(ctx, b);
        return TQ_ERR_NOMEM;
    }
    b->ctx = ctx;
    b->N = N;
    b->J = J;
    b->pi = p, p += NN * NN * JJ;
    b->X = p, p += NN * JJ;
    b->theta = p, p += JJ;
    b->VA = p, p += NN;
    b->D = p, p += NN;
    b->I = p, p += NN;
    b->R = p;
    *out = b;
    return TQ_OK;
}

/* The data taken as it is, after the checks the solver needs. */
static tq_status baseline_raw(tq_context *ctx, const tq_dataset *ds, int y, tq_baseline **out)
{
    const int N = ds->N, J = ds->J;
    tq_baseline *b;
    tq_status st = baseline_alloc(ctx, N, J, &b);
    if (st)
        return st;
    if ((st = tq__baseline_labels(ctx, ds, &b->labels))) {
        tq_baseline_free(b);
        return st;
    }
    const size_t NNJ = (size_t)N * N * J, NJ = (size_t)N * J;
    b->t = tq_dataset_array(b->labels, TQ_TARIFF, y, NULL);
    memcpy(b->pi, tq_dataset_array_const(ds, TQ_PI, y, NULL), NNJ * sizeof(double));
    b->gamma = tq_dataset_array(b->labels, TQ_GAMMA, y, NULL);
    b->beta = tq_dataset_array(b->labels, TQ_BETA, y, NULL);
    b->alpha = tq_dataset_array(b->labels, TQ_ALPHA, y, NULL);
    memcpy(b->X, tq_dataset_array_const(ds, TQ_XJ, y, NULL), NJ * sizeof(double));
    memcpy(b->theta, tq_dataset_array_const(ds, TQ_THETA, y, NULL), (size_t)J * sizeof(double));
    memcpy(b->VA, tq_dataset_array_const(ds, TQ_VA, y, NULL), (size_t)N * sizeof(double));
    memcpy(b->D, tq_dataset_array_const(ds, TQ_DEFICIT, y, NULL), (size_t)N * sizeof(double));
    memcpy(b->I, tq_dataset_array_const(ds, TQ_I, y, NULL), (size_t)N * sizeof(double));
    memcpy(b->R, tq_dataset_array_const(ds, TQ_R, y, NULL), (size_t)N * sizeof(double));

    const char *rc = NULL, *sc = NULL;
    const char *src = tq_dataset_name(ds); /* errors name the dataset, the field and the cell */
    double wva = 0, dsum = 0;
    for (int n = 0; n < N && !st; n++) {
        rc = tq_dataset_region_code(ds, n);
        if (!(b->VA[n] > 0) || !isfinite(b->VA[n]))
            st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "VA", "region %s: value added must be positive (is %g)", rc,
                           b->VA[n]);
        wva += b->VA[n];
        dsum += b->D[n];
        for (int j = 0; j < J && !st; j++) {
            sc = tq_dataset_sector_code(ds, j);
            const double be = b->beta[TQ_NJ(J, n, j)], al = b->alpha[TQ_NJ(J, n, j)];
            if (!(be >= 0 && be <= 1))
                st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "beta",
                               "region %s sector %s: value-added share %g outside [0,1]", rc, sc, be);
            else if (!(al >= 0 && al <= 1))
                st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "alpha",
                               "region %s sector %s: final-demand share %g outside [0,1]", rc, sc, al);
            for (int k = 0; k < J && !st; k++)
                if (!isfinite(b->gamma[TQ_NKJ(J, n, k, j)]))
                    st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "gamma", "region %s sector %s: input share not finite",
                                   rc, sc);
            if (!st && !(isfinite(b->X[TQ_NJ(J, n, j)]) && b->X[TQ_NJ(J, n, j)] >= 0))
                st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "X",
                               "region %s sector %s: expenditure %g is not a finite non-negative number", rc, sc,
                               b->X[TQ_NJ(J, n, j)]);
            for (int i = 0; i < N && !st; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                if (!(b->pi[c] >= 0 && b->pi[c] <= 1 + 1e-9))
                    st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "pi",
                                   "importer %s exporter %s sector %s: trade share %g outside [0,1]", rc,
                                   tq_dataset_region_code(ds, i), sc, b->pi[c]);
                else if (!(1 + b->t[c] > 0 && 1 + b->t[c] <= TQ__FACTOR_MAX))
                    st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "tariff",
                                   "importer %s exporter %s sector %s: tariff %g (1+t = %g) outside the range 1+t in "
                                   "(0, %g]",
                                   rc, tq_dataset_region_code(ds, i), sc, b->t[c], 1 + b->t[c], TQ__FACTOR_MAX);
            }
        }
    }
    char what[80];
    for (int j = 0; j < J && !st; j++) {
        snprintf(what, sizeof what, "sector %s", tq_dataset_sector_code(ds, j));
        st = tq__valid_theta(ctx, src, "theta", what, b->theta[j]);
    }
    for (int n = 0; n < N && !st; n++) {
        snprintf(what, sizeof what, "region %s", tq_dataset_region_code(ds, n));
        if (!isfinite(b->D[n]))
            st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "D", "%s: deficit %g is not finite", what, b->D[n]);
        else if (!(isfinite(b->I[n]) && b->I[n] > 0))
            st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "I", "%s: income %g is not a positive number", what, b->I[n]);
        else if (!isfinite(b->R[n]))
            st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "R", "%s: tariff revenue %g is not finite", what, b->R[n]);
    }
    if (!st && fabs(dsum) > 1e-6 * wva)
        st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "D",
                       "deficits sum to %g (%.3g of world value added), not 0: rebalance the dataset "
                       "first (tq_dataset_rebalance)",
                       dsum, dsum / wva);
    if (st) {
        tq_baseline_free(b);
        return st;
    }
    /* remove a rounding-level world deficit in proportion to VA, so sum D = 0 (Walras) */
    for (int n = 0; n < N; n++)
        b->D[n] -= dsum * b->VA[n] / wva;
    *out = b;
    return TQ_OK;
}

/* The arguments every baseline checks: a year index of the dataset and a fixed or
 * balanced closure; *opt NULL becomes the defaults, written into *defo. */
static tq_status baseline_args(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                               const tq_solver_options **opt, tq_solver_options *defo)
{
    if (!*opt) {
        tq_solver_options_default(defo);
        *opt = defo;
    }
    if (!ds || y < 0 || y >= ds->Y)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "year", "bad year index %d", y);
    if (closure != TQ_CLOSURE_FIXED && closure != TQ_CLOSURE_BALANCED)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "closure",
                         "a baseline has fixed (data) or balanced (zero) deficits");
    return TQ_OK;
}

/* Store a recalibrated equilibrium into b: the hats of the wage what[N] (value added
 * scaled by them, or replaced by va[N] when not NULL), deficits Dp, incomes Ip, tariff
 * revenues Rp, and the largest moves of the wage and of the sector prices P[N*J]. */
static void baseline_store(tq_baseline *b, const double *what, const double *va, const double *Dp, const double *Ip,
                           const double *Rp, const double *P, const tq_solve_info *info)
{
    const size_t NJ = (size_t)b->N * b->J;
    b->moved_w = b->moved_p = 0;
    for (int n = 0; n < b->N; n++) {
        b->moved_w = fmax(b->moved_w, fabs(what[n] - 1));
        b->VA[n] = va ? va[n] : b->VA[n] * what[n];
        b->D[n] = Dp[n];
        b->I[n] = Ip[n];
        b->R[n] = Rp[n];
    }
    for (size_t k = 0; k < NJ; k++)
        b->moved_p = fmax(b->moved_p, fabs(P[k] - 1));
    b->info = *info;
}

/* The end of a recalibration (either model): a solve that stopped short of converging but
 * within the counterfactuals' tolerance tol is accepted (and recorded as converged); any
 * other failure is named (model_words: "baseline" or "Ossa baseline"; steps: what the
 * solver counts) and frees b; else the equilibrium is stored in b. tmp (freed) holds
 * w^, D', I', R' ([N] each, in that order); va (or NULL) and P as baseline_store. */
static tq_status recalibrated(tq_context *ctx, tq_baseline *b, tq_status st, tq_solve_info *info, double tol,
                              const char *model_words, const char *steps, double *tmp, const double *va,
                              const double *P, tq_baseline **out)
{
    const int N = b->N;
    if (st == TQ_ERR_NOT_CONVERGED && info->residual < tol) {
        tq__clear_error(ctx);
        st = TQ_OK;
        info->status = TQ_OK;
        info->stop = TQ_STOP_CONVERGED;
    }
    if (st) {
        if (st == TQ_ERR_NOT_CONVERGED)
            tq__error(ctx, st, NULL, 0, NULL,
                      "recalibrating the %s: the data's own equilibrium did not converge (residual %.3g after %d "
                      "%s); try TQ_BASELINE_RAW or check the data",
                      model_words, info->residual, info->iterations, steps);
        tq__free(ctx, tmp);
        tq_baseline_free(b);
        return st;
    }
    baseline_store(b, tmp, va, tmp + N, tmp + 2 * N, tmp + 3 * N, P, info);
    tq__free(ctx, tmp);
    *out = b;
    return TQ_OK;
}

tq_status tq_baseline_new(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                          const tq_solver_options *opt, tq_baseline **out)
{
    *out = NULL;
    tq_solver_options defo;
    tq_status st = baseline_args(ctx, ds, y, closure, &opt, &defo);
    if (st)
        return st;
    if (tq__baseline_cache_lookup(ctx, ds, y, closure, opt, out))
        return TQ_OK;
    tq_baseline *raw = NULL;
    st = baseline_raw(ctx, ds, y, &raw);
    if (st)
        return st;
    raw->closure = closure;
    raw->year = y;
    if (opt->baseline_mode == TQ_BASELINE_RAW) {
        *out = raw;
        return TQ_OK;
    }

    /* Recalibrate: solve the data's equilibrium with unchanged tariffs. pi and X' are
     * written straight into the baseline (after the solve's last use of them). */
    const int N = raw->N, J = raw->J;
    const size_t NJ = (size_t)N * J;
    tq__cp *cp = NULL;
    double *tmp = tq__malloc(ctx, (4 * (size_t)N + NJ) * sizeof(double));
    if (!tmp || (st = tq__cp_new(ctx, raw, &cp))) {
        tq__free(ctx, tmp);
        tq_baseline_free(raw);
        return st ? st : TQ_ERR_NOMEM;
    }
    double *what = tmp, *Dp = tmp + N, *Ip = tmp + 2 * N, *Rp = tmp + 3 * N, *P = tmp + 4 * N;
    const tq__cp_out dst = {what, P, NULL, raw->pi, raw->X, Ip, Rp, Dp, NULL, NULL};
    /* The base is solved 100 times tighter than counterfactuals, so that an unchanged
     * scenario starts at a point that already meets their tolerance (hats exactly 1). */
    tq_solver_options o2 = *opt;
    const double tol = opt->tol > 0 ? opt->tol : 1e-10;
    o2.tol = tol * 1e-2;
    o2.start = NULL;
    tq_solve_info info;
    st = tq__cp_solve(cp, raw->t, NULL, closure, NULL, &o2, 0, &dst, &info, NULL);
    tq__cp_free(cp);
    return recalibrated(ctx, raw, st, &info, tol, "baseline", "iterations", tmp, NULL, P, out);
}

/* ------------------------------------------------------- the Ossa model --- */

const char *tq_model_name(tq_model m)
{
    switch (m) {
    case TQ_MODEL_CP: return "cp";
    case TQ_MODEL_OSSA: return "ossa";
    default: return NULL;
    }
}

tq_status tq_model_parse(const char *name, tq_model *out)
{
    if (!name)
        return TQ_ERR_INVALID;
    if (!strcmp(name, "cp") || !strcmp(name, "caliendo-parro")) {
        *out = TQ_MODEL_CP;
        return TQ_OK;
    }
    if (!strcmp(name, "ossa") || !strcmp(name, "ossa2014")) {
        *out = TQ_MODEL_OSSA;
        return TQ_OK;
    }
    return TQ_ERR_NOT_FOUND;
}

tq_model tq_baseline_model(const tq_baseline *b)
{
    return b && b->model == &tq__model_ossa ? TQ_MODEL_OSSA : TQ_MODEL_CP;
}

/* The data as an Ossa (2014) economy, MODEL.md "Ossa (2014) model variant": only the
 * flows Z, the tariffs and theta = sigma - 1 are used (no input-output links: gamma 0,
 * beta 1); spending X[n,j] = sum_i (1+t) Z, shares pi = (1+t) Z / X, alpha = m = X / E,
 * VA = total sales (labour income plus profits), D = imports - exports = -NX, R = sum t Z,
 * I = E. These hold as identities of the flows (E = VA + R + D), so the data need no
 * value added or input-output table. */
static tq_status baseline_raw_ossa(tq_context *ctx, const tq_dataset *ds, int y, tq_baseline **out)
{
    *out = NULL;
    const int N = ds->N, J = ds->J;
    const size_t NJ = (size_t)N * J, NNJ = NJ * (size_t)N;
    tq_baseline *b;
    tq_status st = baseline_alloc(ctx, N, J, &b);
    if (st)
        return st;
    if ((st = tq__baseline_labels(ctx, ds, &b->labels))) {
        tq_baseline_free(b);
        return st;
    }
    b->own = tq__calloc(ctx, NNJ + NJ * (size_t)J + 2 * NJ, sizeof(double));
    if (!b->own) {
        tq_baseline_free(b);
        return TQ_ERR_NOMEM;
    }
    b->t = b->own;
    b->gamma = b->own + NNJ;
    b->beta = b->gamma + NJ * (size_t)J;
    b->alpha = b->beta + NJ;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    const double *t = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
    memcpy(b->t, t, NNJ * sizeof(double));
    memcpy(b->theta, tq_dataset_array_const(ds, TQ_THETA, y, NULL), (size_t)J * sizeof(double));
    const char *src = tq_dataset_name(ds);
    char what[80];
    for (int j = 0; j < J && !st; j++) {
        snprintf(what, sizeof what, "sector %s", tq_dataset_sector_code(ds, j));
        st = tq__valid_theta(ctx, src, "theta", what, b->theta[j]);
    }
    for (int n = 0; n < N && !st; n++)
        for (int i = 0; i < N && !st; i++)
            for (int j = 0; j < J && !st; j++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                if (!(Z[c] >= 0) || !isfinite(Z[c]))
                    st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "Z",
                                   "importer %s exporter %s sector %s: flow %g is not a finite non-negative number",
                                   tq_dataset_region_code(ds, n), tq_dataset_region_code(ds, i),
                                   tq_dataset_sector_code(ds, j), Z[c]);
                else if (!(1 + t[c] > 0 && 1 + t[c] <= TQ__FACTOR_MAX))
                    st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "tariff",
                                   "importer %s exporter %s sector %s: tariff %g outside the range 1+t in (0, %g]",
                                   tq_dataset_region_code(ds, n), tq_dataset_region_code(ds, i),
                                   tq_dataset_sector_code(ds, j), t[c], TQ__FACTOR_MAX);
            }
    for (int n = 0; n < N && !st; n++) {
        double E = 0, imp = 0, exp_ = 0, sales = 0, rev = 0;
        for (int j = 0; j < J; j++) {
            double x = 0;
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                x += (1.0 + t[c]) * Z[c];
                rev += t[c] * Z[c];
                if (i != n)
                    imp += Z[c];
                const double z_out = Z[TQ_NIJ(N, J, i, n, j)];
                sales += z_out;
                if (i != n)
                    exp_ += z_out;
            }
            b->X[TQ_NJ(J, n, j)] = x;
            E += x;
            for (int i = 0; i < N; i++) {
                const size_t c = TQ_NIJ(N, J, n, i, j);
                b->pi[c] = x > 0 ? (1.0 + t[c]) * Z[c] / x : 0.0;
            }
            b->beta[TQ_NJ(J, n, j)] = 1.0;
        }
        if (!(E > 0) || !(sales > 0)) {
            st = tq__error(ctx, TQ_ERR_INVALID, src, 0, "Z", "region %s: no spending or no sales",
                           tq_dataset_region_code(ds, n));
            break;
        }
        for (int j = 0; j < J; j++)
            b->alpha[TQ_NJ(J, n, j)] = b->X[TQ_NJ(J, n, j)] / E;
        b->VA[n] = sales;
        b->D[n] = imp - exp_;
        b->R[n] = rev;
        b->I[n] = E;
    }
    if (st) {
        tq_baseline_free(b);
        return st;
    }
    b->model = &tq__model_ossa;
    *out = b;
    return TQ_OK;
}

/* The Ossa baseline: the raw economy, recalibrated (as for Caliendo-Parro) by solving
 * (O1)-(O4) at unchanged tariffs with the closure's deficits. With the balanced closure
 * this is Ossa's own first step ("purging" the imbalances: NX' = 0 at factual tariffs),
 * so counterfactuals are changes relative to that balanced equilibrium, as in his
 * tables. */
static tq_status baseline_new_ossa(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                                   const tq_solver_options *opt, tq_baseline **out)
{
    tq_baseline *b = NULL;
    tq_status st = baseline_raw_ossa(ctx, ds, y, &b);
    if (st)
        return st;
    b->closure = closure;
    b->year = y;
    if (opt->baseline_mode == TQ_BASELINE_RAW) {
        *out = b;
        return TQ_OK;
    }
    const int N = b->N, J = b->J;
    const size_t NJ = (size_t)N * J;
    tq__ossa *w = NULL;
    double *tmp = tq__malloc(ctx, (5 * (size_t)N + NJ) * sizeof(double));
    if (!tmp || (st = tq__ossa_new(ctx, b, &w))) {
        tq__free(ctx, tmp);
        tq_baseline_free(b);
        return st ? st : TQ_ERR_NOMEM;
    }
    double *what = tmp, *Dp = tmp + N, *Ip = tmp + 2 * N, *Rp = tmp + 3 * N, *sales = tmp + 4 * N, *P = tmp + 5 * N;
    const tq__cp_out dst = {what, P, NULL, b->pi, b->X, Ip, Rp, Dp, NULL, NULL};
    /* Newton is driven to rounding level (it stops when no step lowers the residual), so
     * that an unchanged scenario starts at an equilibrium to the last bits (hats 1) */
    tq_solver_options o2 = *opt;
    const double tol = opt->tol > 0 ? opt->tol : 1e-10;
    o2.tol = fmin(tol * 1e-2, 1e-15);
    o2.start = NULL;
    tq_solve_info info;
    st = tq__ossa_solve(w, b->t, NULL, closure, NULL, &o2, 0, &dst, sales, &info, NULL);
    tq__ossa_free(w);
    return recalibrated(ctx, b, st, &info, tol, "Ossa baseline", "Newton steps", tmp, sales, P, out);
}

tq_status tq_baseline_new_model(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure, tq_model model,
                                const tq_solver_options *opt, tq_baseline **out)
{
    *out = NULL;
    if (model == TQ_MODEL_CP)
        return tq_baseline_new(ctx, ds, y, closure, opt, out);
    if (model != TQ_MODEL_OSSA)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "model", "unknown model %d", (int)model);
    tq_solver_options defo;
    tq_status st = baseline_args(ctx, ds, y, closure, &opt, &defo);
    if (st)
        return st;
    return baseline_new_ossa(ctx, ds, y, closure, opt, out);
}

int tq_baseline_regions(const tq_baseline *b)
{
    return b ? b->N : 0;
}
int tq_baseline_sectors(const tq_baseline *b)
{
    return b ? b->J : 0;
}

const tq_solve_info *tq_baseline_info(const tq_baseline *b, double *moved_w, double *moved_p)
{
    if (moved_w)
        *moved_w = b->moved_w;
    if (moved_p)
        *moved_p = b->moved_p;
    return &b->info;
}

const double *tq_baseline_array(const tq_baseline *b, tq_array which, size_t *len)
{
    const size_t N = (size_t)b->N, J = (size_t)b->J;
    const double *p = NULL;
    size_t n = 0;
    switch (which) {
    case TQ_PI: p = b->pi, n = N * N * J; break;
    case TQ_TARIFF: p = b->t, n = N * N * J; break;
    case TQ_GAMMA: p = b->gamma, n = N * J * J; break;
    case TQ_BETA: p = b->beta, n = N * J; break;
    case TQ_ALPHA: p = b->alpha, n = N * J; break;
    case TQ_XJ: p = b->X, n = N * J; break;
    case TQ_THETA: p = b->theta, n = J; break;
    case TQ_VA: p = b->VA, n = N; break;
    case TQ_DEFICIT: p = b->D, n = N; break;
    case TQ_I: p = b->I, n = N; break;
    case TQ_R: p = b->R, n = N; break;
    default: break;
    }
    if (len)
        *len = p ? n : 0;
    return p;
}

tq_status tq_baseline_dataset(tq_context *ctx, const tq_baseline *b, tq_dataset **out)
{
    *out = NULL;
    const int N = b->N, J = b->J;
    tq_dataset *ds;
    tq_status st = tq_dataset_new(ctx, N, J, 1, &ds);
    if (st)
        return st;
    const tq_dataset *l = b->labels;
    for (int n = 0; n < N && !st; n++)
        st = tq_dataset_set_region(ds, n, tq_dataset_region_code(l, n), tq_dataset_region_name(l, n));
    for (int j = 0; j < J && !st; j++)
        st = tq_dataset_set_sector(ds, j, tq_dataset_sector_code(l, j), tq_dataset_sector_name(l, j),
                                   tq_dataset_sector_tradable(l, j));
    if (!st)
        st = tq_dataset_set_year(ds, 0, tq_dataset_year(l, b->year));
    if (!st)
        st = tq_dataset_set_name(ds, tq_dataset_name(l), tq_dataset_source(l));
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    tq_dataset_set_has_io(ds, tq_dataset_has_io(l));
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                size_t c = TQ_NIJ(N, J, n, i, j);
                Z[c] = b->X[TQ_NJ(J, n, j)] * b->pi[c] / (1.0 + b->t[c]);
            }
    const size_t NNJ = (size_t)N * N * J, NJ = (size_t)N * J;
    memcpy(tq_dataset_array(ds, TQ_TARIFF, 0, NULL), b->t, NNJ * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_GAMMA, 0, NULL), b->gamma, NJ * J * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_BETA, 0, NULL), b->beta, NJ * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_ALPHA, 0, NULL), b->alpha, NJ * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_THETA, 0, NULL), b->theta, (size_t)J * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_VA, 0, NULL), b->VA, (size_t)N * sizeof(double));
    memcpy(tq_dataset_array(ds, TQ_DEFICIT, 0, NULL), b->D, (size_t)N * sizeof(double));
    if ((st = tq_dataset_derive(ctx, ds))) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}

/* ---------------------------------------------------------------- scenario --- */

tq_status tq_scenario_new(tq_context *ctx, const tq_baseline *b, tq_scenario **out)
{
    *out = NULL;
    tq_scenario *sc = tq__calloc(ctx, 1, sizeof *sc);
    if (!sc)
        return TQ_ERR_NOMEM;
    const size_t NNJ = (size_t)b->N * b->N * b->J;
    sc->ctx = ctx;
    sc->b = b;
    sc->t = tq__malloc(ctx, NNJ * sizeof(double));
    sc->target = tq__calloc(ctx, (size_t)b->N, sizeof(double));
    if (!sc->t || !sc->target) {
        tq_scenario_free(sc);
        return TQ_ERR_NOMEM;
    }
    tq__advise_huge(sc->t, NNJ * sizeof(double));
    memcpy(sc->t, b->t, NNJ * sizeof(double));
    sc->closure = b->closure;
    *out = sc;
    return TQ_OK;
}

void tq_scenario_free(tq_scenario *sc)
{
    if (!sc)
        return;
    tq__free(sc->ctx, sc->t);
    tq__free(sc->ctx, sc->d);
    tq__free(sc->ctx, sc->target);
    tq__free(sc->ctx, sc);
}

/* The iceberg array, allocated (all 1) on first use. */
static double *iceberg(tq_scenario *sc)
{
    if (!sc->d) {
        const size_t NNJ = (size_t)sc->b->N * sc->b->N * sc->b->J;
        if (!(sc->d = tq__malloc(sc->ctx, NNJ * sizeof(double))))
            return NULL;
        tq__advise_huge(sc->d, NNJ * sizeof(double));
        for (size_t k = 0; k < NNJ; k++)
            sc->d[k] = 1.0;
    }
    return sc->d;
}

static tq_status set_cells(tq_scenario *sc, int n, int i, int j, double v, int tariff)
{
    const int N = sc->b->N, J = sc->b->J;
    if (n < -1 || n >= N || i < -1 || i >= N || j < -1 || j >= J)
        return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, NULL,
                         "index out of range: importer %d, exporter %d, sector %d (N = %d, J = %d)", n, i, j, N, J);
    if (tariff ? !(v > -1) || !isfinite(v) : !(v > 0) || !isfinite(v))
        return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, tariff ? "tariff" : "iceberg",
                         tariff ? "a tariff must be above -1 (got %g)" : "an iceberg change must be positive (got %g)",
                         v);
    /* the plausible ranges (docs/scenarios.md): 1+t and d^ at most 1e3, d^ at least 1e-3 */
    tq_status st = tariff ? tq__valid_tariff(sc->ctx, NULL, "tariff", NULL, v)
                          : tq__valid_iceberg(sc->ctx, NULL, "iceberg", NULL, v);
    if (st)
        return st;
    if (!tariff && !iceberg(sc))
        return TQ_ERR_NOMEM;
    for (int a = n < 0 ? 0 : n; a < (n < 0 ? N : n + 1); a++)
        for (int e = i < 0 ? 0 : i; e < (i < 0 ? N : i + 1); e++) {
            if (tariff && a == e)
                continue;
            for (int s = j < 0 ? 0 : j; s < (j < 0 ? J : j + 1); s++)
                (tariff ? sc->t : sc->d)[TQ_NIJ(N, J, a, e, s)] = v;
        }
    return TQ_OK;
}

tq_status tq_scenario_set_tariff(tq_scenario *sc, int n, int i, int j, double rate)
{
    return set_cells(sc, n, i, j, rate, 1);
}

tq_status tq_scenario_set_iceberg(tq_scenario *sc, int n, int i, int j, double dhat)
{
    return set_cells(sc, n, i, j, dhat, 0);
}

tq_status tq_scenario_set_import_tariffs(tq_scenario *sc, int n, const double *rates)
{
    const int N = sc->b->N, J = sc->b->J;
    if (n < 0 || n >= N || !rates)
        return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, NULL, "importer %d outside 0..%d, or no rates", n, N - 1);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J && i != n; j++) {
            const double v = rates[(size_t)i * J + j];
            if (!(v > -1) || !isfinite(v))
                return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, "tariff",
                                 "a tariff must be above -1 (got %g for exporter %d, sector %d)", v, i, j);
            tq_status st = tq__valid_tariff(sc->ctx, NULL, "tariff", NULL, v);
            if (st)
                return st;
        }
    for (int i = 0; i < N; i++)
        if (i != n)
            memcpy(sc->t + TQ_NIJ(N, J, n, i, 0), rates + (size_t)i * J, (size_t)J * sizeof(double));
    return TQ_OK;
}

double *tq_scenario_tariffs(tq_scenario *sc)
{
    return sc->t;
}
double *tq_scenario_iceberg(tq_scenario *sc)
{
    return iceberg(sc);
}

tq_status tq_scenario_set_closure(tq_scenario *sc, tq_closure closure, const double *target)
{
    const int N = sc->b->N;
    if (closure < TQ_CLOSURE_FIXED || closure > TQ_CLOSURE_TARGET)
        return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, "closure", "unknown closure %d", (int)closure);
    if (closure == TQ_CLOSURE_TARGET) {
        if (!target)
            return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, "closure",
                             "the target closure needs the new deficits D'");
        double s = 0, v = 0;
        for (int n = 0; n < N; n++) {
            if (!isfinite(target[n]))
                return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, "D'", "target deficit not finite");
            s += target[n];
            v += sc->b->VA[n];
        }
        char what[80];
        for (int n = 0; n < N; n++) { /* every region's income stays positive */
            if (sc->b->labels)
                snprintf(what, sizeof what, "region %s", tq_dataset_region_code(sc->b->labels, n));
            else
                snprintf(what, sizeof what, "region %d", n);
            tq_status st = tq__valid_deficit(sc->ctx, NULL, "D'", what, target[n], sc->b->VA[n]);
            if (st)
                return st;
        }
        if (fabs(s) > 1e-9 * v)
            return tq__error(sc->ctx, TQ_ERR_INVALID, NULL, 0, "D'",
                             "target deficits sum to %g, not 0 (world trade must balance)", s);
        /* remove the rounding-level remainder in proportion to VA (Walras) */
        for (int n = 0; n < N; n++)
            sc->target[n] = target[n] - s * sc->b->VA[n] / v;
    }
    sc->closure = closure;
    return TQ_OK;
}
