/* Plausible ranges of the model's inputs (docs/scenarios.md, "Ranges"): the checks the
 * baseline (src/model/baseline.c) and the scenario files (src/scenario/spec.c) run
 * before anything reaches the solver. Each check records a one-line TQ_ERR_INVALID
 * naming where (a file:line:column, a flag such as "--tariff", or NULL for dataset
 * values, then field names the array) and the value, and returns it; TQ_OK otherwise. */
#ifndef TQ_MODEL_VALIDATE_H
#define TQ_MODEL_VALIDATE_H

#include "../core/internal.h"

#define TQ__THETA_MIN 0.1 /* trade elasticity theta in [0.1, 100] */
#define TQ__THETA_MAX 100.0
#define TQ__FACTOR_MAX 1e3   /* 1 + t, 1 + ave, x-scale, iceberg d^ in (0, 1e3] */
#define TQ__ICEBERG_MIN 1e-3 /* iceberg d^ in [1e-3, 1e3] */
#define TQ__PARTIAL_MAX 20.0 /* |partial effect| <= 20 (flows times at most e^20) */

/* theta of a sector: finite, in [TQ__THETA_MIN, TQ__THETA_MAX]. what names it (e.g.
 * "sector C01"). */
tq_status tq__valid_theta(tq_context *ctx, const char *where, const char *field, const char *what, double theta);
/* A tariff t (a share, 0.25 = 25%): 1 + t finite, in (0, TQ__FACTOR_MAX]. */
tq_status tq__valid_tariff(tq_context *ctx, const char *where, const char *field, const char *what, double t);
/* A factor (x-scale of 1 + t, 1 + NTB ave): finite, in (0, TQ__FACTOR_MAX]. */
tq_status tq__valid_factor(tq_context *ctx, const char *where, const char *field, const char *what, double f);
/* An iceberg change d^: finite, in [TQ__ICEBERG_MIN, TQ__FACTOR_MAX]. */
tq_status tq__valid_iceberg(tq_context *ctx, const char *where, const char *field, const char *what, double d);
/* A partial effect b (flows scale by exp(b)): finite, |b| <= TQ__PARTIAL_MAX. */
tq_status tq__valid_partial(tq_context *ctx, const char *where, const char *field, const char *what, double b);
/* A flow or a money value of the data: finite and >= 0. */
tq_status tq__valid_flow(tq_context *ctx, const char *where, const char *field, const char *what, double v);
/* A deficit target of a region: finite, and VA + D > 0 so that its income stays
 * positive (income = w^ VA + R + D with R >= 0). */
tq_status tq__valid_deficit(tq_context *ctx, const char *where, const char *field, const char *what, double d,
                            double va);

#endif
