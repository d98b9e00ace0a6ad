/* The Caliendo-Parro model (MODEL.md (E1)-(E5) in changes) as a map for the generic
 * fixed-point core of src/solve/, with its closures, the continuation on the shock and
 * the textbook nested fixed point. Internal. */
#ifndef TQ_MODEL_CP_H
#define TQ_MODEL_CP_H

#include "ge.h"

#include <math.h>

typedef struct tq__cp tq__cp;

/* Where a solve writes the equilibrium; any pointer may be NULL (not wanted).
 * what, income, revenue, deficit [n]; phat, chat, X [n,j]; pi [n,i,j]. pi may be the
 * baseline's own pi (the recalibration): it is written only after the last use of it. */
typedef struct tq__cp_out {
    double *what, *phat, *chat, *pi, *X, *income, *revenue, *deficit;
    double *ut, *S; /* [j][i] c^^-theta and [n,j] sum_i A u at the solution: with them
                       tq__cp_pi gives pi' without storing it */
} tq__cp_out;

/* pi'[n,i,j] of (E3) at a solution from its ut and S (tq__cp_out), the baseline, t1
 * and d1 (may be NULL): bitwise the value the solve itself computes. */
static inline double tq__cp_pi(const tq_baseline *b, const double *t1, const double *d1, const double *ut,
                               const double *S, size_t c, int n, int i, int j)
{
    const size_t nj = (size_t)n * (size_t)b->J + (size_t)j;
    if (!(S[nj] > 0))
        return 0.0;
    const double pv = b->pi[c];
    double a = 0;
    if (pv > 0) {
        double kap = (1.0 + t1[c]) / (1.0 + b->t[c]);
        if (d1 && d1[c] != 1.0)
            kap *= d1[c];
        a = kap == 1.0 ? pv : pv * pow(kap, -b->theta[j]);
    }
    return a * ut[(size_t)j * (size_t)b->N + (size_t)i] / S[nj];
}

/* The workspace for solves against b: the [j][n][i] shock arrays (2 N^2 J doubles), the
 * per-sector and per-region work arrays, and what depends on b only (the wage steps,
 * world value added). b is borrowed and must outlive it. TQ_ERR_NOMEM. */
tq_status tq__cp_new(tq_context *ctx, const tq_baseline *b, tq__cp **out);
void tq__cp_free(tq__cp *cp);

/* Allocate what a solve with these options needs (the Anderson history), so that the
 * solve itself allocates nothing. Called by tq__cp_solve as well. */
tq_status tq__cp_prepare(tq__cp *cp, const tq_solver_options *opt);

/* Solve (E1)-(E5) from the base with new tariffs t1 and iceberg changes d1 ([n,i,j];
 * d1 may be NULL = 1), closure and target, with opt (method, tol, max_iter, memory,
 * damping, threads, numeraire_region, start). warm: start from the last solution of
 * this workspace (if there is one) instead of opt->start or the base. Fills out and
 * *info (status, stop reason, residuals, counts, seconds). Returns TQ_OK,
 * TQ_ERR_NOT_CONVERGED (out holds the best iterate; error recorded), TQ_ERR_CANCELLED,
 * TQ_ERR_NOMEM. */
tq_status tq__cp_solve(tq__cp *cp, const double *t1, const double *d1, tq_closure closure, const double *target,
                       const tq_solver_options *opt, int warm, const tq__cp_out *out, tq_solve_info *info,
                       int *numeraire_region);

/* The text of why a solve that did not converge stopped (stop not TQ_STOP_CONVERGED),
 * for its error message: "iteration limit", "diverged", "time limit" or "stalled". */
const char *tq__cp_stop_text(tq_stop stop);

/* Where a model's solve writes into the result r (its arrays; pi only for an eager
 * result); shared by the Caliendo-Parro and Ossa models. */
tq__cp_out tq__cp_result_out(const tq_result *r);

/* The tq__model pi_at of both models: pi'[n,i,j] of r (cell c) from its ut and S. */
double tq__cp_pi_at(const tq_result *r, size_t c, int n, int i, int j);

#endif
