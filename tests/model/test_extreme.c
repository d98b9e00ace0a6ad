/* Extreme but valid shocks, and the two inputs that used to hang the solver (issue 16):
 * every solve returns, bounded by a small wall-clock budget (max_seconds), either
 * converged with tq_check_solution passing, or with TQ_ERR_NOT_CONVERGED / TQ_ERR_INVALID
 * and a message; a result that is returned (TQ_OK or TQ_ERR_NOT_CONVERGED) never holds
 * NaN, inf or a non-positive income.
 *
 * Known hangs: theta = 1e-300 for one icio sector with a 10-point US tariff; every flow
 * of wiod2014 set to 1e300, then a 25-point tariff. Shocks: 300%, 1,000% and 99,900%
 * (1+t = 1000, near autarky) tariffs on every international flow, 100x iceberg costs, on
 * small synthetic economies and on wiod2014. */
#include "../tq_test.h"
#include "economy.h"

#include <math.h>

/* The wall-clock budget of each solve here (seconds): small, so that the cases that
 * cannot converge end quickly (also under the sanitizers). */
#define BUDGET 3.0

/* The method of the solves (the hang cases run both). */
static tq_method method = TQ_METHOD_ANDERSON;

static tq_solver_options opts(void)
{
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.max_seconds = BUDGET;
    o.method = method;
    return o;
}

/* Every value of a returned result is finite and incomes, prices and wages positive. */
static void result_sane(const tq_result *r, const char *what)
{
    static const tq_res arrs[] = {TQ_RES_WHAT,    TQ_RES_PHAT,    TQ_RES_CHAT,    TQ_RES_X,  TQ_RES_INCOME,
                                  TQ_RES_REVENUE, TQ_RES_DEFICIT, TQ_RES_WELFARE, TQ_RES_EV, TQ_RES_REAL_WAGE,
                                  TQ_RES_CPI,     TQ_RES_TOT,     TQ_RES_VOT,     TQ_RES_PI};
    for (size_t a = 0; a < sizeof arrs / sizeof arrs[0]; a++) {
        size_t len;
        const double *p = tq_result_array(r, arrs[a], &len);
        assert_non_null(p);
        for (size_t e = 0; e < len; e++)
            if (!isfinite(p[e]))
                fail_msg("%s: result array %d element %zu is %g", what, (int)arrs[a], e, p[e]);
    }
    size_t len;
    const double *inc = tq_result_array(r, TQ_RES_INCOME, &len);
    const double *w = tq_result_array(r, TQ_RES_WHAT, NULL), *P = tq_result_array(r, TQ_RES_PHAT, NULL);
    for (size_t n = 0; n < len; n++) {
        if (!(inc[n] > 0))
            fail_msg("%s: income of region %zu is %g", what, n, inc[n]);
        if (!(w[n] > 0))
            fail_msg("%s: wage of region %zu is %g", what, n, w[n]);
    }
    tq_result_array(r, TQ_RES_PHAT, &len);
    for (size_t k = 0; k < len; k++)
        if (!(P[k] > 0))
            fail_msg("%s: price %zu is %g", what, k, P[k]);
}

/* The error of ctx as one line, non-empty. */
static void has_message(tq_context *ctx, const char *what)
{
    char msg[1024];
    tq_error_format(ctx, msg, sizeof msg);
    if (!msg[0])
        fail_msg("%s: failed without a message", what);
    print_message("%s: %s\n", what, msg);
}

/* Solve sc and judge the outcome as the file comment says. Returns the status. */
static tq_status solve_judged(tq_context *ctx, const tq_baseline *b, tq_scenario *sc, const char *what)
{
    tq_solver_options o = opts();
    tq_result *r = NULL;
    tq_status st = tq_solve(ctx, b, sc, &o, &r);
    print_message("%s: status %d\n", what, (int)st);
    if (st == TQ_OK) {
        assert_non_null(r);
        result_sane(r, what);
        tq_check k;
        assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_OK);
        if (!(k.max < 1e-6))
            fail_msg("%s: converged but the check's largest residual is %g", what, k.max);
        print_message("%s: converged in %d iterations, check %.3g\n", what, tq_result_info(r)->iterations, k.max);
    } else if (st == TQ_ERR_NOT_CONVERGED) {
        assert_non_null(r);
        result_sane(r, what);
        const tq_solve_info *info = tq_result_info(r);
        assert_int_not_equal(info->stop, TQ_STOP_CONVERGED);
        assert_true(isfinite(info->residual));
        has_message(ctx, what);
    } else {
        assert_int_equal(st, TQ_ERR_INVALID);
        assert_null(r);
        has_message(ctx, what);
    }
    tq_result_free(r);
    return st;
}

