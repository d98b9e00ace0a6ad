/* Tests of the general-equilibrium engine on small economies built in the test (no
 * shared data): identity, hand-derived two-country answer, one-sector and no-IO cases,
 * closures, checker, decomposition, methods, thread determinism, errors. */
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

#include "economy.h"

/* The checker's residuals must all be below lim; with raw = 1 the base is the raw data,
 * whose own (E0) residual is reported but not an error. */
static void check_ok_raw(tq_context *ctx, tq_baseline *b, tq_scenario *sc, tq_result *r, double lim, int raw)
{
    tq_check k;
    assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_OK);
    if (raw) {
        assert_true(k.e0 > 1e-3);
        k.max = fmax(fmax(fmax(k.e1, k.e2), fmax(k.e3, k.e4)),
                     fmax(fmax(k.income, k.e5), fmax(k.numeraire, k.deficit_sum)));
    }
    if (!(k.max < lim))
        fail_msg("checker: max %.3g (e0 %.3g e1 %.3g e2 %.3g e3 %.3g e4 %.3g income %.3g e5 %.3g num %.3g def %.3g)",
                 k.max, k.e0, k.e1, k.e2, k.e3, k.e4, k.income, k.e5, k.numeraire, k.deficit_sum);
}

static void check_ok(tq_context *ctx, tq_baseline *b, tq_scenario *sc, tq_result *r, double lim)
{
    check_ok_raw(ctx, b, sc, r, lim, 0);
}

/* --------------------------------------------------------------------------- */

