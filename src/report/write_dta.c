/* Stata .dta of one result table: format 118 (Stata 14+, UTF-8), written with
 * ReadStat through a sink; doubles as doubles, flags as byte, counts as long, texts as
 * str# of the width needed (strL beyond 2045 bytes), a label on every variable. Built
 * only with TQ_WITH_DTA (CMake option, on by default); without it asking for dta is
 * TQ_ERR_UNSUPPORTED. */
#include "report.h"

#include <math.h>
#include <string.h>
#include <time.h>

#ifdef TQ_WITH_DTA
#include <readstat.h>

#define DTA_MAX_STR 2045 /* longer texts are stored as strL */

typedef struct dta_ud {
    const tq_sink *sink;
    int failed;
} dta_ud;

static ssize_t dta_write(const void *data, size_t len, void *ud)
{
    dta_ud *d = ud;
    if (d->failed || d->sink->write(d->sink->ud, data, len) != 0) {
        d->failed = 1;
        return -1;
    }
    return (ssize_t)len;
}

tq_status tq__write_dta(tq_context *ctx, const tq__table *t, const char *file_label, const tq_sink *sink,
                        const char *what, tq__prog *pg)
{
    readstat_writer_t *w = readstat_writer_init();
    readstat_variable_t **var = tq__calloc(ctx, (size_t)t->ncols, sizeof *var);
    readstat_string_ref_t **refs = NULL; /* [row, col] for strL columns */
    readstat_error_t err = READSTAT_OK;
    tq_status st = TQ_OK;
    const char *field = NULL;
    dta_ud ud = {sink, 0};
    if (!w || !var) {
        st = w ? TQ_ERR_NOMEM : tq__error(ctx, TQ_ERR_NOMEM, what, 0, NULL, "dta: cannot start the writer");
        goto done;
    }
    readstat_set_data_writer(w, dta_write);
    readstat_writer_set_file_format_version(w, 118); /* UTF-8, names up to 32 characters */
    readstat_writer_set_file_timestamp(w, time(NULL));
    if ((err = readstat_writer_set_file_label(w, file_label)))
        goto done;
    int any_ref = 0;
    for (int k = 0; k < t->ncols && !err; k++) {
        const tq__col *c = &t->cols[k];
        readstat_type_t type = READSTAT_TYPE_DOUBLE;
        size_t width = 0;
        if (c->type == TQ_COL_TEXT) {
            width = 1; /* Stata's narrowest str1 */
            for (size_t r = 0; r < t->nrows; r++) {
                const char *s = t->cells[r * (size_t)t->ncols + (size_t)k].s;
                size_t len = s ? strlen(s) : 0;
                if (len > width)
                    width = len;
            }
            type = width > DTA_MAX_STR ? READSTAT_TYPE_STRING_REF : READSTAT_TYPE_STRING;
            any_ref |= type == READSTAT_TYPE_STRING_REF;
        } else if (c->type == TQ_COL_FLAG) {
            type = READSTAT_TYPE_INT8;
        } else if (c->type == TQ_COL_INTEGER) {
            type = READSTAT_TYPE_INT32;
        }
        field = c->name;
        var[k] = readstat_add_variable(w, c->name, type, type == READSTAT_TYPE_STRING ? width : 0);
        if (!var[k]) {
            st = tq__error(ctx, TQ_ERR_NOMEM, what, 0, c->name, "dta: cannot add the variable");
            goto done;
        }
        readstat_variable_set_label(var[k], c->label);
    }
    if (any_ref) {
        /* strL values must be registered before the data section begins */
        refs = tq__calloc(ctx, t->nrows * (size_t)t->ncols, sizeof *refs);
        if (!refs) {
            st = TQ_ERR_NOMEM;
            goto done;
        }
        for (size_t r = 0; r < t->nrows; r++)
            for (int k = 0; k < t->ncols; k++)
                if (readstat_variable_get_type(var[k]) == READSTAT_TYPE_STRING_REF) {
                    const char *s = t->cells[r * (size_t)t->ncols + (size_t)k].s;
                    refs[r * (size_t)t->ncols + (size_t)k] = readstat_add_string_ref(w, s ? s : "");
                }
    }
    field = NULL;
    if ((err = readstat_begin_writing_dta(w, &ud, (long)t->nrows)))
        goto done;
    tq__prog_file(pg, t->nrows);
    for (size_t r = 0; r < t->nrows && !err; r++) {
        if (tq__prog_row(pg)) {
            st = pg->st;
            goto done;
        }
        const tq__cell *row = t->cells + r * (size_t)t->ncols;
        if ((err = readstat_begin_row(w)))
            break;
        for (int k = 0; k < t->ncols && !err; k++) {
            switch (t->cols[k].type) {
            case TQ_COL_FLAG: err = readstat_insert_int8_value(w, var[k], (int8_t)(row[k].i != 0)); break;
            case TQ_COL_INTEGER: err = readstat_insert_int32_value(w, var[k], (int32_t)row[k].i); break;
            case TQ_COL_NUMBER:
                err = isfinite(row[k].d) ? readstat_insert_double_value(w, var[k], row[k].d)
                                         : readstat_insert_missing_value(w, var[k]);
                break;
            default:
                if (refs && readstat_variable_get_type(var[k]) == READSTAT_TYPE_STRING_REF)
                    err = readstat_insert_string_ref(w, var[k], refs[r * (size_t)t->ncols + (size_t)k]);
                else
                    err = readstat_insert_string_value(w, var[k], row[k].s ? row[k].s : "");
                break;
            }
        }
        if (!err)
            err = readstat_end_row(w);
    }
    if (!err)
        err = readstat_end_writing(w);
done:
    if (ud.failed && !st)
        st = tq__sink_error(ctx, what);
    if (err && !st)
        st = tq__error(ctx, err == READSTAT_ERROR_MALLOC ? TQ_ERR_NOMEM : TQ_ERR_IO, what, 0, field, "dta: %s",
                       readstat_error_message(err));
    readstat_writer_free(w);
    tq__free(ctx, refs);
    tq__free(ctx, var);
    return st;
}

#else

tq_status tq__write_dta(tq_context *ctx, const tq__table *t, const char *file_label, const tq_sink *sink,
                        const char *what, tq__prog *pg)
{
    (void)t;
    (void)file_label;
    (void)sink;
    (void)pg;
    return tq__error(ctx, TQ_ERR_UNSUPPORTED, what, 0, "format",
                     "this tradeq was built without Stata .dta output (CMake option TQ_WITH_DTA, needs ReadStat); "
                     "write csv instead");
}

#endif
