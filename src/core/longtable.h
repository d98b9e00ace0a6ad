/* The long-table reader: one CSV file (plain or .gz) with a header, read row by row,
 * with declared columns. Every reader of keyed tables in the library (tradeq's own
 * format, KITE, cp2015, scenario pairs files) goes through it, so that every table
 * has the same rules and the same error convention.
 *
 * It lives in core/ because it needs no dataset knowledge: a key column is matched
 * through a code list (a tq__index built by the caller) or a callback, and named in
 * messages by the caller's words ("region code", "year"). Datasets, years and
 * scenarios stay in data/ and scenario/.
 *
 * Columns are declared by header name, in any order of the file:
 *   - TQ__LT_TEXT: a string, kept as written (tq__lt_str, tq__lt_int, tq__lt_lookup);
 *   - TQ__LT_KEY: a code resolved to an index in [0, count) (tq__lt_key);
 *   - TQ__LT_VALUE: a finite double (tq__lt_value); an empty field is an error
 *     unless empty_ok (then it reads as `empty`).
 * A column with `optional` may be missing from the header (tq__lt_has tells; its keys
 * read as 0 and its values as `empty`); any other missing column is an error.
 *
 * The error convention (all recorded with tq__error: file, line, field = the column):
 *   missing column          TQ_ERR_PARSE      line 1, "missing column 'x' in the header"
 *   short row               TQ_ERR_PARSE      first missing column, "truncated row: ..."
 *                                             (a row needs every column of the header)
 *   bad or empty number     TQ_ERR_PARSE      "not a number: 'x'", "not a finite number",
 *                                             "empty value, expected a number"
 *   empty code              TQ_ERR_PARSE      "empty region code"
 *   malformed code (fn -2)  TQ_ERR_PARSE      "not a valid year: 'x'"
 *   unknown code            TQ_ERR_NOT_FOUND  "unknown region code 'XYZ' (hint)"
 *   duplicate key           spec dup_status   first key column, "duplicate flow row:
 *                           (TQ_ERR_PARSE)    exporter=A importer=B is also on line 3"
 *   missing key (complete)  TQ_ERR_INVALID    last line, first key column, "no row for
 *                                             exporter=A importer=B: ..."
 * Streaming: one line in memory; a `unique` table keeps one 32-bit line number per
 * key combination. Not thread-safe per object; distinct objects are independent. */
#ifndef TQ_LONGTABLE_H
#define TQ_LONGTABLE_H

#include "internal.h"

#include <stdint.h>

enum { TQ__LT_TEXT = 0, TQ__LT_KEY = 1, TQ__LT_VALUE = 2 };

#define TQ__LT_MAXCOLS 12

/* Resolve a key code: its index in [0, count), -1 if unknown (TQ_ERR_NOT_FOUND),
 * -2 if malformed (TQ_ERR_PARSE). */
typedef int (*tq__lt_key_fn)(void *ud, const char *code);

typedef struct tq__lt_col {
    const char *name; /* header name */
    int type;         /* TQ__LT_TEXT, TQ__LT_KEY or TQ__LT_VALUE */
    int optional;     /* may be absent from the header */
    /* TQ__LT_KEY */
    const tq__index *codes;   /* code -> index; or NULL and fn */
    tq__lt_key_fn fn;         /* used when codes is NULL */
    void *ud;                 /* passed to fn */
    int count;                /* number of codes (> 0) */
    const char *what;         /* for messages: "region code", "year" */
    const char *hint;         /* appended to unknown-code messages as " (hint)", or NULL */
    const char *const *label; /* [count] code of each index, for "no row for" messages, or NULL */
    /* TQ__LT_VALUE */
    int empty_ok; /* an empty field reads as `empty` (otherwise it is an error) */
    double empty;
} tq__lt_col;

typedef struct tq__lt_spec {
    const char *what;     /* row noun for messages ("flow" -> "duplicate flow row"), or NULL */
    int unique;           /* each key combination at most once */
    int complete;         /* each key combination exactly once (checked by tq__lt_finish) */
    tq_status dup_status; /* status of a duplicate key; 0 means TQ_ERR_PARSE */
} tq__lt_spec;

