/* The strategic layer (src/policy/, docs/strategic.md): the two-country one-sector
 * optimal tariff against its closed form t* = 1 / (theta lambda_FF'), and a 4 x 3
 * economy where a brute-force grid of equilibrium solves confirms the optimal tariff
 * and the Nash point, and the uniform war's Nash point by best responses and by the
 * simultaneous solver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradeq.h"

#include "model/economy.h"

static tq_status show(tq_context *ctx, tq_status st)
{
    if (st) {
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        printf("error: %s\n", buf);
    }
    return st;
}

/* Two regions, one sector, no inputs, balanced trade: Armington / Eaton-Kortum. */
static tq_dataset *two_country(tq_context *ctx, double theta, double size0, double size1, double home)
{
    tq_dataset *ds = tq_test_dataset_new(ctx, 2, 1, 0);
    int N = 2, J = 1;
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    double *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL), *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL);
    double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL), *th = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    th[0] = theta;
    double trade = home; /* each exports `home` to the other: balanced trade */
    Z[IDX(0, 0, 0)] = size0 - trade;
    Z[IDX(0, 1, 0)] = trade;
    Z[IDX(1, 1, 0)] = size1 - trade;
    Z[IDX(1, 0, 0)] = trade;
    for (int n = 0; n < 2; n++) {
        beta[n] = 1.0;
        alpha[n] = 1.0;
    }
    VA[0] = size0;
    VA[1] = size1;
    tq_dataset_set_has_io(ds, 0);
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    return ds;
}

/* docs/strategic.md: in the two-country one-sector model Home's optimal tariff is the
 * inverse of Foreign's export supply elasticity, theta lambda_FF, with lambda_FF
 * Foreign's domestic expenditure share at the optimum. */
static void test_two_country_closed_form(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    const double thetas[3] = {4.0, 2.5, 8.0};
    const double sizes[3][2] = {{100, 100}, {50, 300}, {400, 80}};
    for (int c = 0; c < 3; c++) {
        tq_dataset *ds = two_country(ctx, thetas[c], sizes[c][0], sizes[c][1], 20.0);
        tq_baseline *b;
        assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
        tq_optimal *o;
        assert_int_equal(tq_optimal_new(ctx, b, 0, &o), TQ_OK);
        assert_int_equal(show(ctx, tq_optimal_run(o)), TQ_OK);
        const double *t = tq_optimal_tariffs(o);
        const tq_optimum_info *info = tq_optimal_info(o);
        double tstar = t[1 * 1 + 0]; /* [n=0, i=1, j=0] */
        /* Foreign's domestic share at the optimum, from an independent solve */
        tq_scenario *sc;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, 0, tstar), TQ_OK);
        tq_result *r;
        assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
        const double *pi = tq_result_array(r, TQ_RES_PI, NULL);
        double lamFF = pi[3]; /* [1,1,0] */
        double closed = 1.0 / (thetas[c] * lamFF);
        printf("theta %.1f sizes %.0f/%.0f: t* = %.6f, 1/(theta lambda_FF) = %.6f, |grad| %.2e, curvature %.3g\n",
               thetas[c], sizes[c][0], sizes[c][1], tstar, closed, info->grad_norm, info->max_curvature);
        assert_true(fabs(tstar - closed) < 1e-5);
        assert_true(info->grad_norm < 1e-3);
        assert_int_equal(info->second_order_ok, 1);
        /* welfare of Home rises, Foreign's falls */
        const double *W = tq_optimal_welfare(o);
        assert_true(W[0] > 0 && W[1] < 0);
        assert_true(fabs(W[0] - tq_result_array(r, TQ_RES_WELFARE, NULL)[0]) < 1e-7);
        tq_result_free(r);
        tq_scenario_free(sc);
        tq_optimal_free(o);
        tq_baseline_free(b);
        tq_dataset_free(ds);
    }
    tq_context_free(ctx);
}

/* Welfare of every region at tariffs t through a warm-started solver. */
static void welfare_at(tq_solver *s, tq_scenario *sc, tq_result **r, const double *t, size_t NNJ, double *W, int N)
{
    memcpy(tq_scenario_tariffs(sc), t, NNJ * sizeof *t);
    if (*r)
        assert_int_equal(tq_solver_solve_into(s, sc, *r), TQ_OK);
    else
        assert_int_equal(tq_solver_solve(s, sc, r), TQ_OK);
    memcpy(W, tq_result_array(*r, TQ_RES_WELFARE, NULL), (size_t)N * sizeof *W);
}

/* Region n's welfare maximised over a grid of its three sector tariffs, centred at
 * c[3] with half-width h and `steps` points either side; returns the best and its
 * tariffs in best[3]. The others' tariffs are those of t (modified, restored). */
