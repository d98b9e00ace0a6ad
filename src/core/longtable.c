/* The long-table reader (see longtable.h for the rules and the error convention). */
#include "longtable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tq_status lt_setup(tq_context *ctx, tq__lt *lt, const tq__lt_col *cols, int ncols, const tq__lt_spec *spec)
{
    if (ncols < 0 || ncols > TQ__LT_MAXCOLS)
        return tq__error(ctx, TQ_ERR_INVALID, lt->c.path, 0, NULL, "long table: %d columns declared, at most %d", ncols,
                         TQ__LT_MAXCOLS);
    lt->ncols = ncols;
    for (int k = 0; k < ncols; k++)
        lt->col[k] = cols[k];
    if (spec)
        lt->spec = *spec;
    if (!lt->spec.dup_status)
        lt->spec.dup_status = TQ_ERR_PARSE;
    if (lt->spec.complete)
        lt->spec.unique = 1;

    /* required columns first, in declared order, so that the first missing one is named */
    const char *want[TQ__LT_MAXCOLS] = {0};
    int wk[TQ__LT_MAXCOLS] = {0}, at[TQ__LT_MAXCOLS] = {0}, nw = 0;
    for (int k = 0; k < ncols; k++)
        if (!cols[k].optional) {
            want[nw] = cols[k].name;
            wk[nw++] = k;
        }
    tq_status st = tq__csv_read_header(&lt->c, want, nw, at);
    if (st)
        return st;
    for (int k = 0; k < ncols; k++)
        lt->at[k] = -1;
    for (int q = 0; q < nw; q++)
        lt->at[wk[q]] = at[q];
    for (int k = 0; k < ncols; k++)
        if (cols[k].optional)
            lt->at[k] = tq__csv_col(&lt->c, cols[k].name);

    /* key combinations in row-major order of the declared key columns */
    size_t n = 1;
    for (int k = ncols - 1; k >= 0; k--) {
        if (cols[k].type != TQ__LT_KEY)
            continue;
        if (cols[k].count <= 0 || (!cols[k].codes && !cols[k].fn))
            return tq__error(ctx, TQ_ERR_INVALID, lt->c.path, 0, cols[k].name, "long table: key column without codes");
        lt->stride[k] = n;
        if (lt->at[k] < 0)
            continue; /* an absent optional key is always index 0: one value */
        if (n > SIZE_MAX / (size_t)cols[k].count)
            return tq__error(ctx, TQ_ERR_NOMEM, lt->c.path, 0, cols[k].name, "too many key combinations");
        n *= (size_t)cols[k].count;
    }
    lt->ncells = n;
    if (lt->spec.unique) {
        lt->lineof = tq__calloc(ctx, n, sizeof *lt->lineof);
        if (!lt->lineof)
            return TQ_ERR_NOMEM;
    }
    return TQ_OK;
}

tq_status tq__lt_open(tq_context *ctx, tq__lt *lt, const char *path, const tq__lt_col *cols, int ncols,
                      const tq__lt_spec *spec)
{
    memset(lt, 0, sizeof *lt);
    tq_status st = tq__csv_open(ctx, &lt->c, path, ',');
    if (st)
        return st;
    lt->open = 1;
    if ((st = lt_setup(ctx, lt, cols, ncols, spec)))
        tq__lt_close(lt);
    return st;
}

tq_status tq__lt_open_in(tq_context *ctx, tq__lt *lt, const char *dir, const char *name, const char *layout, int *found,
                         const tq__lt_col *cols, int ncols, const tq__lt_spec *spec)
{
    memset(lt, 0, sizeof *lt);
    int f = 0;
    tq_status st = tq__csv_open_in(ctx, &lt->c, dir, name, layout, &f);
    if (found)
        *found = f;
    if (st || !f)
        return st;
    lt->open = 1;
    if ((st = lt_setup(ctx, lt, cols, ncols, spec)))
        tq__lt_close(lt);
    return st;
}

void tq__lt_close(tq__lt *lt)
{
    if (!lt)
        return;
    if (lt->open) {
        tq_context *ctx = lt->c.ctx;
        tq__free(ctx, lt->lineof);
        tq__csv_close(&lt->c);
    }
    lt->open = 0;
    lt->lineof = NULL;
}

const char *tq__lt_str(const tq__lt *lt, int k)
{
    return tq__csv_str(&lt->c, lt->at[k]);
}

tq_status tq__lt_error(tq__lt *lt, int k, tq_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = tq__csv_verror(&lt->c, st, k >= 0 ? lt->col[k].name : NULL, fmt, ap);
    va_end(ap);
    return st;
}

tq_status tq__lt_int(tq__lt *lt, int k, long *out)
{
    const char *s = tq__lt_str(lt, k);
    if (tq__parse_long(s, out))
        return tq__lt_error(lt, k, TQ_ERR_PARSE, "not an integer: '%.40s'", s);
    return TQ_OK;
}

static tq_status unknown(tq__lt *lt, int k, const char *what, const char *hint, const char *s)
{
    return tq__lt_error(lt, k, TQ_ERR_NOT_FOUND, "unknown %s '%.40s'%s%s%s", what, s, hint ? " (" : "",
                        hint ? hint : "", hint ? ")" : "");
}

tq_status tq__lt_lookup(tq__lt *lt, int k, const tq__index *codes, const char *what, const char *hint, int *out)
{
    const char *s = tq__lt_str(lt, k);
    if (!*s)
        return tq__lt_error(lt, k, TQ_ERR_PARSE, "empty %s", what);
    int v = tq__index_get(codes, s);
    if (v < 0)
        return unknown(lt, k, what, hint, s);
    *out = v;
    return TQ_OK;
}