typedef struct tq__lt {
    tq__csv c;
    int open;
    int ncols;
    tq__lt_col col[TQ__LT_MAXCOLS];
    tq__lt_spec spec;
    int at[TQ__LT_MAXCOLS];     /* field index in the file, -1 if absent */
    int key[TQ__LT_MAXCOLS];    /* current row: index of each key column */
    double val[TQ__LT_MAXCOLS]; /* current row: each value column */
    size_t stride[TQ__LT_MAXCOLS];
    char last[TQ__LT_MAXCOLS][16]; /* the previous row's code of each key column ("" = none) */
    size_t cell;                   /* current row: flat index of its key combination */
    size_t ncells;                 /* product of the key counts */
    size_t rows;                   /* rows read */
    uint32_t *lineof;              /* [ncells] line of each key combination, 0 = not seen (unique/complete) */
} tq__lt;

/* Open path and read its header. cols[ncols] (ncols <= TQ__LT_MAXCOLS) and spec are
 * copied (the strings and code lists they point to must outlive lt). Errors: the file
 * (TQ_ERR_IO), an empty file or a missing column (TQ_ERR_PARSE), TQ_ERR_NOMEM. On
 * failure lt is closed. Always call tq__lt_close (it accepts a closed or zeroed lt). */
tq_status tq__lt_open(tq_context *ctx, tq__lt *lt, const char *path, const tq__lt_col *cols, int ncols,
                      const tq__lt_spec *spec);
/* The same for dir/name or dir/name.gz, as tq__csv_open_in: a missing file is TQ_ERR_IO
 * naming the layout when layout is not NULL, else TQ_OK with *found = 0 (found may be
 * NULL) and lt not open. */
tq_status tq__lt_open_in(tq_context *ctx, tq__lt *lt, const char *dir, const char *name, const char *layout, int *found,
                         const tq__lt_col *cols, int ncols, const tq__lt_spec *spec);
/* Read the next row and resolve its keys and values: 1 = a row; 0 = the end of the
 * file (*st = TQ_OK) or an error (*st, recorded). */
int tq__lt_next(tq__lt *lt, tq_status *st);
/* After the last row: for a `complete` table, TQ_ERR_INVALID naming the first key
 * combination without a row. TQ_OK otherwise. */
tq_status tq__lt_finish(tq__lt *lt);
void tq__lt_close(tq__lt *lt);

/* The current row's fields by declared column k. */
static inline int tq__lt_key(const tq__lt *lt, int k)
{
    return lt->key[k];
}
static inline double tq__lt_value(const tq__lt *lt, int k)
{
    return lt->val[k];
}
static inline int tq__lt_has(const tq__lt *lt, int k)
{
    return lt->at[k] >= 0;
}
static inline size_t tq__lt_cell(const tq__lt *lt)
{
    return lt->cell;
}
static inline long tq__lt_line(const tq__lt *lt)
{
    return lt->c.line;
}
static inline const char *tq__lt_path(const tq__lt *lt)
{
    return lt->c.path;
}
/* Line of the row of key combination `cell` so far (0: none yet); 0 unless unique. */
static inline long tq__lt_seen(const tq__lt *lt, size_t cell)
{
    return lt->lineof && cell < lt->ncells ? (long)lt->lineof[cell] : 0;
}
/* Column k as written ("" if absent); valid until the next row. */
const char *tq__lt_str(const tq__lt *lt, int k);
/* Column k as a whole integer (TQ_ERR_PARSE "not an integer" otherwise). */
tq_status tq__lt_int(tq__lt *lt, int k, long *out);
/* Look column k up in a code list with the key rules (empty: TQ_ERR_PARSE; unknown:
 * TQ_ERR_NOT_FOUND "unknown <what> '<code>' (<hint>)"), for keys whose list depends on
 * the row. */
tq_status tq__lt_lookup(tq__lt *lt, int k, const tq__index *codes, const char *what, const char *hint, int *out);
/* Record an error at the current row, field = column k (k < 0: no field). */
tq_status tq__lt_error(tq__lt *lt, int k, tq_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
