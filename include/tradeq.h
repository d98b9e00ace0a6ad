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

/* The base-year update (docs/io-bridge.md): give a flows-only dataset `target` the
 * input-output technology of `reference` (year index ref_year, < 0: its last year). Each
 * target region takes the value-added and input shares of its reference region (region
 * concordance CSV `region,reference`, one row per target region or a row `*` naming the
 * stand-in of the rest), mapped from the reference's sectors to the target's (sector
 * concordance CSV `reference,target`, many-to-many: a reference sector mapped to several
 * target sectors gives each its cost shares and splits its use as an input among them by
 * the target region's spending); a sector the reference region does not produce takes the
 * reference world's. Trade, output, absorption and tariffs of every target year stay;
 * final demand is what absorption leaves after intermediate use, reconciled with
 * tq_dataset_rebalance (negative final demand moved to value added), so (E0) holds exactly
 * in every year and has_io becomes 1. *rows (may be NULL; caller frees with
 * tq_io_import_free) receives *count = regions x years rows in year-major order saying what
 * the reconciliation moved. Errors: TQ_ERR_IO / TQ_ERR_PARSE (a map file; file, line and
 * field named), TQ_ERR_NOT_FOUND (a code in a map absent from its dataset), TQ_ERR_INVALID
 * (a reference without input-output data, an unmapped sector or region, a region left
 * without final demand), TQ_ERR_NOMEM; target is then partly changed. Thread safety:
 * reference is only read; one ctx per thread. */
typedef struct tq_io_import_row {
    int year;
    char region[16];      /* target region code */
    char reference[16];   /* the reference region whose technology it took */
    double final_demand;  /* final demand (= income I) after reconciliation, M USD */
    double moved;         /* intermediate use above absorption moved to value added, M USD */
    double moved_share;   /* moved / final_demand */
    int sectors_clipped;  /* sectors whose final demand was negative before reconciliation */
    int fallback_sectors; /* target sectors that took the reference world's technology */
    double va_share;      /* value added / gross output after reconciliation */
} tq_io_import_row;
TQ_API tq_status tq_dataset_import_io(tq_context *ctx, tq_dataset *target, const tq_dataset *reference, int ref_year,
                                      const char *sector_map, const char *region_map, tq_io_import_row **rows,
                                      int *count);
/* Free rows of tq_dataset_import_io (NULL accepted). */
TQ_API void tq_io_import_free(tq_context *ctx, tq_io_import_row *rows);
/* Write rows[n] as the reconciliation report CSV (header year,region,reference,
 * final_demand,moved,moved_share,sectors_clipped,fallback_sectors,va_share; the format of
 * data/icio/io_reconciliation.csv) to file, a FILE * open for writing (void * so that
 * this header need not include <stdio.h>; neither flushed nor closed). Returns 0, or -1 on
 * a write error. */
TQ_API int tq_io_import_write_csv(const tq_io_import_row *rows, int n, void *file);
/* The rows of one year starting at rows[k] (rows are year-major): their count, the share of
 * that year's world final demand the reconciliation moved (*moved_share) and the index of
 * the row that moved the most (*worst). k < n. */
TQ_API int tq_io_import_year(const tq_io_import_row *rows, int n, int k, double *moved_share, int *worst);

/* Read a dataset. path is a folder (or a file for single-file formats); the format is
 * detected from the files present (docs/formats.md): tradeq's own long CSV format,
 * the KITE/Caliendo-Parro initial conditions (wiod2014), the Caliendo-Parro 2015
 * replication layout (cp2015), WIOD wide world input-output tables (wiod2013), a
 * square bilateral matrix with GDP (liberation2025), or yearly flows and tariffs
 * (icio, wiod16). path may also be a binary dataset file (.tqb, written by
 * tq_dataset_write_binary; recognised by its signature). *out is owned by the caller. */
TQ_API tq_status tq_dataset_load(tq_context *ctx, const char *path, tq_dataset **out);

/* Write ds in tradeq's own format into folder dir (created if needed). Refuses with
 * TQ_ERR_EXISTS if dir holds tradeq files and overwrite is 0. Reading the folder back
 * gives the same numbers bit for bit. */
TQ_API tq_status tq_dataset_write(tq_context *ctx, const tq_dataset *ds, const char *dir, int overwrite);

/* Write ds as one binary file (.tqb, docs/formats/binary.md) at path: labels, groups,
 * input arrays and the cached baselines attached to ds (tq_dataset_cache_baseline),
 * with a checksum. tq_dataset_load() reads it back in a few milliseconds to the same
 * dataset bit for bit (same tq_dataset_hash, same arrays). The file is written under a
 * temporary name and renamed. Errors: TQ_ERR_EXISTS if path exists and overwrite is 0,
 * TQ_ERR_IO, TQ_ERR_NOMEM. The file is for this kind of machine (byte order) and is
 * read back by a library that reads its format version. */
TQ_API tq_status tq_dataset_write_binary(tq_context *ctx, const tq_dataset *ds, const char *path, int overwrite);

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

/* ---------------------------------------------------------- plausibility --- */
/* Headline aggregates of a dataset against official figures (data/checks/official.csv:
 * dataset, year, measure, region, partner, value_bn, source, tolerance_pct, basis). The
 * measures: goods_balance and services_balance (exports minus imports of region with
 * partner, pre-tariff, summed over the dataset's sector group "goods" or "services") and
 * tariff_revenue (sum over partners and sectors of t Z of region; partner empty). */
typedef struct tq_plausibility_row {
    char dataset[32];
    int year;
    char measure[32];
    char region[16];
    char partner[16];   /* "" for tariff_revenue */
    double data_bn;     /* the measure computed from the dataset, USD bn */
    double official_bn; /* the official figure of the file, USD bn */
    double diff_pct;    /* 100 (data - official) / |official| */
    double tolerance_pct;
    int flagged;      /* |diff_pct| > tolerance_pct */
    char source[512]; /* the file's citation (cut at 511 bytes) */
    char basis[512];  /* why the bases differ (cut at 511 bytes) */
} tq_plausibility_row;

/* Compare ds with the rows of the CSV at csv_path whose dataset is tq_dataset_name(ds).
 * *rows (caller frees with tq_plausibility_free) receives *count rows in file order;
 * *count may be 0. Errors: TQ_ERR_IO (no file), TQ_ERR_PARSE (bad header, number or
 * measure), TQ_ERR_NOT_FOUND (a row's year, region, partner or sector group not in ds),
 * TQ_ERR_NOMEM. Thread safety: ds is only read; one ctx per thread. */
TQ_API tq_status tq_dataset_plausibility(tq_context *ctx, const tq_dataset *ds, const char *csv_path,
                                         tq_plausibility_row **rows, int *count);
/* Free rows of tq_dataset_plausibility (NULL accepted). */
TQ_API void tq_plausibility_free(tq_context *ctx, tq_plausibility_row *rows);

/* ---------------------------------------------------------- elasticities --- */
/* Named, cited sets of trade elasticities theta (docs/elasticities.md). The embedded data
 * ship them in data/elasticities/: sets.csv (name, label, method, citation, default_for)
 * and <dataset>.csv (a `sector` column of codes, one column of theta per set). */

typedef struct tq_elasticities tq_elasticities;

/* Read the sets of dataset `dataset` (a name such as "wiod2014": the file dir/<dataset>.csv)
 * with their citations from dir/sets.csv. Only sets with a column for the dataset are kept,
 * in sets.csv's order. *out owned by the caller (tq_elasticities_free). Errors: TQ_ERR_IO
 * (missing file), TQ_ERR_PARSE (bad header or value, a column without a listed set). */
TQ_API tq_status tq_elasticities_load(tq_context *ctx, const char *dir, const char *dataset, tq_elasticities **out);
TQ_API void tq_elasticities_free(tq_elasticities *e);
TQ_API int tq_elasticities_count(const tq_elasticities *e);
/* Set k's short name ("CP"), label, estimation method and citation (storage owned by e;
 * NULL for a bad k), and whether it is the set the dataset ships with. */
TQ_API const char *tq_elasticities_name(const tq_elasticities *e, int k);
TQ_API const char *tq_elasticities_label(const tq_elasticities *e, int k);
TQ_API const char *tq_elasticities_method(const tq_elasticities *e, int k);
TQ_API const char *tq_elasticities_citation(const tq_elasticities *e, int k);
TQ_API int tq_elasticities_is_default(const tq_elasticities *e, int k);
/* Index of the set called name (case-insensitive), -1 if none. */
TQ_API int tq_elasticities_find(const tq_elasticities *e, const char *name);
/* theta of set k for the sector with code `sector`; NAN if either is unknown. */
TQ_API double tq_elasticities_theta(const tq_elasticities *e, int k, const char *sector);
/* Set ds's theta to set `name`, sector by sector by code. TQ_ERR_NOT_FOUND (ds unchanged)
 * for an unknown set (the message lists the sets) or a sector of ds the set lacks (an
 * aggregated dataset: choose the set before aggregating). */
TQ_API tq_status tq_elasticities_apply(tq_context *ctx, const tq_elasticities *e, const char *name, tq_dataset *ds);

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
    double max_seconds;             /* wall-clock budget of one solve (of the baseline too), checked
                                       after every iteration: when it is spent the solve stops with
                                       TQ_ERR_NOT_CONVERGED (TQ_STOP_TIME_LIMIT) and its residual;
                                       <= 0 or not finite = default: TQ_DEFAULT_MAX_SECONDS */
} tq_solver_options;

/* The default wall-clock budget of one solve, in seconds (tq_solver_options.max_seconds). */
#define TQ_DEFAULT_MAX_SECONDS 600.0

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
    TQ_STOP_DIVERGED = 5,        /* the residual became infinite or NaN and no restart helped */
    TQ_STOP_TIME_LIMIT = 6       /* the wall-clock budget (max_seconds) was spent */
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
/* Equilibrium models (docs/models.md). A baseline belongs to one model; scenarios,
 * solvers, results, welfare and the result tables work the same for each. */
typedef enum tq_model {
    TQ_MODEL_CP = 0,  /* Caliendo & Parro (2015), MODEL.md (E1)-(E5): the default */
    TQ_MODEL_OSSA = 1 /* Ossa (2014), MODEL.md (O1)-(O4): monopolistic competition with a
                         fixed mass of firms, labour only, no input-output links, sigma =
                         theta + 1; results: w^ the labour wage, c^ = w^, I' spending E',
                         welfare E^ / prod_j P^^m (his W^) */
} tq_model;
/* "cp" or "ossa" (static storage); NULL for an unknown value. Thread-safe. */
TQ_API const char *tq_model_name(tq_model m);
/* The model called name ("cp", "caliendo-parro", "ossa", "ossa2014") into *out.
 * TQ_ERR_NOT_FOUND for an unknown name, TQ_ERR_INVALID for NULL (nothing recorded: no
 * context). Thread-safe. */
