/* The interface between the solver object (engine.c) and an equilibrium model. Each
 * model is one file in src/model/ defining a const tq__model; a baseline names its model
 * (tq_baseline.model, NULL = Caliendo-Parro), so a second model adds its file and a
 * constructor of its baselines, and engine.c does not change. Internal. */
#ifndef TQ_MODEL_MODEL_H
#define TQ_MODEL_MODEL_H

#include "ge.h"

typedef struct tq__model {
    const char *name;
    /* The model's workspace for solves against b (borrowed): allocated once. */
    tq_status (*ws_new)(tq_context *ctx, const tq_baseline *b, void **ws);
    void (*ws_free)(void *ws);
    /* Allocate what a solve with opt needs, so that the solve allocates nothing. */
    tq_status (*prepare)(void *ws, const tq_solver_options *opt);
    /* Solve sc into r: the arrays WHAT, PHAT, CHAT, X, INCOME, REVENUE, DEFICIT, the
     * model data r->ut and r->S (2 N J doubles) that pi_at needs, r->pi when r->eager,
     * r->info and r->numeraire_region. warm: start from the workspace's last solution.
     * Returns as tq_solve. */
    tq_status (*solve)(void *ws, const tq_scenario *sc, const tq_solver_options *opt, int warm, tq_result *r);
    /* pi'[n,i,j] (cell c) of a result solved by this model, from r->b, r->sc and the
     * model data. */
    double (*pi_at)(const tq_result *r, size_t c, int n, int i, int j);
    /* Optional (NULL: none): d (sum_k weights[k] W_k) / d t'[n,i,j] at the workspace's
     * last converged solution of sc (tq_solver_welfare_gradient). */
    tq_status (*gradient)(void *ws, const tq_scenario *sc, int region, const double *weights, double *grad);
} tq__model;

/* Caliendo-Parro, MODEL.md (E1)-(E5) (cp.c). */
extern const tq__model tq__model_cp;
/* Ossa (2014), MODEL.md (O1)-(O4) (ossa.c). */
extern const tq__model tq__model_ossa;

/* The model of a baseline. */
static inline const tq__model *tq__model_of(const tq_baseline *b)
{
    return b->model ? b->model : &tq__model_cp;
}

#endif