/* Make the baseline of year index 0 with the small budget. A failure must be a clean
 * one: TQ_ERR_NOT_CONVERGED or TQ_ERR_INVALID with a message, *out NULL. */
static tq_status baseline_judged(tq_context *ctx, const tq_dataset *ds, tq_baseline **out, const char *what)
{
    tq_solver_options o = opts();
    tq_status st = tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, &o, out);
    if (st != TQ_OK) {
        if (st != TQ_ERR_NOT_CONVERGED && st != TQ_ERR_INVALID)
            fail_msg("%s: baseline failed with status %d", what, (int)st);
        assert_null(*out);
        has_message(ctx, what);
    }
    return st;
}

/* t'[n,i,j] = rate for every international cell, or (add) t + rate for region n's imports. */
static void set_tariffs(tq_scenario *sc, int N, int J, int only_n, double rate, int add)
{
    double *t = tq_scenario_tariffs(sc);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++)
                if (n != i && (only_n < 0 || n == only_n))
                    t[IDX(n, i, j)] = add ? t[IDX(n, i, j)] + rate : rate;
}

/* The shocks of the must-show on baseline b: 300%, 1,000% and 99,900% (1+t = 1000, near
 * autarky) tariffs on every international flow, and 100x iceberg costs on every
 * international flow. */
static void extreme_shocks(tq_context *ctx, const tq_baseline *b, const char *name)
{
    const int N = tq_baseline_regions(b), J = tq_baseline_sectors(b);
    static const double rates[] = {3.0, 10.0, 999.0}; /* the last: 1+t = 1000, near autarky */
    char what[128];
    for (int k = 0; k < 3; k++) {
        tq_scenario *sc;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        set_tariffs(sc, N, J, -1, rates[k], 0);
        snprintf(what, sizeof what, "%s, %.0f%% tariffs everywhere", name, 100 * rates[k]);
        solve_judged(ctx, b, sc, what);
        tq_scenario_free(sc);
    }
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    double *d = tq_scenario_iceberg(sc);
    assert_non_null(d);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++)
                if (n != i)
                    d[IDX(n, i, j)] = 100.0;
    snprintf(what, sizeof what, "%s, 100x iceberg costs", name);
    solve_judged(ctx, b, sc, what);
    tq_scenario_free(sc);
}

static void test_synthetic_extremes(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    for (int io = 0; io <= 1; io++) {
        tq_dataset *ds = make_economy(ctx, 6, 4, io, 1, 42 + (uint64_t)io);
        tq_baseline *b;
        assert_int_equal(baseline_judged(ctx, ds, &b, "synthetic"), TQ_OK);
        extreme_shocks(ctx, b, io ? "synthetic with input-output" : "synthetic");
        tq_baseline_free(b);
        tq_dataset_free(ds);
    }
    tq_context_free(ctx);
}

static tq_dataset *load(tq_context *ctx, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/../../data/%s", TQ_TEST_DATA, rel);
    tq_dataset *ds;
    if (tq_dataset_load(ctx, path, &ds) != TQ_OK) {
        char msg[1024];
        tq_error_format(ctx, msg, sizeof msg);
        fail_msg("cannot load %s: %s", path, msg);
    }
    return ds;
}

static void test_wiod_extremes(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load(ctx, "wiod2014");
    tq_baseline *b;
    assert_int_equal(baseline_judged(ctx, ds, &b, "wiod2014"), TQ_OK);
    extreme_shocks(ctx, b, "wiod2014");
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* With balanced trade (the deficits closed in the base) 300% tariffs everywhere on
 * wiod2014 have a usable equilibrium that passes the check; 1,000% is judged as the rest. */
static void test_wiod_balanced(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load(ctx, "wiod2014");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    tq_solver_options o = opts();
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, &o, &b), TQ_OK);
    static const double rates[] = {3.0, 10.0};
    for (int k = 0; k < 2; k++) {
        tq_scenario *sc;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        set_tariffs(sc, N, J, -1, rates[k], 0);
        const tq_status st = solve_judged(ctx, b, sc, k ? "wiod2014 balanced, 1000%" : "wiod2014 balanced, 300%");
        if (k == 0) /* 1,000% does not converge within the 2000 iterations (residual 0.19) */
            assert_int_equal(st, TQ_OK);
        tq_scenario_free(sc);
    }
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Known hang 1: theta = 1e-300 for one icio sector, then a 10-point US tariff. */
static void icio_tiny_theta(void)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load(ctx, "icio");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[0] = 1e-300;
    tq_status st = tq_dataset_derive(ctx, ds);
    if (st == TQ_OK) {
        tq_baseline *b = NULL;
        if (baseline_judged(ctx, ds, &b, "icio, theta 1e-300") == TQ_OK) {
            const int us = tq_dataset_find_region(ds, "USA");
            assert_true(us >= 0);
            tq_scenario *sc;
            assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
            set_tariffs(sc, N, J, us, 0.10, 1);
            solve_judged(ctx, b, sc, "icio, theta 1e-300, US tariff +10");
            tq_scenario_free(sc);
            tq_baseline_free(b);
        }
    } else {
        assert_int_equal(st, TQ_ERR_INVALID);
        has_message(ctx, "icio, theta 1e-300 (derive)");
    }
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_icio_tiny_theta(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        method = m ? TQ_METHOD_FIXED_POINT : TQ_METHOD_ANDERSON;
        icio_tiny_theta();
    }
    method = TQ_METHOD_ANDERSON;
}