TQ_API tq_status tq_model_parse(const char *name, tq_model *out);
/* tq_baseline_new() for a given model. TQ_MODEL_CP is tq_baseline_new() itself.
 * TQ_MODEL_OSSA reads only the flows Z, the tariffs and theta (sigma = theta + 1) of
 * year index y; recalibration (the default) solves (O1)-(O4) at unchanged tariffs with
 * the closure's deficits (balanced: Ossa's NX' = 0 "purged" base, as in his tables).
 * Ossa baselines are not kept in a dataset's baseline cache. Errors as tq_baseline_new,
 * and TQ_ERR_INVALID for an unknown model. *out owned by the caller (tq_baseline_free). */
TQ_API tq_status tq_baseline_new_model(tq_context *ctx, const tq_dataset *ds, int y, tq_closure closure, tq_model model,
                                       const tq_solver_options *opt, tq_baseline **out);
/* The model of a baseline (TQ_MODEL_CP for NULL). */
TQ_API tq_model tq_baseline_model(const tq_baseline *b);
/* Attach a copy of baseline b, made by tq_baseline_new() from ds (or from a dataset of the
 * same content) with options opt (NULL = defaults), to ds's baseline cache: afterwards
 * tq_baseline_new() on ds, on its clones, or on ds written with tq_dataset_write_binary()
 * and read back, returns an exact copy of b (arrays bit for bit, the same tq_solve_info)
 * instead of solving again, as long as the dataset's content (tq_dataset_hash), the year,
 * closure and the solver options that shape a baseline (baseline_mode, tol, method,
 * max_iter, anderson_m, damping, numeraire_region) and the library version are the same;
 * any change (an elasticity override, say) makes tq_baseline_new recompute. Errors:
 * TQ_ERR_NOMEM, TQ_ERR_INVALID (NULL argument). Not thread-safe on one ds. */
TQ_API tq_status tq_dataset_cache_baseline(tq_context *ctx, tq_dataset *ds, const tq_baseline *b,
                                           const tq_solver_options *opt);
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
/* Set t'[n,i,j] = rate (ad valorem, 1 + rate in (0, 1e3]). Any of n, i, j may be -1 for
 * "all"; domestic cells (n == i) are never changed. TQ_ERR_INVALID for bad indices or rate. */
TQ_API tq_status tq_scenario_set_tariff(tq_scenario *sc, int n, int i, int j, double rate);
/* Set d^[n,i,j] = dhat (in [1e-3, 1e3]), the iceberg (non-tariff) cost change; -1 means "all".
 * d^[n,n,j] may be set (a domestic cost shock). */
TQ_API tq_status tq_scenario_set_iceberg(tq_scenario *sc, int n, int i, int j, double dhat);
/* Set all import tariffs of region n at once: t'[n,i,j] = rates[i*J + j] for every
 * exporter i != n and sector j (rates has N*J entries; the row i = n is ignored). Checked
 * first (1 + rate in (0, 1e3]); on an error nothing changes (TQ_ERR_INVALID). For tariff
 * searches: set, then tq_solver_solve_into with warm start. */
TQ_API tq_status tq_scenario_set_import_tariffs(tq_scenario *sc, int n, const double *rates);
/* Writable full arrays [n,i,j] (owned by sc): new tariffs t' and iceberg changes d^. The
 * iceberg array is allocated (all 1) on the first call or iceberg shock, so scenarios
 * without one cost no memory for it; tq_scenario_iceberg returns NULL if that fails. */
TQ_API double *tq_scenario_tariffs(tq_scenario *sc);
TQ_API double *tq_scenario_iceberg(tq_scenario *sc);
/* Choose the closure; target (length N, summing to 0 within 1e-9 of world VA, each
 * VA[n] + target[n] > 0 so that every income stays positive) is copied and required for
 * TQ_CLOSURE_TARGET, ignored otherwise. */
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
/* Wall-clock budget of each solve in seconds (tq_solver_options.max_seconds; 0 = the
 * default TQ_DEFAULT_MAX_SECONDS). TQ_ERR_INVALID if negative or NaN. */
TQ_API tq_status tq_solver_set_max_seconds(tq_solver *s, double max_seconds);
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
/* The exact gradient of welfare with respect to the tariffs, by the implicit function
 * theorem on the equilibrium system (one adjoint solve, no extra equilibrium solves):
 * grad[n,i,j] (N^2 J doubles, the caller's) = d f / d t'[n,i,j] with f = sum_k weights[k]
 * W_k, W_k = TQ_RES_WELFARE (percent) of region k; weights NULL means f = W_region.
 * Evaluated at the solver's last converged solution, which must be of sc as it is now
 * (solve sc first; the solution is checked). Domestic cells and cells without base trade
 * get 0. Models: Ossa (TQ_MODEL_OSSA: a dense 2N x 2N system) and Caliendo-Parro (every
 * closure and numeraire: the adjoint of the solver's fixed-point map, solved matrix-free
 * by GMRES to a relative residual of 1e-11; docs/strategic.md). Errors: TQ_ERR_INVALID
 * (bad arguments, no converged solution of sc), TQ_ERR_NOT_CONVERGED (the adjoint
 * system, with its residual), TQ_ERR_UNSUPPORTED, TQ_ERR_NOMEM. Ossa allocates O(N^2 J)
 * scratch per call; Caliendo-Parro about (61 + N)(N + 2 N J) doubles once per solver
 * (first call: the GMRES basis and each region's last adjoint, its warm start). */
TQ_API tq_status tq_solver_welfare_gradient(tq_solver *s, const tq_scenario *sc, int region, const double *weights,
                                            double *grad);
/* The info of the solver's last solve (zeros before the first). */
TQ_API const tq_solve_info *tq_solver_info(const tq_solver *s);

/* Residuals of a solution recomputed from scratch from the baseline's arrays and the
 * result's w^, P^, c^, pi', X', I', D' (independent of the solver's code). All
 * relative: e0 = (E0) goods-market clearing of the base, max |X - sum gamma Y - alpha I|
 * / sum_j X[n,j]; e1 = max |c^ / (E1) - 1|; e2 = max |P^ / (E2) - 1|; e3 = max
 * |pi' - (E3)|; e4 = (E4) as in tq_solve_info; income = max |I' - (w^ VA + R' + D')| /
 * I'; e5 = (E5) / (w^ VA); numeraire = |sum w^ VA / sum VA - 1| (or |w^[r] - 1|);
 * deficit_sum = |sum D'| / sum VA. max is the largest of them. A result that fails
 * tq_result_validate (NaN/inf, non-positive w^, P^, c^ or I') is TQ_ERR_INVALID with the
 * residuals filled and max = inf. */
typedef struct tq_check {
    double e0, e1, e2, e3, e4, income, e5, numeraire, deficit_sum, max;
} tq_check;
TQ_API tq_status tq_check_solution(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, const tq_result *r,
                                   const tq_solver_options *opt, tq_check *out);

/* Check a result before it is reported or written: every array present (the lazy
 * [n,i,j] ones only once computed) finite, and w^, P^, c^ and I' positive. Errors:
 * TQ_ERR_INVALID naming the array and the value (tq_tables_new, and so the result
 * writers, refuse such a result; tq_check_solution reports it). Thread safety: reads r
 * only. */
TQ_API tq_status tq_result_validate(tq_context *ctx, const tq_result *r);

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
/* Override the equilibrium model of scenario k (k < 0: all). TQ_ERR_INVALID for an
 * unknown model. */
TQ_API tq_status tq_spec_set_model(tq_spec *sp, int k, tq_model model);
/* Override the base year of scenario k (k < 0: all); 0 restores the default (the last
 * year of the data). A year the dataset lacks is found when the scenario runs
 * (TQ_ERR_NOT_FOUND). TQ_ERR_INVALID for a negative or five-digit year. */
TQ_API tq_status tq_spec_set_year(tq_spec *sp, int k, int year);

TQ_API int tq_spec_count(const tq_spec *sp);
typedef struct tq_spec_info {
    const char *name, *title, *description;
    const char *origin;           /* the file it came from */
    const char *dataset;          /* NULL: the default dataset */
    const char *aggregate;        /* region map preset or path, or NULL */
    const char *sector_aggregate; /* sector map preset or path, or NULL */
    int year;                     /* 0: the last year of the data */
    tq_closure closure;
    int shocks;               /* number of tariff / NTB entries */
    int overrides;            /* number of per-sector theta overrides (elasticities: mapping) */
    const char *elasticities; /* the named elasticity set (docs/elasticities.md) of
                                 `elasticities: NAME` (or `set: NAME`), NULL: the dataset's own */
    tq_model model;           /* `model: cp|ossa` (docs/models.md); TQ_MODEL_CP when unset */
} tq_spec_info;
/* Strings are owned by sp. */
TQ_API tq_status tq_spec_get(const tq_spec *sp, int k, tq_spec_info *out);
/* Apply scenario k's elasticity overrides to ds (before making the baseline). */
TQ_API tq_status tq_spec_apply_data(tq_context *ctx, const tq_spec *sp, int k, tq_dataset *ds);
/* Apply scenario k's tariff, retaliation and NTB shocks (in file order) and its closure
 * (with the deficit targets) to sc, made for baseline b of dataset ds. */
TQ_API tq_status tq_spec_apply(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, const tq_baseline *b,
                               tq_scenario *sc);
/* The `uncertainty:` mapping of scenario k (docs/uncertainty.md): *draws the number of
 * theta draws (0: none), *sets 1 for `draws: sets`, *seed the seed (default 1). Any
 * pointer may be NULL. TQ_ERR_INVALID for a bad k. */
TQ_API tq_status tq_spec_uncertainty(const tq_spec *sp, int k, int *draws, int *sets, uint64_t *seed);
/* What the draws of scenario k vary, from its `uncertainty:` mapping (docs/uncertainty.md):
 * *theta 1 unless `theta: false`, *partial_effects 1 unless `partial_effects: false` (the
 * partial effects of gravity shocks that have a standard error). Either pointer may be
 * NULL. TQ_ERR_INVALID for a bad k. */
