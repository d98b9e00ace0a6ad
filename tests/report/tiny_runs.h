/* The fixture the result-writer tests share: tests/data/tiny, its fixed-deficit baseline
 * and two solved scenarios ("tariff-up": AAA's tariff on BBB's goods to 30%, with the
 * scenario file and description given to tiny_runs_setup; "unchanged"), as tq_run
 * records; plus small file helpers. */
#ifndef TQ_TINY_RUNS_H
#define TQ_TINY_RUNS_H

#include "tq_test.h"

#include <dirent.h>

typedef struct tiny_runs {
    tq_context *ctx;
    tq_dataset *ds;
    tq_baseline *b;
    tq_scenario *sc[2];
    tq_result *res[2];
    tq_run runs[2];
    char hash[17]; /* the dataset's content hash, as the files print it */
} tiny_runs;

static tiny_runs F;
enum { AAA = 0, BBB = 1, CCC = 2, G = 0, S = 1 };

static inline int tiny_runs_setup(const char *file, const char *description)
{
    assert_int_equal(tq_context_new(&F.ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(F.ctx, TQ_TEST_DATA "/tiny", &F.ds), TQ_OK);
    assert_int_equal(tq_baseline_new(F.ctx, F.ds, 0, TQ_CLOSURE_FIXED, NULL, &F.b), TQ_OK);
    for (int k = 0; k < 2; k++)
        assert_int_equal(tq_scenario_new(F.ctx, F.b, &F.sc[k]), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(F.sc[0], AAA, BBB, G, 0.30), TQ_OK);
    for (int k = 0; k < 2; k++)
        assert_int_equal(tq_solve(F.ctx, F.b, F.sc[k], NULL, &F.res[k]), TQ_OK);
    F.runs[0] = (tq_run){"tariff-up", file, description, F.b, F.sc[0], F.res[0], -1, -1, NULL};
    F.runs[1] = (tq_run){"unchanged", NULL, NULL, F.b, F.sc[1], F.res[1], -1, -1, NULL};
    snprintf(F.hash, sizeof F.hash, "%016llx", (unsigned long long)tq_dataset_hash(F.ds));
    return 0;
}

static inline int tiny_runs_teardown(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        tq_result_free(F.res[k]);
        tq_scenario_free(F.sc[k]);
    }
    tq_baseline_free(F.b);
    tq_dataset_free(F.ds);
    tq_context_free(F.ctx);
    return 0;
}

/* A progress callback that cancels at the cancel_at-th report (counting down). */
static int cancel_at;
static inline int cancel_cb(void *ud, const char *stage, double fraction)
{
    (void)ud;
    (void)stage;
    (void)fraction;
    return --cancel_at == 0;
}

/* How many entries folder dir holds (-1: no such folder). */
static inline int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* dir/name, malloc'ed. */
static inline char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* The file's bytes (NUL-terminated, *len its length if len is given), or NULL when it
 * cannot be opened. */
static inline char *slurp_or_null(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

#endif
