/* A generic accelerated fixed-point core: x = T(x) for a state of nx doubles, over a
 * callback map. It knows no economics (the models in src/model/ supply T and its
 * residual). GSL-style: alloc once, set a problem, iterate (or run a budget of
 * iterations with progress and cancellation), read the result, free.
 *
 * Methods: Anderson acceleration (type II, memory m, the small least-squares problem
 * solved by SVD) with a restart from the best iterate when the residual blows up and
 * stall detection; or plain damped iteration x <- x + damping (T(x) - x).
 *
 * Memory: every work array is allocated by tq__fp_alloc; set/iterate/run never
 * allocate. Not thread-safe on one object (the map may use threads inside). */
#ifndef TQ_SOLVE_FP_H
#define TQ_SOLVE_FP_H

#include "../core/internal.h"

typedef enum tq__fp_method {
    TQ__FP_ANDERSON = 0, /* Anderson type II */
    TQ__FP_DAMPED = 1    /* x <- x + damping (T(x) - x) */
} tq__fp_method;

/* Where an iteration left the problem. */
typedef enum tq__fp_state {
    TQ__FP_RUNNING = 0,   /* step taken, not converged yet */
    TQ__FP_CONVERGED = 1, /* residual at x below tol; g = T(x) and the map's state are at x */
    TQ__FP_STALLED = 2,   /* no tenfold progress of the best residual in `stall` iterations */
    TQ__FP_DIVERGED = 3,  /* residual not finite (or blown up) and no restart left */
    TQ__FP_LIMIT = 4,     /* the run's iteration budget was spent */
    TQ__FP_CANCELLED = 5, /* the context's progress callback asked to stop (tq__fp_run) */
    TQ__FP_TIMEOUT = 6    /* the wall-clock deadline of tq__fp_set_deadline passed (tq__fp_run) */
} tq__fp_state;

/* The map: write g = T(x) (nx doubles) and return the residual measure at x (the
 * largest of the model's relative residuals; non-finite when x is unusable). */
typedef double (*tq__fp_map)(void *ud, const double *x, double *g);

typedef struct tq__fp tq__fp;

/* Allocate a solver for states of nx doubles; memory = Anderson history (1..50,
 * ignored by TQ__FP_DAMPED). TQ_ERR_NOMEM. *out freed with tq__fp_free. */
tq_status tq__fp_alloc(tq_context *ctx, tq__fp_method method, size_t nx, int memory, tq__fp **out);
void tq__fp_free(tq__fp *fp);
tq__fp_method tq__fp_method_of(const tq__fp *fp);
int tq__fp_memory(const tq__fp *fp);
size_t tq__fp_size(const tq__fp *fp);

/* Start a problem: the map and its user data, the iterate x (nx doubles, borrowed:
 * updated in place by every iteration, so it is the current iterate, and after a run
 * that did not converge the best one), the tolerance on the map's residual, the stall
 * window and the damping (TQ__FP_DAMPED). Clears the history. */
void tq__fp_set(tq__fp *fp, tq__fp_map map, void *ud, double *x, double tol, int stall, double damping);

/* A wall-clock deadline for tq__fp_run, in seconds of CLOCK_MONOTONIC (tq__fp_now);
 * checked after every iteration. <= 0 or not finite: none (the default; tq__fp_set
 * keeps it). */
void tq__fp_set_deadline(tq__fp *fp, double deadline);
/* Seconds of CLOCK_MONOTONIC, the clock of tq__fp_set_deadline. */
double tq__fp_now(void);

/* Report progress through the context as the share of the way, in orders of
 * magnitude, from the first residual seen since this call to progress_tol. */
void tq__fp_progress_reset(tq__fp *fp, double progress_tol);

/* One iteration: evaluate the map at x, test convergence, update x. */
tq__fp_state tq__fp_iterate(tq__fp *fp);

/* Iterate at most budget times (and not past the deadline), reporting progress after
 * every step. Returns the
 * final state (never TQ__FP_RUNNING); *used gets the iterations used (a converged
 * evaluation counts). Unless converged, x is reset to the best iterate seen. */
tq__fp_state tq__fp_run(tq__fp *fp, int budget, int *used);

/* The last map value T(x) (nx doubles, owned by fp) and the residual of the last map
 * evaluation; the best residual of the current problem. */
const double *tq__fp_g(const tq__fp *fp);
double tq__fp_residual(const tq__fp *fp);
double tq__fp_best(const tq__fp *fp);

#endif
