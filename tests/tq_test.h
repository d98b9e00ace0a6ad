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

/* Assert that the last error's formatted line contains every non-NULL needle. */
#define tq_assert_error(ctx, ...)                                                                  \
    do {                                                                                           \
        char tq__msg[2048];                                                                        \
        tq_error_format((ctx), tq__msg, sizeof tq__msg);                                           \
        const char *tq__needles[] = {__VA_ARGS__, NULL};                                           \
        for (int tq__k = 0; tq__needles[tq__k]; tq__k++) {                                         \
            if (!strstr(tq__msg, tq__needles[tq__k]))                                              \
                fail_msg("error '%s' lacks '%s'", tq__msg, tq__needles[tq__k]);                    \
        }                                                                                          \
    } while (0)

/* Relative closeness: |a-b| <= tol * max(1, |b|). */
#define tq_assert_close(a, b, tol)                                                                 \
    do {                                                                                           \
        double tq__a = (a), tq__b = (b);                                                           \
        double tq__s = fabs(tq__b) > 1 ? fabs(tq__b) : 1;                                          \
        if (!(fabs(tq__a - tq__b) <= (tol)*tq__s))                                                 \
            fail_msg("%s = %.12g, expected %.12g (tol %g)", #a, tq__a, tq__b, (double)(tol));      \
    } while (0)

#endif
