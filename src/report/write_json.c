/* The JSON document of a table set (docs/results.md "JSON layout";
 * docs/results.schema.json), streamed to a sink one row per line: memory stays flat
 * however large the bilateral table. Written by hand rather than through a JSON
 * library's document tree, so nothing but the output buffer is allocated; what a
 * library would add is done here and tested (tests/report/test_results.c): strings are
 * escaped as RFC 8259 requires (quote, backslash, control characters), a text that is
 * not valid UTF-8 is written with '?' for its non-ASCII bytes (a JSON document must be
 * UTF-8), numbers are the shortest decimal that reads back as the same double (as in
 * CSV) with ".0" added to a whole number so that it still reads as a real, and a number
 * that is not finite is null. */
#include "report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* 1 if s is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF). */
static int utf8_valid(const unsigned char *s)
{
    for (size_t n; *s; s += n)
        if (!(n = tq__utf8_len(s, SIZE_MAX))) /* the terminating 0 ends a sequence early */
            return 0;
    return 1;
}

static void json_str(tq__out *o, const char *s)
{
    if (!s)
        s = "";
    const int valid = utf8_valid((const unsigned char *)s);
    tq__out_char(o, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char u[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (*p < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", *p);
                esc = u;
            }
        }
        if (esc)
            tq__out_str(o, esc);
        else
            tq__out_char(o, *p >= 0x80 && !valid ? '?' : (char)*p);
    }
    tq__out_char(o, '"');
}

static void json_num(tq__out *o, double v)
{
    if (!isfinite(v)) {
        tq__out_str(o, "null");
        return;
    }
    char buf[40];
    tq__fmt_num(buf, v);
    tq__out_str(o, buf);
    if (!strpbrk(buf, ".e"))
        tq__out_str(o, ".0");
}

static void json_int(tq__out *o, long v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%ld", v);
    tq__out_str(o, buf);
}

static void json_key(tq__out *o, const char *key)
{
    json_str(o, key);
    tq__out_char(o, ':');
}

/* Row r of t as an object with the JSON keys of its columns: the trace columns left
 * out, each before / after pair folded into one object. */
static void json_row(tq__out *o, const tq__table *t, size_t r)
{
    const tq__cell *row = t->cells + r * (size_t)t->ncols;
    int first = 1;
    tq__out_char(o, '{');
    for (int k = 0; k < t->ncols; k++) {
        const tq__col *c = &t->cols[k];
        if (!c->json)
            continue;
        int opens = c->sub && !(k > 0 && t->cols[k - 1].sub && !strcmp(t->cols[k - 1].json, c->json));
        int closes = c->sub && !(k + 1 < t->ncols && t->cols[k + 1].sub && !strcmp(t->cols[k + 1].json, c->json));
        if (!c->sub || opens) {
            if (!first)
                tq__out_char(o, ',');
            json_key(o, c->json);
            if (opens)
                tq__out_char(o, '{');
        } else {
            tq__out_char(o, ',');
        }
        first = 0;
        if (c->sub)
            json_key(o, c->sub);
        switch (c->type) {
        case TQ_COL_INTEGER: json_int(o, row[k].i); break;
        case TQ_COL_FLAG: tq__out_str(o, row[k].i ? "true" : "false"); break;
        case TQ_COL_NUMBER: json_num(o, row[k].d); break;
        default: json_str(o, row[k].s); break;
        }
        if (closes)
            tq__out_char(o, '}');
    }
    tq__out_char(o, '}');
}

static void json_solver(tq__out *o, const tq__run_info *ri)
{
    tq__out_str(o, "{\"converged\":");
    tq__out_str(o, ri->converged ? "true" : "false");
    tq__out_str(o, ",\"iterations\":");
    json_int(o, ri->iterations);
    tq__out_str(o, ",\"residual\":");
    json_num(o, ri->residual);
    tq__out_str(o, ",\"seconds\":");
    json_num(o, ri->seconds);
    tq__out_str(o, ",\"method\":");
    json_str(o, ri->method);
    tq__out_str(o, ",\"status\":");
    json_str(o, ri->status);
    tq__out_char(o, '}');
}

