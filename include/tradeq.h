/*
 * tradeq — a trade-policy simulator.
 *
 * This header is the whole public API of libtradeq. Every public name starts with
 * tq_ (functions, types) or TQ_ (constants). Internal names use tq__ and never
 * appear here.
 *
 * Conventions
 * - Functions that can fail return a tq_status: TQ_OK (0) or a negative code. The
 *   detail of the last failure (file, line, field, message) is kept in the context
 *   and read with tq_last_error() / tq_error_format().
 * - Whoever creates an object frees it; every *_free accepts NULL.
 * - The library never prints and never exits; it reports through the context's log
 *   and progress callbacks.
 * - Arrays are flat double arrays. Index orders follow MODEL.md:
 *     Z, tariff, X, pi   [n,i,j]  importer n, exporter i, sector j:  (n*N + i)*J + j
 *     gamma              [n,k,j]  region n, input k, using sector j:  (n*J + k)*J + j
 *     beta, alpha, XJ, Y [n,j]                                        n*J + j
 *     VA, D, R, I        [n]
 *     theta              [j]
 * - Thread safety: a context and the objects made with it are used by one thread at
 *   a time, except tq_context_cancel(), which may be called from any thread.
 */
#ifndef TRADEQ_H
#define TRADEQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TQ_VERSION_STRING "0.1.0"
#define TQ_VERSION_MAJOR 0
#define TQ_VERSION_MINOR 1
#define TQ_VERSION_PATCH 0

/* TQ_API marks what libtradeq exports: the shared library is built with hidden
 * visibility, so only the declarations of this header are visible to programs. */
#if defined(TQ_BUILDING_LIBRARY) && defined(__GNUC__)
#define TQ_API __attribute__((visibility("default")))
#else
#define TQ_API
#endif

/* The library's version as "MAJOR.MINOR.PATCH" (static storage); compare with
 * TQ_VERSION_STRING to detect a header / library mismatch. */
TQ_API const char *tq_version(void);

/* ---------------------------------------------------------------- status --- */

typedef enum tq_status {
    TQ_OK = 0,
    TQ_ERR_NOMEM = -1,         /* an allocation failed */
    TQ_ERR_IO = -2,            /* a file is missing, unreadable or unwritable */
    TQ_ERR_PARSE = -3,         /* malformed input: bad number, short row, ... */
    TQ_ERR_INVALID = -4,       /* a bad argument or inconsistent data */
    TQ_ERR_NOT_FOUND = -5,     /* an unknown region, sector or year */
    TQ_ERR_NOT_CONVERGED = -6, /* a solver stopped without meeting its tolerance */
    TQ_ERR_CANCELLED = -7,     /* the progress callback or tq_context_cancel() stopped it */
    TQ_ERR_EXISTS = -8,        /* refusing to overwrite an existing file */
    TQ_ERR_UNSUPPORTED = -9    /* the data lacks what the operation needs */
} tq_status;

/* A short English name of a status ("out of memory", ...). Static storage. */
TQ_API const char *tq_status_string(tq_status s);

/* --------------------------------------------------------------- context --- */

/* Pluggable allocator (as Lua's lua_Alloc). All library allocations go through it. */
typedef struct tq_allocator {
    void *(*malloc_fn)(void *ud, size_t size);
    void *(*realloc_fn)(void *ud, void *ptr, size_t size);
    void (*free_fn)(void *ud, void *ptr);
    void *ud;
} tq_allocator;

typedef struct tq_context tq_context;

/* Log levels for the log callback. */
enum { TQ_LOG_DEBUG = 0, TQ_LOG_INFO = 1, TQ_LOG_WARN = 2 };
typedef void (*tq_log_fn)(void *ud, int level, const char *message);

/* Progress: stage is a short label, fraction in [0,1] (or -1 when unknown).
 * Return non-zero to cancel the running operation (it then returns TQ_ERR_CANCELLED). */
typedef int (*tq_progress_fn)(void *ud, const char *stage, double fraction);

/* Detail of the last failure. Fields that do not apply are empty / 0. */
typedef struct tq_error {
    tq_status status;
    char file[512];    /* file being read or written */
    long line;         /* 1-based line number in file, 0 if none */
    char field[128];   /* column or key name */
    char message[512]; /* what is wrong, and a hint */
} tq_error;

/* Create a context. alloc may be NULL (malloc/realloc/free); it is copied.
 * *out is owned by the caller: free with tq_context_free(). */
TQ_API tq_status tq_context_new(tq_context **out, const tq_allocator *alloc);
TQ_API void tq_context_free(tq_context *ctx);
TQ_API void tq_context_set_log(tq_context *ctx, tq_log_fn fn, void *ud);
TQ_API void tq_context_set_progress(tq_context *ctx, tq_progress_fn fn, void *ud);
/* Ask the running operation to stop. Safe from any thread or a signal handler. */
TQ_API void tq_context_cancel(tq_context *ctx);
/* Clear the cancellation flag (done by the caller before the next operation). */
TQ_API void tq_context_reset_cancel(tq_context *ctx);