TQ_API tq_status tq_spec_uncertainty_params(const tq_spec *sp, int k, int *theta, int *partial_effects);
/* Regions named in scenario k's shocks, deficit targets and strategy: moves (by code):
 * mask[N] set to 1 for each; *importer / *exporter
 * (may be NULL) get the first shock's pair when it names one region each, else -1.
 * Returns the count. */
TQ_API int tq_spec_named_regions(const tq_spec *sp, int k, const tq_dataset *ds, unsigned char *mask, int *importer,
                                 int *exporter);

/* ----------------------------------------------------------- replication --- */

/* A published reference reproduced: rows of (case, region, measure, paper value,
 * tradeq value). name: "cp2015" (Caliendo & Parro 2015, Table 2; dir is the cp2015
 * folder, holding base1993_with_deficits/ for the fixed-deficit case), or "liberation2025"
 * (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025, Tables 1, 2, 3, the one-sector
 * rows of 9, Table 8 and the main columns of 11, with the baseline checkpoints of their model;
 * dir is the embedded dataset folder data/liberation2025, see tq_runner_dataset_folder;
 * opt is not used: the model has its own Newton solver; docs/liberation-day.md).
 * *out owned by the caller (tq_replication_free). */
typedef struct tq_replication tq_replication;
typedef struct tq_replication_row {
    const char *case_name; /* e.g. "balanced", "deficits_fixed" (cp2015), "t1_ustr" */
    const char *region;    /* ISO3, or a group ("non-US", "EU25", "world", "-") */
    const char *measure;   /* e.g. "welfare", "tot", "vot", "real_wage", "deficit" */
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

/* ---------------------------------------------------- Liberation-Day model --- */
/* The one-sector model of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), "Making
 * America Great Again? The Economic Impacts of Liberation Day Tariffs" (JIE), as
 * design/LIBERATION_DAY.md specifies it (docs/liberation-day.md): 194 countries, ν
 * calibrated and the baseline rebuilt from the data, an equilibrium in wages, expenditure
 * and employment with scale economies, pass-through and labour supply. Tariffs are
 * matrices t[i * N + j], the tariff importer j levies on exporter i (N x N, zero
 * diagonal); the baseline has none. A handle is used by one thread at a time. */
typedef struct tq_liberation tq_liberation;
/* Outcomes of one solve (arrays of N, owned by the handle, valid until its next solve),
 * in percent changes unless said otherwise. */
typedef struct tq_liberation_result {
    int regions;
    const double *welfare;     /* real income net of the labour disutility */
    const double *deficit;     /* goods deficit (imports - exports), change over |baseline| */
    const double *exports_gdp; /* exports / GDP */
    const double *imports_gdp; /* imports / GDP */
    const double *employment;
    const double *cpi;        /* consumer prices (world E-weighted mean of P^ is 1) */
    const double *revenue;    /* tariff revenue / baseline expenditure (a share) */
    double trade_gdp;         /* world trade (tariff-inclusive) / world GDP */
    double employment_global; /* GDP-weighted */
    double residual;          /* largest scaled residual at the solution */
    int iterations;           /* Newton steps */
} tq_liberation_result;
/* Load the dataset folder dir (data/liberation2025, in CSV: tq_runner_dataset_folder(r,
 * "liberation2025", "gdp.csv", ...) finds it), calibrate ν and rebuild the baseline.
 * Errors: those of tq_dataset_load(), TQ_ERR_PARSE for gdp.csv / us_tariffs_2025.csv
 * (naming file, line, field), TQ_ERR_INVALID for data without one sector and a USA,
 * TQ_ERR_NOT_CONVERGED, TQ_ERR_NOMEM. *out owned by the caller (tq_liberation_free). */
TQ_API tq_status tq_liberation_new(tq_context *ctx, const char *dir, tq_liberation **out);
TQ_API void tq_liberation_free(tq_liberation *m); /* accepts NULL */
TQ_API int tq_liberation_regions(const tq_liberation *m);
/* ISO3 code of country i (storage owned by m), NULL out of range; -1 for an unknown code. */
TQ_API const char *tq_liberation_region_code(const tq_liberation *m, int i);
TQ_API int tq_liberation_find_region(const tq_liberation *m, const char *code);
/* Baseline expenditure E_i (thousands of USD), the weight of the paper's averages. */
TQ_API double tq_liberation_expenditure(const tq_liberation *m, int i);
/* The paper's nine cases, k = 1..9 (docs/liberation-day.md): "ustr", "partial_pass_through",
 * "eaton_kortum", "optimal", "ustr_optimal_retaliation", "ustr_reciprocal",
 * "optimal_opt_retaliation", "ustr_lump_sum", "eps8"; NULL out of range. */
TQ_API const char *tq_liberation_case_name(int k);
/* Case k's tariff matrix into t (N x N doubles). TQ_ERR_INVALID for a bad k. */
TQ_API tq_status tq_liberation_case_tariffs(tq_liberation *m, int k, double *t);
/* Solve case k, or a tariff matrix t of one's own with the baseline parameters (revenue
 * as income-tax relief, or with lump_sum a lump-sum rebate), from the baseline. Errors:
 * TQ_ERR_INVALID (bad k, a tariff outside (-1, 1000] or on a country's own goods),
 * TQ_ERR_NOT_CONVERGED with the residual. */
TQ_API tq_status tq_liberation_solve_case(tq_liberation *m, int k, tq_liberation_result *res);
TQ_API tq_status tq_liberation_solve(tq_liberation *m, const double *t, int lump_sum, tq_liberation_result *res);
/* The baseline-expenditure-weighted average of r[N] over the countries with mask[i]. */
TQ_API double tq_liberation_average(const tq_liberation *m, const double *r, const unsigned char *mask);

/* ---------------------------------------------------------------- policy --- */
/* Strategic tariffs (MODEL.md "Strategic tariffs", docs/strategic.md): optimal tariffs
 * of one region, the Nash equilibrium of a tariff war, and cooperative tariffs (trade
 * talks). Each works on any baseline the solver object solves (any model): welfare is
 * the result's TQ_RES_WELFARE, a function of the tariffs through the equilibrium.
 *
 * A best response is a bound-constrained maximisation (NLopt, L-BFGS) of the region's
 * welfare over its import tariffs. Gradients are exact where the model has them
 * (tq_solver_welfare_gradient: both models), else finite differences of welfare through
 * the equilibrium (forward differences, one solve per variable, in parallel over the
 * variables with OpenMP, each thread with its own warm-started solver). At every
 * reported optimum the gradient norm of the free variables (not at a bound) and a
 * second-order check (curvature of welfare along each free variable and along random
 * directions, or the largest eigenvalue of the Hessian when there are few variables)
 * are recorded.
 *
 * The objects are configure-then-run (as NLopt's): _new, _set_*, _run, then read the
 * results. Progress goes to the context's progress callback (stages "optimal",
 * "nash", "talks"); tq_context_cancel() (or the callback returning non-zero) stops a
 * run with TQ_ERR_CANCELLED, and the results then hold the best point reached so far,
 * flagged partial in the info. One object is used by one thread at a time. */

/* Which tariffs a region chooses. */
typedef enum tq_tariff_form {
    TQ_FORM_SECTOR = 0,     /* one rate per sector, the same for every partner (default) */
    TQ_FORM_UNIFORM = 1,    /* one rate for every partner and chosen sector */
    TQ_FORM_PER_PARTNER = 2 /* one rate per partner and sector (discriminatory tariffs) */
} tq_tariff_form;

/* Settings shared by the strategic objects. All-zero is not the default: fill with
 * tq_policy_options_default(). */
typedef struct tq_policy_options {
    tq_tariff_form form;
    const int *sectors; /* the sectors whose tariffs are chosen (copied by _set_options);
                           NULL: every sector; the others keep their tariffs. Sectors (and
                           partners) with no base trade are never variables: a tariff on
                           them changes nothing */
    int nsectors;
    double lower, upper;    /* bounds on every chosen tariff (rates; default 0 and 3 = 300%) */
    double xtol;            /* stop when a step changes no tariff by more (default 1e-7) */
    int max_eval;           /* welfare-and-gradient evaluations per optimisation (default 500) */
    int threads;            /* OpenMP threads for the finite differences; 0: the OpenMP default */
    double fd_step;         /* finite-difference step in tariff units (default 1e-6) */
    double solve_tol;       /* tolerance of every equilibrium solve (default 1e-12) */
    int second_order;       /* 1 (default): the second-order check at each reported optimum */
    int finite_differences; /* 1: finite differences even where the model has an exact
                               gradient (a check, and the bench's comparison); default 0 */
} tq_policy_options;
TQ_API void tq_policy_options_default(tq_policy_options *o);

/* How one optimisation went. Welfare in percent (100 (W^ - 1)) against the baseline. */
typedef struct tq_optimum_info {
    tq_status status; /* TQ_OK, TQ_ERR_NOT_CONVERGED (evaluation limit; best point
                         kept), TQ_ERR_CANCELLED (partial) */
    int partial;      /* 1 when cancelled: the results are the best point so far */
    int variables;    /* number of tariffs chosen */
    int at_bounds;    /* of them, at a bound at the optimum */
    int evaluations;  /* welfare-and-gradient evaluations */
    long solves;      /* equilibrium solves, finite differences included */
    double seconds;
    double welfare;       /* the region's (or the objective's) welfare at the optimum, percent */
    double grad_norm;     /* max |dW/dt| (percent per unit of tariff) over the free variables */
    double max_curvature; /* largest second derivative of welfare found (along the free
                             variables and random directions, or the Hessian's largest
                             eigenvalue); < 0 at a strict local maximum */
    int second_order_ok;  /* max_curvature < 0 (1), not (0), not checked (-1) */
} tq_optimum_info;

/* --- the optimal tariff of one region --- */
typedef struct tq_optimal tq_optimal;

/* The optimal import tariffs of region `region` of baseline b, given everyone else's
 * tariffs. b is borrowed (must outlive the object). *out owned by the caller
 * (tq_optimal_free). Errors: TQ_ERR_INVALID (b NULL, region out of range), TQ_ERR_NOMEM. */
TQ_API tq_status tq_optimal_new(tq_context *ctx, const tq_baseline *b, int region, tq_optimal **out);
TQ_API void tq_optimal_free(tq_optimal *o);
/* Copy the settings (and the sector list). TQ_ERR_INVALID for a bad form, sector, or
 * bounds (lower > -1, lower < upper <= 1000). */
TQ_API tq_status tq_optimal_set_options(tq_optimal *o, const tq_policy_options *opt);
/* Everyone's tariffs to start from, [n,i,j] (copied; default: the baseline's): the
 * other regions keep theirs, the region's chosen tariffs start there (clipped to the
 * bounds). TQ_ERR_INVALID for a rate <= -1 or not finite. */
TQ_API tq_status tq_optimal_set_tariffs(tq_optimal *o, const double *tariffs);
/* Maximise. Returns TQ_OK, TQ_ERR_NOT_CONVERGED (limit reached: the best point is
 * kept), TQ_ERR_CANCELLED (partial results kept), or the solver's errors. */
TQ_API tq_status tq_optimal_run(tq_optimal *o);
/* After a run: the tariffs [n,i,j] (all regions: the region's chosen ones and everyone
 * else's unchanged), every region's welfare change in percent [n], and the info.
 * Owned by o; NULL before a run. */
TQ_API const double *tq_optimal_tariffs(const tq_optimal *o);
TQ_API const double *tq_optimal_welfare(const tq_optimal *o);
TQ_API const tq_optimum_info *tq_optimal_info(const tq_optimal *o);

/* --- the Nash equilibrium of a tariff war --- */
typedef struct tq_nash tq_nash;

/* A tariff war among players[0..nplayers-1] (region indices of b; NULL or 0: all
 * regions): each sets its optimal tariffs against the others' in turn (best-response
 * iteration, Gauss-Seidel) until no tariff moves by more than the tolerance; regions
 * outside the war keep their tariffs. *out owned by the caller (tq_nash_free).
 * Errors: TQ_ERR_INVALID (bad or repeated region, fewer than 1 player), TQ_ERR_NOMEM. */
TQ_API tq_status tq_nash_new(tq_context *ctx, const tq_baseline *b, const int *players, int nplayers, tq_nash **out);
TQ_API void tq_nash_free(tq_nash *g);
TQ_API tq_status tq_nash_set_options(tq_nash *g, const tq_policy_options *opt);
/* Starting tariffs [n,i,j] (copied; default the baseline's). */
TQ_API tq_status tq_nash_set_tariffs(tq_nash *g, const double *tariffs);
/* How tq_nash_run finds the equilibrium. */
typedef enum tq_nash_method {
    TQ_NASH_BEST_RESPONSE = 0, /* best-response iteration (Gauss-Seidel rounds; default) */
    TQ_NASH_SIMULTANEOUS = 1   /* uniform tariffs only (TQ_FORM_UNIFORM): Broyden's method on
                                  every player's first-order condition at once, one
                                  equilibrium solve and one adjoint per player per iteration
                                  (docs/strategic.md); if it does not settle in 10 x max_rounds
                                  iterations, best responses continue from its point. info:
                                  rounds = iterations, max_gain = the largest gain a player's
                                  Newton step would still bring */
} tq_nash_method;
/* Choose the method. Errors: TQ_ERR_INVALID (unknown method); tq_nash_run says
 * TQ_ERR_UNSUPPORTED for TQ_NASH_SIMULTANEOUS with another form than uniform. */
TQ_API tq_status tq_nash_set_method(tq_nash *g, tq_nash_method method);
/* Stop when no tariff moved by more than tol (rate units, default 1e-4) in a round, or
 * after max_rounds rounds (default 50). */
TQ_API tq_status tq_nash_set_tolerance(tq_nash *g, double tol, int max_rounds);
/* Run the war. TQ_OK when it converged; TQ_ERR_NOT_CONVERGED after max_rounds (the
 * last tariffs kept, info says how far); TQ_ERR_CANCELLED (partial). */
TQ_API tq_status tq_nash_run(tq_nash *g);

typedef struct tq_nash_info {
    tq_status status;
    int partial;         /* cancelled: the tariffs are those reached */
    int rounds;          /* best-response rounds */
    double max_change;   /* largest tariff change in the last round (rate units) */
    double max_gain;     /* largest welfare gain (percentage points) a player got from
                            its best response in the last round: the largest remaining
                            gain from a unilateral deviation, up to the tolerance */
    int max_gain_region; /* the region with that gain (-1 if none) */
    long solves;
    double seconds;
} tq_nash_info;
/* After a run: tariffs [n,i,j], welfare change in percent [n], the info, and the info
 * of player k's last best response (k in 0..nplayers-1; NULL otherwise). Owned by g. */
TQ_API const double *tq_nash_tariffs(const tq_nash *g);
TQ_API const double *tq_nash_welfare(const tq_nash *g);
TQ_API const tq_nash_info *tq_nash_info_get(const tq_nash *g);
TQ_API const tq_optimum_info *tq_nash_player_info(const tq_nash *g, int k);

/* --- cooperative tariffs (trade talks) --- */
typedef struct tq_talks tq_talks;

typedef enum tq_talks_mode {
    TQ_TALKS_BARGAIN = 0,  /* Nash bargaining: maximise sum_k log(W_k - W_k^threat) over
                              the participants' tariffs, every participant gaining */
    TQ_TALKS_EFFICIENT = 1 /* maximise sum_k weight_k W_k (weights: tq_talks_set_weights) */
} tq_talks_mode;

/* Talks among players[0..nplayers-1] (NULL or 0: all regions) over their tariffs on
 * each other (tariffs on outsiders keep their values). *out owned by the caller
 * (tq_talks_free). Errors as tq_nash_new (at least 2 players). */
TQ_API tq_status tq_talks_new(tq_context *ctx, const tq_baseline *b, const int *players, int nplayers, tq_talks **out);
TQ_API void tq_talks_free(tq_talks *t);
TQ_API tq_status tq_talks_set_options(tq_talks *t, const tq_policy_options *opt);
TQ_API tq_status tq_talks_set_mode(tq_talks *t, tq_talks_mode mode);
/* Welfare weights of the players (in their order; copied; positive). Default all 1. */
TQ_API tq_status tq_talks_set_weights(tq_talks *t, const double *weights);
/* The threat point as tariffs [n,i,j] (copied): the players' welfare there is what each
 * gets without a deal (e.g. the war's tariffs of tq_nash_tariffs, or the status quo
 * plus a threatened tariff). Default: the Nash war among the players, solved by the run
 * with the same options. */
TQ_API tq_status tq_talks_set_threat(tq_talks *t, const double *tariffs);
/* Starting tariffs of the search [n,i,j] (copied; default the baseline's). In the
 * bargaining mode they must leave every player better off than the threat point. */
TQ_API tq_status tq_talks_set_tariffs(tq_talks *t, const double *tariffs);
/* Run. TQ_OK; TQ_ERR_INVALID when no starting point gives every player more than the
 * threat point (bargaining mode; message names who loses); TQ_ERR_NOT_CONVERGED;
 * TQ_ERR_CANCELLED (partial). */
TQ_API tq_status tq_talks_run(tq_talks *t);
/* After a run: the agreed tariffs [n,i,j] and welfare [n] (percent), the threat point's
 * tariffs [n,i,j] and welfare [n], and the info of the optimisation (welfare = the
 * objective). Owned by t; NULL before a run. */
TQ_API const double *tq_talks_tariffs(const tq_talks *t);
TQ_API const double *tq_talks_welfare(const tq_talks *t);
TQ_API const double *tq_talks_threat_tariffs(const tq_talks *t);
TQ_API const double *tq_talks_threat_welfare(const tq_talks *t);
TQ_API const tq_optimum_info *tq_talks_info(const tq_talks *t);

/* ------------------------------------------- strategic moves in scenario files --- */
/* A scenario file's `strategy:` (docs/strategic.md, "Moves in scenario files", and
 * docs/scenarios.md): strategic moves played in order after the file's own tariff
 * shocks, each starting from the tariffs the previous one left: "USA sets its optimal
 * tariff; CHN retaliates optimally" is two optimal: moves. tq_runner_run() plays them
 * (tq_moves_play) before it solves the scenario, so the outcome's equilibrium is the one
 * at the tariffs after the last move; the moves are read with tq_outcome_moves(). */

typedef enum tq_move_kind {
    TQ_MOVE_OPTIMAL = 0, /* one region's best response (tq_optimal) */
    TQ_MOVE_NASH = 1,    /* a tariff war among the players (tq_nash) */
    TQ_MOVE_TALKS = 2    /* Nash bargaining among the players (tq_talks); threat point: the
                            war, or the tariffs plus the entry's threat: list */
} tq_move_kind;

/* Number of strategic moves of scenario k of sp (0: none, or a bad k). Thread-safe. */
TQ_API int tq_spec_moves(const tq_spec *sp, int k);

/* One move played. Arrays owned by the tq_moves that holds it. */
typedef struct tq_move {
    tq_move_kind kind;
    const char *where;            /* file:line:column of the entry in the scenario file */
    int nplayers;                 /* the movers: one for optimal */
    const int *players;           /* [nplayers] region indices, in the order written */
    tq_tariff_form form;          /* what each mover chose */
    const double *tariffs_before; /* [n,i,j] everyone's tariffs when the move starts */
    const double *tariffs_after;  /* [n,i,j] after it */
    const double *welfare_before; /* [N] every region's welfare (percent against the baseline)
                                     at tariffs_before */
    const double *welfare_after;  /* [N] at tariffs_after */
    tq_status status;             /* the run's status (TQ_OK; TQ_ERR_NOT_CONVERGED keeps the best
                                     point; TQ_ERR_CANCELLED: partial) */
    tq_optimum_info info;         /* optimal and talks: the optimisation's; nash: over the players'
                                     last best responses, grad_norm and max_curvature the largest,
                                     second_order_ok the smallest, variables, at_bounds, evaluations
                                     summed, solves and seconds the war's */
    tq_nash_info nash;            /* nash (and the war of a talks: move without threat:, when the
                                     talks ran it: rounds 0 otherwise): how the war ended */
} tq_move;

typedef struct tq_moves tq_moves;

/* Play the moves of scenario k of sp on baseline b (made from ds) in order, starting from
 * sc's tariffs (the scenario with tq_spec_apply's shocks), and set sc's tariffs to those
 * after the last move. opt (NULL: tq_policy_options_default) is the base of each move's
 * settings; an entry's sectors:, form: and max_tariff: replace its fields. *out (owned by
 * the caller, tq_moves_free) holds every move played, also on an error after the first
 * move (the failed or cancelled move last, with its status); NULL if none was played.
 * Errors: those of tq__spec resolution (TQ_ERR_NOT_FOUND for an unknown region or sector,
 * naming the file:line:column of the entry; TQ_ERR_INVALID), of tq_optimal_run,
 * tq_nash_run, tq_talks_run (TQ_ERR_INVALID "no deal ..." names the region that loses),
 * TQ_ERR_CANCELLED, TQ_ERR_NOMEM. A move that stops at its evaluation limit
 * (TQ_ERR_NOT_CONVERGED) keeps its best point and the play goes on; the call then returns
 * TQ_ERR_NOT_CONVERGED at the end. Not thread-safe on one ctx. */
TQ_API tq_status tq_moves_play(tq_context *ctx, const tq_spec *sp, int k, const tq_dataset *ds, const tq_baseline *b,
                               tq_scenario *sc, const tq_policy_options *opt, tq_moves **out);
TQ_API void tq_moves_free(tq_moves *m); /* accepts NULL */
TQ_API int tq_moves_count(const tq_moves *m);
/* Move k (0-based, in the order played); NULL out of range. Owned by m. */
TQ_API const tq_move *tq_moves_get(const tq_moves *m, int k);

/* ---------------------------------------------------------------- results --- */
/* Results of solved scenarios as tables (docs/results.md; JSON Schema in
 * docs/results.schema.json). Six tables, each with a `scenario` column so that several
 * runs sit side by side:
 *   regions        scenario x region: welfare, EV, wages, prices, trade, income
 *   region_sector  scenario x region x sector: output, value added, prices, trade
 *   pair_sector    scenario x sector: the named importer's trade with the named exporter
 *                  (present only when some run names a pair, see tq_run)
 *   bilateral      importer x exporter x sector (rows with trade before or after, or a
 *                  changed tariff)
 *   decomposition  region x partner x sector: non-zero ToT / VoT contributions
 *   run            one row per run: dataset, hash, year, closure, solver status
 * Money in the dataset's units (M USD); trade pre-tariff; before = baseline, after =
 * counterfactual; *_pct = 100 (x^ - 1). Every table but `run` also carries the columns
 * dataset, dataset_hash, closure and converged, so a row read on its own says where it
 * is from.
 *
 * The tables are built once (tq_tables_new) and can be walked cell by cell or written
 * by the writers below: to a folder of files (tq_results_write*) or as one CSV table or
 * one JSON document through a sink (a FILE * or a callback), streamed. */

/* Output formats, combined with |. Files in the output folder:
 *   CSV   results_<table>.csv   (one per table; doubles round-trip exactly)
 *   JSON  results.json          (every table per scenario; top-level "solver" and
 *                                "regions" are those of the first run)
 *   XLSX  results.xlsx          (one sheet per table; numbers to 16 digits)
 *   DTA   results_<table>.dta   (Stata 14+ format 118; file label
 *                                "tradeq <scenario> <dataset> <hash>")
 * XLSX and DTA are optional at build time (CMake TQ_WITH_XLSX, TQ_WITH_DTA):
 * tq_results_formats() says which this library has. */
enum { TQ_FORMAT_CSV = 1, TQ_FORMAT_JSON = 2, TQ_FORMAT_XLSX = 4, TQ_FORMAT_DTA = 8 };

/* The TQ_FORMAT_* this library can write (CSV and JSON always). Thread-safe. */
TQ_API unsigned tq_results_formats(void);

/* How much of the results a table set holds:
 *   TQ_DETAIL_SUMMARY  regions; region_sector for the two regions of each run's named
 *                      pair only (no rows when a run names none); pair_sector; run.
 *                      About 0.1 MB of JSON for 44 regions x 50 sectors.
 *   TQ_DETAIL_FULL     every table: region_sector for all regions, bilateral and
 *                      decomposition too (27.5 MB of JSON for a 44-region x 50-sector
 *                      economy). What the folder writer tq_results_write writes. */
typedef enum tq_detail { TQ_DETAIL_SUMMARY = 0, TQ_DETAIL_FULL = 1 } tq_detail;

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
    /* The pair the scenario is about (region indices of base, e.g. from
     * tq_spec_named_regions): the pair_sector table gives the importer's exports to and
     * imports from the exporter by sector. -1 = none; a pair needs both >= 0 and
     * importer != exporter, so a zero-initialised tq_run names none. */
    int importer, exporter;
    const char *elasticities; /* the named elasticity set the run used (docs/elasticities.md);
                                 NULL or "": the dataset's own theta */
} tq_run;

