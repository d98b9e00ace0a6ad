/* Internals of scenario files shared with the layers above (not public): the strategic
 * moves of `strategy:` (docs/strategic.md, "Moves in scenario files"), resolved against a
 * dataset for the policy layer, which plays them; and the recipe of the NTB iceberg changes
 * for the runner's draws (src/runner/uncertainty.c; docs/uncertainty.md, "Draws of the
 * partial effects"). */
#ifndef TQ_SCENARIO_SPEC_H
#define TQ_SCENARIO_SPEC_H

#include "../core/internal.h"

/* Move m of scenario k resolved against a dataset. Arrays owned by the struct
 * (tq__move_spec_free); where is owned by the spec. */
typedef struct tq__move_spec {
    tq_move_kind kind;
    int *players; /* region indices in the order written (groups expanded) */
    int nplayers;
    int *sectors; /* the sectors whose tariffs are chosen; NULL: every sector */
    int nsectors;
    int form;          /* tq_tariff_form, -1: the default */
    double upper;      /* upper bound of a tariff (rate), 0: the default */
    int has_threat;    /* talks: a threat: list was given */
    const char *where; /* file:line:column of the entry */
} tq__move_spec;

/* Resolve move m of scenario k against ds: regions and sectors by code or group (errors
 * TQ_ERR_NOT_FOUND at the place in the file, TQ_ERR_INVALID for an optimal: group of
 * several regions, a region named twice, talks among fewer than two). */
tq_status tq__spec_move(tq_context *ctx, const tq_spec *sp, int k, int m, const tq_dataset *ds, tq__move_spec *out);
void tq__move_spec_free(tq_context *ctx, tq__move_spec *mv);
/* Apply the threat: list of move m of scenario k to the tariffs t [n,i,j] of ds in place
 * (as tq_spec_apply applies tariffs:). */
tq_status tq__spec_move_threat(tq_context *ctx, const tq_spec *sp, int k, int m, const tq_dataset *ds, double *t);
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