/* The last error recorded in ctx (never NULL; status TQ_OK if none). */
TQ_API const tq_error *tq_last_error(const tq_context *ctx);
/* Format the last error as one line: "file:line: field 'f': message".
 * Writes at most n bytes including the NUL; returns the length it wanted. */
TQ_API int tq_error_format(const tq_context *ctx, char *buf, size_t n);

/* --------------------------------------------------------------- dataset --- */

typedef struct tq_dataset tq_dataset;

/* The arrays of a dataset. Per-year arrays are indexed by a year index 0..years-1.
 * Inputs (writable) come first; derived arrays are filled by tq_dataset_derive(). */
typedef enum tq_array {
    TQ_Z = 0,   /* [n,i,j] pre-tariff flows, importer n buys from exporter i; M USD */
    TQ_TARIFF,  /* [n,i,j] ad valorem tariff n levies on i (0.25 = 25%); t[n,n,j] = 0 */
    TQ_GAMMA,   /* [n,k,j] share of input k in the gross output (cost) of sector j */
    TQ_BETA,    /* [n,j]   value-added share of gross output, 1 - sum_k gamma */
    TQ_ALPHA,   /* [n,j]   final-demand share, sums to 1 over j */
    TQ_VA,      /* [n]     value added, M USD */
    TQ_DEFICIT, /* [n]     trade deficit D = imports - exports, M USD */
    TQ_THETA,   /* [j]     trade elasticity (not per year; year index ignored) */
    /* derived (read-only for users) */
    TQ_X,  /* [n,i,j] tariff-inclusive spending (1+t) Z */
    TQ_XJ, /* [n,j]   total spending of n on sector j */
    TQ_PI, /* [n,i,j] expenditure shares X[n,i,j] / XJ[n,j] (0 where XJ = 0) */
    TQ_Y,  /* [i,j]   gross output sum_n Z[n,i,j] */
    TQ_R,  /* [n]     tariff revenue sum t Z */
    TQ_I,  /* [n]     income VA + R + D */
    TQ_ARRAY_COUNT
} tq_array;

/* Create an empty dataset of N regions, J sectors and `years` years; arrays are
 * zero, codes empty, theta 1. *out is owned by the caller (tq_dataset_free). */
TQ_API tq_status tq_dataset_new(tq_context *ctx, int N, int J, int years, tq_dataset **out);
TQ_API void tq_dataset_free(tq_dataset *ds);
/* Deep copy, owned by the caller. */
TQ_API tq_status tq_dataset_clone(tq_context *ctx, const tq_dataset *ds, tq_dataset **out);

TQ_API int tq_dataset_regions(const tq_dataset *ds);
TQ_API int tq_dataset_sectors(const tq_dataset *ds);
TQ_API int tq_dataset_years(const tq_dataset *ds);

/* Labels. Strings are copied in; getters return storage owned by ds. */
TQ_API tq_status tq_dataset_set_region(tq_dataset *ds, int n, const char *code, const char *name);
TQ_API tq_status tq_dataset_set_sector(tq_dataset *ds, int j, const char *code, const char *name, int tradable);
TQ_API tq_status tq_dataset_set_year(tq_dataset *ds, int y, int year);
TQ_API tq_status tq_dataset_set_name(tq_dataset *ds, const char *name, const char *source);
TQ_API const char *tq_dataset_name(const tq_dataset *ds);   /* short name, e.g. "cp2015" */
TQ_API const char *tq_dataset_source(const tq_dataset *ds); /* one line on where it comes from */
TQ_API const char *tq_dataset_region_code(const tq_dataset *ds, int n);
TQ_API const char *tq_dataset_region_name(const tq_dataset *ds, int n);
TQ_API const char *tq_dataset_sector_code(const tq_dataset *ds, int j);
TQ_API const char *tq_dataset_sector_name(const tq_dataset *ds, int j);
TQ_API int tq_dataset_sector_tradable(const tq_dataset *ds, int j);
TQ_API int tq_dataset_year(const tq_dataset *ds, int y);
/* Index of a region / sector code (case-sensitive) or year; -1 if absent. */
TQ_API int tq_dataset_find_region(const tq_dataset *ds, const char *code);
TQ_API int tq_dataset_find_sector(const tq_dataset *ds, const char *code);
TQ_API int tq_dataset_find_year(const tq_dataset *ds, int year);

/* Whether gamma/beta/alpha come from input-output data (1) or were filled with the
 * no-input-output defaults (0: gamma = 0, beta = 1, alpha = final spending shares). */
TQ_API int tq_dataset_has_io(const tq_dataset *ds);
TQ_API void tq_dataset_set_has_io(tq_dataset *ds, int has_io);

/* Pointer to an array of year index y (y ignored for TQ_THETA); *len (may be NULL)
 * receives its length. Storage is owned by ds. NULL for a bad index. */
TQ_API double *tq_dataset_array(tq_dataset *ds, tq_array which, int y, size_t *len);
TQ_API const double *tq_dataset_array_const(const tq_dataset *ds, tq_array which, int y, size_t *len);

/* Compute the derived arrays (X, XJ, PI, Y, R, I) of every year from the inputs.
 * Call after changing inputs. */
TQ_API tq_status tq_dataset_derive(tq_context *ctx, tq_dataset *ds);

