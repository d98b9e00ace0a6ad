/* Helpers for the reader tests (test_wiot.c, test_square.c, test_flows.c): files in
 * temporary folders, and a check that an error names file, line and field. */
#ifndef TQ_READERS_TESTUTIL_H
#define TQ_READERS_TESTUTIL_H

#include "tq_test.h"

#include <math.h>
#include <zlib.h>

static inline void rd_remove(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* Write text gzip-compressed to dir/name. */
static inline void rd_write_gz(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzputs(f, text), (int)strlen(text));
    gzclose(f);
}

/* Symlink src_dir/name into dir (to load a subset of a shared folder). */
static inline void rd_link(const char *dir, const char *src_dir, const char *name)
{
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/%s", src_dir, name);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    assert_int_equal(symlink(from, to), 0);
}

/* 1 if TQ_SHARED_DATA/rel is a folder. */
static inline int rd_have_shared(const char *rel)
{
    char p[4200];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", TQ_SHARED_DATA, rel);
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Check the last error: status, that its file ends with `file`, its line (-1: any)
 * and its field (NULL: any, "": none); the one-line message must name all three.
 * Prints the message when a check fails. */
static inline void rd_check_error(const tq_context *ctx, tq_status got, tq_status want, const char *file,
                                  long line, const char *field)
{
    const tq_error *e = tq_last_error(ctx);
    char msg[2048];
    tq_error_format(ctx, msg, sizeof msg);
    if (got != want || e->status != want)
        fail_msg("status %d (recorded %d), expected %d: %s", got, e->status, want, msg);
    size_t lf = strlen(e->file), lw = strlen(file);
    if (lf < lw || strcmp(e->file + lf - lw, file) != 0)
        fail_msg("file '%s' does not end with '%s': %s", e->file, file, msg);
    if (line >= 0 && e->line != line)
        fail_msg("line %ld, expected %ld: %s", e->line, line, msg);
    if (field && strcmp(e->field, field) != 0)
        fail_msg("field '%s', expected '%s': %s", e->field, field, msg);
    if (!strstr(msg, file))
        fail_msg("message lacks the file: %s", msg);
    if (line > 0) {
        char l[32];
        snprintf(l, sizeof l, ":%ld:", line);
        if (!strstr(msg, l))
            fail_msg("message lacks the line: %s", msg);
    }
    if (field && *field && !strstr(msg, field))
        fail_msg("message lacks the field: %s", msg);
}

/* An allocator that fails once its budget of allocations is spent, and counts live
 * blocks, for allocation-failure sweeps: every failure must give TQ_ERR_NOMEM (or
 * succeed), leave *out NULL and leak nothing. */
typedef struct rd_budget {
    long left, live;
} rd_budget;
static inline void *rd_malloc(void *ud, size_t n)
{
    rd_budget *b = ud;
    if (b->left-- <= 0)
        return NULL;
    b->live++;
    return malloc(n ? n : 1);
}
static inline void *rd_realloc(void *ud, void *p, size_t n)
{
    rd_budget *b = ud;
    if (b->left-- <= 0)
        return NULL;
    void *q = realloc(p, n ? n : 1);
    if (q && !p)
        b->live++;
    return q;
}
static inline void rd_free(void *ud, void *p)
{
    rd_budget *b = ud;
    if (p) {
        b->live--;
        free(p);
    }
}

/* Run reader on dir with budgets 0, 1, 2, ... until it succeeds. */
static inline void rd_alloc_sweep(tq_status (*reader)(tq_context *, const char *, tq_dataset **), const char *dir)
{
    for (long k = 0;; k++) {
        rd_budget b = {1 << 30, 0};
        tq_allocator a = {rd_malloc, rd_realloc, rd_free, &b};
        tq_context *ctx;
        assert_int_equal(tq_context_new(&ctx, &a), TQ_OK);
        b.left = k;
        tq_dataset *ds = (tq_dataset *)1;
        tq_status st = reader(ctx, dir, &ds);
        if (st != TQ_OK && st != TQ_ERR_NOMEM) {
            char msg[1024];
            tq_error_format(ctx, msg, sizeof msg);
            fail_msg("budget %ld: status %d, expected NOMEM: %s", k, st, msg);
        }
        if (st)
            assert_null(ds);
        else
            assert_non_null(ds);
        tq_dataset_free(st ? NULL : ds);
        tq_context_free(ctx);
        if (b.live != 0)
            fail_msg("budget %ld: %ld blocks leaked", k, b.live);
        if (st == TQ_OK)
            break;
        assert_true(k < 100000);
    }
}

#endif