static void test_identity(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 6, J = 4;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 7);
    for (int closure = 0; closure < 2; closure++) {
        tq_baseline *b;
        assert_int_equal(tq_baseline_new(ctx, ds, 0, (tq_closure)closure, NULL, &b), TQ_OK);
        double mw, mp;
        const tq_solve_info *bi = tq_baseline_info(b, &mw, &mp);
        assert_int_equal(bi->status, TQ_OK);
        assert_true(mw > 1e-6); /* random data is not an equilibrium: recalibration moved it */
        tq_scenario *sc;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        tq_result *r;
        assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
        size_t len;
        const double *w = tq_result_array(r, TQ_RES_WHAT, &len);
        assert_int_equal(len, N);
        for (int n = 0; n < N; n++)
            assert_true(fabs(w[n] - 1) < 1e-12);
        const double *P = tq_result_array(r, TQ_RES_PHAT, &len);
        const double *c = tq_result_array(r, TQ_RES_CHAT, NULL);
        for (size_t k = 0; k < len; k++) {
            assert_true(fabs(P[k] - 1) < 1e-12);
            assert_true(fabs(c[k] - 1) < 1e-12);
        }
        const double *wel = tq_result_array(r, TQ_RES_WELFARE, NULL), *ev = tq_result_array(r, TQ_RES_EV, NULL);
        const double *tot = tq_result_array(r, TQ_RES_TOT, NULL), *vot = tq_result_array(r, TQ_RES_VOT, NULL);
        for (int n = 0; n < N; n++) {
            assert_true(fabs(wel[n]) < 1e-9);
            assert_true(fabs(ev[n]) < 1e-9);
            assert_true(fabs(tot[n]) < 1e-9 && fabs(vot[n]) < 1e-9);
        }
        check_ok(ctx, b, sc, r, 1e-9);
        tq_result_free(r);

        /* the recalibrated base exported as a dataset is its own equilibrium */
        tq_dataset *eq;
        assert_int_equal(tq_baseline_dataset(ctx, b, &eq), TQ_OK);
        tq_solver_options o;
        tq_solver_options_default(&o);
        tq_baseline *b2;
        assert_int_equal(tq_baseline_new(ctx, eq, 0, (tq_closure)closure, &o, &b2), TQ_OK);
        tq_baseline_info(b2, &mw, &mp);
        assert_true(mw < 1e-9 && mp < 1e-9);
        tq_baseline_free(b2);
        tq_dataset_free(eq);
        tq_scenario_free(sc);
        tq_baseline_free(b);
    }
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Two symmetric countries, one sector, labour only (beta = 1), no initial tariffs, home
 * share pi. Both impose tariff tau. By symmetry w^ = 1 and c^ = 1, so by hand:
 *   P^^-theta = pi + (1 - pi)(1 + tau)^-theta;  pi'_home = pi / P^^-theta;
 *   X' = I' = VA + R', R' = tau/(1+tau) (1 - pi'_home) X'  =>  X' = VA / (1 - tau/(1+tau)(1-pi'));
 *   W^ = (X'/VA) / P^;  real wage = 1/P^. */
static void test_two_country_symmetric(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 2, J = 1;
    const double pi = 0.7, theta = 4.0, tau = 0.25, VA = 100.0;
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, N, J, 1, &ds), TQ_OK);
    tq_dataset_set_region(ds, 0, "A", "A");
    tq_dataset_set_region(ds, 1, "B", "B");
    tq_dataset_set_sector(ds, 0, "G", "goods", 1);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 2; i++)
            Z[IDX(n, i, 0)] = VA * (n == i ? pi : 1 - pi);
    tq_dataset_array(ds, TQ_BETA, 0, NULL)[0] = tq_dataset_array(ds, TQ_BETA, 0, NULL)[1] = 1.0;
    tq_dataset_array(ds, TQ_ALPHA, 0, NULL)[0] = tq_dataset_array(ds, TQ_ALPHA, 0, NULL)[1] = 1.0;
    tq_dataset_array(ds, TQ_VA, 0, NULL)[0] = tq_dataset_array(ds, TQ_VA, 0, NULL)[1] = VA;
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[0] = theta;
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);

    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    double mw;
    tq_baseline_info(b, &mw, NULL);
    assert_true(mw < 1e-12); /* the data is an equilibrium already */
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    assert_int_equal(tq_scenario_set_tariff(sc, -1, -1, 0, tau), TQ_OK);
    tq_result *r;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);

    const double Pm = pi + (1 - pi) * pow(1 + tau, -theta);
    const double Phat = pow(Pm, -1.0 / theta);
    const double pih = pi / Pm;
    const double X = VA / (1 - tau / (1 + tau) * (1 - pih));
    const double W = (X / VA) / Phat;
    for (int n = 0; n < 2; n++) {
        assert_true(fabs(tq_result_array(r, TQ_RES_WHAT, NULL)[n] - 1) < 1e-10);
        assert_true(fabs(tq_result_array(r, TQ_RES_PHAT, NULL)[n] - Phat) < 1e-10);
        assert_true(fabs(tq_result_array(r, TQ_RES_PI, NULL)[IDX(n, n, 0)] - pih) < 1e-10);
        assert_true(fabs(tq_result_array(r, TQ_RES_X, NULL)[n] - X) < 1e-8 * X);
        assert_true(fabs(tq_result_array(r, TQ_RES_WELFARE, NULL)[n] - 100 * (W - 1)) < 1e-8);
        assert_true(fabs(tq_result_array(r, TQ_RES_REAL_WAGE, NULL)[n] - 100 * (1 / Phat - 1)) < 1e-8);
        assert_true(fabs(tq_result_array(r, TQ_RES_CPI, NULL)[n] - 100 * (Phat - 1)) < 1e-8);
        assert_true(fabs(tq_result_array(r, TQ_RES_EV, NULL)[n] - (W - 1) * VA) < 1e-8);
        /* symmetric: no terms-of-trade effect; zero initial tariffs: no VoT term */
        assert_true(fabs(tq_result_array(r, TQ_RES_TOT, NULL)[n]) < 1e-10);
        assert_true(fabs(tq_result_array(r, TQ_RES_VOT, NULL)[n]) < 1e-10);
    }
    check_ok(ctx, b, sc, r, 1e-9);
    tq_result_free(r);

    /* a unilateral tariff by A: A's terms of trade improve, B's worsen */
    tq_scenario_set_tariff(sc, 1, 0, 0, 0.0);
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    const double *tot = tq_result_array(r, TQ_RES_TOT, NULL), *w = tq_result_array(r, TQ_RES_WHAT, NULL);
    assert_true(tot[0] > 0 && tot[1] < 0);
    assert_true(w[0] > 1 && w[1] < 1);
    assert_true(tq_result_array(r, TQ_RES_WELFARE, NULL)[0] > 0);
    check_ok(ctx, b, sc, r, 1e-9);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* One sector, labour only: the engine against a separately written Armington solver
 * (w^ from income = sales with a simple damped iteration). */