/* Fill gamma = 0, beta = 1, VA = gross output, alpha = shares of spending, D from flows:
 * the no-input-output (Armington / Eaton-Kortum) reading of a flows-only dataset. */
TQ_API tq_status tq_dataset_fill_no_io(tq_context *ctx, tq_dataset *ds);

/* How far a dataset is from the data contract of MODEL.md for year index y.
 * Relative measures are fractions (0.01 = 1%). */
typedef struct tq_consistency {
    double e0_max_rel;      /* max over n,j of |XJ - sum_k gamma Y - alpha I| / XJ (E0) */
    double e0_max_share_va; /* same residual, as a share of the region's VA */
    int e0_worst_region, e0_worst_sector;
    double alpha_sum_max_dev;     /* max_n |sum_j alpha[n,j] - 1| */
    double beta_range_violations; /* count of beta outside (0,1] or gamma < 0 */
    double cost_share_max_dev;    /* max |beta + sum_k gamma - 1| over sectors with output */
    double pi_sum_max_dev;        /* max |sum_i pi[n,i,j] - 1| where XJ > 0 */
    double deficit_sum_rel;       /* |sum_n D| / world VA */
    double deficit_flow_max_rel;  /* max_n |D - (imports - exports)| / VA[n] */
    int deficit_worst_region;
    double va_max_rel; /* max_n |VA - sum_j beta Y| / VA */
    int va_worst_region;
    int negative_flows; /* count of Z < 0 */
} tq_consistency;

TQ_API tq_status tq_dataset_check(tq_context *ctx, const tq_dataset *ds, int y, tq_consistency *out);

/* Rebalance year index y (all years if y < 0) so that the data contract holds exactly
 * (docs/rebalancing.md): D := imports - exports from the flows; final demand
 * F = XJ - sum_k gamma Y; where F < 0 (more of a good used as an input than bought), that
 * good's input shares are scaled down until F = 0 and the users' value-added shares
 * raised by the same amount; VA := sum_j beta Y; alpha := F / sum_j F. Afterwards (E0)
 * holds exactly. *moved_share (may be NULL) receives the intermediate use moved to
 * value added, as a share of world final demand. */
TQ_API tq_status tq_dataset_rebalance(tq_context *ctx, tq_dataset *ds, int y, double *moved_share);

/* Read a dataset. path is a folder (or a file for single-file formats); the format is
 * detected from the files present (docs/formats.md): tradeq's own long CSV format,
 * the KITE/Caliendo-Parro initial conditions (wiod2014), the Caliendo-Parro 2015
 * replication layout (cp2015), WIOD wide world input-output tables (wiod2013), a
 * square bilateral matrix with GDP (liberation2025), or yearly flows and tariffs
 * (icio, wiod16). *out is owned by the caller. */
TQ_API tq_status tq_dataset_load(tq_context *ctx, const char *path, tq_dataset **out);

/* Write ds in tradeq's own format into folder dir (created if needed). Refuses with
 * TQ_ERR_EXISTS if dir holds tradeq files and overwrite is 0. Reading the folder back
 * gives the same numbers bit for bit. */
TQ_API tq_status tq_dataset_write(tq_context *ctx, const tq_dataset *ds, const char *dir, int overwrite);

/* Aggregate regions and/or sectors by mapping CSV files (either may be NULL):
 * region map header `code,group` (plus optional `group_name`), sector map header
 * `code,group` (plus optional `group_name,tradable`). Every code must be mapped.
 * Trade inside a new region group becomes its domestic trade; tariffs are aggregated
 * with trade weights; input-output shares are re-derived from values. ds's derived
 * arrays must be current (tq_dataset_derive after changing inputs; the readers derive).
 * *out is owned by the caller. */
TQ_API tq_status tq_dataset_aggregate(tq_context *ctx, const tq_dataset *ds, const char *region_map,
                                      const char *sector_map, tq_dataset **out);

/* A content hash of the dataset (FNV-1a 64 over labels and arrays), for tracing results. */
TQ_API uint64_t tq_dataset_hash(const tq_dataset *ds);

/* --------------------------------------------------------------- balance --- */

/* Bilateral trade of region a with partner b in year index y, by sector (pre-tariff
 * values, M USD): exports[j] = Z[b,a,j], imports[j] = Z[a,b,j]. Arrays of length J
 * supplied by the caller. b may be -1 for "all partners". */
TQ_API tq_status tq_balance(tq_context *ctx, const tq_dataset *ds, int y, int a, int b, double *exports,
                            double *imports);

/* ---------------------------------------------------------------- groups --- */

/* Named groups of regions (e.g. "EU28") or sectors (e.g. "autos", "agriculture"),
 * shipped with a dataset so that users can name them in scenarios. Stored in the own
 * format's groups.csv; aggregation drops them. */
typedef enum tq_group_kind { TQ_GROUP_REGION = 0, TQ_GROUP_SECTOR = 1 } tq_group_kind;

/* Add (or replace) a group of `count` member indices (copied). TQ_ERR_INVALID for a
 * bad index or an empty group. */
TQ_API tq_status tq_dataset_add_group(tq_dataset *ds, tq_group_kind kind, const char *name, const int *members,
                                      int count);
