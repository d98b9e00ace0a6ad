/* Shared helpers for tradeq's cmocka tests. */
#ifndef TQ_TEST_H
#define TQ_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tradeq.h"

/* Path of a file or folder under ../shared/data; if it is absent, print why and exit
 * with 77 so that ctest reports the test as skipped. Returns static storage. */
static inline const char *tq_test_shared(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", TQ_SHARED_DATA, rel);
    struct stat sb;
    if (stat(buf, &sb) != 0) {
        printf("SKIP: %s is absent (tests that need ../shared/data are skipped without it)\n", buf);
        fflush(stdout);
        exit(77);
    }
    return buf;
}

/* A fresh temporary folder (owned by the caller: remove with tq_test_rmtree). */
static inline char *tq_test_tmpdir(void)
{
    char *d = strdup("/tmp/tradeq-test-XXXXXX");
    if (!d || !mkdtemp(d)) {
        fprintf(stderr, "cannot create a temporary folder\n");
        exit(1);
    }
    return d;
}

static inline void tq_test_rmtree(char *dir)
{
    if (!dir)
        return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    free(dir);
}

static inline void tq_test_write(const char *dir, const char *name, const char *text)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* Copy every file of folder src into folder dst (shell cp). */
static inline void tq_test_copydir(const char *src, const char *dst)
{
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "cp -r '%s'/. '%s'/", src, dst);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy %s\n", src);
        exit(1);
    }
}

/* A new one-year dataset of N regions and J sectors, all tradable, coded (and named)
 * R0, R1, ... and S0, S1, ..., the numbers zero-padded to `digits` digits (0: none);
 * its arrays are left for the caller to fill. The caller frees it. */
static inline tq_dataset *tq_test_dataset_new(tq_context *ctx, int N, int J, int digits)
{
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, N, J, 1, &ds), TQ_OK);
    char code[16];
    for (int n = 0; n < N; n++) {
        snprintf(code, sizeof code, "R%0*d", digits, n);
        tq_dataset_set_region(ds, n, code, code);
    }
    for (int j = 0; j < J; j++) {
        snprintf(code, sizeof code, "S%0*d", digits, j);
        tq_dataset_set_sector(ds, j, code, code, 1);
    }
    return ds;
}

/* ---------------------------------------------------- allocation faults --- */

/* A fault-injecting allocator: once `left` allocations have been made, every further
 * malloc and realloc fails (left < 0: never); `live` counts the blocks allocated and
 * not yet freed, `calls` every malloc and realloc. Use it through tq_test_allocator. */
typedef struct tq_test_alloc {
    long left;
    long live;
    long calls;
} tq_test_alloc;

/* Count an allocation; 0 if it must fail. */
static inline int tq_test_alloc_take(tq_test_alloc *fa)
{
    fa->calls++;
    if (fa->left == 0)
        return 0;
    if (fa->left > 0)
        fa->left--;
    return 1;
}

static inline void *tq_test_alloc_malloc(void *ud, size_t n)
{
    tq_test_alloc *fa = ud;
    if (!tq_test_alloc_take(fa))
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        fa->live++;
    return p;
}

static inline void *tq_test_alloc_realloc(void *ud, void *p, size_t n)
{
    if (!p)
        return tq_test_alloc_malloc(ud, n);
    if (!tq_test_alloc_take(ud))
        return NULL;
    return realloc(p, n ? n : 1);
}

static inline void tq_test_alloc_free(void *ud, void *p)
{
    tq_test_alloc *fa = ud;
    if (p) {
        fa->live--;
        free(p);
    }
}

static inline tq_allocator tq_test_allocator(tq_test_alloc *fa)
{
    tq_allocator a = {tq_test_alloc_malloc, tq_test_alloc_realloc, tq_test_alloc_free, fa};
    return a;
}

/* The operation of an allocation sweep: run it on ctx, check what it gives back (on
 * failure that its outputs are left NULL, on success their values), free it, and
 * return its status. */
typedef tq_status (*tq_test_alloc_op)(tq_context *ctx, void *arg);

enum {
    TQ_SWEEP_FRESH_CONTEXT = 0, /* a new context for every budget, made under the budget */
    TQ_SWEEP_ONE_CONTEXT = 1    /* one context (made without a limit) for every budget */
};

#define TQ_TEST_SWEEP_MAX 100000L

/* Fail every allocation from the (k+1)-th on, for k = 0, 1, 2, ... until op succeeds:
 * each failure (of tq_context_new, too) must be `want` (TQ_ERR_NOMEM, or the documented
 * status) and leave no block live once its context is freed (TQ_SWEEP_ONE_CONTEXT: no
 * more blocks live than before the call). Returns how many allocations op was allowed
 * in the run that succeeded. */