static void test_one_sector(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 5, J = 1;
    tq_dataset *ds = make_economy(ctx, N, J, 0, 0, 11);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, NULL, &b), TQ_OK);
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    /* an iceberg shock: trade costs between 0 and 1 fall by 10% (an RTA) */
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, -1, 0.9), TQ_OK);
    assert_int_equal(tq_scenario_set_iceberg(sc, 1, 0, -1, 0.9), TQ_OK);
    tq_result *r;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    check_ok(ctx, b, sc, r, 1e-9);

    /* reference: tariffs unchanged, so income is w^ VA + R'; Armington with D = 0 */
    const double *pi = tq_baseline_array(b, TQ_PI, NULL), *t = tq_baseline_array(b, TQ_TARIFF, NULL);
    const double *VA = tq_baseline_array(b, TQ_VA, NULL), *th = tq_baseline_array(b, TQ_THETA, NULL);
    const double *d = tq_scenario_iceberg(sc);
    double w[5] = {1, 1, 1, 1, 1}, X[5], P[5], p2[25];
    double vsum = 0;
    for (int n = 0; n < N; n++)
        vsum += VA[n];
    for (int it = 0; it < 20000; it++) {
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int i = 0; i < N; i++)
                s += pi[n * N + i] * pow(d[n * N + i] * w[i], -th[0]);
            P[n] = pow(s, -1 / th[0]);
            for (int i = 0; i < N; i++)
                p2[n * N + i] = pi[n * N + i] * pow(d[n * N + i] * w[i] / P[n], -th[0]);
            /* X = wVA + R, R = X sum_i p2 t/(1+t) */
            double m = 0;
            for (int i = 0; i < N; i++)
                m += p2[n * N + i] * t[n * N + i] / (1 + t[n * N + i]);
            X[n] = w[n] * VA[n] / (1 - m);
        }
        double wn[5], s = 0;
        for (int i = 0; i < N; i++) {
            double sales = 0;
            for (int n = 0; n < N; n++)
                sales += p2[n * N + i] * X[n] / (1 + t[n * N + i]);
            wn[i] = w[i] * pow(sales / (w[i] * VA[i]), 0.2);
            s += wn[i] * VA[i];
        }
        for (int i = 0; i < N; i++)
            w[i] = wn[i] * vsum / s;
    }
    const double *we = tq_result_array(r, TQ_RES_WHAT, NULL), *Pe = tq_result_array(r, TQ_RES_PHAT, NULL);
    for (int n = 0; n < N; n++) {
        assert_true(fabs(we[n] - w[n]) < 1e-8);
        assert_true(fabs(Pe[n] - P[n]) < 1e-8);
    }
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_closures(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 5, J = 3;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 5);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    const double *D = tq_baseline_array(b, TQ_DEFICIT, NULL);
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    tq_scenario_set_tariff(sc, 0, -1, -1, 0.3);
    tq_result *r;

    /* fixed */
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    for (int n = 0; n < N; n++)
        assert_true(fabs(tq_result_array(r, TQ_RES_DEFICIT, NULL)[n] - D[n]) < 1e-12);
    check_ok(ctx, b, sc, r, 1e-9);
    {
        /* warm start: from its own solution a solve stops at once; from a nearby one it
         * needs fewer sweeps than from the base */
        tq_solver_options ws;
        tq_solver_options_default(&ws);
        ws.start = r;
        tq_result *r2;
        assert_int_equal(tq_solve(ctx, b, sc, &ws, &r2), TQ_OK);
        assert_int_equal(tq_result_info(r2)->sweeps, 1);
        tq_result_free(r2);
        tq_scenario_set_tariff(sc, 0, -1, -1, 0.31);
        assert_int_equal(tq_solve(ctx, b, sc, &ws, &r2), TQ_OK);
        tq_result *r3;
        assert_int_equal(tq_solve(ctx, b, sc, NULL, &r3), TQ_OK);
        assert_true(tq_result_info(r2)->sweeps < tq_result_info(r3)->sweeps);
        for (int n = 0; n < N; n++)
            assert_true(fabs(tq_result_array(r2, TQ_RES_WHAT, NULL)[n] - tq_result_array(r3, TQ_RES_WHAT, NULL)[n]) <
                        1e-9);
        tq_result_free(r2);
        tq_result_free(r3);
        tq_scenario_set_tariff(sc, 0, -1, -1, 0.3);
    }
    double w_fixed[5];
    memcpy(w_fixed, tq_result_array(r, TQ_RES_WHAT, NULL), sizeof w_fixed);
    tq_result_free(r);

    /* balanced: every deficit closed */
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_BALANCED, NULL), TQ_OK);
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    for (int n = 0; n < N; n++)
        assert_true(tq_result_array(r, TQ_RES_DEFICIT, NULL)[n] == 0.0);
    check_ok(ctx, b, sc, r, 1e-9);
    tq_result_free(r);

    /* target: region 0's deficit halved, the difference spread over the others */
    double target[5];
    for (int n = 0; n < N; n++)
        target[n] = D[n];
    target[0] = 0.5 * D[0];
    for (int n = 1; n < N; n++)
        target[n] += 0.5 * D[0] / (N - 1);
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_TARGET, target), TQ_OK);
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    for (int n = 0; n < N; n++)
        assert_true(fabs(tq_result_array(r, TQ_RES_DEFICIT, NULL)[n] - target[n]) < 1e-9);
    check_ok(ctx, b, sc, r, 1e-9);
    tq_result_free(r);
    target[0] += 1.0; /* no longer sums to zero */
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_TARGET, target), TQ_ERR_INVALID);

    /* share of world VA: the same as fixed under the world-VA numeraire ... */
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_SHARE, NULL), TQ_OK);
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    for (int n = 0; n < N; n++)
        assert_true(fabs(tq_result_array(r, TQ_RES_WHAT, NULL)[n] - w_fixed[n]) < 1e-9);
    tq_result_free(r);
    /* ... and different under a wage numeraire, where w^[0] = 1 exactly */
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.numeraire_region = 0;
    assert_int_equal(tq_solve(ctx, b, sc, &o, &r), TQ_OK);
    assert_true(tq_result_array(r, TQ_RES_WHAT, NULL)[0] == 1.0);
    check_ok(ctx, b, sc, r, 1e-9);
    tq_result_free(r);

    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* ToT + VoT against the exact welfare change: first order, so for a small shock the gap
 * is second order; by partner and sector the pieces add up to the totals. */
