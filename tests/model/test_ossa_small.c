/* The Ossa (2014) model (MODEL.md (O1)-(O4), src/model/ossa.c) on small economies built
 * here, so that it is tested without ../shared/data: a symmetric two-country economy
 * against its closed form, an asymmetric 3 x 4 economy (unchanged scenario, independent
 * checker, both closures, the exact gradient against central differences), and the
 * one-industry case against the Caliendo-Parro model without input-output links. */
#include "tq_test.h"

#include <math.h>

static void die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fail_msg("%s: %s", what, buf);
}

/* N x J flows from a seeded generator: home bias, uneven sizes, tariffs 0..20%. */
static tq_dataset *economy(tq_context *ctx, int N, int J, const double *theta, int symmetric, double tariff)
{
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, N, J, 1, &ds), TQ_OK);
    char code[8];
    for (int n = 0; n < N; n++) {
        snprintf(code, sizeof code, "R%d", n);
        assert_int_equal(tq_dataset_set_region(ds, n, code, code), TQ_OK);
    }
    for (int j = 0; j < J; j++) {
        snprintf(code, sizeof code, "S%d", j);
        assert_int_equal(tq_dataset_set_sector(ds, j, code, code, 1), TQ_OK);
    }
    assert_int_equal(tq_dataset_set_year(ds, 0, 2020), TQ_OK);
    assert_int_equal(tq_dataset_set_name(ds, "small", "test economy"), TQ_OK);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *th = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    unsigned s = 12345u;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                s = s * 1103515245u + 12345u;
                const double u = (double)((s >> 8) & 0xffff) / 65536.0;
                const size_t c = ((size_t)n * N + i) * J + j;
                if (symmetric) {
                    Z[c] = n == i ? 80.0 : 20.0;
                    t[c] = n == i ? 0.0 : tariff;
                } else {
                    Z[c] = (n == i ? 60.0 : 8.0) * (1.0 + n + 0.5 * i) * (0.5 + u) * (1.0 + 0.3 * j);
                    t[c] = n == i ? 0.0 : 0.2 * u;
                }
            }
    for (int j = 0; j < J; j++)
        th[j] = theta[j];
    if (tq_dataset_fill_no_io(ctx, ds))
        die(ctx, "fill");
    return ds;
}

static tq_result *solve(tq_context *ctx, const tq_baseline *b, tq_scenario *sc)
{
    tq_result *r;
    if (tq_solve(ctx, b, sc, NULL, &r))
        die(ctx, "solve");
    return r;
}

/* Two symmetric countries, one industry: a symmetric tariff change leaves w^ = 1 and
 * sales unchanged (Y' = Y from (O3)), so E' = Y / (1 - rho') with rho' the revenue share
 * pi_imp' t' / (1+t'), P^^(-theta) = pi_dom + pi_imp tau^^(-theta), pi_imp' =
 * pi_imp tau^^(-theta) / P^^(-theta), W^ = E^ / P^. */