static double grid_best(tq_solver *s, tq_scenario *sc, tq_result **r, double *t, int N, int J, int n, const double *c,
                        double h, int steps, double *best)
{
    size_t NNJ = (size_t)N * N * J;
    double *save = malloc(NNJ * sizeof *save), W[8], bw = -INFINITY;
    memcpy(save, t, NNJ * sizeof *t);
    for (int a = -steps; a <= steps; a++)
        for (int b2 = -steps; b2 <= steps; b2++)
            for (int d = -steps; d <= steps; d++) {
                double x[3] = {c[0] + h * a / steps, c[1] + h * b2 / steps, c[2] + h * d / steps};
                if (x[0] < 0 || x[1] < 0 || x[2] < 0)
                    continue;
                for (int j = 0; j < 3; j++)
                    for (int i = 0; i < N; i++)
                        if (i != n)
                            t[IDX(n, i, j)] = x[j];
                welfare_at(s, sc, r, t, NNJ, W, N);
                if (W[n] > bw) {
                    bw = W[n];
                    memcpy(best, x, sizeof x);
                }
            }
    memcpy(t, save, NNJ * sizeof *t);
    free(save);
    return bw;
}

static void test_grid_confirms_optimum_and_nash(void **state)
{
    (void)state;
    const int N = 4, J = 3;
    const size_t NNJ = (size_t)N * N * J;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = make_economy(ctx, N, J, 1, 0, 11);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_solver *s;
    tq_scenario *sc;
    tq_result *r = NULL;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_warm_start(s, 1), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-12), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);

    /* the optimal sector tariffs of region 0 */
    tq_optimal *o;
    assert_int_equal(tq_optimal_new(ctx, b, 0, &o), TQ_OK);
    assert_int_equal(show(ctx, tq_optimal_run(o)), TQ_OK);
    const tq_optimum_info *oi = tq_optimal_info(o);
    double *t = malloc(NNJ * sizeof *t);
    memcpy(t, tq_optimal_tariffs(o), NNJ * sizeof *t);
    double xo[3] = {t[IDX(0, 1, 0)], t[IDX(0, 1, 1)], t[IDX(0, 1, 2)]};
    double wo = tq_optimal_welfare(o)[0];
    printf("optimal of R0: %.5f %.5f %.5f, welfare %.6f%%, |grad| %.2e, curvature %.3g, %ld solves\n", xo[0], xo[1],
           xo[2], wo, oi->grad_norm, oi->max_curvature, oi->solves);
    assert_int_equal(oi->variables, 3);
    assert_true(oi->grad_norm < 1e-3);
    assert_int_equal(oi->second_order_ok, 1);
    /* coarse grid over [0, 1.2]^3 from the base tariffs, then a fine grid around its best */
    memcpy(t, tq_baseline_array(b, TQ_TARIFF, NULL), NNJ * sizeof *t);
    double best[3], c0[3] = {0.6, 0.6, 0.6};
    double wg = grid_best(s, sc, &r, t, N, J, 0, c0, 0.6, 6, best); /* step 0.1 over [0, 1.2] */
    double c1[3] = {best[0], best[1], best[2]}, best1[3];
    double wm = grid_best(s, sc, &r, t, N, J, 0, c1, 0.1, 5, best1); /* step 0.02 */
    double c2[3] = {best1[0], best1[1], best1[2]}, best2[3];
    double wf = grid_best(s, sc, &r, t, N, J, 0, c2, 0.02, 4, best2); /* step 0.005 */
    printf("grid: coarse best %.6f%% at %.3f %.3f %.3f, fine best %.6f%% at %.4f %.4f %.4f\n", wg, best[0], best[1],
           best[2], wf, best2[0], best2[1], best2[2]);
    assert_true(wf <= wo + 1e-8);
    assert_true(wm <= wo + 1e-8);
    assert_true(wg <= wo + 1e-8);
    for (int j = 0; j < 3; j++)
        assert_true(fabs(best2[j] - xo[j]) <= 0.005 + 1e-9);
    tq_optimal_free(o);

    /* the Nash equilibrium of the four: no player gains on a grid around its tariffs */
    tq_nash *g;
    assert_int_equal(tq_nash_new(ctx, b, NULL, 0, &g), TQ_OK);
    assert_int_equal(tq_nash_set_tolerance(g, 1e-6, 100), TQ_OK);
    assert_int_equal(show(ctx, tq_nash_run(g)), TQ_OK);
    const tq_nash_info *ni = tq_nash_info_get(g);
    printf("nash: %d rounds, max change %.2e, max gain %.2e, %ld solves, %.2f s\n", ni->rounds, ni->max_change,
           ni->max_gain, ni->solves, ni->seconds);
    assert_true(ni->max_gain < 1e-6);
    memcpy(t, tq_nash_tariffs(g), NNJ * sizeof *t);
    const double *Wn = tq_nash_welfare(g);
    for (int n = 0; n < N; n++) {
        const tq_optimum_info *pi = tq_nash_player_info(g, n);
        assert_non_null(pi);
        assert_true(pi->grad_norm < 1e-3);
        assert_int_equal(pi->second_order_ok, 1);
        int other = n == 0 ? 1 : 0;
        double xn[3] = {t[IDX(n, other, 0)], t[IDX(n, other, 1)], t[IDX(n, other, 2)]};
        double bn[3];
        double wgn = grid_best(s, sc, &r, t, N, J, n, xn, 0.02, 4, bn); /* step 0.005 */
        printf("R%d Nash tariffs %.4f %.4f %.4f welfare %.5f%%; grid best %.5f%% at %.3f %.3f %.3f\n", n, xn[0], xn[1],
               xn[2], Wn[n], wgn, bn[0], bn[1], bn[2]);
        assert_true(wgn <= Wn[n] + 1e-8);
        for (int j = 0; j < 3; j++)
            assert_true(fabs(bn[j] - xn[j]) <= 0.0025 + 1e-9);
        /* every Nash tariff is higher than the base's (a war raises tariffs) */
        for (int j = 0; j < 3; j++)
            assert_true(xn[j] > tq_baseline_array(b, TQ_TARIFF, NULL)[IDX(n, other, j)]);
    }
    tq_nash_free(g);

    free(t);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_solver_free(s);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* A uniform war on the same 4 x 3 economy, by best responses and by the simultaneous
 * solver (Broyden on the first-order conditions with exact gradients): the two agree,
 * and a brute-force grid of each player's uniform tariff (others at the Nash point)
 * finds nothing better. */
