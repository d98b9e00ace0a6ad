/* Internal interface of the scenario files (src/scenario/spec.c) for the runner's draws
 * (src/runner/uncertainty.c; docs/uncertainty.md, "Draws of the partial effects"). */
#ifndef TQ_SCENARIO_SPEC_H
#define TQ_SCENARIO_SPEC_H

#include "../core/internal.h"

/* The iceberg changes d^ of a scenario's NTB entries as a recipe, so that a draw can make
 * them again for its own theta and partial effects without reading files or allocating.
 * Cell c (flat index cell[c] of the [n,i,j] arrays, sector j = cell[c] % J) gets
 *   d^ = f_1 f_2 ... over its factors f in [start[c], start[c+1]), in file order, with
 *   f = fb[f]                                   when frv[f] == TQ__PLAN_CONST (ave: 1 + ave)
 *   f = exp(-fb[f] / theta_j)                   when frv[f] == TQ__PLAN_FIXED (a b without SE)
 *   f = exp(-(fb[f] + se[r] z[r]) / theta_j)    when r = frv[f] >= 0
 * which is, factor for factor, what tq_spec_apply multiplies, so the central theta with
 * every z = 0 gives its array bit for bit. Random variable r is one estimated coefficient
 * (every entry that takes coefficient NAME of the same estimate file shares it), one
 * `partial_effect: {b, se}` entry, or one row of a pairs file with an `se` column. */
enum { TQ__PLAN_CONST = -2, TQ__PLAN_FIXED = -1 };

typedef struct tq__ntb_plan {
    int N, J;
    size_t ncells;
    size_t *cell;  /* [ncells] */
    size_t *start; /* [ncells + 1] */
    int *frv;      /* [nf] TQ__PLAN_CONST, TQ__PLAN_FIXED or a random variable */
    double *fb;    /* [nf] the factor (const) or the central b */
    int nb;        /* factors that depend on theta (b factors) */
    int nrv;       /* random variables */
    double *se;    /* [nrv] standard error of each */
    double *b0;    /* [nrv] the central b of its first factor (what a draw reports) */
    double *bmin;  /* [nrv] smallest and largest central b of its factors: a draw keeps */
    double *bmax;  /*       every b within the range |b| <= 20 (docs/scenarios.md) */
} tq__ntb_plan;

/* The plan of scenario k's NTB entries on dataset ds (after tq_spec_apply succeeded on
 * it, which checked the values). *out owned by the caller (tq__ntb_plan_free). Errors:
 * those of reading a pairs file, TQ_ERR_NOMEM. */
tq_status tq__spec_ntb_plan(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, tq__ntb_plan **out);
void tq__ntb_plan_free(tq_context *ctx, tq__ntb_plan *p);
/* The plan's cells of d[N*N*J] for theta[J] and z[nrv] (NULL: every z 0); other cells are
 * left alone. Does not allocate. */
void tq__ntb_plan_apply(const tq__ntb_plan *p, const double *theta, const double *z, double *d);

#endif
