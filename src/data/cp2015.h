/* Caliendo-Parro (2015) replication layouts: internal helpers beyond the two reader
 * entry points of readers.h (see src/data/read_cp2015.c and docs/engine.md). */
#ifndef TQ_CP2015_H
#define TQ_CP2015_H

#include "dataset.h"

/* The CP2015 counterfactual tariffs: column tariff_cfl of dir/trade.csv(.gz) (the
 * long cp2015 folder), i.e. the 2005 tariffs on the six NAFTA pairs and the 1993
 * tariffs elsewhere. Fills tariff[n,i,j] (length N*N*J of ds, MODEL.md order) for the
 * regions and sectors of ds, matched by region ISO3 code and sector code; ds may be
 * the cp2015 dataset itself or the base1993_with_deficits one. Cells of ds absent from
 * the file keep ds's baseline tariff. If nafta_only is non-zero, only pairs among CAN,
 * MEX and USA take the file's value (the others keep ds's baseline tariff).
 * Errors name file, line and field. */
tq_status tq__cp2015_cfl_tariffs(tq_context *ctx, const char *dir, const tq_dataset *ds, int nafta_only,
                                 double *tariff);

#endif
