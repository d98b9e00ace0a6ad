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
const char *tq_status_string(tq_status s);

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
tq_status tq_context_new(tq_context **out, const tq_allocator *alloc);
void tq_context_free(tq_context *ctx);
void tq_context_set_log(tq_context *ctx, tq_log_fn fn, void *ud);
void tq_context_set_progress(tq_context *ctx, tq_progress_fn fn, void *ud);
/* Ask the running operation to stop. Safe from any thread or a signal handler. */
void tq_context_cancel(tq_context *ctx);
/* Clear the cancellation flag (done by the caller before the next operation). */
void tq_context_reset_cancel(tq_context *ctx);

/* The last error recorded in ctx (never NULL; status TQ_OK if none). */
const tq_error *tq_last_error(const tq_context *ctx);
/* Format the last error as one line: "file:line: field 'f': message".
 * Writes at most n bytes including the NUL; returns the length it wanted. */
int tq_error_format(const tq_context *ctx, char *buf, size_t n);

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
    TQ_X,       /* [n,i,j] tariff-inclusive spending (1+t) Z */
    TQ_XJ,      /* [n,j]   total spending of n on sector j */
    TQ_PI,      /* [n,i,j] expenditure shares X[n,i,j] / XJ[n,j] (0 where XJ = 0) */
    TQ_Y,       /* [i,j]   gross output sum_n Z[n,i,j] */
    TQ_R,       /* [n]     tariff revenue sum t Z */
    TQ_I,       /* [n]     income VA + R + D */
    TQ_ARRAY_COUNT
} tq_array;

/* Create an empty dataset of N regions, J sectors and `years` years; arrays are
 * zero, codes empty, theta 1. *out is owned by the caller (tq_dataset_free). */
tq_status tq_dataset_new(tq_context *ctx, int N, int J, int years, tq_dataset **out);
void tq_dataset_free(tq_dataset *ds);
/* Deep copy, owned by the caller. */
tq_status tq_dataset_clone(tq_context *ctx, const tq_dataset *ds, tq_dataset **out);

int tq_dataset_regions(const tq_dataset *ds);
int tq_dataset_sectors(const tq_dataset *ds);
int tq_dataset_years(const tq_dataset *ds);

/* Labels. Strings are copied in; getters return storage owned by ds. */
tq_status tq_dataset_set_region(tq_dataset *ds, int n, const char *code, const char *name);
tq_status tq_dataset_set_sector(tq_dataset *ds, int j, const char *code, const char *name,
                                int tradable);
tq_status tq_dataset_set_year(tq_dataset *ds, int y, int year);
tq_status tq_dataset_set_name(tq_dataset *ds, const char *name, const char *source);
const char *tq_dataset_name(const tq_dataset *ds);   /* short name, e.g. "cp2015" */
const char *tq_dataset_source(const tq_dataset *ds); /* one line on where it comes from */
const char *tq_dataset_region_code(const tq_dataset *ds, int n);
const char *tq_dataset_region_name(const tq_dataset *ds, int n);
const char *tq_dataset_sector_code(const tq_dataset *ds, int j);
const char *tq_dataset_sector_name(const tq_dataset *ds, int j);
int tq_dataset_sector_tradable(const tq_dataset *ds, int j);
int tq_dataset_year(const tq_dataset *ds, int y);
/* Index of a region / sector code (case-sensitive) or year; -1 if absent. */
int tq_dataset_find_region(const tq_dataset *ds, const char *code);
int tq_dataset_find_sector(const tq_dataset *ds, const char *code);
int tq_dataset_find_year(const tq_dataset *ds, int year);

/* Whether gamma/beta/alpha come from input-output data (1) or were filled with the
 * no-input-output defaults (0: gamma = 0, beta = 1, alpha = final spending shares). */
int tq_dataset_has_io(const tq_dataset *ds);
void tq_dataset_set_has_io(tq_dataset *ds, int has_io);

/* Pointer to an array of year index y (y ignored for TQ_THETA); *len (may be NULL)
 * receives its length. Storage is owned by ds. NULL for a bad index. */
double *tq_dataset_array(tq_dataset *ds, tq_array which, int y, size_t *len);
const double *tq_dataset_array_const(const tq_dataset *ds, tq_array which, int y, size_t *len);

/* Compute the derived arrays (X, XJ, PI, Y, R, I) of every year from the inputs.
 * Call after changing inputs. */
tq_status tq_dataset_derive(tq_context *ctx, tq_dataset *ds);