/* "name=code name=code" of the key columns of the current row. */
static void row_keys(const tq__lt *lt, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int k = 0; k < lt->ncols && len < n; k++)
        if (lt->col[k].type == TQ__LT_KEY && lt->at[k] >= 0)
            len +=
                (size_t)snprintf(buf + len, n - len, "%s%s=%.40s", len ? " " : "", lt->col[k].name, tq__lt_str(lt, k));
}

static int first_key(const tq__lt *lt)
{
    for (int k = 0; k < lt->ncols; k++)
        if (lt->col[k].type == TQ__LT_KEY && lt->at[k] >= 0)
            return k;
    return -1;
}

int tq__lt_next(tq__lt *lt, tq_status *st)
{
    int r = tq__csv_next(&lt->c);
    if (r <= 0) {
        *st = (tq_status)(r < 0 ? r : 0);
        return 0;
    }
    tq__csv *c = &lt->c;
    /* every field of the header, and none it does not name (a shifted row or a stray
     * separator is never data to drop silently) */
    if ((*st = tq__csv_exact(c, c->nheader)))
        return 0;
    size_t cell = 0;
    for (int k = 0; k < lt->ncols; k++) {
        const tq__lt_col *col = &lt->col[k];
        if (col->type != TQ__LT_KEY)
            continue;
        if (lt->at[k] < 0) {
            lt->key[k] = 0;
            continue;
        }
        const char *s = c->fields[lt->at[k]];
        if (!*s) {
            *st = tq__lt_error(lt, k, TQ_ERR_PARSE, "empty %s", col->what);
            return 0;
        }
        /* Long tables are usually sorted by their keys: most rows repeat the previous
         * row's code in all but the last key column, so compare before hashing. */
        if (strcmp(s, lt->last[k]) == 0) {
            cell += (size_t)lt->key[k] * lt->stride[k];
            continue;
        }
        int v = col->codes ? tq__index_get(col->codes, s) : col->fn(col->ud, s);
        if (v < 0 || v >= col->count) {
            lt->last[k][0] = 0;
            if (v == -2)
                *st = tq__lt_error(lt, k, TQ_ERR_PARSE, "not a valid %s: '%.40s'", col->what, s);
            else
                *st = unknown(lt, k, col->what, col->hint, s);
            return 0;
        }
        lt->key[k] = v;
        size_t n = strlen(s);
        if (n < sizeof lt->last[k])
            memcpy(lt->last[k], s, n + 1);
        else
            lt->last[k][0] = 0;
        cell += (size_t)v * lt->stride[k];
    }
    lt->cell = cell;
    if (lt->lineof) {
        if (lt->lineof[cell]) {
            char keys[400];
            row_keys(lt, keys, sizeof keys);
            *st = tq__lt_error(lt, first_key(lt), lt->spec.dup_status, "duplicate %s%srow: %s is also on line %lu",
                               lt->spec.what ? lt->spec.what : "", lt->spec.what ? " " : "", keys,
                               (unsigned long)lt->lineof[cell]);
            return 0;
        }
        lt->lineof[cell] = c->line < (long)UINT32_MAX ? (uint32_t)c->line : UINT32_MAX;
    }
    for (int k = 0; k < lt->ncols; k++) {
        const tq__lt_col *col = &lt->col[k];
        if (col->type != TQ__LT_VALUE)
            continue;
        if (lt->at[k] < 0) {
            lt->val[k] = col->empty;
            continue;
        }
        const char *s = c->fields[lt->at[k]];
        if (!*s) {
            if (!col->empty_ok) {
                *st = tq__lt_error(lt, k, TQ_ERR_PARSE, "empty value, expected a number");
                return 0;
            }
            lt->val[k] = col->empty;
            continue;
        }
        int e = tq__parse_double(s, &lt->val[k]);
        if (e) {
            *st = e == -2 ? tq__lt_error(lt, k, TQ_ERR_PARSE, "not a finite number: '%s'", s)
                          : tq__lt_error(lt, k, TQ_ERR_PARSE, "not a number: '%.40s'", s);
            return 0;
        }
    }
    lt->rows++;
    return 1;
}

tq_status tq__lt_finish(tq__lt *lt)
{
    if (!lt->open || !lt->spec.complete || lt->rows == lt->ncells)
        return TQ_OK;
    size_t cell = 0;
    while (cell < lt->ncells && lt->lineof[cell])
        cell++;
    char keys[400];
    size_t len = 0;
    keys[0] = 0;
    for (int k = 0; k < lt->ncols && len < sizeof keys; k++) {
        const tq__lt_col *col = &lt->col[k];
        if (col->type != TQ__LT_KEY || lt->at[k] < 0)
            continue;
        int idx = (int)((cell / lt->stride[k]) % (size_t)col->count);
        if (col->label)
            len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s=%.40s", len ? " " : "", col->name,
                                    col->label[idx]);
        else
            len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s=#%d", len ? " " : "", col->name, idx + 1);
    }
    int fk = first_key(lt);
    return tq__error(lt->c.ctx, TQ_ERR_INVALID, lt->c.path, lt->c.line > 0 ? lt->c.line : 1,
                     fk >= 0 ? lt->col[fk].name : NULL,
                     "no row for %s: every combination must appear exactly once (%zu rows, expected %zu)", keys,
                     lt->rows, lt->ncells);
}
