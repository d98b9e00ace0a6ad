/* PPML against published results (docs/estimation.md), data in ../shared/data/gravity:
 * - Yotov, Piermartini, Monteiro and Larch (2016), An Advanced Guide to Trade Policy
 *   Analysis, the RTA effect with pair fixed effects (Stata ppmlhdfe);
 * - fixest's `trade` data, the distance elasticity with four fixed effects (R fixest);
 * - ppmlhdfe's separation example 1 (Correia, Guimaraes and Zylkin).
 * The published figures are written here as printed; tolerances as issue 12 states. */
#include "ppml_fixture.h"

#include <math.h>

static tq_ppml *fit(const char *file, const char *y, const char *x, const char *fe, const char *cl, tq_se_convention se,
                    int years)
{
    tq_ppml *p = NULL;
    assert_int_equal(tq_ppml_new(ctx, &p), TQ_OK);
    assert_int_equal(tq_ppml_set_file(p, file), TQ_OK);
    assert_int_equal(tq_ppml_set_model(p, y, x, fe, cl), TQ_OK);
    if (years) {
        const double yv[6] = {1986, 1990, 1994, 1998, 2002, 2006};
        assert_int_equal(tq_ppml_set_filter(p, "year", yv, 6), TQ_OK);
    }
    tq_ppml_set_se(p, se);
    tq_status st = tq_ppml_run(p);
    if (st) {
        char msg[1024];
        tq_error_format(ctx, msg, sizeof msg);
        print_error("%s\n", msg);
    }
    assert_int_equal(st, TQ_OK);
    return p;
}

/* Yotov et al. (2016), chapter 1, RTA effect with exporter-year, importer-year and pair
 * fixed effects: beta 0.5571853, log pseudo-likelihood -1379642.527, robust SE
 * 0.0557710, SE clustered by pair 0.1022353; 7 pairs that never trade dropped,
 * N = 28,482 */
static void test_yotov_rta(void **state)
{
    (void)state;
    const char *f = tq_test_shared("gravity/agtpa_applications.csv.gz");
    for (int c = 0; c < 2; c++) {
        tq_ppml *p =
            fit(f, "trade", "rta", "exporter#year,importer#year,pair_id", c ? "pair_id" : NULL, TQ_SE_STATA, 1);
        const tq_ppml_info *in = tq_ppml_info_get(p);
        assert_int_equal(in->n_obs, 28482);
        assert_int_equal(in->n_zero_group, 84); /* 7 pairs x 12 rows */
        assert_int_equal(in->n_singleton + in->n_separated + in->n_missing, 0);
        double b, se;
        assert_int_equal(tq_ppml_coef(p, 0, NULL, &b, &se, NULL, NULL), TQ_OK);
        close_rel(b, 0.5571853, 1e-6);
        assert_true(fabs(in->loglik - -1379642.527) <= 0.0005 + 1e-9 * 1379642.527);
        close_rel(se, c ? 0.1022353 : 0.0557710, 1e-5);
        if (c)
            assert_int_equal(in->n_clusters[0], 2408);
        tq_ppml_free(p);
    }
}

/* fixest's trade data: Euros ~ log(dist_km) | Origin + Destination + Product + Year,
 * beta -1.5278744, SE clustered by Origin 0.1156778, two-way Origin and Destination
 * 0.1307336 (fixest's small-sample convention) */
static void test_fixest_trade(void **state)
{
    (void)state;
    const char *f = tq_test_shared("gravity/fixest_trade.csv.gz");
    for (int c = 0; c < 2; c++) {
        tq_ppml *p = fit(f, "Euros", "log(dist_km)", "Origin,Destination,Product,Year",
                         c ? "Origin,Destination" : "Origin", TQ_SE_FIXEST, 0);
        double b, se;
        const char *name;
        assert_int_equal(tq_ppml_coef(p, 0, &name, &b, &se, NULL, NULL), TQ_OK);
        assert_string_equal(name, "log(dist_km)");
        close_rel(b, -1.5278744, 1e-6);
        close_rel(se, c ? 0.1307336 : 0.1156778, 1e-5);
        assert_int_equal(tq_ppml_info_get(p)->n_obs, 38325);
        tq_ppml_free(p);
    }
}

/* ppmlhdfe's separation example 1: observation 5 is separated (y = 0 and x1 - x2 > 0
 * only there) and x2 then collinear with x1; the fit of the rest: x1 -0.4506523
 * (0.1397897), x3 -0.4708494 (0.1955146), x4 -0.0377863 (0.0298576), constant 0.5909476
 * (0.4021422). Without the drop the likelihood has no maximum (a naive IRLS drifts to
 * large coefficients); here the coefficients are those finite values. */
static void test_separation_example1(void **state)
{
    (void)state;
    const char *f = tq_test_shared("gravity/ppmlhdfe_separation/example1.csv");
    tq_ppml *p = fit(f, "y", "x1,x2,x3,x4", NULL, NULL, TQ_SE_STATA, 0);
    const tq_ppml_info *in = tq_ppml_info_get(p);
    assert_int_equal(in->n_separated, 1);
    assert_int_equal(tq_ppml_separated_row(p, 0), 5);
    assert_int_equal(in->k_dropped, 1);
    assert_string_equal(tq_ppml_dropped(p, 0), "x2");
    assert_int_equal(in->k, 4);
    const char *names[4] = {"x1", "x3", "x4", "_cons"};
    const double b_ref[4] = {-0.4506523, -0.4708494, -0.0377863, 0.5909476};
    const double se_ref[4] = {0.1397897, 0.1955146, 0.0298576, 0.4021422};
    for (int j = 0; j < 4; j++) {
        const char *name;
        double b, se;
        assert_int_equal(tq_ppml_coef(p, j, &name, &b, &se, NULL, NULL), TQ_OK);
        assert_string_equal(name, names[j]);
        close_rel(b, b_ref[j], 1e-6);
        close_rel(se, se_ref[j], 1e-5);
    }
    tq_ppml_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yotov_rta),
        cmocka_unit_test(test_fixest_trade),
        cmocka_unit_test(test_separation_example1),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
