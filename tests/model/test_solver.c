/* Tests of the solver object (tq_solver_*): many solves through one solver give the
 * answers of fresh one-shot solves (bitwise with warm start off, to the tolerance with it
 * on) and allocate nothing after the first; warm start saves iterations along a path of
 * nearby scenarios; stop reasons (converged, iteration limit, cancelled); settings;
 * allocation failures everywhere from baseline to the lazy result arrays. */
#include "../tq_test.h"
#include "economy.h"

#include <math.h>

enum { NR = 6, NS = 4 };

/* Every result array of a and b, bitwise (max_diff < 0) or within max_diff. */
static void same_result(const tq_result *a, const tq_result *b, double max_diff, int k)
{
    for (int w = 0; w < TQ_RES_ARRAY_COUNT; w++) {
        size_t la, lb;
        const double *x = tq_result_array(a, (tq_res)w, &la), *y = tq_result_array(b, (tq_res)w, &lb);
        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(la, lb);
        if (max_diff < 0) {
            if (memcmp(x, y, la * sizeof(double)) != 0)
                fail_msg("solve %d: array %d differs from the one-shot solve", k, w);
        } else {
            for (size_t e = 0; e < la; e++) {
                /* money arrays are scaled by their size, shares and percentages are not */
                const double scale = fmax(1.0, fabs(y[e]));
                if (!(fabs(x[e] - y[e]) <= max_diff * scale))
                    fail_msg("solve %d: array %d element %zu: %.17g vs %.17g", k, w, e, x[e], y[e]);
            }
        }
    }
}

/* Random small tariff changes: a few cells move by -2..+5 points from the base. */
static void random_shock(const tq_baseline *b, tq_scenario *s1, tq_scenario *s2)
{
    const int N = NR, J = NS;
    const double *t0 = tq_baseline_array(b, TQ_TARIFF, NULL);
    double *t1 = tq_scenario_tariffs(s1), *t2 = tq_scenario_tariffs(s2);
    memcpy(t1, t0, sizeof(double) * N * N * J);
    const int cells = 1 + (int)(urand() * 6);
    for (int c = 0; c < cells; c++) {
        int n = (int)(urand() * N), i = (int)(urand() * N), j = (int)(urand() * J);
        if (n == i)
            i = (i + 1) % N;
        t1[IDX(n, i, j)] = t0[IDX(n, i, j)] + (-0.02 + 0.07 * urand());
    }
    memcpy(t2, t1, sizeof(double) * N * N * J);
}

/* 1,000 solves through one solver (warm start off) equal fresh tq_solve bitwise, and
 * after the first the solver's context sees no allocation at all. */
static void test_thousand_solves(void **state)
{
    (void)state;
    tq_context *ctx; /* data, baseline, one-shot solves */
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_test_alloc fa = {-1, 0, 0};
    tq_allocator a = tq_test_allocator(&fa);
    tq_context *sctx; /* the solver, its scenario and result: every allocation counted */
    assert_int_equal(tq_context_new(&sctx, &a), TQ_OK);
    const long live0 = fa.live;

    tq_dataset *ds = make_economy(ctx, NR, NS, 1, 1, 99);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_scenario *sf, *ss;
    assert_int_equal(tq_scenario_new(ctx, b, &sf), TQ_OK);
    assert_int_equal(tq_scenario_new(sctx, b, &ss), TQ_OK);
    tq_solver *s;
    assert_int_equal(tq_solver_new(sctx, b, &s), TQ_OK);

    rng = 4242;
    tq_result *r = NULL;
    long calls_after_first = -1;
    double wmax = 0;
    for (int k = 0; k < 1000; k++) {
        random_shock(b, ss, sf);
        if (k == 0) {
            assert_int_equal(tq_solver_solve(s, ss, &r), TQ_OK);
        } else {
            assert_int_equal(tq_solver_solve_into(s, ss, r), TQ_OK);
        }
        /* the lazily computed arrays, too */
        assert_non_null(tq_result_array(r, TQ_RES_PI, NULL));
        assert_non_null(tq_result_array(r, TQ_RES_TOT_NIJ, NULL));
        assert_non_null(tq_result_array(r, TQ_RES_VOT_NIJ, NULL));
        if (k == 0)
            calls_after_first = fa.calls;
        tq_result *rf;
        assert_int_equal(tq_solve(ctx, b, sf, NULL, &rf), TQ_OK);
        same_result(r, rf, -1, k);
        const tq_solve_info *i1 = tq_result_info(r), *i2 = tq_result_info(rf);
        assert_int_equal(i1->stop, TQ_STOP_CONVERGED);
        assert_int_equal(i1->iterations, i2->iterations);
        assert_int_equal(i1->sweeps, i2->sweeps);
        assert_true(i1->residual == i2->residual);
        const double *wel = tq_result_array(rf, TQ_RES_WELFARE, NULL);
        for (int n = 0; n < NR; n++)
            wmax = fmax(wmax, fabs(wel[n]));
        tq_result_free(rf);
    }
    assert_true(wmax > 1e-4); /* the shocks moved welfare: the comparison is not of zeros */
    if (fa.calls != calls_after_first)
        fail_msg("%ld allocations after the first solve", fa.calls - calls_after_first);
    assert_int_equal(tq_solver_info(s)->stop, TQ_STOP_CONVERGED);

    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(ss);
    tq_scenario_free(sf);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    assert_int_equal(fa.live, live0); /* the solver, scenario and result freed everything */
    tq_context_free(sctx);
    assert_int_equal(fa.live, 0);
    tq_context_free(ctx);
}

