/* The one-sector "Liberation Day" model of Ignatenko, Macedoni, Lashkaripour &
 * Simonovska (2025), as specified in design/LIBERATION_DAY.md ("the note"; section
 * numbers below are the note's). Internal; docs/liberation-day.md describes it.
 *
 * Arrays over country pairs are flat, exporter-major: a[i * N + j] is exporter i,
 * importer j (the note's orientation: t[i * N + j] is the tariff importer j levies on
 * exporter i). Money is in thousands of US dollars, as in the note. */
#ifndef TQ_MODEL_LIBERATION_H
#define TQ_MODEL_LIBERATION_H

#include "../core/internal.h"

/* The raw data (§1.1-1.2): BACI flows with an empty diagonal, WDI GDP and the April 2025
 * US "reciprocal" schedule, in the order of the dataset's regions. */
typedef struct tq__lib_data {
    tq_context *ctx;
    int N, usa;
    char (*code)[8]; /* [N] ISO3 */
    double *X0;      /* [N N] raw flows, exporter-major, diagonal 0 */
    double *gdp;     /* [N] WDI GDP, thousands of USD */
    double *ustr;    /* [N] the US tariff on each exporter as published (USA 0) */
} tq__lib_data;

/* Read the embedded dataset folder data/liberation2025 (tradeq format, flows in millions
 * of USD, plus gdp.csv and us_tariffs_2025.csv; docs/liberation-day.md). *out freed with
 * tq__lib_data_free. Errors name the file, line and field. */
tq_status tq__lib_data_load(tq_context *ctx, const char *dir, tq__lib_data **out);
void tq__lib_data_free(tq__lib_data *d);

/* The calibrated baseline (§1.3-1.4). */
typedef struct tq__lib_base {
    tq_context *ctx;
    int N, usa;
    double nu_a, nu_b; /* §1.3 */
    double *nu;        /* [N] */
    double *X;         /* [N N] completed matrix (domestic absorption on the diagonal) */
    double *lambda;    /* [N N] X_ij / E_j */
    double *E, *Y, *T; /* [N] */
    double *Yek, *Tek; /* [N] the Eaton-Kortum variants of case 3: row sums of X, E - Yek */
    double *tustr;     /* [N] the US tariff on each exporter, max(0.10, published); USA 0 */
    int floored;       /* countries whose domestic absorption was floored at 0 */
    char (*code)[8];   /* [N] ISO3, borrowed from the data (which must outlive the baseline) */
} tq__lib_base;

/* Calibrate ν (targets 0.12 / 0.26) and rebuild the baseline. TQ_ERR_NOT_CONVERGED
 * when the 2 x 2 calibration does not converge. *out freed with tq__lib_base_free. */
tq_status tq__lib_base_new(tq_context *ctx, const tq__lib_data *d, tq__lib_base **out);
void tq__lib_base_free(tq__lib_base *b);

/* The closed-form tariffs of §4, on baseline data with ε = 4. */
typedef struct tq__lib_optimal {
    double delta_us, t_star;   /* (A): Δ_US and the optimal uniform US tariff (case 4) */
    double delta7_us, t_star7; /* (A'): denominator Y - X_ii (case 7) */
    double delta_a, t_retal;   /* (B): optimal uniform retaliation on US goods (cases 5, 7) */
} tq__lib_optimal;
void tq__lib_optimal_tariffs(const tq__lib_base *b, tq__lib_optimal *o);

/* The nine policy cases of §4 (1-based k as in the note). */
#define TQ__LIB_CASES 9
const char *tq__lib_case_name(int k);

/* The outcomes of one case (§3): per country [N] in percent (revenue as a share of
 * baseline E), and the global aggregates. */
typedef struct tq__lib_out {
    double *welfare, *deficit, *exports_gdp, *imports_gdp, *employment, *cpi, *revenue;
    double *what, *ehat, *lhat, *phat;   /* [N] the solution */
    double trade_gdp, employment_global; /* percent */
    double residual;                     /* max scaled residual at the solution */
    int iterations, jacobians, converged;
} tq__lib_out;

typedef struct tq__lib_ws tq__lib_ws;
/* A workspace for solves against b (borrowed; outlives the workspace). Allocates all
 * it needs; solves allocate nothing. */
tq_status tq__lib_ws_new(tq_context *ctx, const tq__lib_base *b, tq__lib_ws **out);
void tq__lib_ws_free(tq__lib_ws *ws);
/* Use the analytic Jacobian (on, the default) or finite differences (for tests). */
void tq__lib_ws_set_analytic(tq__lib_ws *ws, int on);
/* Solve case k (1..9) from x = 1 and fill *out (arrays owned by the workspace, valid
 * until its next solve). TQ_ERR_NOT_CONVERGED (with the residual) if the solver fails. */
tq_status tq__lib_solve_case(tq__lib_ws *ws, int k, tq__lib_out *out);
/* Solve a tariff matrix of one's own (t[i * N + j]: importer j on exporter i, N x N,
 * zero diagonal) with the baseline parameters (case 1's), income-tax relief or, with
 * lump_sum, a lump-sum rebate. TQ_ERR_INVALID for a tariff outside (-1, 1000] or on a
 * country's own goods. */
tq_status tq__lib_solve_tariffs(tq__lib_ws *ws, const double *t, int lump_sum, tq__lib_out *out);
/* The tariff matrix of case k (N x N) into t. */
tq_status tq__lib_case_tariffs(tq__lib_ws *ws, int k, double *t);

/* Baseline-expenditure-weighted average of r over the countries with mask[i] != 0. */
double tq__lib_eavg(const tq__lib_base *b, const double *r, const unsigned char *mask);
/* mask[N]: 1 for every country but the USA; 1 for the 25 EU countries of the code (§3). */
void tq__lib_mask_nonus(const tq__lib_base *b, unsigned char *mask);
tq_status tq__lib_mask_eu25(tq_context *ctx, const tq__lib_data *d, unsigned char *mask);

#endif
