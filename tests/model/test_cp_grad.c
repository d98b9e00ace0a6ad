/* The exact welfare gradient of the Caliendo-Parro model (src/model/cp_grad.c: the
 * implicit function theorem on the solver's fixed-point map, one adjoint solve) against
 * central finite differences of TQ_RES_WELFARE through full equilibrium solves: every
 * cell of a 4 x 3 economy with input-output links and deficits under each closure and
 * both numeraires, a region's welfare and a weighted sum; the unchanged scenario; a cell
 * without base trade (exactly 0); and a handful of cells of the embedded wiod2014,
 * US motor vehicles from Japan among them. */
#include "economy.h"

#include <math.h>
#include <string.h>

static void die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fail_msg("%s: %s", what, buf);
}

/* f = W_region (weights NULL) or sum_k weights[k] W_k of a full solve of sc at tol. */
static double welfare_of(tq_context *ctx, const tq_baseline *b, const tq_scenario *sc, int numeraire, int region,
                         const double *weights)
{
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.tol = 1e-13;
    o.numeraire_region = numeraire;
    tq_result *r;
    if (tq_solve(ctx, b, sc, &o, &r))
        die(ctx, "fd solve");
    size_t len;
    const double *W = tq_result_array(r, TQ_RES_WELFARE, &len);
    double f = 0;
    if (!weights)
        f = W[region];
    else
        for (size_t k = 0; k < len; k++)
            f += weights[k] * W[k];
    tq_result_free(r);
    return f;
}

/* The exact gradient at sc (solved by s) and the central difference of cell c, step h. */
static double central(tq_context *ctx, const tq_baseline *b, tq_scenario *sc, int numeraire, int region,
                      const double *weights, size_t c, double h)
{
    double *t = tq_scenario_tariffs(sc);
    const double t0 = t[c];
    t[c] = t0 + h;
    const double fp = welfare_of(ctx, b, sc, numeraire, region, weights);
    t[c] = t0 - h;
    const double fm = welfare_of(ctx, b, sc, numeraire, region, weights);
    t[c] = t0;
    return (fp - fm) / (2 * h);
}

/* The 4 x 3 economy with IO links and deficits; sc gets closure (target: deficits
 * shifted between regions 0 and 2) and, when shock, a few tariff changes. */
static void small_case(tq_closure closure, int numeraire, int shock)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const int N = 4, J = 3;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 777);
    tq_baseline *b;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b))
        die(ctx, "baseline");
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    double target[4] = {3.0, -1.0, -4.0, 2.0};
    assert_int_equal(tq_scenario_set_closure(sc, closure, closure == TQ_CLOSURE_TARGET ? target : NULL), TQ_OK);
    if (shock) {
        assert_int_equal(tq_scenario_set_tariff(sc, 0, 2, -1, 0.4), TQ_OK);
        assert_int_equal(tq_scenario_set_tariff(sc, 2, 0, 1, 0.6), TQ_OK);
        assert_int_equal(tq_scenario_set_tariff(sc, 1, 3, 2, 0.05), TQ_OK);
    }
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-13), TQ_OK);
    assert_int_equal(tq_solver_set_numeraire(s, numeraire), TQ_OK);
    tq_result *r;
    if (tq_solver_solve(s, sc, &r))
        die(ctx, "solve");
    const size_t NNJ = (size_t)N * N * J;
    double g[4 * 4 * 3], gw[4 * 4 * 3];
    const double wts[4] = {0.3, -1.0, 2.0, 0.5};
    const int region = 1;
    if (tq_solver_welfare_gradient(s, sc, region, NULL, g) || tq_solver_welfare_gradient(s, sc, -1, wts, gw))
        die(ctx, "gradient");
    double maxerr = 0, maxg = 0;
    for (size_t c = 0; c < NNJ; c++) {
        const int n = (int)(c / ((size_t)N * J)), i = (int)(c / J % N);
        if (n == i) {
            assert_true(g[c] == 0.0 && gw[c] == 0.0);
            continue;
        }
        const double fd = central(ctx, b, sc, numeraire, region, NULL, c, 1e-5);
        const double fdw = central(ctx, b, sc, numeraire, -1, wts, c, 1e-5);
        maxerr = fmax(maxerr, fmax(fabs(fd - g[c]), fabs(fdw - gw[c])));
        maxg = fmax(maxg, fmax(fabs(fd), fabs(fdw)));
    }
    printf("closure %d numeraire %d shock %d: max |exact - fd| %.2e, max |fd| %.2e\n", (int)closure, numeraire, shock,
           maxerr, maxg);
    assert_true(maxg > 0.1);           /* the derivatives are not trivially zero */
    assert_true(maxerr < 1e-7 * maxg); /* central differences: O(h^2) and rounding ~1e-13 / h */
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_fixed(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_FIXED, -1, 1);
}

static void test_balanced(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_BALANCED, -1, 1);
}

static void test_share(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_SHARE, -1, 1);
}

static void test_target(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_TARGET, -1, 1);
}

static void test_numeraire_region(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_SHARE, 2, 1);
}

static void test_unchanged(void **state)
{
    (void)state;
    small_case(TQ_CLOSURE_FIXED, -1, 0);
}

