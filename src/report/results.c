/* Result files of solved scenarios in a folder (issue 5, "Results -> Files";
 * docs/results.md): the tables of tq_tables_new, one file per table and format (CSV,
 * .dta) or one per format (JSON, xlsx).
 *
 * Files are written to "<name>.part" and renamed into place only when every file
 * succeeded, so a failure (I/O, memory, cancellation) leaves no result file behind.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define ALL_FORMATS (TQ_FORMAT_CSV | TQ_FORMAT_JSON | TQ_FORMAT_XLSX | TQ_FORMAT_DTA)

unsigned tq_results_formats(void)
{
    unsigned f = TQ_FORMAT_CSV | TQ_FORMAT_JSON;
#ifdef TQ_WITH_XLSX
    f |= TQ_FORMAT_XLSX;
#endif
#ifdef TQ_WITH_DTA
    f |= TQ_FORMAT_DTA;
#endif
    return f;
}

typedef struct target {
    char *final, *part;
    int kind;  /* TQ_FORMAT_* */
    int table; /* index into the tables, for csv and dta */
} target;

static tq_status validate(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats)
{
    if (!runs || n < 1)
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "runs", "no runs to write");
    if (!dir || !dir[0])
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "dir", "no output folder");
    if (formats == 0 || (formats & ~(unsigned)ALL_FORMATS))
        return tq__error(ctx, TQ_ERR_INVALID, NULL, 0, "formats", "formats 0x%x: want a combination of TQ_FORMAT_*",
                         formats);
    unsigned missing = formats & ~tq_results_formats();
    if (missing)
        return tq__error(ctx, TQ_ERR_UNSUPPORTED, NULL, 0, "format",
                         "this tradeq was built without %s output (CMake option %s, needs %s)",
                         missing & TQ_FORMAT_XLSX ? "xlsx" : "Stata .dta",
                         missing & TQ_FORMAT_XLSX ? "TQ_WITH_XLSX" : "TQ_WITH_DTA",
                         missing & TQ_FORMAT_XLSX ? "libxlsxwriter" : "ReadStat");
    return tq__runs_check(ctx, runs, n);
}

static void free_targets(tq_context *ctx, target *tg, int count)
{
    for (int k = 0; k < count; k++) {
        tq__free(ctx, tg[k].final);
        tq__free(ctx, tg[k].part);
    }
}

/* Cut s to at most max bytes without splitting a UTF-8 character. */
static void utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = 0;
}

/* One file of the folder: opened, written through a file sink, closed. */
static tq_status write_target(tq_context *ctx, const tq_tables *t, const target *g, const char *label, tq__prog *pg)
{
    if (g->kind == TQ_FORMAT_XLSX) /* libxlsxwriter writes the file itself */
        return tq__write_xlsx(ctx, t, g->part, g->final, pg);
    FILE *f = fopen(g->part, "wb");
    if (!f)
        return tq__error(ctx, TQ_ERR_IO, g->final, 0, NULL, "cannot create: %s", strerror(errno));
    tq_sink sink = tq_sink_file(f);
    tq_status st = TQ_OK;
    switch (g->kind) {
    case TQ_FORMAT_CSV: st = tq__write_csv(ctx, &t->tb[g->table], &sink, g->final, pg); break;
    case TQ_FORMAT_JSON: st = tq__write_json(ctx, t, &sink, g->final, pg); break;
    case TQ_FORMAT_DTA: st = tq__write_dta(ctx, &t->tb[g->table], label, &sink, g->final, pg); break;
    }
    int bad = ferror(f);
    if ((fclose(f) != 0 || bad) && !st)
        st = tq__sink_error(ctx, g->final);
    return st;
}

/* The folders a write created (the output folder and any missing parents, as `mkdir -p`),
 * so that a failure removes them again, deepest first. */
typedef struct made_dirs {
    char path[4096];
    size_t end[64]; /* path[0..end[k]) is the k-th folder created */
    int n;
} made_dirs;

static tq_status make_dirs(tq_context *ctx, const char *dir, made_dirs *m)
{
    size_t len = strlen(dir);
    if (len >= sizeof m->path)
        return tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "folder name too long");
    memcpy(m->path, dir, len + 1);
    for (size_t k = 1; k <= len; k++) {
        if (k < len && m->path[k] != '/')
            continue;
        char keep = m->path[k];
        m->path[k] = 0;
        struct stat sb;
        tq_status st = TQ_OK;
        if (stat(m->path, &sb) == 0) {
            if (!S_ISDIR(sb.st_mode))
                st = tq__error(ctx, TQ_ERR_IO, m->path, 0, NULL, "not a folder");
        } else if (mkdir(m->path, 0777) == 0) {
            if (m->n < 64)
                m->end[m->n++] = k;
        } else {
            st = tq__error(ctx, TQ_ERR_IO, m->path, 0, NULL, "cannot create folder: %s", strerror(errno));
        }
        m->path[k] = keep;
        if (st)
            return st;
    }
    return TQ_OK;
}