/* Number of groups of a kind, and the name of group g (storage owned by ds). */
TQ_API int tq_dataset_group_count(const tq_dataset *ds, tq_group_kind kind);
TQ_API const char *tq_dataset_group_name(const tq_dataset *ds, tq_group_kind kind, int g);
/* Members of the group called `name` (case-insensitive): writes up to N (regions) or J
 * (sectors) indices into members (may be NULL to just count) and returns the count, or
 * -1 if there is no such group. */
TQ_API int tq_dataset_group(const tq_dataset *ds, tq_group_kind kind, const char *name, int *members);

/* ================================================================ engine === */
/* (the general-equilibrium engine; see MODEL.md (E1)-(E5) and docs/engine.md)
 *
 * Workflow: a tq_baseline is the base equilibrium made from one year of a dataset
 * (by default recalibrated: the data's own equilibrium is solved first, so that a
 * counterfactual never mixes the data's inconsistencies into its answer). A
 * tq_scenario holds the shocks (new tariffs t', iceberg changes d^, the deficit
 * closure). tq_solve() solves the counterfactual against the baseline and returns a
 * tq_result with hats, levels, welfare and the terms-of-trade / volume-of-trade
 * decomposition. tq_check_solution() recomputes (E0)-(E5) from a result.
 *
 * Index orders are those of the dataset (see the top of this file): [n,i,j] importer
 * n, exporter i, sector j; [n,j]; [n]. Money is in the dataset's units (M USD). */

/* Deficit closures, MODEL.md "Deficits (closure)". */
typedef enum tq_closure {
    TQ_CLOSURE_FIXED = 0,    /* (a) D'[n] = D_b[n], fixed in numeraire units */
    TQ_CLOSURE_BALANCED = 1, /* (b) D' = 0; the baseline is solved with D = 0 as well
                                (Caliendo-Parro's "zero aggregate deficit" case) */
    TQ_CLOSURE_SHARE = 2,    /* (c) D'[n] = D_b[n] / sum_m VA_b[m] * sum_m w^[m] VA_b[m]:
                                a fixed share of world value added (differs from (a) only
                                under a wage numeraire) */
    TQ_CLOSURE_TARGET = 3    /* (d) D'[n] given by the user (sums to 0), e.g. closing the
                                US deficit (Dekle-Eaton-Kortum) */
} tq_closure;

/* How the base equilibrium is made from the data. */
typedef enum tq_baseline_mode {
    TQ_BASELINE_RECALIBRATE = 0, /* default: solve (E1)-(E5) on the data with unchanged
                                    tariffs (and D = 0 for the balanced closure); that
                                    equilibrium is the base. Results are changes relative
                                    to it, which is the same as "solve the baseline first
                                    and report changes relative to it". */
    TQ_BASELINE_RAW = 1          /* take the data as if it were an equilibrium (changes
                                    then include the data's own imbalance) */
} tq_baseline_mode;

typedef enum tq_method {
    TQ_METHOD_ANDERSON = 0,   /* default: Anderson-accelerated joint fixed point, with
                                 continuation on the shock when it stalls */
    TQ_METHOD_FIXED_POINT = 1 /* textbook damped nested fixed point (prices inside,
                                 expenditure inside, damped wage update outside) */
} tq_method;

typedef struct tq_solver_options {
    tq_method method;
    double tol;                     /* max relative residual of (E2), (E4) and (E5); default 1e-10 */
    int max_iter;                   /* outer iterations, all continuation steps included; 0 = default:
                                       2000 (Anderson), 20000 (fixed point) */
    int anderson_m;                 /* Anderson memory; default 8 */
    double damping;                 /* wage step scale in (0,1]; default 1 (Anderson), 0.5 (fixed point) */
    int threads;                    /* OpenMP threads; 0 = the OpenMP default */
    tq_baseline_mode baseline_mode; /* used by tq_baseline_new; default RECALIBRATE */
    int numeraire_region;           /* -1 (default): world value added unchanged, sum w^ VA = sum VA;
                                       r >= 0: the wage of region r, w^[r] = 1 */
    const struct tq_result *start;  /* NULL (default: start at the base), or a result of a
                              solve against the same baseline to start from (e.g. the previous
                              step of a tariff search); borrowed, not freed; ignored by
                              tq_baseline_new */
} tq_solver_options;

/* Fill *o with the defaults above. */
TQ_API void tq_solver_options_default(tq_solver_options *o);

/* How a solve went. residual = max(res_e2, res_e4, res_e5). Relative residuals:
 * (E2) max |log of P^ recomputed from c^ / P^|; (E4) max |X' - rhs| / sum_j X'[n,j];
 * (E5) max |imports - exports - D'| / (w^[n] VA[n]). sweeps counts evaluations of the
 * O(N^2 J) price-and-demand map (the unit of work); iterations counts outer steps. */