/* Write the results of runs[0..n-1] into folder dir (created if absent, with any missing
 * parents, as mkdir -p) in the given formats, at full detail: the files
 * results_<table>.* of regions, region_sector, bilateral, decomposition and run, and
 * of pair_sector when a run names a pair. Nothing is replaced unless overwrite is set:
 * TQ_ERR_EXISTS names the first result file already there. The files are written into
 * a staging folder beside dir and published together (docs/results.md, "How the files
 * are written"): after a failure (TQ_ERR_IO, TQ_ERR_NOMEM, TQ_ERR_CANCELLED through the
 * progress callback, TQ_ERR_UNSUPPORTED when a table exceeds Excel's 1,048,575 rows or
 * the library was built without the format) or a crash, dir holds the complete old set
 * of result files, never a mix; other files in dir are kept; the folders this call
 * created are removed. Symlinks are never followed. TQ_ERR_INVALID for bad
 * arguments. Progress is reported as stage "write results" (per file, and every 32768
 * rows inside a file). Not thread-safe on one ctx. */
TQ_API tq_status tq_results_write(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats,
                                  int overwrite);
/* tq_results_write at the given detail (TQ_DETAIL_FULL: the same as tq_results_write;
 * TQ_DETAIL_SUMMARY: the files of the summary tables only). */
