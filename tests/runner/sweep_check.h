/* What the sweep tests share (test_uncertainty.c, test_partial_draws.c): a prepared sweep
 * of one axis, and the check that two sweeps hold the same values bit for bit. Include
 * after the test's OK() (a status assertion that prints the context's error). */
#ifndef TQ_TESTS_SWEEP_CHECK_H
#define TQ_TESTS_SWEEP_CHECK_H

/* A sweep of scenario 0 of sp over axis with options o, prepared. */
static tq_sweep *prepared_sweep(tq_runner *rn, const tq_spec *sp, const char *axis, const tq_sweep_options *o)
{
    tq_sweep *s = NULL;
    OK(tq_sweep_new(rn, sp, 0, o, &s));
    OK(tq_sweep_vary(s, axis));
    OK(tq_sweep_prepare(s));
    return s;
}

/* a and b have the same points and, point by point, the same bytes. */
static void same_values(const tq_sweep *a, const tq_sweep *b)
{
    assert_int_equal(tq_sweep_points(a), tq_sweep_points(b));
    assert_int_equal(tq_sweep_width(a), tq_sweep_width(b));
    for (int p = 0; p < tq_sweep_points(a); p++) {
        const double *x = tq_sweep_values(a, p), *y = tq_sweep_values(b, p);
        assert_non_null(x);
        assert_non_null(y);
        assert_memory_equal(x, y, tq_sweep_width(a) * sizeof(double));
    }
}

#endif
