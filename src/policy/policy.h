/* The strategic layer's shared machinery (internal): welfare as a function of a set of
 * tariff variables, evaluated through the public solver object only (so it works for
 * every model the engine has), its Jacobian by finite differences in parallel, one
 * bound-constrained maximisation with NLopt, and the second-order check. */
#ifndef TQ_POLICY_POLICY_H
#define TQ_POLICY_POLICY_H

#include "../core/internal.h"

/* One thread's solver: its own context (whose progress callback only watches the main
 * context's cancellation flag), solver, scenario and result. */
typedef struct tq__pworker {
    tq_context *ctx;
    tq_solver *s;
    tq_scenario *sc;
    tq_result *r;
} tq__pworker;

/* Tariff variables: variable k sets t[cells[first[k] .. first[k+1]-1]] = x[k]. */
typedef struct tq__pvars {
    int n;      /* variables */
    int *first; /* n + 1 */
    size_t *cells;
    int *owner;    /* [n] the region whose tariff it is */
    double *scale; /* [n] in (0, 1]: sqrt of the variable's import spending times (1 + theta)
                      relative to the largest of its region (game.c, "Conditioning") */
    size_t ncells, cap_vars, cap_cells;
} tq__pvars;

/* A projected gradient below this (percent of welfare per unit of tariff: a change of
 * one point in a tariff moves welfare by less than 1e-5 points) is an optimum. */
#define TQ__POLICY_GTOL 1e-3

typedef struct tq__game {
    tq_context *ctx; /* the caller's: errors, progress, cancellation */
    const tq_baseline *b;
    int N, J;
    size_t NNJ;
    const double *pi0; /* base shares [n,i,j] */
    tq_policy_options opt;
    int *sectors; /* owned copy of opt.sectors */
    int nw;
    tq__pworker *w;
    long solves;
    double *wbuf;   /* [nw * N] welfare scratch */
    int no_adjoint; /* the model has no exact gradient (tq_solver_welfare_gradient said
                       TQ_ERR_UNSUPPORTED): finite differences from then on */
    double *gbuf;   /* [NNJ] the exact gradient's scratch */
} tq__game;

/* Validate opt (NULL: defaults) and make a game for b with nw = opt->threads workers
 * (made on first use). Errors: TQ_ERR_INVALID, TQ_ERR_NOMEM. */
tq_status tq__game_init(tq__game *g, tq_context *ctx, const tq_baseline *b);
tq_status tq__game_set_options(tq__game *g, const tq_policy_options *opt);
void tq__game_free(tq__game *g);

void tq__pvars_free(tq_context *ctx, tq__pvars *v);
/* Append the variables of region n in form g->opt.form over g's sectors, on partners
 * with partner_mask[i] != 0 (NULL: all), skipping cells without base trade. */
tq_status tq__pvars_add_region(tq__game *g, tq__pvars *v, int n, const unsigned char *partner_mask);
/* x[k] = mean of t over variable k's cells; the inverse of tq__pvars_apply. */
void tq__pvars_read(const tq__pvars *v, const double *t, double *x);
void tq__pvars_apply(const tq__pvars *v, const double *x, double *t);

/* Welfare of every region (percent) at tariffs t [n,i,j]: W[N]. */
tq_status tq__game_welfare(tq__game *g, const double *t, double *W);

/* Welfare W[N] at x (tariffs t0 with the variables set to x) and, when jac is not NULL,
 * its Jacobian jac[r * v->n + k] = dW_r / dx_k: exact (one adjoint solve per row, only
 * for the rows r with rows[r] != 0 when rows is not NULL, the others set to 0) where the
 * model has tq_solver_welfare_gradient and opt.finite_differences is 0, else by forward
 * differences (backward at the upper bound; every row), in parallel over k. t0 is left
 * unchanged. */
tq_status tq__game_jacobian(tq__game *g, const tq__pvars *v, const double *t0, const double *x, double *W, double *jac,
                            const double *rows);

/* An objective over the variables: f = sum_r weight[r] W_r when mode 0; the Nash
 * bargaining product sum_r log(W_r - threat_r) over regions with weight[r] > 0 when
 * mode 1. */
typedef struct tq__pobjective {
    int mode;
    const double *weight; /* [N] */
    const double *threat; /* [N], mode 1 */
} tq__pobjective;
double tq__pobjective_value(const tq__pobjective *ob, int N, const double *W, const double *jac, int nv, double *grad);

/* Maximise ob over v from x (in/out; clipped to the bounds), others' tariffs from t0
 * (t0 is updated with the optimum). Fills *info (second-order check when
 * g->opt.second_order) and W[N] at the optimum. stage names the progress stage;
 * progress fractions are lo + (hi - lo) * evaluations / max_eval. */
tq_status tq__game_maximise(tq__game *g, const tq__pvars *v, const tq__pobjective *ob, double *t0, double *x, double *W,
                            tq_optimum_info *info, const char *stage, double lo, double hi);

/* Parse-free helpers for the public objects. */
tq_status tq__policy_players(tq_context *ctx, int N, const int *players, int nplayers, int minimum, int **out,
                             int *count);
tq_status tq__policy_check_tariffs(tq_context *ctx, size_t len, const double *t);

#endif