TQ_API tq_status tq_results_write_detail(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats,
                                         int overwrite, tq_detail detail);

/* --- the table model --- */

/* Results as tables. Opaque; made by tq_tables_new, freed by tq_tables_free. It owns
 * copies of every text, so the runs, their baselines and results may be freed while it
 * lives. Read-only after it is made: several threads may read one at the same time. */
typedef struct tq_tables tq_tables;

/* Column types: TQ_COL_NUMBER is a double (NaN: missing); TQ_COL_INTEGER a whole
 * number (year, iterations); TQ_COL_FLAG 0 or 1 (converged, domestic). */
typedef enum tq_coltype {
    TQ_COL_NONE = -1, /* no such column */
    TQ_COL_TEXT = 0,
    TQ_COL_NUMBER = 1,
    TQ_COL_INTEGER = 2,
    TQ_COL_FLAG = 3
} tq_coltype;

/* Build the tables of runs[0..n-1] at the given detail into *out (owned by the caller:
 * tq_tables_free). TQ_ERR_INVALID for bad arguments (no runs, unnamed or duplicate
 * names, a scenario or result not made from its baseline), TQ_ERR_NOMEM. Not
 * thread-safe on one ctx. */
TQ_API tq_status tq_tables_new(tq_context *ctx, const tq_run *runs, int n, tq_detail detail, tq_tables **out);
TQ_API void tq_tables_free(tq_tables *t);
TQ_API tq_detail tq_tables_detail(const tq_tables *t);
/* Number of runs (scenarios) the tables hold. */
TQ_API int tq_tables_runs(const tq_tables *t);
/* Tables are numbered 0 .. tq_tables_count()-1 in the order of the list above, those
 * of the detail level only. tq_tables_name: "regions", ...; NULL when k is out of range.
 * tq_tables_find: the number of a table by name, -1 when t does not hold it. */
TQ_API int tq_tables_count(const tq_tables *t);
TQ_API const char *tq_tables_name(const tq_tables *t, int k);
TQ_API int tq_tables_find(const tq_tables *t, const char *name);
/* Columns of table k: count, name (the CSV header), type, unit ("M USD", "%",
 * "points", "0/1", "s" or "") and label (one line, with the unit, as in the .dta
 * files). Out of range: 0, NULL, TQ_COL_NONE, NULL, NULL. tq_tables_col_find: the
 * column of table k with that name, -1 if none. Strings are owned by the library. */
TQ_API int tq_tables_cols(const tq_tables *t, int k);
TQ_API const char *tq_tables_col_name(const tq_tables *t, int k, int c);
TQ_API tq_coltype tq_tables_col_type(const tq_tables *t, int k, int c);
TQ_API const char *tq_tables_col_unit(const tq_tables *t, int k, int c);
TQ_API const char *tq_tables_col_label(const tq_tables *t, int k, int c);
TQ_API int tq_tables_col_find(const tq_tables *t, int k, const char *name);
/* Rows of table k (0 when out of range); the rows of run r are *first .. *first +
 * count - 1 (the return value is the count; runs are in the order given). */
TQ_API size_t tq_tables_rows(const tq_tables *t, int k);
TQ_API size_t tq_tables_run_rows(const tq_tables *t, int k, int r, size_t *first);
/* Cell (row, column c) of table k. tq_tables_number: a number, integer or flag column
 * as a double (NaN for a missing number, a text column or out of range).
 * tq_tables_text: a text column ("" when empty; owned by t); NULL for other columns or
 * out of range. */
TQ_API double tq_tables_number(const tq_tables *t, int k, size_t row, int c);
TQ_API const char *tq_tables_text(const tq_tables *t, int k, size_t row, int c);
/* A run of cells of column c of table k in one call (for bindings that fill a column of
 * a data frame): rows first .. first + count - 1. tq_tables_numbers writes count doubles
 * into out, each as tq_tables_number gives it (a number, integer or flag column; NaN
 * for a missing number). tq_tables_texts writes count pointers into out, each as
 * tq_tables_text gives it (a text column; owned by t, valid until tq_tables_free).
 * Errors (out untouched): TQ_ERR_INVALID for a table or column out of range, a column
 * of the other kind, or rows past the end. Thread safety: reads t only. */
TQ_API tq_status tq_tables_numbers(const tq_tables *t, int k, int c, size_t first, size_t count, double *out);
TQ_API tq_status tq_tables_texts(const tq_tables *t, int k, int c, size_t first, size_t count, const char **out);

/* --- writing to a sink --- */

/* Where a writer's bytes go: write(ud, buf, len) is called with chunks of at most
 * 64 KiB in order; return 0 when all len bytes were taken, non-zero to fail the
 * writer with TQ_ERR_IO (it then calls write no more). */
typedef struct tq_sink {
    int (*write)(void *ud, const void *buf, size_t len);
    void *ud;
} tq_sink;

/* A sink writing to a stdio stream (a FILE *, open for writing, e.g. stdout; void * so
 * that this header need not include <stdio.h>). The stream stays the caller's: it is
 * neither flushed nor closed. */
TQ_API tq_sink tq_sink_file(void *file);

/* The JSON document (docs/results.md "JSON layout", with "detail": "summary" or
 * "full") of the tables t, streamed to sink: memory stays flat however large the
 * document. TQ_ERR_IO when the sink fails, TQ_ERR_CANCELLED through the progress
 * callback (stage "write results", every 32768 rows), TQ_ERR_NOMEM; the bytes already
 * given to the sink are the caller's to discard. Not thread-safe on one ctx. */
