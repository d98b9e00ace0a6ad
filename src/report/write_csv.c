/* CSV of one result table (docs/results.md): UTF-8, header row, RFC 4180 quoting,
 * numbers as the shortest decimal that reads back as the same double, an empty field
 * for a missing number. */
#include "report.h"

#include <stdio.h>
#include <string.h>

/* RFC 4180: quote a field holding a separator, quote, line break or edge space. */
static void csv_str(tq__out *o, const char *s)
{
    size_t len = strlen(s);
    int q = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (const char *p = s; *p && !q; p++)
        q = *p == ',' || *p == '"' || *p == '\n' || *p == '\r';
    if (!q) {
        tq__out_bytes(o, s, len);
        return;
    }
    tq__out_char(o, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            tq__out_char(o, '"');
        tq__out_char(o, *p);
    }
    tq__out_char(o, '"');
}

tq_status tq__write_csv(tq_context *ctx, const tq__table *t, const tq_sink *sink, const char *what, tq__prog *pg)
{
    tq__out o;
    tq_status st = tq__out_open(ctx, &o, sink);
    if (st)
        return st;
    char buf[40];
    for (int k = 0; k < t->ncols; k++) {
        if (k)
            tq__out_char(&o, ',');
        tq__out_str(&o, t->cols[k].name);
    }
    tq__out_char(&o, '\n');
    tq__prog_file(pg, t->nrows);
    for (size_t r = 0; r < t->nrows && !o.failed && !tq__prog_row(pg); r++) {
        const tq__cell *row = t->cells + r * (size_t)t->ncols;
        for (int k = 0; k < t->ncols; k++) {
            if (k)
                tq__out_char(&o, ',');
            switch (t->cols[k].type) {
            case TQ_COL_INTEGER:
            case TQ_COL_FLAG:
                snprintf(buf, sizeof buf, "%ld", row[k].i);
                tq__out_str(&o, buf);
                break;
            case TQ_COL_NUMBER:
                tq__fmt_num(buf, row[k].d);
                tq__out_str(&o, buf);
                break;
            default: csv_str(&o, row[k].s ? row[k].s : ""); break;
            }
        }
        tq__out_char(&o, '\n');
    }
    int failed = tq__out_close(ctx, &o);
    if (pg->st)
        return pg->st;
    return failed ? tq__sink_error(ctx, what) : TQ_OK;
}

tq_status tq_tables_write_csv(tq_context *ctx, const tq_tables *t, int k, const tq_sink *sink)
{
    if (!t || k < 0 || k >= t->count)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "table", "table %d: the tables hold %d", k, t ? t->count : 0);
    tq__prog pg = {ctx, 0, 1, 0, 0, TQ_OK};
    return tq__write_csv(ctx, &t->tb[k], sink, NULL, &pg);
}

tq_status tq_results_write_csv(tq_context *ctx, const tq_run *runs, int n, const char *table_name, tq_detail detail,
                               const tq_sink *sink)
{
    tq_tables *t = NULL;
    tq_status st = tq_tables_new(ctx, runs, n, detail, &t);
    if (st)
        return st;
    int k = tq_tables_find(t, table_name);
    if (k < 0)
        st = tq__error(ctx, TQ_ERR_NOT_FOUND, NULL, 0, "table", "no table '%s' at %s detail%s",
                       table_name ? table_name : "(null)", detail == TQ_DETAIL_FULL ? "full" : "summary",
                       detail == TQ_DETAIL_FULL ? "" : " (bilateral and decomposition are full detail only)");
    else
        st = tq_tables_write_csv(ctx, t, k, sink);
    tq_tables_free(t);
    return st;
}
