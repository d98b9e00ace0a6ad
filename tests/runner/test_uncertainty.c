/* Sweeps and uncertainty bands (src/runner/uncertainty.c) on the default scenario (the
 * US tariff on Japanese motor vehicles, wiod2014): a band collapses to the point
 * estimate when every standard error is zero; values are bitwise the same for 1 and 2
 * threads and for any split of the blocks; a resumed checkpoint gives the same values as
 * an uninterrupted sweep; draws are seeded per draw and truncated at the floor; the
 * tariff axis reproduces the scenario's own answer at its own tariff; the bands are the
 * percentiles of the draws. */
#include "tq_test.h"

#include <math.h>
#include <string.h>

static tq_context *ctx;
static tq_runner *runner;
static tq_spec *spec;
static char *tmp;

#define OK(x)                                                                                                          \
    do {                                                                                                               \
        tq_status st_ = (x);                                                                                           \
        if (st_ != TQ_OK) {                                                                                            \
            char m_[2048];                                                                                             \
            tq_error_format(ctx, m_, sizeof m_);                                                                       \
            fail_msg("%s: %s", #x, m_);                                                                                \
        }                                                                                                              \
    } while (0)

#include "sweep_check.h"

static int setup(void **state)
{
    (void)state;
    if (tq_context_new(&ctx, NULL) || tq_runner_new(ctx, &runner))
        return -1;
    char path[4096];
    if (tq_runner_default_scenario(runner, path, sizeof path) != TQ_OK) {
        printf("SKIP: the default scenario is not found\n");
        exit(77);
    }
    if (tq_spec_load(ctx, path, &spec) != TQ_OK)
        return -1;
    tmp = tq_test_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tq_spec_free(spec);
    tq_runner_free(runner);
    tq_context_free(ctx);
    tq_test_rmtree(tmp); /* frees tmp */
    return 0;
}

/* A prepared sweep of the default scenario over one axis. */
static tq_sweep *sweep(const char *axis, int threads, uint64_t seed, int block, const double *se)
{
    tq_sweep_options o;
    tq_sweep_options_default(&o);
    o.threads = threads;
    o.seed = seed;
    o.block = block;
    o.theta_se = se;
    return prepared_sweep(runner, spec, axis, &o);
}

static void test_band_collapses_without_spread(void **state)
{
    (void)state;
    double se[64] = {0};
    tq_sweep *s = sweep("draw=4", 2, 3, 2, se);
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    const tq_bands *b = NULL;
    OK(tq_sweep_bands(s, &b));
    assert_int_equal(b->draws, 4);
    const tq_result *res = tq_outcome_result(tq_sweep_outcome(s));
    const double *wel = tq_result_array(res, TQ_RES_WELFARE, NULL), *ev = tq_result_array(res, TQ_RES_EV, NULL);
    const int N = b->N;
    const double *I0 = tq_baseline_array(tq_outcome_baseline(tq_sweep_outcome(s)), TQ_I, NULL);
    assert_int_equal(N, 44);
    for (int n = 0; n < N; n++)
        for (int q = 0; q < 3; q++) {
            /* every draw is the central theta: the band is the point, to the solver's
             * tolerance (1e-10 relative) */
            assert_true(fabs(b->regions[12 * n + q] - wel[n]) <= 1e-7 * fmax(1e-3, fabs(wel[n])));
            assert_true(fabs(b->regions[12 * n + 3 + q] - ev[n]) <= 1e-8 * I0[n]); /* EV = (W^ - 1) I */
        }
    /* the draws' theta is the central one exactly */
    const double *th0 = tq_baseline_array(tq_outcome_baseline(tq_sweep_outcome(s)), TQ_THETA, NULL);
    assert_memory_equal(tq_sweep_theta(s, 3), th0, sizeof(double) * (size_t)b->J);
    /* the tables of the central run carry the band columns; the median equals the point */
    tq_run run;
    OK(tq_sweep_central(s, &run));
    tq_tables *t = NULL;
    OK(tq_tables_new(ctx, &run, 1, TQ_DETAIL_SUMMARY, &t));
    int kr = tq_tables_find(t, "regions");
    int cm = tq_tables_col_find(t, kr, "welfare_pct_median"), cw = tq_tables_col_find(t, kr, "welfare_pct");
    assert_true(cm == cw + 2);
    assert_true(fabs(tq_tables_number(t, kr, 0, cm) - tq_tables_number(t, kr, 0, cw)) <= 1e-9);
    assert_true(tq_tables_col_find(t, tq_tables_find(t, "pair_sector"), "balance_after_musd_p95") > 0);
    tq_tables_free(t);
    tq_sweep_free(s);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentile q of sorted w[0..n-1], linear between order statistics, written out. */
static double pct_of(const double *w, int n, double q)
{
    double h = q * (n - 1);
    int lo = (int)h;
    return lo + 1 < n ? w[lo] + (h - lo) * (w[lo + 1] - w[lo]) : w[n - 1];
}

static void test_threads_and_splits_identical(void **state)
{
    (void)state;
    tq_sweep *a = sweep("draw=10", 1, 7, 3, NULL);
    tq_sweep *b = sweep("draw=10", 2, 7, 3, NULL);
    tq_sweep *c = sweep("draw=10", 2, 7, 3, NULL);
    OK(tq_sweep_run(a, 0, tq_sweep_blocks(a)));
    OK(tq_sweep_run(b, 0, tq_sweep_blocks(b)));
    /* as two ranks would: blocks 2..3 first, then 0..1 */
    assert_int_equal(tq_sweep_blocks(c), 4);
    OK(tq_sweep_run(c, 2, 2));
    assert_null(tq_sweep_values(c, 0));
    assert_non_null(tq_sweep_values(c, 6));
    OK(tq_sweep_run(c, 0, 2));
    same_values(a, b);
    same_values(a, c);
    for (int p = 0; p < 10; p++)
        assert_true(tq_sweep_values(a, p)[TQ_SWEEP_CONVERGED] == 1);
    /* the bands are the percentiles of the draws: 10 draws, the 5th percentile lies
     * 0.45 of the way from the smallest to the second, the median halfway between the
     * 5th and 6th, the 95th 0.55 of the way from the 9th to the largest */
    const tq_bands *bd = NULL;
    OK(tq_sweep_bands(a, &bd));
    assert_int_equal(bd->draws, 10);
    for (int n = 0; n < bd->N; n += 7) {
        double w[10];
        for (int p = 0; p < 10; p++)
            w[p] = tq_sweep_values(a, p)[TQ_SWEEP_REGIONS + 4 * n];
        qsort(w, 10, sizeof w[0], cmp);
        assert_true(w[0] < w[9]); /* the draws do move the answer */
        const double q[3] = {0.05, 0.5, 0.95};
        for (int k = 0; k < 3; k++)
            assert_true(fabs(bd->regions[12 * n + k] - pct_of(w, 10, q[k])) <= 1e-14 * fabs(w[9] - w[0]));
        assert_true(fabs(bd->regions[12 * n + 1] - 0.5 * (w[4] + w[5])) <= 1e-12 * fabs(w[9] - w[0]));
    }
    tq_sweep_free(a);
    tq_sweep_free(b);
    tq_sweep_free(c);
}

static void test_resume_from_checkpoint(void **state)
{
    (void)state;
    char ck[4200];
    snprintf(ck, sizeof ck, "%s/sweep.ckpt", tmp);
    tq_sweep *full = sweep("tariff USA:JPN:autos=0..25 step 5", 2, 1, 2, NULL);
    OK(tq_sweep_run(full, 0, tq_sweep_blocks(full)));
    /* an interrupted sweep: one of three blocks done */
    tq_sweep *part = sweep("tariff USA:JPN:autos=0..25 step 5", 1, 1, 2, NULL);
    OK(tq_sweep_checkpoint(part, ck));
    OK(tq_sweep_run(part, 1, 1));
    tq_sweep_free(part);
    /* a record cut short (as by a kill during the write) is dropped on resume */
    FILE *f = fopen(ck, "ab");
    assert_non_null(f);
    fwrite("\x02\x00\x00\x00garbage", 1, 11, f);
    fclose(f);
    tq_sweep *res = sweep("tariff USA:JPN:autos=0..25 step 5", 2, 1, 2, NULL);
    OK(tq_sweep_checkpoint(res, ck));
    assert_null(tq_sweep_values(res, 1));
    assert_non_null(tq_sweep_values(res, 2)); /* block 1 */
    assert_non_null(tq_sweep_values(res, 3));
    assert_null(tq_sweep_values(res, 4));
    OK(tq_sweep_run(res, 0, tq_sweep_blocks(res)));
    same_values(full, res);
    tq_sweep_free(res);
    /* the checkpoint of another sweep (another block size) is refused */
    tq_sweep *other = sweep("tariff USA:JPN:autos=0..25 step 5", 1, 1, 4, NULL);
    assert_int_equal(tq_sweep_checkpoint(other, ck), TQ_ERR_INVALID);
    tq_sweep_free(other);
    tq_sweep_free(full);
}

static void test_draws_seeded_and_truncated(void **state)
{
    (void)state;
    double se[64];
    for (int j = 0; j < 64; j++)
        se[j] = 3.0; /* wide: many draws of the small thetas fall below the floor */
    tq_sweep *a = sweep("draw=400", 1, 11, 0, se);
    tq_sweep *b = sweep("draw=400", 1, 11, 0, se);
    tq_sweep *c = sweep("draw=400", 1, 12, 0, se);
    const double *th0 = tq_baseline_array(tq_outcome_baseline(tq_sweep_outcome(a)), TQ_THETA, NULL);
    const int J = tq_baseline_sectors(tq_outcome_baseline(tq_sweep_outcome(a)));
    double *ta = malloc(sizeof(double) * 400 * (size_t)J);
    int same_other_seed = 0;
    for (int p = 0; p < 400; p++) {
        memcpy(ta + (size_t)p * J, tq_sweep_theta(a, p), sizeof(double) * (size_t)J);
        assert_memory_equal(ta + (size_t)p * J, tq_sweep_theta(b, p), sizeof(double) * (size_t)J);
        same_other_seed += !memcmp(ta + (size_t)p * J, tq_sweep_theta(c, p), sizeof(double) * (size_t)J);
        for (int j = 0; j < J; j++)
            assert_true(ta[(size_t)p * J + j] > 0.5); /* the default floor */
    }
    assert_int_equal(same_other_seed, 0);
    /* a sector with a large central theta (hardly truncated): the draws' mean and standard
     * deviation are those of the normal, to sampling error (400 draws: 4 standard errors
     * of the mean is 0.6; of the deviation about 0.6) */
    int jbig = 0;
    for (int j = 0; j < J; j++)
        if (th0[j] > th0[jbig])
            jbig = j;
    assert_true(th0[jbig] > 10);
    double m = 0, v = 0;
    for (int p = 0; p < 400; p++)
        m += ta[(size_t)p * J + jbig] / 400;
    for (int p = 0; p < 400; p++)
        v += (ta[(size_t)p * J + jbig] - m) * (ta[(size_t)p * J + jbig] - m) / 399;
    assert_true(fabs(m - th0[jbig]) < 0.6);
    assert_true(fabs(sqrt(v) - 3.0) < 0.6);
    free(ta);
    tq_sweep_free(a);
    tq_sweep_free(b);
    tq_sweep_free(c);
}

static void test_tariff_axis_matches_run(void **state)
{
    (void)state;
    /* the scenario adds 25 points to the US tariff on Japanese autos: the sweep point at
     * that tariff is the scenario's own answer */
    tq_sweep *probe = sweep("draw=sets", 1, 1, 0, NULL);
    tq_outcome *oc = tq_sweep_outcome(probe);
    const tq_dataset *ds = tq_outcome_dataset(oc);
    int us = tq_dataset_find_region(ds, "USA"), jp = tq_dataset_find_region(ds, "JPN");
    int autos[8];
    assert_int_equal(tq_dataset_group(ds, TQ_GROUP_SECTOR, "autos", autos), 1);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const double *t0 = tq_baseline_array(tq_outcome_baseline(oc), TQ_TARIFF, NULL);
    double t = t0[((size_t)us * N + jp) * J + autos[0]];
    double welfare_us = tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL)[us];
    double welfare_jp = tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL)[jp];
    /* draw=sets: one point per published set (nine for wiod2014) */
    assert_int_equal(tq_sweep_points(probe), 9);
    tq_sweep_free(probe);
    char axis[128];
    snprintf(axis, sizeof axis, "tariff USA:JPN:autos=0,%.17g", 100 * (t + 0.25));
    tq_sweep *s = sweep(axis, 2, 1, 0, NULL);
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    const double *v = tq_sweep_values(s, 1);
    assert_true(fabs(v[TQ_SWEEP_REGIONS + 4 * us] - welfare_us) < 1e-8);
    assert_true(fabs(v[TQ_SWEEP_REGIONS + 4 * jp] - welfare_jp) < 1e-8);
    /* a lower tariff hurts Japan less */
    assert_true(tq_sweep_values(s, 0)[TQ_SWEEP_REGIONS + 4 * jp] > v[TQ_SWEEP_REGIONS + 4 * jp]);
    /* the table: one row per point, the axis first */
    assert_string_equal(tq_sweep_column_name(s, 0), "tariff_USA_JPN_autos_pct");
    assert_true(tq_sweep_cell(s, 0, 0) == 0);
    tq_sweep_free(s);
}