TQ_API tq_status tq_tables_write_json(tq_context *ctx, const tq_tables *t, const tq_sink *sink);
/* Table k of t as CSV (the format of the results_<table>.csv files) to sink; errors
 * as tq_tables_write_json, TQ_ERR_INVALID when k is out of range. */
TQ_API tq_status tq_tables_write_csv(tq_context *ctx, const tq_tables *t, int k, const tq_sink *sink);
/* One-call forms: build the tables of runs[0..n-1] at detail, write, free.
 * tq_results_write_csv writes the table called table_name ("regions", ...):
 * TQ_ERR_NOT_FOUND when that table is not part of the detail level (bilateral and
 * decomposition are full detail only; pair_sector needs a run that names a pair). */
TQ_API tq_status tq_results_write_json(tq_context *ctx, const tq_run *runs, int n, tq_detail detail,
                                       const tq_sink *sink);
TQ_API tq_status tq_results_write_csv(tq_context *ctx, const tq_run *runs, int n, const char *table_name,
                                      tq_detail detail, const tq_sink *sink);

/* ----------------------------------------------------------------- runner --- */
/* The run pipeline every program shares (the CLI, the web server, the bindings): find
 * a dataset by embedded name or path, apply aggregation presets or map files, keep
 * loaded datasets and recalibrated baselines in caches, apply a scenario spec, solve,
 * and hand back the outcome. Programs call this instead of re-implementing any of it.
 *
 * Data folders (embedded datasets, maps/, and ../scenarios/ beside them) are searched
 * in this order: the folder given to tq_runner_set_data_dir() if any, else $TRADEQ_DATA,
 * <program dir>/../share/tradeq/data (installed), <program dir>/data and
 * <program dir>/../data (build trees), and the source tree's data/ (a developer
 * fallback compiled into the library); <program dir> is that of /proc/self/exe.
 * An embedded dataset NAME is, in the first folder that has either, the binary file
 * NAME.tqb or else the folder NAME/. A name that contains '/' or names an existing
 * file or folder is read as a path. An aggregation preset P of dataset D is the file
 * maps/D_P.csv of the first folder that has it; a map containing '/' or ".csv" is a
 * path.
 *
 * A runner borrows its context (which must outlive it; errors are recorded there and
 * notes go to its log callback) and is used by one thread at a time. Its caches grow
 * until tq_runner_clear() or tq_runner_free(). */

typedef struct tq_runner tq_runner;

/* The embedded dataset used when a scenario names none. */
#define TQ_DEFAULT_DATASET "wiod2014"

/* Create a runner on ctx. *out is owned by the caller (tq_runner_free).
 * Errors: TQ_ERR_NOMEM. */
TQ_API tq_status tq_runner_new(tq_context *ctx, tq_runner **out);
/* Free the runner and everything it cached. Outcomes made by it must be freed first
 * (they borrow its baselines). Accepts NULL. */
TQ_API void tq_runner_free(tq_runner *r);
/* Drop every cached dataset and baseline (outcomes borrowing them must be freed first). */
TQ_API void tq_runner_clear(tq_runner *r);

/* Use folder dir (copied) as the only data folder; NULL restores the search above.
 * Clears the dataset cache. Errors: TQ_ERR_NOT_FOUND if dir is not a folder (the
 * runner is unchanged), TQ_ERR_NOMEM. */
TQ_API tq_status tq_runner_set_data_dir(tq_runner *r, const char *dir);
/* The first data folder that exists, as an absolute path ("" if none). Storage owned
 * by r, valid until the next tq_runner_set_data_dir(). */
TQ_API const char *tq_runner_data_dir(const tq_runner *r);

/* The dataset called name_or_path (NULL: TQ_DEFAULT_DATASET), aggregated by
 * region_map / sector_map (each a preset name, a CSV path, or NULL). Loaded once:
 * a second request with the same three strings returns the same pointer. *out is owned
 * by r and valid until tq_runner_set_data_dir(), tq_runner_clear() or tq_runner_free();
 * do not modify it (clone it).
 * Errors: TQ_ERR_NOT_FOUND for an unknown dataset name (the message lists the folders
 * searched) or preset (it names the files looked for); the readers' and
 * tq_dataset_aggregate()'s errors; TQ_ERR_NOMEM. */
TQ_API tq_status tq_runner_dataset(tq_runner *r, const char *name_or_path, const char *region_map,
                                   const char *sector_map, const tq_dataset **out);
/* The same with the named elasticity set `elasticities` (NULL: the dataset's own theta;
 * docs/elasticities.md) put on the data as read, before aggregation, so that the set's
 * sectors are the dataset's own. Cached under all four strings. Errors as above, and
 * TQ_ERR_NOT_FOUND for a dataset without named sets or an unknown set name (the message
 * lists the sets). */
TQ_API tq_status tq_runner_dataset_set(tq_runner *r, const char *name_or_path, const char *elasticities,
                                       const char *region_map, const char *sector_map, const tq_dataset **out);
/* The named elasticity sets of embedded dataset `dataset` (a name, or a path whose last
 * component is the name; NULL: the default): elasticities/<name>.csv and its sets.csv in
 * the first data folder that has them. *out owned by the caller (tq_elasticities_free).
 * Errors: TQ_ERR_NOT_FOUND (the message names the files looked for), those of
 * tq_elasticities_load(). */
TQ_API tq_status tq_runner_elasticities(tq_runner *r, const char *dataset, tq_elasticities **out);

/* The base equilibrium of year index y of ds (any dataset, not only the runner's) with
 * closure TQ_CLOSURE_FIXED or TQ_CLOSURE_BALANCED, as tq_baseline_new(). Cached by the
 * dataset's content hash and name, y, closure and the options that change the base
 * (method, tol, max_iter, anderson_m, damping, baseline_mode, numeraire_region; not
 * threads, which never change a result): a second request for equal data returns the
 * same pointer, even for another copy of the dataset. opt may be NULL (defaults).
 * *out is owned by r (valid until tq_runner_clear() / tq_runner_free()). Errors: those
 * of tq_baseline_new() (a failed baseline is not cached). */
TQ_API tq_status tq_runner_baseline(tq_runner *r, const tq_dataset *ds, int y, tq_closure closure,
                                    const tq_solver_options *opt, const tq_baseline **out);
/* tq_runner_baseline() for a given model (tq_baseline_new_model()), cached under the
 * model too. Errors as tq_baseline_new_model(). */
TQ_API tq_status tq_runner_baseline_model(tq_runner *r, const tq_dataset *ds, int y, tq_closure closure, tq_model model,
                                          const tq_solver_options *opt, const tq_baseline **out);

/* Write into buf (cap bytes with the NUL) the folder NAME/ of the first data folder
 * whose NAME/ holds `file` (e.g. "liberation2025", "gdp.csv": the CSV form of an
 * embedded dataset, for readers that need its extra files). Errors: TQ_ERR_NOT_FOUND
 * (the message lists the folders searched), TQ_ERR_INVALID if cap is too small. */
TQ_API tq_status tq_runner_dataset_folder(tq_runner *r, const char *name, const char *file, char *buf, size_t cap);

/* Write the path of the shipped default scenario (scenarios/us-japan-autos.yaml, found
 * as <data folder>/../scenarios/ or <data folder>/scenarios/) into buf (cap bytes with
 * the NUL). Errors: TQ_ERR_NOT_FOUND if it is not installed, TQ_ERR_INVALID if cap is
 * too small. */
TQ_API tq_status tq_runner_default_scenario(tq_runner *r, char *buf, size_t cap);

/* Options of a run. All-zero is the default (tq_run_options_default fills the same). */
typedef struct tq_run_options {
    const char *dataset;      /* NULL, or a dataset name or path overriding the scenario's
                                 (its aggregation presets still apply) */
    double tol;               /* solver tolerance; <= 0: the default (tq_solver_options) */
    tq_method method;         /* default TQ_METHOD_ANDERSON */
    int max_iter;             /* 0: the method's default */
    int threads;              /* OpenMP threads; 0: the OpenMP default */
    const char *elasticities; /* NULL, or a named elasticity set overriding the
                                 scenario's (docs/elasticities.md) */
    double max_seconds;       /* wall-clock budget of each solve; <= 0: TQ_DEFAULT_MAX_SECONDS */
    const char *model;        /* NULL, or "cp" / "ossa" overriding the scenario's model
                                 (docs/models.md) */
} tq_run_options;
TQ_API void tq_run_options_default(tq_run_options *o);

/* The dataset scenario k of sp runs on, before its elasticity overrides: its dataset
 * (or o->dataset) with its aggregation presets, through tq_runner_dataset(). o may be
 * NULL. Lets a program load (and cache) the data first. Errors as tq_runner_dataset();
 * TQ_ERR_INVALID for a bad k. */
TQ_API tq_status tq_runner_spec_dataset(tq_runner *r, const tq_spec *sp, int k, const tq_run_options *o,
                                        const tq_dataset **out);

typedef struct tq_outcome tq_outcome;

/* Run scenario k of sp: its dataset (tq_runner_spec_dataset), its year (default the
 * last), its model (o->model, else the scenario's model:, else Caliendo-Parro;
 * docs/models.md), its elasticity overrides (on a copy, made only when it has any), the cached baseline for that data
 * (tq_runner_baseline with the scenario's base closure: balanced for the balanced
 * closure, else fixed, and the options' solver settings; a copy whose overrides leave
 * the hash unchanged reuses the cached baseline), a scenario with its shocks and
 * closure (tq_spec_apply), the scenario's strategy: moves if it has any (tq_moves_play, read
 * back with tq_outcome_moves), and tq_solve(). A dataset without input-output
 * coefficients is noted through the context's log callback (TQ_LOG_INFO). o may be
 * NULL (defaults). On TQ_OK, or TQ_ERR_NOT_CONVERGED from the counterfactual solve (the
 * context's message says so; the result's info has the residual reached), *out holds the
 * outcome (owned by the caller, tq_outcome_free); on other errors, and when the baseline's
 * recalibration does not converge, it is NULL. Errors: TQ_ERR_NOT_FOUND "<scenario file>: scenario S asks for year Y,
 * not in dataset D", and those of the steps above. sp must outlive the outcome, and r too (the outcome borrows r's
 * baseline). Cancellable through the progress callback. */