/* A cell without base trade: its tariff changes nothing, its derivative is exactly 0. */
static void test_no_trade_cell(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const int N = 4, J = 3;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 99);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    Z[IDX(3, 1, 2)] = 0.0;
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    tq_baseline *b;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b))
        die(ctx, "baseline");
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 3, 1, -1, 0.3), TQ_OK);
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-13), TQ_OK);
    tq_result *r;
    if (tq_solver_solve(s, sc, &r))
        die(ctx, "solve");
    double g[4 * 4 * 3];
    if (tq_solver_welfare_gradient(s, sc, 3, NULL, g))
        die(ctx, "gradient");
    assert_true(g[IDX(3, 1, 2)] == 0.0);
    assert_true(fabs(g[IDX(3, 1, 1)]) > 1e-3); /* its neighbours are not */
    /* and the finite difference agrees: the cell's tariff moves no welfare */
    assert_true(fabs(central(ctx, b, sc, -1, 3, NULL, IDX(3, 1, 2), 1e-5)) < 1e-12);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* wiod2014 (44 x 47): a scenario with US tariffs on Chinese goods and the gradient of US
 * welfare and of a weighted sum at a handful of cells, US motor vehicles from Japan
 * among them. */
static void test_wiod(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/../../data/wiod2014", TQ_TEST_DATA);
    tq_dataset *ds;
    if (tq_dataset_load(ctx, path, &ds))
        die(ctx, "load wiod2014");
    tq_baseline *b;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b))
        die(ctx, "baseline");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const int us = tq_dataset_find_region(ds, "USA"), jp = tq_dataset_find_region(ds, "JPN"),
              cn = tq_dataset_find_region(ds, "CHN"), de = tq_dataset_find_region(ds, "DEU");
    const int autos = tq_dataset_find_sector(ds, "C20"), comp = tq_dataset_find_sector(ds, "C17"),
              crop = tq_dataset_find_sector(ds, "C01");
    assert_true(us >= 0 && jp >= 0 && cn >= 0 && de >= 0 && autos >= 0 && comp >= 0 && crop >= 0);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, us, cn, -1, 0.25), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, cn, us, -1, 0.25), TQ_OK);
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-13), TQ_OK);
    tq_result *r;
    if (tq_solver_solve(s, sc, &r))
        die(ctx, "solve");
    const size_t NNJ = (size_t)N * N * J;
    double *g = malloc(NNJ * sizeof *g), *gw = malloc(NNJ * sizeof *gw), *wts = calloc((size_t)N, sizeof *wts);
    assert_non_null(g);
    assert_non_null(gw);
    assert_non_null(wts);
    wts[us] = 1.0;
    wts[cn] = 0.5;
    wts[jp] = -2.0;
    if (tq_solver_welfare_gradient(s, sc, us, NULL, g) || tq_solver_welfare_gradient(s, sc, -1, wts, gw))
        die(ctx, "gradient");
#define CELL(n, i, j) (((size_t)(n) * (size_t)N + (size_t)(i)) * (size_t)J + (size_t)(j))
    const size_t cells[5] = {CELL(us, jp, autos), CELL(us, cn, comp), CELL(us, de, autos), CELL(cn, us, crop),
                             CELL(jp, us, autos)};
    double maxrel = 0;
    for (int q = 0; q < 5; q++) {
        const size_t c = cells[q];
        const double fd = central(ctx, b, sc, -1, us, NULL, c, 1e-5);
        const double fdw = central(ctx, b, sc, -1, -1, wts, c, 1e-5);
        const double e1 = fabs(fd - g[c]) / fmax(fabs(fd), 1e-3), e2 = fabs(fdw - gw[c]) / fmax(fabs(fdw), 1e-3);
        printf("cell %zu: dW_US/dt exact %.10f fd %.10f; weighted exact %.10f fd %.10f\n", c, g[c], fd, gw[c], fdw);
        maxrel = fmax(maxrel, fmax(e1, e2));
    }
#undef CELL
    printf("wiod2014: max relative |exact - fd| %.2e\n", maxrel);
    assert_true(fabs(g[cells[0]]) > 1e-2); /* US autos from Japan matter for US welfare */
    assert_true(maxrel < 1e-5);
    free(g);
    free(gw);
    free(wts);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Large enough for the parallel loops (N^2 J >= 1e6): the gradient is bitwise the same
 * with one thread and with two. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const int N = 130, J = 60;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 5);
    tq_solver_options bo;
    tq_solver_options_default(&bo);
    bo.baseline_mode = TQ_BASELINE_RAW; /* the data as they are: no recalibration solve */
    tq_baseline *b;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, &bo, &b))
        die(ctx, "baseline");
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, -1, 0.3), TQ_OK);
    const size_t NNJ = (size_t)N * N * J;
    double *g[2];
    for (int k = 0; k < 2; k++) {
        tq_solver *s;
        assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
        assert_int_equal(tq_solver_set_threads(s, k + 1), TQ_OK);
        tq_result *r;
        if (tq_solver_solve(s, sc, &r))
            die(ctx, "solve");
        g[k] = malloc(NNJ * sizeof(double));
        assert_non_null(g[k]);
        if (tq_solver_welfare_gradient(s, sc, 0, NULL, g[k]))
            die(ctx, "gradient");
        tq_result_free(r);
        tq_solver_free(s);
    }
    assert_true(memcmp(g[0], g[1], NNJ * sizeof(double)) == 0);
    assert_true(fabs(g[0][IDX(0, 1, 0)]) > 0);
    free(g[0]);
    free(g[1]);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_balanced),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_target),
        cmocka_unit_test(test_numeraire_region),
        cmocka_unit_test(test_unchanged),
        cmocka_unit_test(test_no_trade_cell),
        cmocka_unit_test(test_wiod),
        cmocka_unit_test(test_threads_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