static void test_decomposition(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 4, J = 3;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 0, 21);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, NULL, &b), TQ_OK);
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    double *t = tq_scenario_tariffs(sc);
    for (int i = 1; i < N; i++)
        for (int j = 0; j < J; j++)
            t[IDX(0, i, j)] += 0.002;
    tq_result *r;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    const double *wel = tq_result_array(r, TQ_RES_WELFARE, NULL), *dec = tq_result_array(r, TQ_RES_DECOMP, NULL);
    const double *gap = tq_result_array(r, TQ_RES_DECOMP_GAP, NULL);
    const double *tot = tq_result_array(r, TQ_RES_TOT, NULL), *vot = tq_result_array(r, TQ_RES_VOT, NULL);
    const double *tn = tq_result_array(r, TQ_RES_TOT_NIJ, NULL), *vn = tq_result_array(r, TQ_RES_VOT_NIJ, NULL);
    double scale = 0;
    for (int n = 0; n < N; n++)
        scale = fmax(scale, fabs(wel[n]));
    assert_true(scale > 1e-4);
    for (int n = 0; n < N; n++) {
        assert_true(fabs(dec[n] - (tot[n] + vot[n])) < 1e-14);
        assert_true(fabs(gap[n] - (wel[n] - dec[n])) < 1e-14);
        if (!(fabs(gap[n]) < 0.05 * scale))
            fail_msg("region %d: welfare %.6g, ToT+VoT %.6g", n, wel[n], dec[n]);
        double st = 0, sv = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++) {
                st += tn[IDX(n, i, j)];
                sv += vn[IDX(n, i, j)];
            }
        assert_true(fabs(st - tot[n]) < 1e-12 && fabs(sv - vot[n]) < 1e-12);
    }
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Anderson and the nested fixed point agree; no-IO multi-sector case; raw baseline. */
static void test_methods_and_no_io(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 4, J = 3;
    for (int io = 0; io < 2; io++) {
        tq_dataset *ds = make_economy(ctx, N, J, io, 1, 31 + (uint64_t)io);
        tq_solver_options o;
        tq_solver_options_default(&o);
        o.baseline_mode = TQ_BASELINE_RAW;
        tq_baseline *b;
        assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, &o, &b), TQ_OK);
        tq_scenario *sc;
        tq_scenario_new(ctx, b, &sc);
        tq_scenario_set_tariff(sc, 1, 2, -1, 0.4);
        tq_scenario_set_iceberg(sc, 2, 1, 0, 1.2);
        tq_result *ra, *rf;
        assert_int_equal(tq_solve(ctx, b, sc, &o, &ra), TQ_OK);
        o.method = TQ_METHOD_FIXED_POINT;
        assert_int_equal(tq_solve(ctx, b, sc, &o, &rf), TQ_OK);
        assert_true(tq_result_info(rf)->sweeps > tq_result_info(ra)->sweeps);
        for (int n = 0; n < N; n++)
            assert_true(fabs(tq_result_array(ra, TQ_RES_WHAT, NULL)[n] - tq_result_array(rf, TQ_RES_WHAT, NULL)[n]) <
                        1e-8);
        check_ok_raw(ctx, b, sc, ra, 1e-9, 1);
        tq_result_free(ra);
        tq_result_free(rf);
        tq_scenario_free(sc);
        tq_baseline_free(b);
        tq_dataset_free(ds);
    }
    tq_context_free(ctx);
}