static inline long tq_test_alloc_sweep(tq_test_alloc_op op, void *arg, tq_status want, int mode)
{
    tq_test_alloc fa = {-1, 0, 0};
    tq_allocator a = tq_test_allocator(&fa);
    tq_context *shared = NULL;
    if (mode == TQ_SWEEP_ONE_CONTEXT)
        assert_int_equal(tq_context_new(&shared, &a), TQ_OK);
    for (long k = 0;; k++) {
        if (k >= TQ_TEST_SWEEP_MAX)
            fail_msg("no success with %ld allocations allowed", k);
        long base = fa.live;
        fa.left = k;
        tq_context *ctx = shared;
        if (!shared) {
            tq_status cs = tq_context_new(&ctx, &a);
            if (cs != TQ_OK) {
                if (cs != TQ_ERR_NOMEM || ctx)
                    fail_msg("budget %ld: tq_context_new gave status %d, expected NOMEM and no context", k, cs);
                if (fa.live != base)
                    fail_msg("budget %ld: tq_context_new leaked %ld blocks", k, fa.live - base);
                continue;
            }
        }
        long allowed = fa.left;
        tq_status st = op(ctx, arg);
        if (st != TQ_OK && st != want) {
            char msg[1024];
            tq_error_format(ctx, msg, sizeof msg);
            fail_msg("budget %ld: status %d, expected %d (%s): %s", k, st, want, tq_status_string(want), msg);
        }
        fa.left = -1;
        if (!shared)
            tq_context_free(ctx);
        if (fa.live != base)
            fail_msg("budget %ld: %ld blocks leaked", k, fa.live - base);
        if (st == TQ_OK) {
            tq_context_free(shared);
            assert_int_equal(fa.live, 0);
            return allowed;
        }
    }
}

/* A dataset reader (tq_dataset_load, tq__read_*). */
typedef tq_status (*tq_test_reader)(tq_context *ctx, const char *dir, tq_dataset **out);

typedef struct tq_test_read_arg {
    tq_test_reader read;
    const char *dir;
    void (*check)(const tq_dataset *ds); /* run on the dataset read, or NULL */
} tq_test_read_arg;

static inline tq_status tq_test_read_op(tq_context *ctx, void *arg)
{
    const tq_test_read_arg *ra = arg;
    tq_dataset *ds = (tq_dataset *)1;
    tq_status st = ra->read(ctx, ra->dir, &ds);
    if (st) {
        assert_null(ds);
        return st;
    }
    assert_non_null(ds);
    if (ra->check)
        ra->check(ds);
    tq_dataset_free(ds);
    return st;
}

/* Allocation sweep of read(ctx, dir, &ds), a new context each time: every failure is
 * TQ_ERR_NOMEM, leaves ds NULL and leaks nothing; the read that succeeds gives a dataset
 * that passes check (if not NULL). Returns the allocations the successful read made. */
static inline long tq_test_read_sweep(tq_test_reader read, const char *dir, void (*check)(const tq_dataset *ds))
{
    tq_test_read_arg ra = {read, dir, check};
    return tq_test_alloc_sweep(tq_test_read_op, &ra, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
}

/* Assert that the last error's formatted line contains every non-NULL needle. */
#define tq_assert_error(ctx, ...)                                                                                      \
    do {                                                                                                               \
        char tq__msg[2048];                                                                                            \
        tq_error_format((ctx), tq__msg, sizeof tq__msg);                                                               \
        const char *tq__needles[] = {__VA_ARGS__, NULL};                                                               \
        for (int tq__k = 0; tq__needles[tq__k]; tq__k++) {                                                             \
            if (!strstr(tq__msg, tq__needles[tq__k]))                                                                  \
                fail_msg("error '%s' lacks '%s'", tq__msg, tq__needles[tq__k]);                                        \
        }                                                                                                              \
    } while (0)

/* Relative closeness: |a-b| <= tol * max(1, |b|). */
#define tq_assert_close(a, b, tol)                                                                                     \
    do {                                                                                                               \
        double tq__a = (a), tq__b = (b);                                                                               \
        double tq__s = fabs(tq__b) > 1 ? fabs(tq__b) : 1;                                                              \
        if (!(fabs(tq__a - tq__b) <= (tol)*tq__s))                                                                     \
            fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, tq__a, tq__b, (double)(tol));                          \
    } while (0)

#endif