/* The random economy of seed on ctx, its fixed-deficit baseline and a scenario at the
 * base; econ_close frees the three. */
typedef struct econ {
    tq_dataset *ds;
    tq_baseline *b;
    tq_scenario *sc;
} econ;

static econ econ_open(tq_context *ctx, int N, int J, uint64_t seed)
{
    econ e;
    e.ds = make_economy(ctx, N, J, 1, 1, seed);
    assert_int_equal(tq_baseline_new(ctx, e.ds, 0, TQ_CLOSURE_FIXED, NULL, &e.b), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, e.b, &e.sc), TQ_OK);
    return e;
}

static void econ_close(econ *e)
{
    tq_scenario_free(e->sc);
    tq_baseline_free(e->b);
    tq_dataset_free(e->ds);
}

/* Warm start along a path of nearby scenarios: the same answers to the tolerance, and
 * fewer iterations in total than cold starts. */
static void test_warm_start(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    econ e = econ_open(ctx, NR, NS, 5);
    tq_solver *warm, *cold;
    assert_int_equal(tq_solver_new(ctx, e.b, &warm), TQ_OK);
    assert_int_equal(tq_solver_new(ctx, e.b, &cold), TQ_OK);
    assert_int_equal(tq_solver_set_warm_start(warm, 1), TQ_OK);
    int it_warm = 0, it_cold = 0;
    for (int k = 1; k <= 40; k++) {
        /* region 0's tariffs on everyone rise by half a point per step */
        assert_int_equal(tq_scenario_set_tariff(e.sc, 0, -1, -1, 0.005 * k), TQ_OK);
        tq_result *rw, *rc;
        assert_int_equal(tq_solver_solve(warm, e.sc, &rw), TQ_OK);
        assert_int_equal(tq_solver_solve(cold, e.sc, &rc), TQ_OK);
        /* tol 1e-10 on relative residuals: hats agree to ~1e-9 */
        same_result(rw, rc, 1e-7, k);
        const double *w1 = tq_result_array(rw, TQ_RES_WHAT, NULL), *w2 = tq_result_array(rc, TQ_RES_WHAT, NULL);
        for (int n = 0; n < NR; n++)
            assert_true(fabs(w1[n] - w2[n]) < 1e-9);
        it_warm += tq_result_info(rw)->iterations;
        it_cold += tq_result_info(rc)->iterations;
        tq_result_free(rw);
        tq_result_free(rc);
    }
    if (!(it_warm < it_cold))
        fail_msg("warm start used %d iterations, cold %d", it_warm, it_cold);
    tq_solver_free(warm);
    tq_solver_free(cold);
    econ_close(&e);
    tq_context_free(ctx);
}

static int cancel_after(void *ud, const char *stage, double fraction)
{
    (void)stage;
    (void)fraction;
    int *left = ud;
    return --*left < 0;
}

/* Stop reasons: iteration limit (both methods), cancellation through the progress
 * callback, convergence; and the solver's settings are checked. */
