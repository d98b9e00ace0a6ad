/* Internals of scenario files shared with the layers above (not public): the strategic
 * moves of `strategy:` (docs/strategic.md, "Moves in scenario files"), resolved against a
 * dataset for the policy layer, which plays them. */
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

#endif