static void test_uniform_war_simultaneous(void **state)
{
    (void)state;
    const int N = 4, J = 3;
    const size_t NNJ = (size_t)N * N * J;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = make_economy(ctx, N, J, 1, 0, 11);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    tq_policy_options opt;
    tq_policy_options_default(&opt);
    opt.form = TQ_FORM_UNIFORM;
    double *tn[2];
    double Wn[2][4];
    for (int m = 0; m < 2; m++) {
        tq_nash *g;
        assert_int_equal(tq_nash_new(ctx, b, NULL, 0, &g), TQ_OK);
        assert_int_equal(tq_nash_set_options(g, &opt), TQ_OK);
        assert_int_equal(tq_nash_set_tolerance(g, 1e-6, 100), TQ_OK);
        assert_int_equal(tq_nash_set_method(g, m ? TQ_NASH_SIMULTANEOUS : TQ_NASH_BEST_RESPONSE), TQ_OK);
        assert_int_equal(show(ctx, tq_nash_run(g)), TQ_OK);
        const tq_nash_info *ni = tq_nash_info_get(g);
        printf("uniform war, %s: %d rounds, max change %.2e, max gain %.2e, %ld solves\n",
               m ? "simultaneous" : "best responses", ni->rounds, ni->max_change, ni->max_gain, ni->solves);
        assert_true(ni->max_gain < 1e-6);
        tn[m] = malloc(NNJ * sizeof(double));
        memcpy(tn[m], tq_nash_tariffs(g), NNJ * sizeof(double));
        memcpy(Wn[m], tq_nash_welfare(g), sizeof Wn[m]);
        for (int n = 0; n < N; n++) {
            const tq_optimum_info *pi = tq_nash_player_info(g, n);
            assert_true(pi->grad_norm < 1e-3);
            assert_int_equal(pi->second_order_ok, 1);
        }
        tq_nash_free(g);
    }
    double maxd = 0;
    for (size_t c = 0; c < NNJ; c++)
        maxd = fmax(maxd, fabs(tn[0][c] - tn[1][c]));
    printf("uniform war: max |best responses - simultaneous| %.2e\n", maxd);
    assert_true(maxd < 1e-5);
    /* the grid: each player's uniform tariff over +-0.02 in steps of 0.0005 */
    tq_solver *s;
    tq_scenario *sc;
    tq_result *r = NULL;
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_warm_start(s, 1), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-12), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    double *t = malloc(NNJ * sizeof *t), W[4];
    for (int n = 0; n < N; n++) {
        memcpy(t, tn[1], NNJ * sizeof *t);
        const double xn = t[IDX(n, n == 0 ? 1 : 0, 0)];
        double bw = -INFINITY, bx = 0;
        for (int a = -40; a <= 40; a++) {
            const double x = xn + 0.0005 * a;
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++)
                    if (i != n)
                        t[IDX(n, i, j)] = x;
            welfare_at(s, sc, &r, t, NNJ, W, N);
            if (W[n] > bw) {
                bw = W[n];
                bx = x;
            }
        }
        printf("R%d uniform Nash tariff %.5f welfare %.6f%% (best responses %.6f%%); grid best %.6f%% at %.4f\n", n, xn,
               Wn[1][n], Wn[0][n], bw, bx);
        assert_true(bw <= Wn[1][n] + 1e-9);
        assert_true(fabs(bx - xn) <= 0.00025 + 1e-9);
        assert_true(fabs(Wn[0][n] - Wn[1][n]) < 1e-5); /* the tariffs agree to 1e-5, welfare moves ~10x that */
    }
    free(t);
    free(tn[0]);
    free(tn[1]);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_solver_free(s);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_country_closed_form),
        cmocka_unit_test(test_grid_confirms_optimum_and_nash),
        cmocka_unit_test(test_uniform_war_simultaneous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