static void test_symmetric_closed_form(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const double theta[1] = {4.0}, t0 = 0.1, t1 = 0.3;
    tq_dataset *ds = economy(ctx, 2, 1, theta, 1, t0);
    tq_baseline *b;
    if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_OSSA, NULL, &b))
        die(ctx, "baseline");
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, -1, -1, -1, t1), TQ_OK);
    tq_result *r = solve(ctx, b, sc);
    const double pid = 80.0 / (80.0 + 20.0 * (1 + t0)), pim = 1 - pid; /* spending shares */
    const double tau = (1 + t1) / (1 + t0), Ph = pow(pid + pim * pow(tau, -theta[0]), -1.0 / theta[0]);
    const double pim1 = pim * pow(tau, -theta[0]) * pow(Ph, theta[0]);
    const double Y = 100.0, E0 = 80.0 + 20.0 * (1 + t0), E1 = Y / (1 - pim1 * t1 / (1 + t1));
    const double W = 100.0 * (E1 / E0 / Ph - 1.0);
    const double *w = tq_result_array(r, TQ_RES_WHAT, NULL), *Wr = tq_result_array(r, TQ_RES_WELFARE, NULL);
    const double *P = tq_result_array(r, TQ_RES_PHAT, NULL);
    printf("closed form: welfare %.10f%%, tradeq %.10f%% and %.10f%%\n", W, Wr[0], Wr[1]);
    for (int n = 0; n < 2; n++) {
        assert_true(fabs(w[n] - 1.0) < 1e-12);
        assert_true(fabs(P[n] / Ph - 1.0) < 1e-12);
        assert_true(fabs(Wr[n] - W) < 1e-9);
    }
    assert_true(W < -0.1); /* a real loss */
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void check_closure(tq_closure closure)
{
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const int N = 3, J = 4;
    const double theta[4] = {2.0, 4.0, 7.0, 11.0};
    tq_dataset *ds = economy(ctx, N, J, theta, 0, 0);
    tq_baseline *b;
    if (tq_baseline_new_model(ctx, ds, 0, closure, TQ_MODEL_OSSA, NULL, &b))
        die(ctx, "baseline");
    /* unchanged: the base */
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    tq_result *r = solve(ctx, b, sc);
    const double *W = tq_result_array(r, TQ_RES_WELFARE, NULL), *w = tq_result_array(r, TQ_RES_WHAT, NULL);
    for (int n = 0; n < N; n++) {
        assert_true(fabs(W[n]) < 1e-12);
        assert_true(w[n] == 1.0);
    }
    tq_result_free(r);
    /* a tariff war between R0 and R2, and the independent checker */
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 2, -1, 0.4), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 2, 0, 1, 0.6), TQ_OK);
    r = solve(ctx, b, sc);
    tq_check k;
    assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_OK);
    printf("closure %d: checker max %.2e\n", (int)closure, k.max);
    assert_true(k.max < 1e-10);
    W = tq_result_array(r, TQ_RES_WELFARE, NULL);
    assert_true(fabs(W[0]) > 1e-3 && fabs(W[2]) > 1e-3);
    /* the exact gradient against central differences, for every cell of R0's tariffs */
    tq_solver *s;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-13), TQ_OK);
    tq_result *rs;
    if (tq_solver_solve(s, sc, &rs))
        die(ctx, "solver");
    double g[3 * 3 * 4], gw[3 * 3 * 4];
    const double wts[3] = {0.3, -1.0, 2.0};
    if (tq_solver_welfare_gradient(s, sc, 0, NULL, g) || tq_solver_welfare_gradient(s, sc, -1, wts, gw))
        die(ctx, "gradient");
    double *t = tq_scenario_tariffs(sc), maxerr = 0, maxg = 0;
    const tq_solver_options o = {.tol = 1e-13, .numeraire_region = -1};
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                const size_t c = ((size_t)n * N + i) * J + j;
                if (n == i) {
                    assert_true(g[c] == 0.0);
                    continue;
                }
                const double t0 = t[c], h = 1e-5;
                double f[2][2];
                for (int side = 0; side < 2; side++) {
                    t[c] = t0 + (side ? -h : h);
                    tq_result *rr;
                    if (tq_solve(ctx, b, sc, &o, &rr))
                        die(ctx, "fd");
                    const double *Wf = tq_result_array(rr, TQ_RES_WELFARE, NULL);
                    f[side][0] = Wf[0];
                    f[side][1] = wts[0] * Wf[0] + wts[1] * Wf[1] + wts[2] * Wf[2];
                    tq_result_free(rr);
                }
                t[c] = t0;
                const double fd = (f[0][0] - f[1][0]) / (2 * h), fdw = (f[0][1] - f[1][1]) / (2 * h);
                maxerr = fmax(maxerr, fmax(fabs(fd - g[c]), fabs(fdw - gw[c])));
                maxg = fmax(maxg, fmax(fabs(fd), fabs(fdw)));
            }
    printf("closure %d: gradient max |exact - fd| %.2e, max |fd| %.2e\n", (int)closure, maxerr, maxg);
    assert_true(maxg > 0.1);
    assert_true(maxerr < 1e-6 * maxg);
    tq_result_free(rs);
    tq_solver_free(s);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_small_balanced(void **state)
{
    (void)state;
    check_closure(TQ_CLOSURE_BALANCED);
}

static void test_small_fixed(void **state)
{
    (void)state;
    check_closure(TQ_CLOSURE_FIXED);
}

/* One industry: (O3) is w^ = Y^, the Caliendo-Parro model without input-output links. */
static void test_one_industry_is_cp(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const double theta[1] = {5.0};
    tq_dataset *ds = economy(ctx, 3, 1, theta, 0, 0);
    tq_baseline *bo, *bc;
    if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_FIXED, TQ_MODEL_OSSA, NULL, &bo) ||
        tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_FIXED, TQ_MODEL_CP, NULL, &bc))
        die(ctx, "baselines");
    tq_scenario *so, *scp;
    assert_int_equal(tq_scenario_new(ctx, bo, &so), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, bc, &scp), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(so, 1, -1, -1, 0.5), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(scp, 1, -1, -1, 0.5), TQ_OK);
    tq_result *ro = solve(ctx, bo, so), *rc = solve(ctx, bc, scp);
    const double *Wo = tq_result_array(ro, TQ_RES_WELFARE, NULL), *Wc = tq_result_array(rc, TQ_RES_WELFARE, NULL);
    for (int n = 0; n < 3; n++) {
        assert_true(fabs(Wo[n] - Wc[n]) < 1e-8);
        assert_true(fabs(Wo[n]) > 1e-3);
    }
    tq_result_free(ro);
    tq_result_free(rc);
    tq_scenario_free(so);
    tq_scenario_free(scp);
    tq_baseline_free(bo);
    tq_baseline_free(bc);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Bad input: an unknown model, a model name. */
static void test_model_names(void **state)
{
    (void)state;
    tq_model m;
    assert_int_equal(tq_model_parse("ossa", &m), TQ_OK);
    assert_int_equal(m, TQ_MODEL_OSSA);
    assert_int_equal(tq_model_parse("cp", &m), TQ_OK);
    assert_int_equal(m, TQ_MODEL_CP);
    assert_int_equal(tq_model_parse("krugman", &m), TQ_ERR_NOT_FOUND);
    assert_int_equal(tq_model_parse(NULL, &m), TQ_ERR_INVALID);
    assert_string_equal(tq_model_name(TQ_MODEL_OSSA), "ossa");
    assert_null(tq_model_name((tq_model)7));
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const double theta[1] = {4.0};
    tq_dataset *ds = economy(ctx, 2, 1, theta, 1, 0.1);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_FIXED, (tq_model)7, NULL, &b), TQ_ERR_INVALID);
    assert_null(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symmetric_closed_form), cmocka_unit_test(test_small_balanced),
        cmocka_unit_test(test_small_fixed),           cmocka_unit_test(test_one_industry_is_cp),
        cmocka_unit_test(test_model_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