static void test_bad_axes(void **state)
{
    (void)state;
    tq_sweep *s = NULL;
    OK(tq_sweep_new(runner, spec, 0, NULL, &s));
    assert_int_equal(tq_sweep_vary(s, "tariff USA:JPN:autos=50..0"), TQ_ERR_PARSE);
    assert_int_equal(tq_sweep_vary(s, "tariff USA:JPN:autos=0..50 step 0"), TQ_ERR_PARSE);
    assert_int_equal(tq_sweep_vary(s, "closure=sideways"), TQ_ERR_PARSE);
    assert_int_equal(tq_sweep_vary(s, "speed=1..2"), TQ_ERR_PARSE);
    assert_int_equal(tq_sweep_vary(s, "draw=0"), TQ_ERR_PARSE);
    OK(tq_sweep_vary(s, "draw=3"));
    assert_int_equal(tq_sweep_vary(s, "draw=sets"), TQ_ERR_PARSE); /* varied twice */
    tq_sweep_free(s);
    OK(tq_sweep_new(runner, spec, 0, NULL, &s));
    OK(tq_sweep_vary(s, "tariff USA:XXX:autos=0,5"));
    assert_int_equal(tq_sweep_prepare(s), TQ_ERR_NOT_FOUND);
    tq_sweep_free(s);
}

