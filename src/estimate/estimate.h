/* Internals of the estimation module (docs/estimation.md): the fixed-effect absorber
 * (hdfe.c), the data table of a regression (table.c) and the PPML estimator (ppml.c).
 * Uses core/ only. */
#ifndef TQ_ESTIMATE_H
#define TQ_ESTIMATE_H

#include "core/internal.h"

#include <stdint.h>

/* ------------------------------------------------------------ absorber --- */
/* G fixed effects over n observations, fe[g*n + i] the level (0..nlev[g]-1) of
 * observation i in effect g; every level has at least one observation. The levels of
 * all effects are numbered together: level l of effect g is off[g] + l, L in all.
 *
 * tq__hdfe_demean solves the weighted least-squares problem
 *     min over alpha  sum_i w_i (v_i - sum_g alpha[off[g] + fe_g(i)])^2
 * by conjugate gradients on its normal equations D'WD alpha = D'Wv with the diagonal
 * of D'WD (the weight of each level) as preconditioner: each step is one simultaneous
 * projection on every effect's group means (the Cimmino form of alternating
 * projections) and CG chooses the step lengths and directions, which is what makes it
 * converge in tens rather than thousands of sweeps on gravity panels. It stops when
 * every level's weighted mean of the residual v - D alpha is at most tol times the
 * weighted root mean square of v (so the demeaned variable is orthogonal to every
 * fixed effect to that relative precision). alpha is both the start (a warm start from
 * the previous IRLS step) and the answer.
 *
 * One CG step is one pass over the observations: (D'WD p) summed into per-chunk copies
 * of the level sums (the levels of gravity panels fit in cache, the observations stream).
 * Determinism: the observations are split into a number of chunks that depends on n only,
 * each chunk adds its observations in order and the chunks' sums are added in chunk
 * order; every dot product runs in fixed blocks added in block order. So the result is
 * bit for bit the same for any number of OpenMP threads. */
typedef struct tq__hdfe {
    tq_context *ctx;
    size_t n;
    int g;
    const int32_t *fe; /* [g*n], borrowed */
    int nlev[8];
    size_t off[9]; /* off[g] first level of effect g; off[G] = L */
    size_t L;
    int nchunk;             /* fixed chunks of the observations (by n only) */
    double *buf;            /* [nchunk * L] per-chunk level sums */
    double *wsum;           /* [L] weight of each level (tq__hdfe_weights) */
    double *r, *p, *q, *zp; /* [L] workspace */
    const double *w;        /* [n] current weights, borrowed */
    double wtot;            /* their sum */
    long sweeps;            /* total CG steps so far (statistics) */
} tq__hdfe;

tq_status tq__hdfe_init(tq_context *ctx, tq__hdfe *h, size_t n, int g, const int32_t *fe, const int *nlev);
void tq__hdfe_free(tq__hdfe *h);
/* Set the weights w[n] (borrowed until the next call); every weight must be > 0. */
void tq__hdfe_weights(tq__hdfe *h, const double *w);
/* Demean v[n] into out[n] = v - D alpha (alpha[L] in/out, see above). Returns the number
 * of CG steps, or -1 if maxit steps did not reach tol (out and alpha then hold the last
 * step). */
int tq__hdfe_demean(tq__hdfe *h, const double *v, double *alpha, double *out, double tol, int maxit);
/* out[n] = sum_g alpha[off[g] + fe_g(i)] */
void tq__hdfe_apply(const tq__hdfe *h, const double *alpha, double *out);
/* Deterministic sum of a[0..n) (fixed blocks added in order). */
double tq__dsum(const double *a, size_t n);
/* Deterministic sum of a[i]*b[i]. */
double tq__ddot(const double *a, const double *b, size_t n);

/* --------------------------------------------------------------- table --- */
/* The columns of a regression read from a file: each is numeric (a double, NaN when
 * missing or not finite), categorical (a code per distinct value, -1 when missing) or
 * both. A filter keeps rows whose column `filter` (numeric) is one of fvals. */
#define TQ__EVARS 12
typedef struct tq__evar {
    char name[64];
    int numeric, categorical;
    double *num;   /* [n] */
    int32_t *code; /* [n] */
    tq__index ix;  /* value -> code */
    char **label;  /* [nlabel] value of each code */
    int nlabel, caplabel;
} tq__evar;

typedef struct tq__etable {
    tq_context *ctx;
    int nv;
    tq__evar v[TQ__EVARS];
    size_t n, cap;
    size_t *rowno; /* [n] 1-based data row of each kept row (rows the filter drops count) */
    int filter;    /* variable index or -1 */
    const double *fvals;
    int nfvals;
    size_t n_filtered_out;
} tq__etable;

/* Add a column (or widen an added one) by name; returns its index or -1 (too many;
 * TQ_ERR_INVALID recorded). */
int tq__etable_var(tq__etable *t, const char *name, int numeric, int categorical);
/* Read path (CSV, plain or .gz; or .dta) into the declared columns. Errors: TQ_ERR_IO,
 * TQ_ERR_PARSE (file:line: field: not a number), TQ_ERR_NOT_FOUND (a missing column),
 * TQ_ERR_NOMEM. */
tq_status tq__etable_read(tq__etable *t, const char *path);
void tq__etable_free(tq__etable *t);

#endif