TQ_API tq_status tq_runner_run(tq_runner *r, const tq_spec *sp, int k, const tq_run_options *o, tq_outcome **out);
TQ_API void tq_outcome_free(tq_outcome *oc);

/* What the outcome holds. Pointers are owned by the outcome (the baseline by the
 * runner) and valid until tq_outcome_free(). */
TQ_API const tq_spec_info *tq_outcome_spec_info(const tq_outcome *oc); /* strings owned by sp */
TQ_API const tq_dataset *tq_outcome_dataset(const tq_outcome *oc);     /* after elasticity overrides */
TQ_API const tq_baseline *tq_outcome_baseline(const tq_outcome *oc);
TQ_API tq_scenario *tq_outcome_scenario(tq_outcome *oc); /* writable: tq_scenario_tariffs() */
TQ_API const tq_result *tq_outcome_result(const tq_outcome *oc);
TQ_API int tq_outcome_year_index(const tq_outcome *oc);
/* Fill *out for tq_results_write(): scenario = the spec's name, scenario_file = its
 * file ("" for the command line), description = its title, and the baseline, scenario
 * and result. The strings are owned by sp. */
TQ_API void tq_outcome_run(const tq_outcome *oc, tq_run *out);
/* Regions named in the scenario's shocks and deficit targets, as
 * tq_spec_named_regions(): mask (length tq_dataset_regions(tq_outcome_dataset(oc)),
 * may be NULL) gets 1 for each; *importer / *exporter (may be NULL) the first shock's
 * pair when it names one region each, else -1. Returns the count (-1 when mask is NULL
 * and memory runs out). */
TQ_API int tq_outcome_named_regions(const tq_outcome *oc, unsigned char *mask, int *importer, int *exporter);
/* The strategic moves (`strategy:`, tq_moves_play) tq_runner_run() played before solving
 * the outcome's scenario; NULL when it has none. Owned by the outcome. */
TQ_API const tq_moves *tq_outcome_moves(const tq_outcome *oc);

/* ------------------------------------------------- uncertainty and sweeps --- */
/* Many solves of one scenario (docs/uncertainty.md, docs/scaling.md): a sweep is the
 * cartesian product of axes given as text (tq_sweep_vary):
 *   tariff IMP:EXP:SECTORS=A..B step S   (or =v1,v2,...) the tariff, in percent, that IMP
 *                                        levies on EXP in SECTORS (each a code, a comma
 *                                        list, a group or all), set after the scenario's
 *                                        own shocks
 *   closure=fixed,balanced,share         the deficit closure
 *   elasticities=KITE,CP,...|all         a named elasticity set (docs/elasticities.md)
 *   year=A..B [step S]                   the data year
 *   draw=1..N                            Monte Carlo draws of theta: per sector a normal
 *                                        with the set's standard errors, truncated below at
 *                                        a positive floor
 *   draw=sets                            theta of each published set in turn
 * Points are numbered row-major (the last axis varies fastest). Each point gives a fixed
 * vector of headline numbers (tq_sweep_width doubles, layout TQ_SWEEP_*). Points are solved
 * in blocks of consecutive points (the block size is fixed by the sweep, not by the
 * workers): the first point of a block starts from the scenario's own solution, each
 * later one from its neighbour's. Theta draw d is made from (seed, d) alone (a
 * counter-based generator), so the values are bitwise the same for any thread count,
 * any split of the blocks between processes (MPI ranks), and after a resume. */

typedef struct tq_sweep tq_sweep;

/* Uncertainty bands of the headline numbers of one run over the draws of a sweep:
 * 5th percentile, median and 95th percentile (linear interpolation between order
 * statistics) of the converged draws. Arrays owned by the sweep. */
typedef struct tq_bands {
    int draws;                  /* draws summarised (converged) */
    int N, J;                   /* regions and sectors of the run */
    int importer, exporter;     /* the named pair (-1: none) */
    const double *regions;      /* [n][m][s]: m = 0 welfare_pct, 1 ev_musd, 2 real_wage_pct,
                                   3 real_gdp_pct; s = 0 p05, 1 median, 2 p95 */
    const double *pair_balance; /* [j][s]: the importer's balance with the exporter after,
                                   M USD; NULL without a pair */
    const double *output;       /* [n*J + j][s]: gross output after, M USD */
} tq_bands;

/* Layout of a point's values: meta first, then the headline numbers. */
enum {
    TQ_SWEEP_CONVERGED = 0,  /* 1 converged, 0 not */
    TQ_SWEEP_ITERATIONS = 1, /* solver iterations */
    TQ_SWEEP_RESIDUAL = 2,   /* residual reached */
    TQ_SWEEP_REGIONS = 3     /* then [n][4] (the metrics of tq_bands.regions), then the pair's
                                total balance after (1), its balance by sector [J], and gross
                                output after [N*J] */
};

typedef struct tq_sweep_options {
    tq_run_options run;     /* dataset, solver settings (threads is ignored: see below) */
    int threads;            /* worker threads, each with its own solver; 0: the OpenMP default */
    int block;              /* points per warm-start chain; 0: 8. Part of the answer's
                                definition (a checkpoint records it) */
    uint64_t seed;          /* theta draws */
    double theta_floor;     /* truncation point of the theta draws; <= 0: 0.5 */
    const double *theta_se; /* [J] standard errors of theta (read by tq_sweep_prepare, which
                               copies them: valid until then), or NULL: the spread
                               (sample standard deviation) across the dataset's published
                               sets, sector by sector */
    int draw_theta;         /* draw=N varies theta: 1 yes, -1 no (theta central in every
                               draw), 0 the scenario's `uncertainty: theta:` (default yes) */
    int draw_partial;       /* draw=N varies the partial effects b of gravity shocks that
                               have a standard error (b + se z, one z per estimated
                               coefficient): 1 yes, -1 no, 0 the scenario's `uncertainty:
                               partial_effects:` (default yes) */
} tq_sweep_options;
TQ_API void tq_sweep_options_default(tq_sweep_options *o);

/* A sweep of scenario k of sp on runner r (both borrowed: they must outlive it). o may be
 * NULL. *out owned by the caller (tq_sweep_free). Errors: TQ_ERR_INVALID, TQ_ERR_NOMEM. */
TQ_API tq_status tq_sweep_new(tq_runner *r, const tq_spec *sp, int k, const tq_sweep_options *o, tq_sweep **out);
TQ_API void tq_sweep_free(tq_sweep *s);
/* The central run of scenario k of sp and its draws, the way `tradeq run --draws`, the
 * web page and the bindings answer a question with bands: a sweep over the one axis
 * draw=N (or draw=sets), made and prepared (tq_sweep_new, _vary, _prepare). draws: "N" or
 * "sets", or NULL for the scenario's own `uncertainty: draws:`; seed: the draws' seed, or
 * NULL for the scenario's `uncertainty: seed:` (default 1); o as for tq_sweep_new (its
 * seed is replaced). When neither the argument nor the scenario asks for draws, *out is
 * NULL and the return is TQ_OK: run the scenario plainly (tq_runner_run). Else run the
 * blocks (tq_sweep_run) and take tq_sweep_bands; the central run is tq_sweep_outcome.
 * *out is set as soon as the sweep is made, also when vary or prepare then fail (so that
 * a central run that did not converge can still be reported); the caller frees it.
 * Errors: those of tq_sweep_new, tq_sweep_vary and tq_sweep_prepare. */
TQ_API tq_status tq_sweep_new_draws(tq_runner *r, const tq_spec *sp, int k, const tq_sweep_options *o,
                                    const char *draws, const uint64_t *seed, tq_sweep **out);
/* Add an axis (syntax above; copied). TQ_ERR_PARSE with a message naming the text. */
TQ_API tq_status tq_sweep_vary(tq_sweep *s, const char *axis);
/* Resolve the axes against the data, make the baselines (through the runner's caches) and
 * solve the scenario's own point of each; draws theta. Called once, after the axes, in
 * the thread that owns the runner. Errors: those of tq_runner_run, TQ_ERR_NOT_FOUND (a
 * code, group, year or set), TQ_ERR_UNSUPPORTED (no standard errors and no published
 * sets), TQ_ERR_NOMEM. */
TQ_API tq_status tq_sweep_prepare(tq_sweep *s);
/* Points, blocks, doubles per point. */
TQ_API int tq_sweep_points(const tq_sweep *s);
TQ_API int tq_sweep_blocks(const tq_sweep *s);
TQ_API size_t tq_sweep_width(const tq_sweep *s);
/* Keep a checkpoint at path (copied): existing records of the same sweep (same axes,
 * scenario, data, options) are read back and their blocks are not solved again; each
 * finished block is appended. TQ_ERR_INVALID when the file belongs to another sweep,
 * TQ_ERR_IO. Call after tq_sweep_prepare. */
TQ_API tq_status tq_sweep_checkpoint(tq_sweep *s, const char *path);
/* Solve blocks [first, first + count) that are not done yet, on o->threads workers (each
 * its own context and solver; OpenMP). Progress (stage "sweep", fraction of those
 * blocks) goes to the context's callback from the calling thread only; a non-zero return
 * or tq_context_cancel stops it (TQ_ERR_CANCELLED; finished blocks are kept). A point
 * that does not converge is recorded with converged 0 and its residual, not an error.
 * Errors: TQ_ERR_INVALID (range), TQ_ERR_NOMEM, TQ_ERR_IO (checkpoint). */
TQ_API tq_status tq_sweep_run(tq_sweep *s, int first, int count);
/* The values of point p (tq_sweep_width doubles, owned by s), NULL when not solved. */
TQ_API const double *tq_sweep_values(const tq_sweep *s, int p);
/* Store values for point p (copied), e.g. gathered from another process. */
TQ_API tq_status tq_sweep_set_values(tq_sweep *s, int p, const double *v);
/* Number of axes, and the label and value of axis a at point p as text (e.g. "25",
 * "balanced", "CP", "17"); storage owned by s, valid until the next call. */
TQ_API int tq_sweep_axes(const tq_sweep *s);
TQ_API const char *tq_sweep_axis_name(const tq_sweep *s, int a);
TQ_API const char *tq_sweep_axis_value(const tq_sweep *s, int a, int p, char *buf, size_t cap);
/* The run of the scenario's own point (its central estimate), for tq_tables_new or the
 * result writers, and the regions named by its shocks (-1: none). */
TQ_API tq_status tq_sweep_central(const tq_sweep *s, tq_run *out);
/* The central run's outcome (owned by s; NULL before tq_sweep_prepare), e.g. to print
 * it; its result carries the bands once tq_sweep_bands was called. */