/* Known hang 2: every flow of wiod2014 set to 1e300, then a 25-point tariff on every international flow. */
static void wiod_huge_flows(void)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load(ctx, "wiod2014");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    for (int y = 0; y < tq_dataset_years(ds); y++) {
        size_t len;
        double *Z = tq_dataset_array(ds, TQ_Z, y, &len);
        for (size_t e = 0; e < len; e++)
            Z[e] = 1e300;
    }
    tq_status st = tq_dataset_derive(ctx, ds);
    if (st == TQ_OK) {
        tq_baseline *b = NULL;
        if (baseline_judged(ctx, ds, &b, "wiod2014, flows 1e300") == TQ_OK) {
            tq_scenario *sc;
            assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
            set_tariffs(sc, N, J, -1, 0.25, 1);
            solve_judged(ctx, b, sc, "wiod2014, flows 1e300, tariff +25");
            tq_scenario_free(sc);
            tq_baseline_free(b);
        }
    } else {
        assert_int_equal(st, TQ_ERR_INVALID);
        has_message(ctx, "wiod2014, flows 1e300 (derive)");
    }
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_wiod_huge_flows(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        method = m ? TQ_METHOD_FIXED_POINT : TQ_METHOD_ANDERSON;
        wiod_huge_flows();
    }
    method = TQ_METHOD_ANDERSON;
}

/* The time budget through the public API: a budget spent at once stops both methods
 * after their first iteration with TQ_STOP_TIME_LIMIT, TQ_ERR_NOT_CONVERGED, the
 * residual and "time limit" in the message; the setter refuses negative and NaN budgets;
 * 0 means the default, under which the same solve converges. */
static void test_time_budget(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = make_economy(ctx, 5, 3, 1, 1, 7);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    set_tariffs(sc, 5, 3, 0, 0.5, 1);
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_max_seconds(s, -1.0), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_max_seconds(s, NAN), TQ_ERR_INVALID);
    for (int m = 0; m < 2; m++) {
        assert_int_equal(tq_solver_set_method(s, m ? TQ_METHOD_FIXED_POINT : TQ_METHOD_ANDERSON), TQ_OK);
        assert_int_equal(tq_solver_set_max_seconds(s, 1e-9), TQ_OK);
        tq_result *r;
        assert_int_equal(tq_solver_solve(s, sc, &r), TQ_ERR_NOT_CONVERGED);
        const tq_solve_info *info = tq_result_info(r);
        assert_int_equal(info->stop, TQ_STOP_TIME_LIMIT);
        assert_int_equal(info->iterations, m ? 0 : 1);
        assert_true(isfinite(info->residual) && info->residual > 1e-10);
        assert_non_null(strstr(tq_last_error(ctx)->message, "time limit"));
        result_sane(r, "time limit");
        tq_result_free(r);
        assert_int_equal(tq_solver_set_max_seconds(s, 0), TQ_OK);
        assert_int_equal(tq_solver_solve(s, sc, &r), TQ_OK);
        assert_int_equal(tq_result_info(r)->stop, TQ_STOP_CONVERGED);
        tq_result_free(r);
    }
    tq_solver_free(s);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_extremes), cmocka_unit_test(test_wiod_extremes),
        cmocka_unit_test(test_wiod_balanced),      cmocka_unit_test(test_icio_tiny_theta),
        cmocka_unit_test(test_wiod_huge_flows),    cmocka_unit_test(test_time_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
