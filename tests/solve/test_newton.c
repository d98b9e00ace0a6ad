/* The dense Newton solver (src/solve/newton.c) on systems with known roots. */
#include "tq_test.h"

#include "solve/newton.h"

#include <math.h>

/* x0^2 + x1^2 = 4, x0 = x1: root (sqrt 2, sqrt 2) from (1, 0.5) */
static int circle(void *ud, const double *x, double *f)
{
    (void)ud;
    f[0] = x[0] * x[0] + x[1] * x[1] - 4;
    f[1] = x[0] - x[1];
    return 0;
}
static int circle_jac(void *ud, const double *x, const double *f, double *J)
{
    (void)ud;
    (void)f;
    J[0] = 2 * x[0]; /* column 0 */
    J[1] = 1;
    J[2] = 2 * x[1]; /* column 1 */
    J[3] = -1;
    return 0;
}

static void test_circle(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq__newton *nw = NULL;
    assert_int_equal(tq__newton_alloc(ctx, 2, &nw), TQ_OK);
    for (int analytic = 0; analytic < 2; analytic++) {
        double x[2] = {1, 0.5};
        tq__newton_info info;
        assert_int_equal(tq__newton_solve(nw, circle, analytic ? circle_jac : NULL, NULL, x, 1e-14, 50, &info), TQ_OK);
        assert_true(info.converged);
        assert_true(fabs(x[0] - sqrt(2.0)) < 1e-12);
        assert_true(fabs(x[1] - sqrt(2.0)) < 1e-12);
        assert_true(info.residual <= 1e-14);
        assert_true(info.jacobians >= 1);
    }
    tq__newton_free(nw);
    tq_context_free(ctx);
}

/* x^2 + 1 = 0 has no real root: the solver stops without claiming convergence */
static int noroot(void *ud, const double *x, double *f)
{
    (void)ud;
    f[0] = x[0] * x[0] + 1;
    return 0;
}

static void test_no_root(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq__newton *nw = NULL;
    assert_int_equal(tq__newton_alloc(ctx, 1, &nw), TQ_OK);
    double x[1] = {0.3};
    tq__newton_info info;
    assert_int_equal(tq__newton_solve(nw, noroot, NULL, NULL, x, 1e-12, 30, &info), TQ_OK);
    assert_false(info.converged);
    assert_true(info.residual >= 1.0);
    tq__newton_free(nw);
    tq__newton_free(NULL);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_circle),
        cmocka_unit_test(test_no_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