/* Why a solve stopped. */
typedef enum tq_stop {
    TQ_STOP_NONE = 0,            /* no solve (e.g. the info of a TQ_BASELINE_RAW baseline) */
    TQ_STOP_CONVERGED = 1,       /* the residual fell below the tolerance */
    TQ_STOP_ITERATION_LIMIT = 2, /* max_iter iterations were spent */
    TQ_STOP_STALLED = 3,         /* no progress, also with the smallest continuation step */
    TQ_STOP_CANCELLED = 4,       /* the progress callback or tq_context_cancel() stopped it */
    TQ_STOP_DIVERGED = 5         /* the residual became infinite or NaN and no restart helped */
} tq_stop;

typedef struct tq_solve_info {
    tq_status status; /* TQ_OK or TQ_ERR_NOT_CONVERGED / TQ_ERR_CANCELLED */
    int iterations;
    int sweeps;
    double residual, res_e2, res_e4, res_e5;
    double seconds;
    tq_method method;
    int threads;
    tq_stop stop; /* why it stopped (TQ_STOP_CONVERGED exactly when status is TQ_OK) */
} tq_solve_info;

typedef struct tq_baseline tq_baseline;

/* Make the base equilibrium from year index y of ds with the given closure (only
 * TQ_CLOSURE_FIXED or TQ_CLOSURE_BALANCED: which deficits the base has). opt may be
 * NULL (defaults); opt->baseline_mode chooses recalibration or the raw data. ds is
 * copied: it may be freed afterwards. Needs VA > 0, theta > 0, shares in range.
 * Errors: TQ_ERR_INVALID (bad data, message says which), TQ_ERR_NOT_CONVERGED (the
 * recalibration did not converge; *out NULL), TQ_ERR_NOMEM, TQ_ERR_CANCELLED.
 * *out is owned by the caller (tq_baseline_free). Not thread-safe on one ctx. */
TQ_API tq_status tq_baseline_new(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure,
                                 const tq_solver_options *opt, tq_baseline **out);
TQ_API void tq_baseline_free(tq_baseline *b);
TQ_API int tq_baseline_regions(const tq_baseline *b);
TQ_API int tq_baseline_sectors(const tq_baseline *b);
/* The recalibration solve (zeros for TQ_BASELINE_RAW) and how far the data was from
 * its own equilibrium: max_n |w^-1| and max_{n,j} |P^-1| of that solve. */
TQ_API const tq_solve_info *tq_baseline_info(const tq_baseline *b, double *moved_w, double *moved_p);
/* Base arrays (owned by b): TQ_PI, TQ_TARIFF [n,i,j]; TQ_XJ, TQ_ALPHA, TQ_BETA [n,j];
 * TQ_GAMMA [n,k,j]; TQ_VA, TQ_DEFICIT, TQ_I, TQ_R [n]; TQ_THETA [j]. NULL otherwise. */
TQ_API const double *tq_baseline_array(const tq_baseline *b, tq_array which, size_t *len);
/* The base equilibrium as a dataset (Z = X pi / (1+t), VA, D, shares; labels of the
 * dataset it was made from): the recalibrated data. *out owned by the caller. */
TQ_API tq_status tq_baseline_dataset(tq_context *ctx, const tq_baseline *b, tq_dataset **out);

typedef struct tq_scenario tq_scenario;

/* A scenario for baseline b: tariffs t' = the base tariffs, iceberg d^ = 1, closure =
 * the baseline's. *out owned by the caller (tq_scenario_free). b must outlive it. */
TQ_API tq_status tq_scenario_new(tq_context *ctx, const tq_baseline *b, tq_scenario **out);
TQ_API void tq_scenario_free(tq_scenario *sc);
/* Set t'[n,i,j] = rate (ad valorem, > -1). Any of n, i, j may be -1 for "all";
 * domestic cells (n == i) are never changed. TQ_ERR_INVALID for bad indices or rate. */
TQ_API tq_status tq_scenario_set_tariff(tq_scenario *sc, int n, int i, int j, double rate);
/* Set d^[n,i,j] = dhat (> 0), the iceberg (non-tariff) cost change; -1 means "all".
 * d^[n,n,j] may be set (a domestic cost shock). */
TQ_API tq_status tq_scenario_set_iceberg(tq_scenario *sc, int n, int i, int j, double dhat);
/* Writable full arrays [n,i,j] (owned by sc): new tariffs t' and iceberg changes d^. The
 * iceberg array is allocated (all 1) on the first call or iceberg shock, so scenarios
 * without one cost no memory for it; tq_scenario_iceberg returns NULL if that fails. */
TQ_API double *tq_scenario_tariffs(tq_scenario *sc);
TQ_API double *tq_scenario_iceberg(tq_scenario *sc);
/* Choose the closure; target (length N, summing to 0 within 1e-9 of world VA) is
 * copied and required for TQ_CLOSURE_TARGET, ignored otherwise. */
TQ_API tq_status tq_scenario_set_closure(tq_scenario *sc, tq_closure closure, const double *target);

typedef struct tq_result tq_result;

/* Solve the counterfactual sc against baseline b, MODEL.md (E1)-(E5). opt may be NULL.
 * On TQ_OK or TQ_ERR_NOT_CONVERGED, *out holds the result (owned by the caller,
 * tq_result_free); on TQ_ERR_NOT_CONVERGED its info has the residual reached and the
 * context's error message says so. On other errors *out is NULL. Uses OpenMP over
 * independent loops (results are bitwise identical for any thread count). Cancellable
 * through the context's progress callback. */
