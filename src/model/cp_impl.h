/* The Caliendo-Parro workspace's layout and its map, shared by the solver (cp.c), the
 * exact welfare gradient (cp_grad.c) and the model interface that joins them
 * (cp_model.c). Internal to src/model/. */
#ifndef TQ_MODEL_CP_IMPL_H
#define TQ_MODEL_CP_IMPL_H

#include "cp.h"

#include "../solve/fp.h"

typedef struct tq__cp_grad tq__cp_grad;

struct tq__cp {
    tq_context *ctx;
    const tq_baseline *b;
    int N, J, nth;
    int par; /* run the loops in parallel (enough work per sweep to pay for a fork) */
    size_t NJ, nx;
    /* the current solve */
    tq_closure closure;
    const double *target;
    int numeraire_region;
    double damping;
    int sweeps;
    double res[3]; /* {e2, e4, e5} of the last map */
    /* work arrays (one allocation) */
    double *A, *B;                     /* [j][n][i]: pi kappa^-theta, and that / (1+t') */
    double *lam;                       /* [n] wage step (baseline only) */
    double *lc;                        /* [n,j] log c^ */
    double *ut;                        /* [j][i] c^^-theta */
    double *S, *SB;                    /* [n,j] sum_i A u, sum_i B u */
    double *q;                         /* [n,j] X'/S */
    double *Yt;                        /* [j][i] sales */
    double *Inc, *Rv, *Dp, *ex, *what; /* [n] */
    double *x, *xsave, *g2, *xlast;    /* [nx] state, continuation save, map value, last solution */
    int have_last;
    int *lo, *hi;      /* [j][n]: the row's cells with pi_b > 0 lie in [lo, hi) (baseline only) */
    double world_va;   /* baseline only */
    tq__fp *fp;        /* the Anderson core (allocated for the method and memory in use) */
    tq__cp_grad *grad; /* the exact gradient's scratch (cp_grad.c), made on its first use */
};

/* The joint map g = T(x) of the file comment of cp.c at the shock set by
 * tq__cp_setup_shock; leaves every intermediate (lc, ut, S, SB, q, Yt, Inc, Rv, Dp, ex,
 * what) in the workspace and w->res = {e2, e4, e5} at x. */
void tq__cp_map(tq__cp *w, const double *x, double *g);

/* A, B for the tariffs t1 and iceberg changes d1 (may be NULL) at homotopy s in [0,1]. */
void tq__cp_setup_shock(tq__cp *w, const double *t1, const double *d1, double s);

/* The largest of w->res (INFINITY when not finite). */
double tq__cp_maxres(const tq__cp *w);

/* d (sum_k weights[k] W_k) / d t'[n,i,j] at the last converged solution (the model's
 * gradient; cp_grad.c). */
tq_status tq__cp_gradient(tq__cp *w, const tq_scenario *sc, int region, const double *weights, double *grad);

/* The gradient's scratch (cp_grad.c): freed with the workspace. */
void tq__cp_grad_free(tq__cp *w);

#endif
