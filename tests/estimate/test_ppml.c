/* PPML with fixed effects on hand-checkable cases (docs/estimation.md): closed forms of
 * saturated models, the drops, separation, and the same numbers for any thread count. */
#include "ppml_fixture.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* y on a dummy and a constant: b = log(mean y | x=1) - log(mean y | x=0), the constant
 * log(mean y | x=0); the robust variance of b is that of the difference of the two log
 * means, sum_g sum_i (y_i - m_g)^2 / (n_g m_g)^2, times N/(N-1) (Stata) */
static void test_dummy_closed_form(void **state)
{
    (void)state;
    const double y[8] = {1, 3, 2, 6, 4, 5, 0, 9};
    const double x[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    const char *xn[1] = {"d"};
    tq_ppml *p = NULL;
    assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
    assert_int_equal(tq_ppml_set_data(p, 8, y, 1, x, xn, 0, NULL, NULL, NULL), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_OK);
    const tq_ppml_info *in = tq_ppml_info_get(p);
    assert_int_equal(in->k, 2);
    assert_int_equal(in->n_obs, 8);
    double m0 = 3, m1 = 4.5, b, se, c;
    const char *name;
    assert_int_equal(tq_ppml_coef(p, 0, &name, &b, &se, NULL, NULL), TQ_OK);
    assert_string_equal(name, "d");
    close_rel(b, log(m1 / m0), 1e-9);
    double v = 0;
    for (int i = 0; i < 8; i++) {
        double m = x[i] ? m1 : m0;
        v += (y[i] - m) * (y[i] - m) / (16 * m * m);
    }
    close_rel(se, sqrt(v * 8.0 / 7.0), 1e-8);
    assert_int_equal(tq_ppml_coef(p, 1, &name, &c, NULL, NULL, NULL), TQ_OK);
    assert_string_equal(name, "_cons");
    close_rel(c, log(m0), 1e-9);
    /* the log likelihood of the saturated fit */
    double ll = 0;
    for (int i = 0; i < 8; i++) {
        double m = x[i] ? m1 : m0;
        ll += y[i] * log(m) - m - lgamma(y[i] + 1);
    }
    close_rel(in->loglik, ll, 1e-10);
    tq_ppml_free(p);
}

/* rows with a fixed effect each, x a column dummy, one observation per cell of a R x 2
 * table: the independence model, mu_rc = row_r col_c / total, so
 * b = log(sum_r y_r1 / sum_r y_r0) */
static void test_two_way_table(void **state)
{
    (void)state;
    enum { R = 5 };
    const double t[R][2] = {{3, 7}, {10, 12}, {1, 4}, {8, 8}, {2, 9}};
    double y[2 * R], x[2 * R];
    int32_t fe[2 * R];
    double s0 = 0, s1 = 0;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < 2; c++) {
            y[2 * r + c] = t[r][c];
            x[2 * r + c] = c;
            fe[2 * r + c] = r;
            if (c)
                s1 += t[r][c];
            else
                s0 += t[r][c];
        }
    const char *xn[1] = {"col"}, *fn[1] = {"row"};
    int nlev[1] = {R};
    tq_ppml *p = NULL;
    assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
    assert_int_equal(tq_ppml_set_data(p, 2 * R, y, 1, x, xn, 1, fe, nlev, fn), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_OK);
    double b;
    assert_int_equal(tq_ppml_coef(p, 0, NULL, &b, NULL, NULL, NULL), TQ_OK);
    close_rel(b, log(s1 / s0), 1e-9);
    assert_int_equal(tq_ppml_info_get(p)->k, 1);
    tq_ppml_free(p);
}

/* an all-zero group and a singleton leave; a regressor that is 1 only on a zero row
 * separates it (the likelihood rises without bound as its coefficient goes to minus
 * infinity): the row is dropped, then the regressor (all zero) too, and the rest is
 * the closed form of the row effects */