TQ_API tq_status tq_solve(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_solver_options *opt,
                          tq_result **out);
TQ_API void tq_result_free(tq_result *r);
TQ_API const tq_solve_info *tq_result_info(const tq_result *r);

/* Result arrays (owned by r; *len gets the length). Percent values are 100 * (x - 1). */
typedef enum tq_result_array {
    TQ_RES_WHAT = 0,   /* [n]     wage change w^ */
    TQ_RES_PHAT,       /* [n,j]   price index change P^ (E2) */
    TQ_RES_CHAT,       /* [n,j]   input cost change c^ (E1) */
    TQ_RES_PI,         /* [n,i,j] counterfactual shares pi' (E3) */
    TQ_RES_X,          /* [n,j]   counterfactual expenditure X' (E4), money */
    TQ_RES_INCOME,     /* [n]     counterfactual income I' */
    TQ_RES_REVENUE,    /* [n]     counterfactual tariff revenue R' */
    TQ_RES_DEFICIT,    /* [n]     counterfactual deficit D' */
    TQ_RES_WELFARE,    /* [n]     exact real income change I^ / prod_j P^^alpha, percent */
    TQ_RES_EV,         /* [n]     equivalent variation (W^ - 1) I_b, money */
    TQ_RES_REAL_WAGE,  /* [n]     w^ / prod_j P^^alpha, percent */
    TQ_RES_CPI,        /* [n]     prod_j P^^alpha, percent */
    TQ_RES_TOT,        /* [n]     terms-of-trade effect (CP2015 discrete form), percent */
    TQ_RES_VOT,        /* [n]     volume-of-trade effect, percent */
    TQ_RES_DECOMP,     /* [n]     TOT + VOT: CP2015 Table 2's "welfare", percent */
    TQ_RES_DECOMP_GAP, /* [n]     WELFARE - DECOMP: the decomposition's approximation gap */
    TQ_RES_TOT_NIJ,    /* [n,i,j] ToT contribution of partner i, sector j to n, percent */
    TQ_RES_VOT_NIJ,    /* [n,i,j] VoT contribution of partner i, sector j to n, percent */
    TQ_RES_ARRAY_COUNT
} tq_res;
/* Results of tq_solve have every array filled by the solve. Results of tq_solver_solve /
 * _solve_into compute TQ_RES_PI (N^2 J doubles), TQ_RES_TOT_NIJ and TQ_RES_VOT_NIJ
 * (2 N^2 J) on their first request, bitwise the values tq_solve gives, from the baseline
 * and the scenario of the solve, which must then still exist unchanged; the memory is
 * kept in r for later solves into it. That first request is not thread-safe with other
 * reads of r and returns NULL (len 0) if memory runs out. */
TQ_API const double *tq_result_array(const tq_result *r, tq_res which, size_t *len);

/* ---- the solver object ----
 * A solver for many counterfactuals against one baseline (tariff searches, Monte Carlo,
 * optimal policy): it allocates its workspace once (2 N^2 J doubles for the shock, the
 * Anderson history, small arrays), computes what depends only on the baseline once, and
 * can start each solve from its last solution (warm start). tq_solve() is
 * tq_solver_new + tq_solver_solve + tq_solver_free.
 *
 * Settings (tq_solver_set_*) take effect at the next solve; a change of method or
 * Anderson memory reallocates the history there. One solver is not thread-safe; use one
 * per thread (each solve uses OpenMP inside, see _set_threads). */
typedef struct tq_solver tq_solver;

/* Make a solver for baseline b (borrowed: must outlive the solver) with the defaults of
 * tq_solver_options_default. Errors: TQ_ERR_INVALID (b NULL), TQ_ERR_NOMEM. *out owned by
 * the caller (tq_solver_free). */
TQ_API tq_status tq_solver_new(tq_context *ctx, const tq_baseline *b, tq_solver **out);
/* Free the solver and its workspace (NULL accepted); results it made stay valid. */
TQ_API void tq_solver_free(tq_solver *s);
/* Tolerance on the max relative residual of (E2), (E4), (E5) (> 0). TQ_ERR_INVALID. */
TQ_API tq_status tq_solver_set_tol(tq_solver *s, double tol);
/* TQ_METHOD_ANDERSON (default) or TQ_METHOD_FIXED_POINT. TQ_ERR_INVALID otherwise. */
TQ_API tq_status tq_solver_set_method(tq_solver *s, tq_method method);
/* Outer iterations, continuation steps included; 0 = the method's default. */
TQ_API tq_status tq_solver_set_max_iter(tq_solver *s, int max_iter);
/* OpenMP threads; 0 = the OpenMP default. Results do not depend on it. */
TQ_API tq_status tq_solver_set_threads(tq_solver *s, int threads);
/* on != 0: start each solve from the last converged solution of this solver (the
 * first solve, and any after a failed one, start at the base). Off by default: then
 * every solve gives bitwise the same answer as a fresh tq_solve. Results with it on
 * agree with cold solves to the tolerance, not bitwise. */
