/* The solver options' defaults: a leaf that the baseline, its cache and the
 * Caliendo-Parro solver all read, so that none of them has to call into another for it. */
#include "ge.h"

#include <string.h>

void tq_solver_options_default(tq_solver_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = TQ_METHOD_ANDERSON;
    o->tol = 1e-10;
    o->max_iter = 0; /* method default */
    o->anderson_m = 8;
    o->damping = 0; /* method default */
    o->threads = 0;
    o->baseline_mode = TQ_BASELINE_RECALIBRATE;
    o->numeraire_region = -1;
}
