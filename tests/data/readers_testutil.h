/* Helpers for the reader tests (test_wiot.c, test_square.c, test_flows.c, test_kite.c,
 * test_aggregate.c): files in temporary folders, checks that an error names file, line
 * and field, and the main() of a test with local and shared-data groups. */
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

/* Check the last error of a case (label: named in a failure, or NULL): status got and
 * the recorded one are want, its file ends with `file`, its line (-1: any), its field
 * (NULL: any, "": none) and, if message is not NULL, its message contains message; the
 * one-line message must name file, line and field. Prints the message when a check fails. */
static inline void rd_check_case(const char *label, const tq_context *ctx, tq_status got, tq_status want,
                                 const char *file, long line, const char *field, const char *message)
{
    const tq_error *e = tq_last_error(ctx);
    char msg[2048];
    tq_error_format(ctx, msg, sizeof msg);
    const char *lb = label ? label : "", *sep = label ? ": " : "";
    if (got != want || e->status != want)
        fail_msg("%s%sstatus %d (recorded %d), expected %d: %s", lb, sep, got, e->status, want, msg);
    size_t lf = strlen(e->file), lw = strlen(file);
    if (lf < lw || strcmp(e->file + lf - lw, file) != 0)
        fail_msg("%s%sfile '%s' does not end with '%s': %s", lb, sep, e->file, file, msg);
    if (line >= 0 && e->line != line)
        fail_msg("%s%sline %ld, expected %ld: %s", lb, sep, e->line, line, msg);
    if (field && strcmp(e->field, field) != 0)
        fail_msg("%s%sfield '%s', expected '%s': %s", lb, sep, e->field, field, msg);
    if (message && !strstr(e->message, message))
        fail_msg("%s%smessage lacks '%s': %s", lb, sep, message, msg);
    if (!strstr(msg, file))
        fail_msg("%s%smessage lacks the file: %s", lb, sep, msg);
    if (line > 0) {
        char l[32];
        snprintf(l, sizeof l, ":%ld:", line);
        if (!strstr(msg, l))
            fail_msg("%s%smessage lacks the line: %s", lb, sep, msg);
    }
    if (field && *field && !strstr(msg, field))
        fail_msg("%s%smessage lacks the field: %s", lb, sep, msg);
}

/* rd_check_case without a label or a message to look for. */
static inline void rd_check_error(const tq_context *ctx, tq_status got, tq_status want, const char *file, long line,
                                  const char *field)
{
    rd_check_case(NULL, ctx, got, want, file, line, field, NULL);
}

/* Read dir with read on a new context: the read must fail as rd_check_case checks and
 * leave its output NULL. */
static inline void rd_check_read(const char *label, tq_test_reader read, const char *dir, tq_status want,
                                 const char *file, long line, const char *field, const char *message)
{
    tq_context *ctx;
    tq_dataset *ds = (tq_dataset *)1;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    rd_check_case(label, ctx, read(ctx, dir, &ds), want, file, line, field, message);
    assert_null(ds);
    tq_context_free(ctx);
}

/* The allocation-failure test of a reader on a folder that make() writes (removed with
 * tq_test_rmtree): put RD_ALLOC_TEST(x) in the test list, x a static rd_alloc_case. */
typedef struct rd_alloc_case {
    char *(*make)(void);
    tq_test_reader read;
} rd_alloc_case;

static inline void rd_test_alloc_failures(void **state)
{
    const rd_alloc_case *ac = *state;
    char *d = ac->make();
    tq_test_read_sweep(ac->read, d, NULL);
    tq_test_rmtree(d);
}
#define RD_ALLOC_TEST(ac)                                                                                              \
    {                                                                                                                  \
        "test_alloc_failures", rd_test_alloc_failures, NULL, NULL, &(ac)                                               \
    }

/* main() of a reader test: run the group `local`; then, when every folder named in the
 * NULL-terminated list `needs` is in TQ_SHARED_DATA, the group `shared` (named
 * "<name>, shared data"), else return 77 (skipped). */
static inline int rd_run(const char *name, const struct CMUnitTest *local, size_t nlocal,
                         const struct CMUnitTest *shared, size_t nshared, const char *const *needs)
{
    int fails = _cmocka_run_group_tests(name, local, nlocal, NULL, NULL);
    if (fails)
        return fails;
    for (size_t k = 0; needs[k]; k++) {
        if (!rd_have_shared(needs[k])) {
            printf("SKIP: %s/%s is absent (tests that need ../shared/data are skipped without it)\n", TQ_SHARED_DATA,
                   needs[k]);
            return 77;
        }
    }
    char sname[256];
    snprintf(sname, sizeof sname, "%s, shared data", name);
    return _cmocka_run_group_tests(sname, shared, nshared, NULL, NULL);
}
#define RD_RUN(name, local, shared, ...)                                                                               \
    rd_run((name), (local), sizeof(local) / sizeof(local)[0], (shared), sizeof(shared) / sizeof(shared)[0],            \
           (const char *const[]){__VA_ARGS__, NULL})

#endif