TQ_API tq_status tq_solver_set_warm_start(tq_solver *s, int on);
/* Anderson memory 1..50 (default 8). */
TQ_API tq_status tq_solver_set_anderson_memory(tq_solver *s, int m);
/* Wage step scale in (0,1]; 0 = the method's default. */
TQ_API tq_status tq_solver_set_damping(tq_solver *s, double damping);
/* -1: world value added unchanged; r in [0,N): w^[r] = 1. */
TQ_API tq_status tq_solver_set_numeraire(tq_solver *s, int region);
/* All settings at once (opt->baseline_mode is ignored; opt->start is used when warm
 * start is off or there is no last solution). */
TQ_API tq_status tq_solver_set_options(tq_solver *s, const tq_solver_options *opt);
/* Solve sc (made for the solver's baseline) into a new result, as tq_solve. Returns and
 * fills like tq_solve: *out set on TQ_OK and TQ_ERR_NOT_CONVERGED (owned by the caller,
 * tq_result_free), NULL otherwise. */
TQ_API tq_status tq_solver_solve(tq_solver *s, const tq_scenario *sc, tq_result **out);
/* The same into r, a result of an earlier solve against a baseline of the same
 * dimensions (its arrays are overwritten; the [n,i,j] arrays are recomputed on request
 * into the memory they already have, or filled by the solve for a result of tq_solve).
 * Allocates nothing when the method and Anderson memory did not change since the
 * solver's last solve. TQ_ERR_INVALID if r has other dimensions; returns as
 * tq_solver_solve (on TQ_ERR_CANCELLED r's hats hold the point where it stopped, its
 * welfare arrays are not updated). */
TQ_API tq_status tq_solver_solve_into(tq_solver *s, const tq_scenario *sc, tq_result *r);
/* The info of the solver's last solve (zeros before the first). */
TQ_API const tq_solve_info *tq_solver_info(const tq_solver *s);

/* Residuals of a solution recomputed from scratch from the baseline's arrays and the
 * result's w^, P^, c^, pi', X', I', D' (independent of the solver's code). All
 * relative: e0 = (E0) goods-market clearing of the base, max |X - sum gamma Y - alpha I|
 * / sum_j X[n,j]; e1 = max |c^ / (E1) - 1|; e2 = max |P^ / (E2) - 1|; e3 = max
 * |pi' - (E3)|; e4 = (E4) as in tq_solve_info; income = max |I' - (w^ VA + R' + D')| /
 * I'; e5 = (E5) / (w^ VA); numeraire = |sum w^ VA / sum VA - 1| (or |w^[r] - 1|);
 * deficit_sum = |sum D'| / sum VA. max is the largest of them. */
typedef struct tq_check {
    double e0, e1, e2, e3, e4, income, e5, numeraire, deficit_sum, max;
} tq_check;
TQ_API tq_status tq_check_solution(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_result *r,
                                   const tq_solver_options *opt, tq_check *out);

/* -------------------------------------------------------- scenario files --- */
/* Scenario files (YAML, docs/scenarios.md). A spec keeps the codes and values as
 * written, with the file:line:column of each; they are resolved against a dataset and
 * a baseline by tq_spec_apply(), whose errors name that place. */

typedef struct tq_spec tq_spec;

/* Parse a scenario file (one or more scenarios). *out owned by the caller
 * (tq_spec_free). Errors: TQ_ERR_IO, TQ_ERR_PARSE with "file:line:column". */
TQ_API tq_status tq_spec_load(tq_context *ctx, const char *path, tq_spec **out);
/* The same from text; origin names it in messages (and relative paths resolve
 * against its folder). */
TQ_API tq_status tq_spec_parse(tq_context *ctx, const char *text, size_t len, const char *origin, tq_spec **out);
/* A spec with one empty scenario called name (for command-line shocks). */
TQ_API tq_status tq_spec_new(tq_context *ctx, const char *name, tq_spec **out);
TQ_API void tq_spec_free(tq_spec *sp);
/* Add "IMPORTER:EXPORTER:SECTORS=VALUE" (VALUE 20% set, +25pp / -5pp add points, x1.1
 * scales 1+t; each field a code, a comma list, a group or all) to every scenario. */
TQ_API tq_status tq_spec_add_tariff_arg(tq_context *ctx, tq_spec *sp, const char *arg);
/* Override the closure / dataset of scenario k (k < 0: all). */
TQ_API tq_status tq_spec_set_closure(tq_spec *sp, int k, tq_closure closure);
TQ_API tq_status tq_spec_set_dataset(tq_spec *sp, int k, const char *dataset);

TQ_API int tq_spec_count(const tq_spec *sp);
typedef struct tq_spec_info {
    const char *name, *title, *description;
    const char *origin;           /* the file it came from */
    const char *dataset;          /* NULL: the default dataset */
    const char *aggregate;        /* region map preset or path, or NULL */
    const char *sector_aggregate; /* sector map preset or path, or NULL */
    int year;                     /* 0: the last year of the data */
    tq_closure closure;
    int shocks; /* number of tariff / NTB entries */
} tq_spec_info;
/* Strings are owned by sp. */
TQ_API tq_status tq_spec_get(const tq_spec *sp, int k, tq_spec_info *out);
/* Apply scenario k's elasticity overrides to ds (before making the baseline). */
TQ_API tq_status tq_spec_apply_data(tq_context *ctx, const tq_spec *sp, int k, tq_dataset *ds);
/* Apply scenario k's tariff, retaliation and NTB shocks (in file order) and its closure
 * (with the deficit targets) to sc, made for baseline b of dataset ds. */
