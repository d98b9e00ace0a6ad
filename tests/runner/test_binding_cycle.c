/* The call sequence of the Python and R packages (python/tradeq, r/src/tradeq.c), repeated
 * on the tiny economy with a counting allocator: a context and runner (a session), a
 * dataset by name, a scenario parsed from text, a run, the full tables read column by
 * column (tq_tables_numbers / tq_tables_texts), a solver reused for several tariff arrays,
 * a cancelled solve, and everything freed in the packages' order. After each round no
 * library allocation is live, and the rounds give the same numbers (this is the C side of
 * the packages' leak checks; under ASan it also checks every access). */
#include "tq_test.h"

#include <math.h>

static long live, total;

static void *count_malloc(void *ud, size_t n)
{
    (void)ud;
    void *p = malloc(n + 16);
    if (!p)
        return NULL;
    *(size_t *)p = n;
    live++;
    total++;
    return (char *)p + 16;
}

static void *count_realloc(void *ud, void *ptr, size_t n)
{
    (void)ud;
    if (!ptr)
        return count_malloc(ud, n);
    void *p = realloc((char *)ptr - 16, n + 16);
    return p ? (char *)p + 16 : NULL;
}

static void count_free(void *ud, void *ptr)
{
    (void)ud;
    if (!ptr)
        return;
    live--;
    free((char *)ptr - 16);
}

static const tq_allocator counting = {count_malloc, count_realloc, count_free, NULL};

/* Cancels the solve at its first progress report. */
static int cancel_now(void *ud, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    return *(int *)ud;
}

/* One round; returns AAA's welfare of the run. */
static double round_trip(void)
{
    tq_context *ctx = NULL;
    tq_runner *r = NULL;
    assert_int_equal(tq_context_new(&ctx, &counting), TQ_OK);
    int cancel = 0;
    tq_context_set_progress(ctx, cancel_now, &cancel);
    assert_int_equal(tq_runner_new(ctx, &r), TQ_OK);
    assert_int_equal(tq_runner_set_data_dir(r, TQ_TEST_DATA), TQ_OK);
    const tq_dataset *ds = NULL;
    assert_int_equal(tq_runner_dataset_set(r, "tiny", NULL, NULL, NULL, &ds), TQ_OK);
    int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    assert_int_equal(N, 3);

    /* tradeq.run / tq_run */
    const char *text = "data: {dataset: tiny}\nname: up\ntariffs: [{importer: AAA, exporter: BBB, sectors: G, add: "
                       "20pp}]\n";
    tq_spec *sp = NULL;
    assert_int_equal(tq_spec_parse(ctx, text, strlen(text), "<text>", &sp), TQ_OK);
    assert_int_equal(tq_spec_set_closure(sp, -1, TQ_CLOSURE_FIXED), TQ_OK);
    tq_outcome *oc = NULL;
    assert_int_equal(tq_runner_run(r, sp, 0, NULL, &oc), TQ_OK);
    tq_run run;
    tq_outcome_run(oc, &run);
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(ctx, &run, 1, TQ_DETAIL_FULL, &t), TQ_OK);
    double welfare = NAN;
    for (int k = 0; k < tq_tables_count(t); k++) {
        size_t n = tq_tables_rows(t, k);
        double *num = malloc((n + 1) * sizeof *num);
        const char **txt = malloc((n + 1) * sizeof *txt);
        assert_non_null(num);
        assert_non_null(txt);
        for (int c = 0; c < tq_tables_cols(t, k); c++) {
            if (tq_tables_col_type(t, k, c) == TQ_COL_TEXT)
                assert_int_equal(tq_tables_texts(t, k, c, 0, n, txt), TQ_OK);
            else
                assert_int_equal(tq_tables_numbers(t, k, c, 0, n, num), TQ_OK);
            if (!strcmp(tq_tables_name(t, k), "regions") && !strcmp(tq_tables_col_name(t, k, c), "welfare_pct"))
                welfare = num[0]; /* AAA is the first region */
        }
        free(num);
        free(txt);
    }

    /* tradeq.Solver: the baseline from the runner's cache, one scenario and one result
     * reused for several tariff arrays */
    const tq_baseline *b = NULL;
    assert_int_equal(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_solver *s = NULL;
    tq_scenario *sc = NULL;
    tq_result *res = NULL;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    double *tar = tq_scenario_tariffs(sc);
    const double *base = tq_baseline_array(b, TQ_TARIFF, NULL);
    for (int step = 0; step <= 4; step++) {
        memcpy(tar, base, (size_t)N * N * J * sizeof(double));
        tar[(0 * N + 1) * J + 0] += 0.05 * step; /* AAA on BBB's G */
        assert_int_equal(res ? tq_solver_solve_into(s, sc, res) : tq_solver_solve(s, sc, &res), TQ_OK);
    }
    /* the last array is the run's shock (+20 points): the same welfare */
    assert_true(fabs(tq_result_array(res, TQ_RES_WELFARE, NULL)[0] - welfare) < 1e-9);
    /* a cancelled solve (Ctrl-C) leaves nothing behind and the context usable */
    cancel = 1;
    assert_int_equal(tq_solver_solve_into(s, sc, res), TQ_ERR_CANCELLED);
    cancel = 0;
    tq_context_reset_cancel(ctx);
    assert_int_equal(tq_solver_solve_into(s, sc, res), TQ_OK);

    /* freed in the packages' order: tables, outcome and spec, solver objects, runner, context */
    tq_tables_free(t);
    tq_outcome_free(oc);
    tq_spec_free(sp);
    tq_result_free(res);
    tq_scenario_free(sc);
    tq_solver_free(s);
    tq_runner_free(r);
    tq_context_free(ctx);
    return welfare;
}

static void test_rounds_free_everything(void **state)
{
    (void)state;
    double first = NAN;
    for (int k = 0; k < 5; k++) {
        total = 0;
        double w = round_trip();
        assert_int_equal(live, 0);
        assert_true(total > 20); /* the counting allocator did see the work */
        if (k == 0)
            first = w;
        assert_true(w == first);
        assert_true(w != 0.0 && !isnan(w));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounds_free_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
