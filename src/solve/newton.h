/* A dense Newton solver for F(x) = 0 over a callback, with a forward-difference Jacobian
 * that is kept (its LU factors reused) while the residual keeps falling fast, and a
 * backtracking line search on the Euclidean norm of F. It knows no economics: a model
 * supplies F (and its Jacobian if it can, which saves n evaluations of F per Jacobian), scaled so that its components
 * are comparable (the convergence test is on max |F_k|). Meant for systems of up to a few thousand unknowns (an n x n
 * Jacobian).
 *
 * Memory: every work array is allocated by tq__newton_alloc; tq__newton_solve never
 * allocates. Not thread-safe on one object. */
#ifndef TQ_SOLVE_NEWTON_H
#define TQ_SOLVE_NEWTON_H

#include "../core/internal.h"

/* F at x into f (n doubles each). Returns 0, or non-zero when x is unusable (then the
 * line search shortens the step). */
typedef int (*tq__newton_fn)(void *ud, const double *x, double *f);

/* The Jacobian of F at x (F(x) given in f) into jac, n x n column-major: jac[c * n + r] =
 * dF_r / dx_c. Returns 0, or non-zero when it cannot be formed. */
typedef int (*tq__newton_jac)(void *ud, const double *x, const double *f, double *jac);

typedef struct tq__newton tq__newton;

typedef struct tq__newton_info {
    int converged;    /* 1 when max |F_k| <= tol at x */
    int iterations;   /* Newton steps taken */
    int jacobians;    /* finite-difference Jacobians formed */
    long evaluations; /* calls of F, Jacobians included */
    double residual;  /* max |F_k| at the returned x */
} tq__newton_info;

/* A solver for systems of n unknowns. TQ_ERR_NOMEM. Freed with tq__newton_free (NULL ok). */
tq_status tq__newton_alloc(tq_context *ctx, size_t n, tq__newton **out);
void tq__newton_free(tq__newton *nw);

/* Solve F(x) = 0 from x (jac: the model's Jacobian, or NULL for forward differences) (n doubles, updated in place: the
 * solution, or the last iterate when it did not converge) to max |F_k| <= tol in at most max_iter steps. Returns TQ_OK
 * with info->converged set either way; TQ_ERR_INVALID when F is unusable at the start. */
tq_status tq__newton_solve(tq__newton *nw, tq__newton_fn fn, tq__newton_jac jac, void *ud, double *x, double tol,
                           int max_iter, tq__newton_info *info);

#endif
