/* The Ossa (2014) model (MODEL.md "Ossa (2014) model variant", (O1)-(O4)): monopolistic
 * competition with a fixed mass of firms per region and industry, labour only, no
 * input-output links. Internal: the model's workspace and solve, used by the solver
 * object (through tq__model_ossa) and by the baseline's recalibration. */
#ifndef TQ_MODEL_OSSA_H
#define TQ_MODEL_OSSA_H

#include "cp.h"

typedef struct tq__ossa tq__ossa;

/* The workspace for solves against b (borrowed, must outlive it): the shock arrays
 * (2 N^2 J doubles), the base's sales, labour and profit split by sector (sigma_j =
 * theta_j + 1), and the Newton work arrays (N^2 doubles twice). TQ_ERR_NOMEM,
 * TQ_ERR_INVALID (a base region without labour income). */
tq_status tq__ossa_new(tq_context *ctx, const tq_baseline *b, tq__ossa **out);
void tq__ossa_free(tq__ossa *w);

/* Solve (O1)-(O4) from the base with new tariffs t1 and iceberg changes d1 ([n,i,j];
 * d1 may be NULL = 1), the closure's deficits D' = -NX' (tq__closure_deficits) and
 * opt's tolerance, time budget and numeraire (-1: sum_i L_i w^_i = sum_i L_i, MODEL.md;
 * r: w^_r = 1). warm: start from the last solution. out as for tq__cp_solve (chat gets
 * w^ in every sector; income gets spending E'); sales (may be NULL) [n] receives the
 * new total sales sum_{m,j} X'[m,n,j] (labour income plus profits). Returns TQ_OK,
 * TQ_ERR_NOT_CONVERGED (out holds the last iterate; error recorded), TQ_ERR_CANCELLED. */
tq_status tq__ossa_solve(tq__ossa *w, const double *t1, const double *d1, tq_closure closure, const double *target,
                         const tq_solver_options *opt, int warm, const tq__cp_out *out, double *sales,
                         tq_solve_info *info, int *numeraire_region);

/* The gradient of sum_k weights[k] W_k (W in percent, TQ_RES_WELFARE; weights NULL:
 * W_region alone) with respect to every tariff t'[n,i,j] of sc (grad [N^2 J], domestic
 * cells 0), at the workspace's last converged solution, which must be an equilibrium of
 * sc: the implicit function theorem with one adjoint solve, every partial analytic.
 * TQ_ERR_INVALID when there is no such solution, TQ_ERR_NOMEM. */
tq_status tq__ossa_gradient(tq__ossa *w, const tq_scenario *sc, int region, const double *weights, double *grad);

#endif