/* Fill gamma = 0, beta = 1, VA = gross output, alpha = shares of spending, D from flows:
 * the no-input-output (Armington / Eaton-Kortum) reading of a flows-only dataset. */
tq_status tq_dataset_fill_no_io(tq_context *ctx, tq_dataset *ds);

/* How far a dataset is from the data contract of MODEL.md for year index y.
 * Relative measures are fractions (0.01 = 1%). */
typedef struct tq_consistency {
    double e0_max_rel;       /* max over n,j of |XJ - sum_k gamma Y - alpha I| / XJ (E0) */
    double e0_max_share_va;  /* same residual, as a share of the region's VA */
    int e0_worst_region, e0_worst_sector;
    double alpha_sum_max_dev;   /* max_n |sum_j alpha[n,j] - 1| */
    double beta_range_violations; /* count of beta outside (0,1] or gamma < 0 */
    double cost_share_max_dev;  /* max |beta + sum_k gamma - 1| over sectors with output */
    double pi_sum_max_dev;      /* max |sum_i pi[n,i,j] - 1| where XJ > 0 */
    double deficit_sum_rel;     /* |sum_n D| / world VA */
    double deficit_flow_max_rel; /* max_n |D - (imports - exports)| / VA[n] */
    int deficit_worst_region;
    double va_max_rel;          /* max_n |VA - sum_j beta Y| / VA */
    int va_worst_region;
    int negative_flows;         /* count of Z < 0 */
} tq_consistency;

tq_status tq_dataset_check(tq_context *ctx, const tq_dataset *ds, int y, tq_consistency *out);

/* Rebalance year index y (all years if y < 0) so that the data contract holds exactly
 * (docs/rebalancing.md): D := imports - exports from flows; VA := sum_j beta Y;
 * alpha := final demand F = XJ - sum_k gamma Y, negative cells set to 0, normalised.
 * Afterwards (E0) holds exactly unless some F was negative (reported in
 * *clipped_share, the clipped amount as a share of world final demand; may be NULL). */
tq_status tq_dataset_rebalance(tq_context *ctx, tq_dataset *ds, int y, double *clipped_share);

/* Read a dataset. path is a folder (or a file for single-file formats); the format is
 * detected from the files present (docs/formats.md): tradeq's own long CSV format,
 * the KITE/Caliendo-Parro initial conditions (wiod2014), the Caliendo-Parro 2015
 * replication layout (cp2015), WIOD wide world input-output tables (wiod2013), a
 * square bilateral matrix with GDP (liberation2025), or yearly flows and tariffs
 * (icio, wiod16). *out is owned by the caller. */
tq_status tq_dataset_load(tq_context *ctx, const char *path, tq_dataset **out);

/* Write ds in tradeq's own format into folder dir (created if needed). Refuses with
 * TQ_ERR_EXISTS if dir holds tradeq files and overwrite is 0. Reading the folder back
 * gives the same numbers bit for bit. */
tq_status tq_dataset_write(tq_context *ctx, const tq_dataset *ds, const char *dir, int overwrite);

/* Aggregate regions and/or sectors by mapping CSV files (either may be NULL):
 * region map header `code,group` (plus optional `group_name`), sector map header
 * `code,group` (plus optional `group_name,tradable`). Every code must be mapped.
 * Trade inside a new region group becomes its domestic trade; tariffs are aggregated
 * with trade weights; input-output shares are re-derived from values. *out is owned
 * by the caller. */
tq_status tq_dataset_aggregate(tq_context *ctx, const tq_dataset *ds, const char *region_map,
                               const char *sector_map, tq_dataset **out);

/* A content hash of the dataset (FNV-1a 64 over labels and arrays), for tracing results. */
uint64_t tq_dataset_hash(const tq_dataset *ds);

/* --------------------------------------------------------------- balance --- */

/* Bilateral trade of region a with partner b in year index y, by sector (pre-tariff
 * values, M USD): exports[j] = Z[b,a,j], imports[j] = Z[a,b,j]. Arrays of length J
 * supplied by the caller. b may be -1 for "all partners". */
tq_status tq_balance(tq_context *ctx, const tq_dataset *ds, int y, int a, int b,
                     double *exports, double *imports);

/* ================================================================ engine === */
/* (the general-equilibrium engine; see MODEL.md (E1)-(E5)) */

#ifdef __cplusplus
}
#endif
#endif /* TRADEQ_H */