TQ_API tq_status tq_spec_apply(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, const tq_baseline *b,
                               tq_scenario *sc);
/* Regions named in scenario k's shocks: mask[N] set to 1 for each; *importer / *exporter
 * (may be NULL) get the first shock's pair when it names one region each, else -1.
 * Returns the count. */
TQ_API int tq_spec_named_regions(const tq_spec *sp, int k, const tq_dataset *ds, unsigned char *mask, int *importer,
                                 int *exporter);

/* ----------------------------------------------------------- replication --- */

/* A published reference reproduced: rows of (case, region, measure, paper value,
 * tradeq value). name: "cp2015" (Caliendo & Parro 2015, Table 2; dir is the cp2015
 * folder, holding base1993_with_deficits/ for the fixed-deficit case).
 * *out owned by the caller (tq_replication_free). */
typedef struct tq_replication tq_replication;
typedef struct tq_replication_row {
    const char *case_name; /* "balanced" or "deficits_fixed" */
    const char *region;    /* ISO3 */
    const char *measure;   /* "welfare", "tot", "vot", "real_wage", "welfare_exact" */
    double paper;          /* published value (NAN if none) */
    int paper_decimals;    /* its rounding (2 = to 0.01) */
    double value;          /* tradeq, unrounded */
    int exact;             /* 1 if tradeq is expected to match to the published rounding */
} tq_replication_row;
TQ_API tq_status tq_replicate(tq_context *ctx, const char *name, const char *dir, const tq_solver_options *opt,
                              tq_replication **out);
TQ_API int tq_replication_count(const tq_replication *r);
TQ_API const tq_replication_row *tq_replication_get(const tq_replication *r, int k);
/* A short note on what is and is not expected to match, and why (static storage of r). */
TQ_API const char *tq_replication_note(const tq_replication *r);
/* Total time of the solves in seconds. */
TQ_API double tq_replication_seconds(const tq_replication *r);
TQ_API void tq_replication_free(tq_replication *r);

/* ---------------------------------------------------------------- results --- */
/* Result files of solved scenarios (docs/results.md; JSON Schema in
 * docs/results.schema.json). Five tables, each with a `scenario` column so that several
 * runs sit side by side: regions, region_sector, bilateral (importer x exporter x sector,
 * rows with trade before or after, or a changed tariff), decomposition (non-zero ToT /
 * VoT contributions) and run (dataset, hash, year, closure, solver status). Money in
 * the dataset's units (M USD); trade pre-tariff; before = baseline, after =
 * counterfactual; *_pct = 100 (x^ - 1). Every table also carries the columns dataset,
 * dataset_hash, closure and converged, so a row read on its own says where it is from. */

/* Output formats, combined with |. Files in the output folder:
 *   CSV   results_<table>.csv   (one per table; doubles round-trip exactly)
 *   JSON  results.json          (every table per scenario; top-level "solver" and
 *                                "regions" are those of the first run)
 *   XLSX  results.xlsx          (one sheet per table; numbers to 16 digits)
 *   DTA   results_<table>.dta   (Stata 14+ format 118; file label
 *                                "tradeq <scenario> <dataset> <hash>") */
enum { TQ_FORMAT_CSV = 1, TQ_FORMAT_JSON = 2, TQ_FORMAT_XLSX = 4, TQ_FORMAT_DTA = 8 };

/* One solved scenario. The dataset (name, labels, hash, year) and the closure are
 * those of base and sc. Strings are borrowed for the call. */
typedef struct tq_run {
    const char *scenario;      /* name, e.g. "us-japan-autos"; non-empty, distinct among runs */
    const char *scenario_file; /* where it was read from; NULL or "" for the command line */
    const char *description;   /* one line; NULL or "" */
    const tq_baseline *base;
    const tq_scenario *sc; /* made from base */
    const tq_result *res;  /* tq_solve(base, sc); a non-converged result is written with
                              converged = 0 */
} tq_run;

/* Write the results of runs[0..n-1] into folder dir (created if absent; a folder only,
 * not its parents) in the given formats. Nothing is replaced unless overwrite is set:
 * TQ_ERR_EXISTS names the first result file already there. Files are written under
 * temporary names and renamed at the end, so a failure (TQ_ERR_IO, TQ_ERR_NOMEM,
 * TQ_ERR_CANCELLED through the progress callback, TQ_ERR_UNSUPPORTED when a table
 * exceeds Excel's 1,048,575 rows) leaves no result file and removes dir if this call
 * created it. TQ_ERR_INVALID for bad arguments. Progress is reported as stage
 * "write results" (per file, and every 32768 rows inside a file). Not thread-safe on
 * one ctx. */
TQ_API tq_status tq_results_write(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats,
                                  int overwrite);

#ifdef __cplusplus
}
#endif
#endif /* TRADEQ_H */
