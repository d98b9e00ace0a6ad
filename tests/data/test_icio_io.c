/* The embedded icio with input-output links carried over from WIOD 2014 (docs/io-bridge.md):
 * every year 2011-2022 is an exact equilibrium of the model with input-output links (the
 * recalibration moves nothing and an unchanged scenario returns the baseline), and a WIOD
 * country carries wiod2014's technology.
 * tq-test-label: slow (about 10 s in a release build, loading 21 MB of gzipped flows and
 * solving twelve 81 x 28 baselines; many times that under the sanitizers) */
#include "tq_test.h"

#include <math.h>

#define assert_near(a, b, tol)                                                                                         \
    do {                                                                                                               \
        const double a_ = (a), b_ = (b);                                                                               \
        if (!(fabs(a_ - b_) <= (tol)))                                                                                 \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol));                          \
    } while (0)
#define TQ_NKJ_T(J, n, k, j) ((((size_t)(n)) * (size_t)(J) + (size_t)(k)) * (size_t)(J) + (size_t)(j))

/* The embedded icio: for every year the data is an equilibrium of the model with
 * input-output links (recalibration moves nothing) and an unchanged scenario returns the
 * baseline; the technology of a WIOD country is wiod2014's (German motor vehicles: ICIO C29 =
 * WIOD C20, one to one, and its services input = the sum of WIOD's service inputs). */
static void test_embedded_icio(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = NULL, *wiod = NULL;
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/../../data/icio", &ds), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/../../data/wiod2014", &wiod), TQ_OK);
    assert_int_equal(tq_dataset_has_io(ds), 1);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds), Jw = tq_dataset_sectors(wiod);
    assert_int_equal(tq_dataset_years(ds), 12);
    assert_int_equal(tq_dataset_year(ds, 0), 2011);
    assert_int_equal(tq_dataset_year(ds, 11), 2022);
    const int deu = tq_dataset_find_region(ds, "DEU"), wdeu = tq_dataset_find_region(wiod, "DEU");
    const int c29 = tq_dataset_find_sector(ds, "C29"), serv = tq_dataset_find_sector(ds, "SERV");
    const int c20 = tq_dataset_find_sector(wiod, "C20");
    const double *gw = tq_dataset_array_const(wiod, TQ_GAMMA, 0, NULL);
    double wserv = 0;
    for (int k = 0; k < Jw; k++)
        if (!tq_dataset_sector_tradable(wiod, k))
            wserv += gw[TQ_NKJ_T(Jw, wdeu, k, c20)];
    const double wbeta = tq_dataset_array_const(wiod, TQ_BETA, 0, NULL)[(size_t)wdeu * Jw + c20];
    int unclipped = 0;
    for (int y = 0; y < 12; y++) {
        const double *g = tq_dataset_array_const(ds, TQ_GAMMA, y, NULL);
        const double *XJ = tq_dataset_array_const(ds, TQ_XJ, y, NULL), *Yo = tq_dataset_array_const(ds, TQ_Y, y, NULL);
        /* where no German final demand was clipped (every F > 0), the shares are WIOD's */
        double fmn = INFINITY;
        for (int j = 0; j < J; j++) {
            double use = 0;
            for (int k = 0; k < J; k++)
                use += g[TQ_NKJ_T(J, deu, j, k)] * Yo[(size_t)deu * J + k];
            fmn = fmin(fmn, (XJ[(size_t)deu * J + j] - use) / XJ[(size_t)deu * J + j]);
        }
        if (fmn > 1e-9) {
            unclipped++;
            assert_near(g[TQ_NKJ_T(J, deu, serv, c29)], wserv, 1e-12);
            assert_near(tq_dataset_array_const(ds, TQ_BETA, y, NULL)[(size_t)deu * J + c29], wbeta, 1e-12);
        }
        tq_baseline *b = NULL;
        assert_int_equal(tq_baseline_new(ctx, ds, y, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
        double mw = 1, mp = 1;
        tq_baseline_info(b, &mw, &mp);
        if (!(mw < 1e-9 && mp < 1e-9))
            fail_msg("year %d: recalibration moved wages %g, prices %g", tq_dataset_year(ds, y), mw, mp);
        tq_scenario *sc = NULL;
        tq_result *r = NULL;
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
        const double *w = tq_result_array(r, TQ_RES_WHAT, NULL), *P = tq_result_array(r, TQ_RES_PHAT, NULL);
        const double *X = tq_result_array(r, TQ_RES_X, NULL), *W = tq_result_array(r, TQ_RES_WELFARE, NULL);
        double dw = 0, dp = 0, dx = 0, dwel = 0;
        for (int n = 0; n < N; n++) {
            dw = fmax(dw, fabs(w[n] - 1));
            dwel = fmax(dwel, fabs(W[n]));
            for (int j = 0; j < J; j++) {
                dp = fmax(dp, fabs(P[(size_t)n * J + j] - 1));
                if (XJ[(size_t)n * J + j] > 0)
                    dx = fmax(dx, fabs(X[(size_t)n * J + j] / XJ[(size_t)n * J + j] - 1));
            }
        }
        if (!(dw < 1e-12 && dp < 1e-12 && dx < 1e-9 && dwel < 1e-10))
            fail_msg("year %d: unchanged scenario moved w %g, P %g, X %g, welfare %g%%", tq_dataset_year(ds, y), dw, dp,
                     dx, dwel);
        printf("icio %d: baseline identity: max |w^-1| %.1e, |P^-1| %.1e, |X'/X-1| %.1e\n", tq_dataset_year(ds, y), dw,
               dp, dx);
        tq_result_free(r);
        tq_scenario_free(sc);
        tq_baseline_free(b);
    }
    assert_true(unclipped >= 1);
    tq_dataset_free(wiod);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_icio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