static void test_threads_bitwise(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 130, J = 60; /* large enough for the parallel loops to run (N^2 J + N J^2 >= 1e6) */
    tq_dataset *ds = make_economy(ctx, N, J, 1, 0, 41);
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW;
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, &o, &b), TQ_OK);
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    tq_scenario_set_tariff(sc, 0, -1, -1, 0.3);
    tq_result *r1, *r2;
    o.threads = 1;
    assert_int_equal(tq_solve(ctx, b, sc, &o, &r1), TQ_OK);
    o.threads = 2;
    assert_int_equal(tq_solve(ctx, b, sc, &o, &r2), TQ_OK);
    for (int a = 0; a < TQ_RES_ARRAY_COUNT; a++) {
        size_t l1, l2;
        const double *p1 = tq_result_array(r1, (tq_res)a, &l1), *p2 = tq_result_array(r2, (tq_res)a, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(p1, p2, l1 * sizeof(double));
    }
    tq_result_free(r1);
    tq_result_free(r2);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Large shocks (300% tariffs, a fivefold iceberg cost) need the continuation on the
 * shock; the answer still passes the checker. */
static void test_large_shock(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 8, J = 4;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 1, 61);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    for (int c = 0; c < 2; c++) {
        tq_scenario *sc;
        tq_scenario_new(ctx, b, &sc);
        if (c == 0)
            tq_scenario_set_tariff(sc, -1, -1, -1, 3.0);
        else
            for (int n = 0; n < N; n++)
                for (int i = 0; i < N; i++)
                    if (i != n)
                        tq_scenario_set_iceberg(sc, n, i, -1, 5.0);
        tq_result *r;
        assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
        check_ok(ctx, b, sc, r, 1e-9);
        /* both shocks make every region poorer */
        for (int n = 0; n < N; n++)
            assert_true(tq_result_array(r, TQ_RES_WELFARE, NULL)[n] < 0);
        tq_result_free(r);
        tq_scenario_free(sc);
    }
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static int cancel_cb(void *ud, const char *stage, double f)
{
    (void)stage;
    (void)f;
    return ++*(int *)ud >= 3;
}

static void test_errors(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    const int N = 4, J = 2;
    tq_dataset *ds = make_economy(ctx, N, J, 1, 0, 51);
    tq_baseline *b;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, NULL, &b), TQ_OK);
    assert_int_equal(tq_baseline_new(ctx, ds, 3, TQ_CLOSURE_BALANCED, NULL, &(tq_baseline *){NULL}), TQ_ERR_INVALID);
    tq_scenario *sc;
    tq_scenario_new(ctx, b, &sc);
    assert_int_equal(tq_scenario_set_tariff(sc, N, 0, 0, 0.1), TQ_ERR_INVALID);
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, 0, -1.5), TQ_ERR_INVALID);
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, 0, 0.0), TQ_ERR_INVALID);
    tq_scenario_set_tariff(sc, 0, -1, -1, 0.5);

    /* not converged: result returned with its residual, error message says so */
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.max_iter = 2;
    tq_result *r = NULL;
    assert_int_equal(tq_solve(ctx, b, sc, &o, &r), TQ_ERR_NOT_CONVERGED);
    assert_non_null(r);
    assert_true(tq_result_info(r)->residual > o.tol);
    assert_int_equal(tq_result_info(r)->status, TQ_ERR_NOT_CONVERGED);
    assert_non_null(strstr(tq_last_error(ctx)->message, "residual"));
    tq_result_free(r);

    /* cancelled through the progress callback */
    int calls = 0;
    tq_context_set_progress(ctx, cancel_cb, &calls);
    r = NULL;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_ERR_CANCELLED);
    assert_null(r);
    tq_context_set_progress(ctx, NULL, NULL);

    /* a bad dataset: non-positive VA */
    tq_dataset_array(ds, TQ_VA, 0, NULL)[1] = 0.0;
    tq_baseline *bad = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, NULL, &bad), TQ_ERR_INVALID);
    assert_null(bad);

    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),        cmocka_unit_test(test_two_country_symmetric),
        cmocka_unit_test(test_one_sector),      cmocka_unit_test(test_closures),
        cmocka_unit_test(test_decomposition),   cmocka_unit_test(test_methods_and_no_io),
        cmocka_unit_test(test_threads_bitwise), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_large_shock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