TQ_API tq_outcome *tq_sweep_outcome(tq_sweep *s);
/* Theta of draw d (0-based point of a sweep whose only axis is a draw axis), [J]; NULL
 * otherwise. */
TQ_API const double *tq_sweep_theta(const tq_sweep *s, int p);
/* The partial effects b of point p's draw, one per random variable (an estimated
 * coefficient, a `partial_effect: {b, se}` entry, or a pairs-file row with an se; in file
 * order), *count of them; the central b when partial
 * effects are not drawn. NULL (and *count 0) when the scenario has none. Storage owned by s, valid until the next call.
 * count may be NULL. */
TQ_API const double *tq_sweep_partial_effects(const tq_sweep *s, int p, int *count);
/* What the draws of a prepared sweep vary: *theta 1 when theta is drawn (draw=N, theta
 * not switched off), *partial 1 when partial effects are drawn (draw=N, not switched off,
 * and some NTB entry has a standard error). Either pointer may be NULL. TQ_ERR_INVALID
 * before tq_sweep_prepare. */
TQ_API tq_status tq_sweep_drawn(const tq_sweep *s, int *theta, int *partial);
/* Bands over every point (all must be solved; meant for a sweep whose only axis is a
 * draw axis). Owned by s. They are also attached to the result of the central run
 * (tq_sweep_central): the tables made from that run (tq_tables_new and every result
 * writer) then carry, beside each headline column (regions: welfare_pct, ev_musd,
 * real_wage_pct, real_gdp_pct; region_sector: output_after_musd; pair_sector:
 * balance_after_musd), the columns <name>_p05, <name>_median and <name>_p95 (in JSON one
 * object <name>_band with p05, median, p95). Runs without bands give the tables as
 * before. Errors: TQ_ERR_INVALID (points missing), TQ_ERR_NOMEM. */
TQ_API tq_status tq_sweep_bands(tq_sweep *s, const tq_bands **out);
/* The sweep as one table, one row per point: the axes, then converged, iterations and the
 * headline numbers of the named regions (welfare_pct, ev_musd, real_wage_pct,
 * real_gdp_pct of the importer and the exporter, or of every region when the scenario
 * names no pair), the pair's balance after, and world EV. CSV (doubles round-trip) or a
 * JSON document {"sweep": ..., "columns": [...], "rows": [[...], ...]}. Every point must
 * be solved (TQ_ERR_INVALID). TQ_ERR_IO when the sink fails. */
TQ_API tq_status tq_sweep_write_csv(tq_context *ctx, const tq_sweep *s, const tq_sink *sink);
TQ_API tq_status tq_sweep_write_json(tq_context *ctx, const tq_sweep *s, const tq_sink *sink);
/* The column list of that table: count, and name of column c (storage owned by s). */
TQ_API int tq_sweep_columns(const tq_sweep *s);
TQ_API const char *tq_sweep_column_name(const tq_sweep *s, int c);
/* Value of column c at point p as a double (NaN for a text axis value). */
TQ_API double tq_sweep_cell(const tq_sweep *s, int p, int c);

/* ============================================================ estimation === */
/* Poisson pseudo-maximum-likelihood (PPML) gravity estimation with high-dimensional
 * fixed effects (docs/estimation.md): IRLS with the fixed effects absorbed by
 * conjugate-gradient-accelerated projections, warm started between IRLS steps; all-zero
 * fixed-effect groups, singletons and separated observations (fixed-effect and
 * regressor based, the ReLU method) dropped and reported; robust and one- or two-way
 * cluster-robust standard errors. Configure-then-run: tq_ppml_new, tq_ppml_set_*,
 * tq_ppml_run, then read the results. A tq_ppml is used by one thread at a time; its
 * demeaning runs on OpenMP threads and gives the same numbers for any thread count. */

typedef struct tq_ppml tq_ppml;

/* Small-sample convention of the standard errors. */
typedef enum tq_se_convention {
    TQ_SE_STATA = 0, /* ppmlhdfe / reghdfe (default): robust N/(N-K); clustered
                        G/(G-1) (N-1)/(N-K), K without fixed effects nested in a cluster */
    TQ_SE_FIXEST = 1 /* fixest's default ssc(): (N-1)/(N-K) with K without nested fixed
                        effects; cluster G/(G-1), two-way with the smallest G */
} tq_se_convention;

/* Create an estimation (owned by the caller, tq_ppml_free, which accepts NULL). */
TQ_API tq_status tq_ppml_new(tq_context *ctx, tq_ppml **out);
TQ_API void tq_ppml_free(tq_ppml *p);
/* The data file: CSV (plain or .gz, header row) or Stata .dta (by the .dta ending). The
 * string is copied. Read by tq_ppml_run. */
TQ_API tq_status tq_ppml_set_file(tq_ppml *p, const char *path);
/* The model, by column names (copied; read and checked by tq_ppml_run):
 *   y        the dependent variable (>= 0);
 *   x        regressors, comma separated; log(v) takes the log of column v; may be ""
 *            or NULL (fixed effects only);
 *   fe       fixed effects, comma separated; a#b interacts columns (up to 3); "" or
 *            NULL for none, then a constant is estimated;
 *   cluster  "" / NULL (heteroskedasticity-robust), one term ("pair", "exporter#year")
 *            or two comma-separated terms (two-way clustering).
 * TQ_ERR_INVALID for a malformed list, or after tq_ppml_set_data (whose arrays are the
 * model). */
TQ_API tq_status tq_ppml_set_model(tq_ppml *p, const char *y, const char *x, const char *fe, const char *cluster);
/* Set only the clustering (as the last argument of tq_ppml_set_model); for data in
 * memory it names fixed effects of tq_ppml_set_data. */
TQ_API tq_status tq_ppml_set_cluster(tq_ppml *p, const char *cluster);
/* Keep only rows whose column var equals one of values[count] (e.g. years). */
TQ_API tq_status tq_ppml_set_filter(tq_ppml *p, const char *var, const double *values, int count);
/* Keep only rows whose columns a and b differ (e.g. "exporter", "importer": no domestic
 * trade); NULL clears it. Copied. */
TQ_API tq_status tq_ppml_set_distinct(tq_ppml *p, const char *a, const char *b);
/* Data in memory instead of a file (the benchmark's synthetic panels): y[n], X[k*n]
 * column by column (xnames[k]), fe[g*n] levels 0..nlev[g]-1 (fenames[g]). Copied.
 * Clustering then names a fixed effect by its name in fenames. */
TQ_API tq_status tq_ppml_set_data(tq_ppml *p, size_t n, const double *y, int k, const double *X,
                                  const char *const *xnames, int g, const int32_t *fe, const int *nlev,
                                  const char *const *fenames);
TQ_API void tq_ppml_set_se(tq_ppml *p, tq_se_convention c);
/* Tolerances: IRLS stops when the relative change of the deviance is below tol
 * (default 1e-10) and the demeaning is at its final precision demean_tol (default
 * 1e-8, relative, estimate.h); max_iter IRLS steps (default 200). <= 0 keeps a value. */
TQ_API void tq_ppml_set_tolerance(tq_ppml *p, double tol, double demean_tol, int max_iter);
/* OpenMP threads of the demeaning (0: the OpenMP default). */
TQ_API void tq_ppml_set_threads(tq_ppml *p, int threads);

/* Read the data, drop what cannot be estimated and estimate. Errors: TQ_ERR_IO,
 * TQ_ERR_PARSE (file, line and column of a bad value), TQ_ERR_NOT_FOUND (a column
 * missing), TQ_ERR_INVALID (a negative y, no observation left, a bad model string),
 * TQ_ERR_NOT_CONVERGED (the results of the last step are kept and readable; the
 * message gives the deviance change reached), TQ_ERR_NOMEM, TQ_ERR_CANCELLED. */
TQ_API tq_status tq_ppml_run(tq_ppml *p);

/* The fit. Counts of observations: read (after the filter), used, and dropped for
 * each reason. */
typedef struct tq_ppml_info {
    size_t n_read, n_obs;
    size_t n_missing;    /* a missing or non-finite y, regressor or category */
    size_t n_zero_group; /* in a fixed-effect group whose y are all zero */
    size_t n_singleton;  /* alone in a fixed-effect group */
    size_t n_separated;  /* separated by the regressors (ReLU) */
    int k;               /* coefficients reported (dropped regressors excluded) */
    int k_dropped;       /* regressors dropped as collinear after the drops */
    int iterations;      /* IRLS steps */
    long cg_steps;       /* conjugate-gradient steps of the demeaning, all IRLS steps */
    int converged;
    double loglik;   /* log pseudo-likelihood sum y log mu - mu - lgamma(y+1) */
    double deviance; /* 2 sum y log(y/mu) - (y - mu) */
    double ll_null;  /* of the constant-only model */
    double k_fe;     /* fixed-effect parameters counted by the small-sample factor */
    int n_clusters[2];
    int cluster_ways;
    tq_se_convention se;
} tq_ppml_info;
TQ_API const tq_ppml_info *tq_ppml_info_get(const tq_ppml *p);
/* Coefficient j (0..info.k-1): its name (owned by p), estimate, standard error, z and
 * two-sided p value. TQ_ERR_INVALID for a bad j or before a run. */
TQ_API tq_status tq_ppml_coef(const tq_ppml *p, int j, const char **name, double *b, double *se, double *z,
                              double *pval);
/* Name of dropped regressor j (0..info.k_dropped-1), NULL otherwise. */
TQ_API const char *tq_ppml_dropped(const tq_ppml *p, int j);
/* Data row (1-based, in the file's data rows, or in the order of tq_ppml_set_data) of
 * the j-th observation dropped as separated by the regressors (j < info.n_separated),
 * 0 otherwise. */
TQ_API size_t tq_ppml_separated_row(const tq_ppml *p, size_t j);
/* The covariance of the coefficients, v[k*k] row-major (owned by p). */
TQ_API const double *tq_ppml_vcov(const tq_ppml *p);
/* Write the regression table at path: JSON when path ends in .json, else CSV
 * (docs/estimation.md gives both layouts). TQ_ERR_EXISTS when path exists and
 * overwrite is 0; TQ_ERR_IO. */
TQ_API tq_status tq_ppml_write(tq_ppml *p, const char *path, int overwrite);
/* Write the fixed-effect estimates as CSV (fe,level,estimate): one row per level of
 * each effect; the effects are identified up to normalisations (docs/estimation.md). */
TQ_API tq_status tq_ppml_write_fe(tq_ppml *p, const char *path, int overwrite);

#ifdef __cplusplus
}
#endif
#endif /* TRADEQ_H */
