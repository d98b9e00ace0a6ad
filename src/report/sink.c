/* Output plumbing of the result writers: a sink over stdio, buffered output in bounded
 * chunks, the number format shared by CSV and JSON, and progress inside a file. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int file_write(void *ud, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) == len ? 0 : -1;
}

tq_sink tq_sink_file(void *file)
{
    tq_sink s = {file_write, file};
    return s;
}

tq_status tq__out_open(tq_context *ctx, tq__out *o, const tq_sink *sink)
{
    memset(o, 0, sizeof *o);
    if (!sink || !sink->write)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "sink", "no sink to write to");
    o->sink = sink;
    o->buf = tq__malloc(ctx, TQ__OUT_CHUNK);
    return o->buf ? TQ_OK : TQ_ERR_NOMEM;
}

static void flush(tq__out *o)
{
    if (o->len && !o->failed && o->sink->write(o->sink->ud, o->buf, o->len) != 0)
        o->failed = 1;
    o->len = 0;
}

int tq__out_close(tq_context *ctx, tq__out *o)
{
    if (o->buf)
        flush(o);
    tq__free(ctx, o->buf);
    o->buf = NULL;
    return o->failed;
}

void tq__out_bytes(tq__out *o, const char *p, size_t n)
{
    while (n > 0 && !o->failed) {
        size_t room = TQ__OUT_CHUNK - o->len;
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
        if (o->len == TQ__OUT_CHUNK)
            flush(o);
    }
}

void tq__out_str(tq__out *o, const char *s)
{
    tq__out_bytes(o, s, strlen(s));
}

void tq__out_char(tq__out *o, char c)
{
    if (o->failed)
        return;
    o->buf[o->len++] = c; /* the buffer is never left full */
    if (o->len == TQ__OUT_CHUNK)
        flush(o);
}

tq_status tq__sink_error(tq_context *ctx, const char *what)
{
    if (what)
        return tq__error(ctx, TQ_ERR_IO, what, 0, NULL, "write failed (disk full?)");
    return tq__error(ctx, TQ_ERR_IO, NULL, 0, "sink", "the sink refused the output");
}

void tq__fmt_num(char buf[40], double v)
{
    if (!isfinite(v)) {
        buf[0] = 0; /* CSV: an empty field, missing for pandas (NaN) and Stata (.) */
        return;
    }
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, 40, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

void tq__prog_file(tq__prog *p, size_t total)
{
    p->done = 0;
    p->total = total;
}

int tq__prog_row(tq__prog *p)
{
    if (++p->done % TQ__PROGRESS_ROWS)
        return 0;
    double within = p->total ? (double)p->done / (double)p->total : 0.0;
    p->st = tq__progress(p->ctx, "write results", (p->file + within) / p->nfiles);
    return p->st != TQ_OK;
}