static void test_stop_reasons(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    econ e = econ_open(ctx, NR, NS, 17);
    assert_int_equal(tq_scenario_set_tariff(e.sc, 0, -1, -1, 0.3), TQ_OK);
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, e.b, &s), TQ_OK);
    tq_result *r;

    /* iteration limit */
    assert_int_equal(tq_solver_set_max_iter(s, 3), TQ_OK);
    assert_int_equal(tq_solver_solve(s, e.sc, &r), TQ_ERR_NOT_CONVERGED);
    assert_non_null(r);
    assert_int_equal(tq_result_info(r)->stop, TQ_STOP_ITERATION_LIMIT);
    assert_int_equal(tq_result_info(r)->status, TQ_ERR_NOT_CONVERGED);
    assert_int_equal(tq_result_info(r)->iterations, 3);
    assert_true(tq_result_info(r)->residual > 1e-10);
    tq_result_free(r);
    assert_int_equal(tq_solver_set_method(s, TQ_METHOD_FIXED_POINT), TQ_OK);
    assert_int_equal(tq_solver_set_max_iter(s, 2), TQ_OK);
    assert_int_equal(tq_solver_solve(s, e.sc, &r), TQ_ERR_NOT_CONVERGED);
    assert_int_equal(tq_result_info(r)->stop, TQ_STOP_ITERATION_LIMIT);
    assert_int_equal(tq_result_info(r)->iterations, 2);
    tq_result_free(r);

    /* cancelled by the progress callback after 4 reports */
    assert_int_equal(tq_solver_set_method(s, TQ_METHOD_ANDERSON), TQ_OK);
    assert_int_equal(tq_solver_set_max_iter(s, 0), TQ_OK);
    int left = 4;
    tq_context_set_progress(ctx, cancel_after, &left);
    r = (tq_result *)ctx; /* must be reset to NULL */
    assert_int_equal(tq_solver_solve(s, e.sc, &r), TQ_ERR_CANCELLED);
    assert_null(r);
    assert_int_equal(tq_solver_info(s)->stop, TQ_STOP_CANCELLED);
    assert_int_equal(tq_solver_info(s)->iterations, 4);
    tq_context_set_progress(ctx, NULL, NULL);

    /* and then it converges (the cancelled solve left nothing behind) */
    assert_int_equal(tq_solver_solve(s, e.sc, &r), TQ_OK);
    assert_int_equal(tq_result_info(r)->stop, TQ_STOP_CONVERGED);
    assert_true(tq_result_info(r)->residual < 1e-10);
    tq_check k;
    assert_int_equal(tq_check_solution(ctx, e.b, e.sc, r, NULL, &k), TQ_OK);
    assert_true(k.max < 1e-8);

    /* settings are checked */
    assert_int_equal(tq_solver_set_tol(s, 0), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_tol(s, NAN), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_anderson_memory(s, 0), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_anderson_memory(s, 51), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_max_iter(s, -1), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_numeraire(s, NR), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_set_damping(s, 1.5), TQ_ERR_INVALID);

    /* a result of other dimensions is refused by solve_into; a scenario of another
     * baseline by both */
    econ e2 = econ_open(ctx, 3, 2, 1);
    tq_scenario *sc2 = e2.sc;
    tq_result *r2;
    assert_int_equal(tq_solve(ctx, e2.b, sc2, NULL, &r2), TQ_OK);
    assert_int_equal(tq_solver_solve_into(s, e.sc, r2), TQ_ERR_INVALID);
    assert_int_equal(tq_solver_solve_into(s, sc2, r), TQ_ERR_INVALID);
    tq_result *r3 = NULL;
    assert_int_equal(tq_solver_solve(s, sc2, &r3), TQ_ERR_INVALID);
    assert_null(r3);
    tq_result_free(r2);
    econ_close(&e2);

    tq_result_free(r);
    tq_solver_free(s);
    tq_solver_free(NULL);
    econ_close(&e);
    tq_context_free(ctx);
}

/* Everything from baseline to lazy result arrays, with every allocation failing in
 * turn: each failure is TQ_ERR_NOMEM, leaves its output NULL and leaks nothing. */
static tq_status solver_op(tq_context *ctx, void *arg)
{
    const tq_dataset *ds = arg;
    tq_baseline *b = NULL;
    tq_scenario *sc = NULL;
    tq_solver *s = NULL;
    tq_result *r = NULL, *r1 = NULL;
    tq_status st = tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b);
    if (st)
        assert_null(b);
    if (!st && (st = tq_scenario_new(ctx, b, &sc)))
        assert_null(sc);
    if (!st)
        st = tq_scenario_set_tariff(sc, 0, 1, -1, 0.3);
    if (!st)
        st = tq_scenario_set_iceberg(sc, 1, 0, 0, 1.1);
    if (!st && (st = tq_solver_new(ctx, b, &s)))
        assert_null(s);
    if (!st && (st = tq_solver_solve(s, sc, &r)))
        assert_null(r);
    if (!st)
        st = tq_solver_solve_into(s, sc, r);
    if (!st && !tq_result_array(r, TQ_RES_PI, NULL))
        st = TQ_ERR_NOMEM;
    if (!st && !tq_result_array(r, TQ_RES_VOT_NIJ, NULL))
        st = TQ_ERR_NOMEM;
    if (!st && (st = tq_solve(ctx, b, sc, NULL, &r1)))
        assert_null(r1);
    if (!st) {
        /* and the values are right after all that */
        const double *w1 = tq_result_array(r, TQ_RES_WELFARE, NULL), *w2 = tq_result_array(r1, TQ_RES_WELFARE, NULL);
        assert_memory_equal(w1, w2, sizeof(double) * NR);
        assert_memory_equal(tq_result_array(r, TQ_RES_VOT_NIJ, NULL), tq_result_array(r1, TQ_RES_VOT_NIJ, NULL),
                            sizeof(double) * NR * NR * NS);
    }
    tq_result_free(r1);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    return st;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = make_economy(ctx, NR, NS, 1, 1, 3);
    long k = tq_test_alloc_sweep(solver_op, ds, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
    assert_true(k > 20);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousand_solves),
        cmocka_unit_test(test_warm_start),
        cmocka_unit_test(test_stop_reasons),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