static void remove_made(made_dirs *m)
{
    for (int k = m->n - 1; k >= 0; k--) {
        char keep = m->path[m->end[k]];
        m->path[m->end[k]] = 0;
        rmdir(m->path);
        m->path[m->end[k]] = keep;
    }
}

tq_status tq_results_write_detail(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats,
                                  int overwrite, tq_detail detail)
{
    tq_status st = validate(ctx, runs, n, dir, formats);
    if (st)
        return st;

    tq_tables *t = NULL;
    if ((st = tq_tables_new(ctx, runs, n, detail, &t)))
        return st;
    enum { MAX_TARGETS = 2 * TQ__TB_COUNT + 2 };
    target tg[MAX_TARGETS];
    int ntg = 0, created = 0, written = 0;
    made_dirs made = {0};
    memset(tg, 0, sizeof tg);
    st = tq__progress(ctx, "write results", 0.0);

    /* targets, in the order they are written */
    static const char *const ext[2] = {"csv", "dta"};
    for (int f = 0; f < 4 && !st; f++) {
        unsigned kind = 1u << f;
        if (!(formats & kind))
            continue;
        int per_table = kind == TQ_FORMAT_CSV || kind == TQ_FORMAT_DTA;
        for (int tb = 0; tb < (per_table ? t->count : 1) && !st; tb++) {
            char name[64];
            if (per_table)
                snprintf(name, sizeof name, "results_%s.%s", t->tb[tb].name, ext[kind == TQ_FORMAT_DTA]);
            else
                snprintf(name, sizeof name, "results.%s", kind == TQ_FORMAT_JSON ? "json" : "xlsx");
            target *g = &tg[ntg++];
            g->kind = (int)kind;
            g->table = tb;
            char part[80];
            snprintf(part, sizeof part, "%s.part", name);
            if (!(g->final = tq__path_join(ctx, dir, name)) || !(g->part = tq__path_join(ctx, dir, part)))
                st = TQ_ERR_NOMEM;
        }
    }

    /* the folder, and what is in the way */
    struct stat sb;
    if (!st) {
        if (stat(dir, &sb) == 0) {
            if (!S_ISDIR(sb.st_mode))
                st = tq__error(ctx, TQ_ERR_IO, dir, 0, NULL, "not a folder");
        } else {
            st = make_dirs(ctx, dir, &made);
            created = made.n > 0;
        }
    }
    for (int k = 0; k < ntg && !st; k++) {
        if (lstat(tg[k].final, &sb) != 0)
            continue;
        if (!overwrite)
            st = tq__error(ctx, TQ_ERR_EXISTS, tg[k].final, 0, NULL,
                           "already exists; refusing to overwrite (use --force)");
        else if (!S_ISREG(sb.st_mode))
            st = tq__error(ctx, TQ_ERR_IO, tg[k].final, 0, NULL, "is in the way and not a regular file");
    }

    /* the files */
    char label[TQ__DTA_MAX_LABEL + 1] = "";
    if (!st) {
        const tq__run_info *ri = t->ri;
        if (n == 1)
            snprintf(label, sizeof label, "tradeq %s %s %s", ri[0].name, ri[0].dataset, ri[0].hash);
        else
            snprintf(label, sizeof label, "tradeq %d scenarios %s %s", n, ri[0].dataset, ri[0].hash);
        utf8_cut(label, TQ__DTA_MAX_LABEL);
    }
    tq__prog pg = {ctx, 0, ntg, 0, 0, TQ_OK};
    for (int k = 0; k < ntg && !st; k++) {
        written = k + 1;
        pg.file = k;
        st = write_target(ctx, t, &tg[k], label, &pg);
        if (!st)
            st = tq__progress(ctx, "write results", (double)(k + 1) / ntg);
    }

    /* into place */
    for (int k = 0; k < ntg && !st; k++)
        if (rename(tg[k].part, tg[k].final) != 0)
            st = tq__error(ctx, TQ_ERR_IO, tg[k].final, 0, NULL, "cannot rename: %s", strerror(errno));
    if (st) {
        for (int k = 0; k < written; k++)
            unlink(tg[k].part);
        if (created)
            remove_made(&made);
    }

    free_targets(ctx, tg, ntg);
    tq_tables_free(t);
    return st;
}

tq_status tq_results_write(tq_context *ctx, const tq_run *runs, int n, const char *dir, unsigned formats, int overwrite)
{
    return tq_results_write_detail(ctx, runs, n, dir, formats, overwrite, TQ_DETAIL_FULL);
}