/* The rows of run r of table t (NULL: none) as an array, one row per line. */
static void json_rows(tq__out *o, const tq__table *t, int r, tq__prog *pg)
{
    tq__out_char(o, '[');
    for (size_t k = t ? t->first[r] : 0; t && k < t->first[r + 1] && !o->failed && !tq__prog_row(pg); k++) {
        tq__out_str(o, k > t->first[r] ? ",\n" : "\n");
        json_row(o, t, k);
    }
    tq__out_str(o, "\n]");
}

tq_status tq__write_json(tq_context *ctx, const tq_tables *t, const tq_sink *sink, const char *what, tq__prog *pg)
{
    tq__out o;
    tq_status st = tq__out_open(ctx, &o, sink);
    if (st)
        return st;
    const tq__table *regions = tq__tables_kind(t, TQ__TB_REGIONS), *run = tq__tables_kind(t, TQ__TB_RUN);
    size_t total = regions->first[1];
    for (int k = 0; k < t->count; k++)
        if (t->tb[k].kind != TQ__TB_RUN)
            total += t->tb[k].nrows;
    tq__prog_file(pg, total);

    tq__out_str(&o, "{\"tradeq\": \"" TQ_VERSION_STRING "\",\n\"results_version\": 2,\n\"detail\": ");
    tq__out_str(&o, t->detail == TQ_DETAIL_FULL ? "\"full\"" : "\"summary\"");
    tq__out_str(&o, ",\n\"solver\": ");
    json_solver(&o, &t->ri[0]);
    tq__out_str(&o, ",\n\"regions\": ");
    json_rows(&o, regions, 0, pg);
    tq__out_str(&o, ",\n\"scenarios\": [");
    for (int r = 0; r < t->nruns && !o.failed && !pg->st; r++) {
        const tq__run_info *ri = &t->ri[r];
        tq__out_str(&o, r ? ",\n{\"name\": " : "\n{\"name\": ");
        json_str(&o, ri->name);
        tq__out_str(&o, ",\n\"run\": ");
        json_row(&o, run, run->first[r]);
        tq__out_str(&o, ",\n\"solver\": ");
        json_solver(&o, ri);
        tq__out_str(&o, ",\n\"pair\": ");
        if (ri->importer) {
            tq__out_str(&o, "{\"importer\":");
            json_str(&o, ri->importer);
            tq__out_str(&o, ",\"exporter\":");
            json_str(&o, ri->exporter);
            tq__out_char(&o, '}');
        } else {
            tq__out_str(&o, "null");
        }
        /* pair_sector is in every document, empty when no run names a pair; bilateral
         * and decomposition only at full detail */
        for (int kind = 0; kind < TQ__TB_RUN && !pg->st; kind++) {
            const tq__table *tb = tq__tables_kind(t, kind);
            if (!tb && kind != TQ__TB_PAIR_SECTOR)
                continue;
            tq__out_str(&o, ",\n\"");
            tq__out_str(&o, tq__table_kind_name(kind));
            tq__out_str(&o, "\": ");
            json_rows(&o, tb, r, pg);
        }
        tq__out_char(&o, '}');
    }
    tq__out_str(&o, "\n]}\n");
    int failed = tq__out_close(ctx, &o);
    if (pg->st)
        return pg->st;
    return failed ? tq__sink_error(ctx, what) : TQ_OK;
}

tq_status tq_tables_write_json(tq_context *ctx, const tq_tables *t, const tq_sink *sink)
{
    if (!t)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "tables", "no tables to write");
    tq__prog pg = {ctx, 0, 1, 0, 0, TQ_OK};
    return tq__write_json(ctx, t, sink, NULL, &pg);
}

tq_status tq_results_write_json(tq_context *ctx, const tq_run *runs, int n, tq_detail detail, const tq_sink *sink)
{
    tq_tables *t = NULL;
    tq_status st = tq_tables_new(ctx, runs, n, detail, &t);
    if (!st)
        st = tq_tables_write_json(ctx, t, sink);
    tq_tables_free(t);
    return st;
}
