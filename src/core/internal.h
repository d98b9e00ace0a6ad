/* Internal helpers shared by the library's modules. Not part of the public API. */
#ifndef TQ_INTERNAL_H
#define TQ_INTERNAL_H

#include "tradeq.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct tq_context {
    tq_allocator alloc;
    tq_log_fn log_fn;
    void *log_ud;
    tq_progress_fn progress_fn;
    void *progress_ud;
    atomic_int cancelled;
    tq_error err;
};

/* Allocation through the context's allocator. tq__calloc zeroes and checks n*size
 * for overflow. All return NULL on failure and record TQ_ERR_NOMEM in ctx. */
void *tq__malloc(tq_context *ctx, size_t size);
void *tq__calloc(tq_context *ctx, size_t n, size_t size);
void *tq__realloc(tq_context *ctx, void *p, size_t size);
void tq__free(tq_context *ctx, void *p);
char *tq__strdup(tq_context *ctx, const char *s);

/* Record an error and return its status, so that callers can write
 *     return tq__error(ctx, TQ_ERR_PARSE, file, line, "value", "not a number: '%s'", s);
 * file and field may be NULL; line 0 means "no line". */
tq_status tq__error(tq_context *ctx, tq_status st, const char *file, long line, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
void tq__clear_error(tq_context *ctx);

/* Length (1-4) of the valid UTF-8 sequence at s (n bytes readable), or 0 when the bytes
 * there are not one: overlong forms, surrogates and code points above U+10FFFF are not. */
size_t tq__utf8_len(const unsigned char *s, size_t n);

/* Whether the len bytes at s are text a label may hold: valid UTF-8 (no overlong forms,
 * surrogates or code points above U+10FFFF) without control bytes or DEL (tab allowed
 * when allow_tab). Returns -1 if so, else the offset of the first offending byte. */
long tq__text_check(const char *s, size_t len, int allow_tab);

void tq__log(tq_context *ctx, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Report progress; returns TQ_ERR_CANCELLED (recorded in ctx) if the callback or
 * tq_context_cancel() asked to stop, TQ_OK otherwise. */
tq_status tq__progress(tq_context *ctx, const char *stage, double fraction);

/* ------------------------------------------------------------- CSV reader --- */
/* Line-by-line reader for CSV / TSV files, plain or gzip (zlib reads both).
 * Fields are split on `sep` (',' or '\t'); surrounding double quotes are removed
 * (no embedded separators inside quotes are supported beyond that: the formats we
 * read never quote a separator). Blank lines are skipped. */
typedef struct tq__csv {
    tq_context *ctx;
    void *gz;   /* gzFile */
    char *path; /* owned copy */
    char *buf;  /* current line */
    size_t cap;
    long line; /* 1-based line number of the current row */
    char sep;
    char **fields; /* pointers into buf */
    int nfields;
    int capfields;
    char **header; /* owned copies of the header fields (after tq__csv_read_header) */
    int nheader;
} tq__csv;

/* Open path (plain or .gz). On failure records TQ_ERR_IO naming the file. */
tq_status tq__csv_open(tq_context *ctx, tq__csv *c, const char *path, char sep);
void tq__csv_close(tq__csv *c);
/* Read the next non-blank row. Returns 1 if a row was read, 0 at end of file,
 * negative tq_status on error (recorded). */
int tq__csv_next(tq__csv *c);
/* Read the first row as the header and check it contains the `n` names in `want`
 * (in any order); fills col[k] with the column index of want[k]. A missing column is a
 * TQ_ERR_PARSE naming it. Pass n = 0 to just store the header. */
tq_status tq__csv_read_header(tq__csv *c, const char *const *want, int n, int *col);
/* Column index of a header name, -1 if absent. */
int tq__csv_col(const tq__csv *c, const char *name);
/* Require the current row to have at least `n` fields (TQ_ERR_PARSE otherwise, naming
 * the line and the first missing column from the header). */
tq_status tq__csv_need(tq__csv *c, int n);
/* Require exactly n fields: fewer is tq__csv_need's "truncated row", more an "extra field"
 * error (TQ_ERR_PARSE, naming the line); the long tables and the wide readers use it. */
tq_status tq__csv_exact(tq__csv *c, int n);
/* Parse field k of the current row as a finite double. Empty is an error unless
 * empty_ok (then *out = empty_value). NaN/Inf and trailing junk are TQ_ERR_PARSE
 * naming the file, line and column. */
tq_status tq__csv_double(tq__csv *c, int k, double *out);
tq_status tq__csv_double_or(tq__csv *c, int k, double empty_value, double *out);
tq_status tq__csv_int(tq__csv *c, int k, long *out);
/* Field k as a string (pointer into the line buffer, valid until the next row). */
const char *tq__csv_str(const tq__csv *c, int k);
/* Header name of column k, or "column N". */
const char *tq__csv_colname(const tq__csv *c, int k);
/* Record an error at the current row of c. */
tq_status tq__csv_error(tq__csv *c, tq_status st, int k, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Record an error at the current row of c with the given field (NULL: none); the
 * message is cut at 511 bytes. tq__csv_error and tq__lt_error both end here. */
tq_status tq__csv_verror(const tq__csv *c, tq_status st, const char *field, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;

/* Parse a whole string as a finite double (no trailing junk). Returns 0 on success. */
int tq__parse_double(const char *s, double *out);
/* Parse a whole string as a base-10 long (no junk, no overflow). Returns 0 on success;
 * *out is left alone otherwise. */
int tq__parse_long(const char *s, long *out);

/* Join dir and name into a newly allocated path (owned by caller, tq__free). */
char *tq__path_join(tq_context *ctx, const char *dir, const char *name);
/* 1 if a regular file exists at path (or path + ".gz" when try_gz; *found receives the
 * path actually found, allocated, may be NULL). */
int tq__file_exists(const char *path);
/* Find dir/name or dir/name.gz; returns an allocated path or NULL (no error recorded). */
char *tq__find_file(tq_context *ctx, const char *dir, const char *name);
/* Open dir/name or dir/name.gz as a CSV reader (sep ','). When neither exists: with
 * layout non-NULL it is TQ_ERR_IO naming dir/name ("missing file (the <layout> layout
 * needs <name> or <name>.gz)"); with layout NULL (an optional file) it is TQ_OK with
 * *found = 0 and c not open. found may be NULL. */
tq_status tq__csv_open_in(tq_context *ctx, tq__csv *c, const char *dir, const char *name, const char *layout,
                          int *found);

/* Small string map from code to index, for readers (open addressing). */
typedef struct tq__index {
    tq_context *ctx;
    char **keys;
    int *vals;
    size_t cap;
    size_t count;
} tq__index;
tq_status tq__index_init(tq_context *ctx, tq__index *ix, size_t expected);
void tq__index_free(tq__index *ix);
/* Insert key -> val; returns TQ_ERR_INVALID (not recorded) if key exists already. */
tq_status tq__index_put(tq__index *ix, const char *key, int val);
/* Value of key or -1. */
int tq__index_get(const tq__index *ix, const char *key);

#endif