static void test_drops_and_separation(void **state)
{
    (void)state;
    /* groups: 0 {2,4,0}, 1 {0,0}, 2 {5}, 3 {1,3} */
    const double y[8] = {2, 4, 0, 0, 0, 5, 1, 3};
    const int32_t g[8] = {0, 0, 0, 1, 1, 2, 3, 3};
    const double xs[8] = {0, 0, 1, 0, 0, 0, 0, 0};
    const double x2[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    double X[16];
    memcpy(X, xs, sizeof xs);
    memcpy(X + 8, x2, sizeof x2);
    const char *xn[2] = {"sep", "trend"}, *fn[1] = {"g"};
    int nlev[1] = {4};
    tq_ppml *p = NULL;
    assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
    assert_int_equal(tq_ppml_set_data(p, 8, y, 2, X, xn, 1, g, nlev, fn), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_OK);
    const tq_ppml_info *in = tq_ppml_info_get(p);
    assert_int_equal(in->n_zero_group, 2);
    assert_int_equal(in->n_singleton, 1);
    assert_int_equal(in->n_separated, 1);
    assert_int_equal(tq_ppml_separated_row(p, 0), 3);
    assert_int_equal(in->n_obs, 4);
    assert_int_equal(in->k_dropped, 1);
    assert_string_equal(tq_ppml_dropped(p, 0), "sep");
    assert_int_equal(in->k, 1);
    /* left: group 0 rows (1,2) y (2,4); group 3 rows (7,8) y (1,3); trend is the within
     * slope: in each group the two rows differ by 1 in trend, so with a group effect
     * PPML sets y2/y1 = exp(b) in both: the score sum_g (y_g2 - mu_g2) = 0 with
     * mu_g1 + mu_g2 = y_g1 + y_g2 gives sum_g s_g e^b / (1 + e^b) = 4 + 3, s = (6, 4) */
    double b;
    assert_int_equal(tq_ppml_coef(p, 0, NULL, &b, NULL, NULL, NULL), TQ_OK);
    close_rel(b, log(7.0 / 3.0), 1e-9);
    assert_true(isfinite(b));
    tq_ppml_free(p);
}

/* a seeded gravity panel: exporter-year, importer-year and pair effects */
static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void panel(int C, int T, double *y, double *x, int32_t *fe, int *nlev)
{
    size_t n = (size_t)C * C * T, i = 0;
    for (int t = 0; t < T; t++)
        for (int e = 0; e < C; e++)
            for (int m = 0; m < C; m++, i++) {
                double pairc = -0.5 * log(1 + abs(e - m)) + 0.3 * ((e * 7 + m * 3) % 5 - 2);
                x[i] = (e + m + t) % 4 == 0 && e != m;
                double mu = exp(0.4 * x[i] + pairc + 0.1 * ((e + t) % 3) - 0.05 * ((m * t) % 4));
                double u = unif();
                y[i] = u < 0.15 ? 0 : mu * (0.5 + u);
                fe[i] = t * C + e;
                fe[n + i] = t * C + m;
                fe[2 * n + i] = e * C + m;
            }
    nlev[0] = nlev[1] = C * T;
    nlev[2] = C * C;
}

/* the demeaning's sums run in fixed blocks and per-level lists: 1 and 2 threads give
 * the same bits */
static void test_threads_deterministic(void **state)
{
    (void)state;
    enum { C = 130, T = 4 }; /* 67,600 rows: 8 chunks of level sums */
    size_t n = (size_t)C * C * T;
    double *y = malloc(sizeof(double) * n), *x = malloc(sizeof(double) * n);
    int32_t *fe = malloc(sizeof(int32_t) * 3 * n);
    int nlev[3];
    assert_non_null(y);
    assert_non_null(x);
    assert_non_null(fe);
    panel(C, T, y, x, fe, nlev);
    const char *xn[1] = {"rta"}, *fn[3] = {"exp_year", "imp_year", "pair"};
    double b[2], se[2], ll[2];
    for (int r = 0; r < 2; r++) {
        tq_ppml *p = NULL;
        assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
        assert_int_equal(tq_ppml_set_data(p, n, y, 1, x, xn, 3, fe, nlev, fn), TQ_OK);
        assert_int_equal(tq_ppml_set_cluster(p, "pair"), TQ_OK);
        tq_ppml_set_threads(p, r + 1);
        assert_int_equal(tq_ppml_run(p), TQ_OK);
        assert_int_equal(tq_ppml_coef(p, 0, NULL, &b[r], &se[r], NULL, NULL), TQ_OK);
        ll[r] = tq_ppml_info_get(p)->loglik;
        assert_true(tq_ppml_info_get(p)->converged);
        tq_ppml_free(p);
    }
    assert_memory_equal(&b[0], &b[1], sizeof b[0]);
    assert_memory_equal(&se[0], &se[1], sizeof se[0]);
    assert_memory_equal(&ll[0], &ll[1], sizeof ll[0]);
    close_rel(b[0], 0.4, 0.2); /* near the true effect */
    free(y);
    free(x);
    free(fe);
}

/* bad input: a negative y, a missing column, a bad model string */
static void test_errors(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "d.csv", "y,x,g\n1,0,a\n-2,1,a\n3,1,b\n");
    char path[4300];
    snprintf(path, sizeof path, "%s/d.csv", dir);
    tq_ppml *p = NULL;
    assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
    assert_int_equal(tq_ppml_set_file(p, path), TQ_OK);
    assert_int_equal(tq_ppml_set_model(p, "y", "x", "g", NULL), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_ERR_INVALID);
    assert_non_null(strstr(tq_last_error(ctx)->message, "negative"));
    assert_int_equal(tq_ppml_set_model(p, "y", "nosuch", "g", NULL), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_ERR_NOT_FOUND);
    assert_string_equal(tq_last_error(ctx)->field, "nosuch");
    assert_int_equal(tq_ppml_set_model(p, "y", "x", "a#b#c#d", NULL), TQ_ERR_INVALID);
    tq_test_write(dir, "e.csv", "y,x,g\n1,0,a\n2,zz,a\n");
    snprintf(path, sizeof path, "%s/e.csv", dir);
    assert_int_equal(tq_ppml_set_file(p, path), TQ_OK);
    assert_int_equal(tq_ppml_set_model(p, "y", "x", "g", NULL), TQ_OK);
    assert_int_equal(tq_ppml_run(p), TQ_ERR_PARSE);
    assert_int_equal(tq_last_error(ctx)->line, 3);
    assert_string_equal(tq_last_error(ctx)->field, "x");
    tq_ppml_free(p);
    tq_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dummy_closed_form),
        cmocka_unit_test(test_two_way_table),
        cmocka_unit_test(test_drops_and_separation),
        cmocka_unit_test(test_threads_deterministic),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