/* tq_sweep_new_draws: no draws asked (argument or file) gives no sweep; the file's
 * uncertainty: mapping gives the same sweep as its axis and seed written out; the
 * arguments win over the file. */
static void test_new_draws_resolution(void **state)
{
    (void)state;
    const char *yaml = "name: u\ndata:\n  dataset: wiod2014\nclosure: fixed\ntariffs:\n"
                       "  - importer: USA\n    exporter: JPN\n    sectors: autos\n    add: 25pp\n"
                       "uncertainty:\n  draws: 6\n  seed: 3\n";
    tq_spec *withu = NULL;
    OK(tq_spec_parse(ctx, yaml, strlen(yaml), "u.yaml", &withu));
    tq_sweep_options o;
    tq_sweep_options_default(&o);
    o.threads = 1;
    tq_sweep *none = (tq_sweep *)1;
    OK(tq_sweep_new_draws(runner, spec, 0, &o, NULL, NULL, &none));
    assert_null(none); /* the default scenario asks for no draws */

    /* the file's draws and seed, against the same written out */
    tq_sweep *fromfile = NULL, *written = NULL;
    OK(tq_sweep_new_draws(runner, withu, 0, &o, NULL, NULL, &fromfile));
    assert_non_null(fromfile);
    o.seed = 3;
    written = prepared_sweep(runner, withu, "draw=6", &o);
    assert_int_equal(tq_sweep_points(fromfile), 6);
    OK(tq_sweep_run(fromfile, 0, tq_sweep_blocks(fromfile)));
    OK(tq_sweep_run(written, 0, tq_sweep_blocks(written)));
    same_values(fromfile, written);

    /* arguments win: 4 draws with seed 9 on the file that says 6 and 3 */
    tq_sweep *args = NULL, *args_written = NULL;
    const uint64_t nine = 9;
    OK(tq_sweep_new_draws(runner, withu, 0, &o, "4", &nine, &args));
    assert_int_equal(tq_sweep_points(args), 4);
    o.seed = 9;
    args_written = prepared_sweep(runner, withu, "draw=4", &o);
    OK(tq_sweep_run(args, 0, tq_sweep_blocks(args)));
    OK(tq_sweep_run(args_written, 0, tq_sweep_blocks(args_written)));
    same_values(args, args_written);
    /* and a different seed gives different draws (the seed is used) */
    assert_true(memcmp(tq_sweep_values(args, 1), tq_sweep_values(fromfile, 1), tq_sweep_width(args) * sizeof(double)) !=
                0);

    tq_sweep_free(fromfile);
    tq_sweep_free(written);
    tq_sweep_free(args);
    tq_sweep_free(args_written);
    tq_spec_free(withu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_collapses_without_spread), cmocka_unit_test(test_threads_and_splits_identical),
        cmocka_unit_test(test_resume_from_checkpoint),        cmocka_unit_test(test_draws_seeded_and_truncated),
        cmocka_unit_test(test_tariff_axis_matches_run),       cmocka_unit_test(test_bad_axes),
        cmocka_unit_test(test_new_draws_resolution),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
