/* The validation layer (docs/scenarios.md, "Ranges"): every range violation of the data
 * and of a scenario is TQ_ERR_INVALID naming the place and the value, values just inside
 * each range pass, and a result with NaN or a non-positive income is refused by
 * tq_result_validate, tq_check_solution and tq_tables_new. On the tiny economy
 * (tests/data/tiny: AAA, BBB, CCC; sectors G, S; theta 4; AAA value added 203, deficit
 * -10; AAA's tariff on BBB's G 10%). */
#include "tq_test.h"

#include "model/ge.h"

#include <math.h>

static tq_context *ctx;

static tq_dataset *load(void)
{
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds), TQ_OK);
    return ds;
}

/* The baseline of ds taken as it is (no recalibration: the checks come before it). */
static tq_status raw_baseline(tq_dataset *ds, tq_baseline **b)
{
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW;
    return tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, &o, b);
}

static void theta_case(double theta, int ok, const char *value)
{
    tq_dataset *ds = load();
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[1] = theta;
    tq_baseline *b = NULL;
    tq_status st = raw_baseline(ds, &b);
    if (ok) {
        assert_int_equal(st, TQ_OK);
    } else {
        assert_int_equal(st, TQ_ERR_INVALID);
        assert_null(b);
        tq_assert_error(ctx, "sector S", "theta ", value, "[0.1, 100]");
    }
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

static void test_data_theta(void **state)
{
    (void)state;
    theta_case(0.1, 1, NULL);
    theta_case(100, 1, NULL);
    theta_case(0.099, 0, "0.099");
    theta_case(100.5, 0, "100.5");
    theta_case(INFINITY, 0, "inf");
    theta_case(NAN, 0, "nan");
}

static void data_tariff_case(double t, int ok, const char *value)
{
    tq_dataset *ds = load();
    tq_dataset_array(ds, TQ_TARIFF, 0, NULL)[(0 * 3 + 1) * 2 + 0] = t; /* AAA on BBB, G */
    tq_baseline *b = NULL;
    tq_status st = raw_baseline(ds, &b);
    if (ok) {
        assert_int_equal(st, TQ_OK);
    } else {
        assert_int_equal(st, TQ_ERR_INVALID);
        tq_assert_error(ctx, "importer AAA exporter BBB sector G", value, "(0, 1000]");
    }
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

static void test_data_tariff(void **state)
{
    (void)state;
    data_tariff_case(999, 1, NULL);    /* 1+t = 1000 */
    data_tariff_case(-0.999, 1, NULL); /* 1+t = 0.001 */
    data_tariff_case(1000, 0, "1+t = 1001");
    data_tariff_case(-1, 0, "1+t = 0");
    data_tariff_case(INFINITY, 0, "inf");
}

static void test_data_flows(void **state)
{
    (void)state;
    tq_dataset *ds = load();
    tq_dataset_array(ds, TQ_XJ, 0, NULL)[2] = NAN; /* BBB, G */
    tq_baseline *b = NULL;
    assert_int_equal(raw_baseline(ds, &b), TQ_ERR_INVALID);
    tq_assert_error(ctx, "region BBB sector G", "expenditure nan");
    tq_dataset_free(ds);

    ds = load();
    tq_dataset_array(ds, TQ_VA, 0, NULL)[2] = 0; /* CCC */
    assert_int_equal(raw_baseline(ds, &b), TQ_ERR_INVALID);
    tq_assert_error(ctx, "region CCC", "value added must be positive (is 0)");
    tq_dataset_free(ds);
}

/* Parse text as t.yaml (and apply scenario 0 when b is given): the status, and on error
 * the message must hold every needle. */
static void spec_case(const char *text, tq_dataset *ds, tq_baseline *b, tq_status want, const char *n1, const char *n2)
{
    tq_spec *sp = NULL;
    tq_status st = tq_spec_parse(ctx, text, strlen(text), "t.yaml", &sp);
    tq_scenario *sc = NULL;
    if (!st && b) {
        assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
        st = tq_spec_apply(ctx, sp, 0, ds, b, sc);
    }
    if (st != want) {
        char m[2048];
        tq_error_format(ctx, m, sizeof m);
        fail_msg("'%s': status %d, want %d (%s)", text, (int)st, (int)want, m);
    }
    if (want != TQ_OK)
        tq_assert_error(ctx, n1, n2);
    tq_scenario_free(sc);
    tq_spec_free(sp);
}

static void test_spec_values(void **state)
{
    (void)state;
    const tq_status OK = TQ_OK, BAD = TQ_ERR_INVALID;
    /* set: 1+t in (0, 1000] */
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, set: 99900%}\n", NULL, NULL, OK, 0, 0);
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, set: 99950%}\n", NULL, NULL, BAD,
              "t.yaml:2:53: ", "1+t = 1000.5");
    /* scale: (0, 1000] */
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, scale: 1000}\n", NULL, NULL, OK, 0, 0);
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, scale: 1e4}\n", NULL, NULL, BAD,
              "t.yaml:2:55: ", "scale: factor 10000");
    /* add: |points| below 100000 */
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, add: 1e6pp}\n", NULL, NULL, BAD,
              "t.yaml:2:53: ", "add: 1e+06pp");
    /* NTB ave: 1 + ave in (0, 1000] */
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, ave: 99900%}\n", NULL, NULL, OK, 0, 0);
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, ave: 100000%}\n", NULL, NULL, BAD,
              "t.yaml:2:53: ", "factor 1001");
    /* partial effects: |b| <= 20 */
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, partial_effect: -20}\n", NULL, NULL, OK, 0, 0);
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, partial_effect: 20.5}\n", NULL, NULL, BAD,
              "t.yaml:2:64: ", "partial effect 20.5 outside the range [-20, 20]");
    /* elasticity overrides: theta in [0.1, 100] */
    spec_case("elasticities:\n  G: 0.1\n  S: 100\n", NULL, NULL, OK, 0, 0);
    spec_case("elasticities:\n  G: 0.05\n", NULL, NULL, BAD, "t.yaml:2:6: ", "theta 0.05 outside the range [0.1, 100]");
    spec_case("elasticities:\n  S: 101\n", NULL, NULL, BAD, "t.yaml:2:6: ", "theta 101");

    /* command-line tariffs */
    tq_spec *sp = NULL;
    assert_int_equal(tq_spec_new(ctx, "cmd", &sp), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=99900%"), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=100000%"), TQ_ERR_INVALID);
    tq_assert_error(ctx, "--tariff AAA:BBB:G=100000%", "1+t = 1001");
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=x1000"), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=x1001"), TQ_ERR_INVALID);
    tq_assert_error(ctx, "--tariff AAA:BBB:G=x1001", "factor 1001");
    tq_spec_free(sp);
}

static void test_spec_apply(void **state)
{
    (void)state;
    tq_dataset *ds = load();
    tq_baseline *b = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    const tq_status OK = TQ_OK, BAD = TQ_ERR_INVALID;
    /* the base tariff 10% plus 99890pp: 1+t = 1000 exactly inside; one more point outside */
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, add: 99890pp}\n", ds, b, OK, 0, 0);
    spec_case("tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, add: 99800pp}\n"
              "  - {importer: AAA, exporter: BBB, sectors: G, add: 91pp}\n",
              ds, b, BAD, "t.yaml:3:5: importer AAA exporter BBB sector G", "1+t = 1000.01");
    /* two partial effects of -20 at theta 4: d^ = exp(5) each, e^10 = 22026 > 1000 */
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, partial_effect: -20}\n", ds, b, OK, 0, 0);
    spec_case("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, partial_effect: -20}\n"
              "  - {importer: AAA, exporter: BBB, sectors: G, partial_effect: -20}\n",
              ds, b, BAD, "t.yaml:3:5: importer AAA exporter BBB sector G", "d^ = 22026.5");
    /* deficit targets: value added of AAA 203 (the recalibrated base's, w^ = 1 up to the
       solve), so -202 leaves income positive and -204 does not */
    const double va = tq_baseline_array(b, TQ_VA, NULL)[0];
    char text[200];
    snprintf(text, sizeof text, "closure: target\ndeficits:\n  AAA: %.6f\n", -va + 0.5);
    spec_case(text, ds, b, OK, 0, 0);
    snprintf(text, sizeof text, "closure: target\ndeficits:\n  AAA: %.6f\n", -va - 0.5);
    spec_case(text, ds, b, BAD, "t.yaml:3:3: region AAA: deficit", "leaves income at or below 0");
    /* a target that makes the absorbing regions pay: BBB and CCC take AAA's +100000 */
    spec_case("closure: target\ndeficits:\n  AAA: 100000\n", ds, b, BAD, "region BBB (absorbing",
              "leaves income at or below 0");
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

/* The C API's setters check the same ranges. */
static void test_setters(void **state)
{
    (void)state;
    tq_dataset *ds = load();
    tq_baseline *b = NULL;
    tq_scenario *sc = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, 0, 999), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, 0, 999.5), TQ_ERR_INVALID);
    tq_assert_error(ctx, "1+t = 1000.5", "(0, 1000]");
    assert_int_equal(tq_scenario_set_tariff(sc, 0, 1, 0, NAN), TQ_ERR_INVALID);
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, 0, 1e-3), TQ_OK);
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, 0, 1000), TQ_OK);
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, 0, 9e-4), TQ_ERR_INVALID);
    tq_assert_error(ctx, "d^ = 0.0009", "[0.001, 1000]");
    assert_int_equal(tq_scenario_set_iceberg(sc, 0, 1, 0, 1001), TQ_ERR_INVALID);
    /* deficit targets summing to 0: AAA -VA + 1 passes, -VA - 1 leaves no income */
    const double va = tq_baseline_array(b, TQ_VA, NULL)[0];
    double tgt[3] = {-va + 1, va - 1, 0};
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_TARGET, tgt), TQ_OK);
    tgt[0] = -va - 1, tgt[1] = va + 1;
    assert_int_equal(tq_scenario_set_closure(sc, TQ_CLOSURE_TARGET, tgt), TQ_ERR_INVALID);
    tq_assert_error(ctx, "region AAA", "leaves income at or below 0");
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

static void test_result(void **state)
{
    (void)state;
    tq_dataset *ds = load();
    tq_baseline *b = NULL;
    tq_scenario *sc = NULL;
    tq_result *r = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    tq_scenario_tariffs(sc)[(0 * 3 + 1) * 2 + 0] = 0.3;
    assert_int_equal(tq_solve(ctx, b, sc, NULL, &r), TQ_OK);
    assert_int_equal(tq_result_validate(ctx, r), TQ_OK);
    tq_check k;
    assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_OK);
    assert_true(k.max < 1e-6);
    tq_run run = {.scenario = "s", .base = b, .sc = sc, .res = r, .importer = -1, .exporter = -1};
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(ctx, &run, 1, TQ_DETAIL_FULL, &t), TQ_OK);
    tq_tables_free(t);

    /* a planted NaN income, then a zero price, then a zero wage */
    double *I = r->arr[TQ_RES_INCOME], *P = r->arr[TQ_RES_PHAT], *w = r->arr[TQ_RES_WHAT];
    const double i1 = I[1], p3 = P[3], w2 = w[2];
    I[1] = NAN;
    assert_int_equal(tq_result_validate(ctx, r), TQ_ERR_INVALID);
    tq_assert_error(ctx, "I'", "nan");
    assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_ERR_INVALID);
    assert_true(isinf(k.max));
    t = NULL;
    assert_int_equal(tq_tables_new(ctx, &run, 1, TQ_DETAIL_FULL, &t), TQ_ERR_INVALID);
    assert_null(t);
    I[1] = -1;
    assert_int_equal(tq_result_validate(ctx, r), TQ_ERR_INVALID);
    tq_assert_error(ctx, "region 1", "income I' = -1 is not positive");
    I[1] = i1;
    P[3] = 0;
    assert_int_equal(tq_result_validate(ctx, r), TQ_ERR_INVALID);
    tq_assert_error(ctx, "region 1 sector 1", "P^ = 0 is not positive");
    assert_int_equal(tq_check_solution(ctx, b, sc, r, NULL, &k), TQ_ERR_INVALID);
    P[3] = p3;
    w[2] = INFINITY;
    assert_int_equal(tq_result_validate(ctx, r), TQ_ERR_INVALID);
    tq_assert_error(ctx, "w^", "inf");
    w[2] = w2;
    assert_int_equal(tq_result_validate(ctx, r), TQ_OK);

    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

static int setup(void **state)
{
    (void)state;
    return tq_context_new(&ctx, NULL) ? -1 : 0;
}
static int teardown(void **state)
{
    (void)state;
    tq_context_free(ctx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_theta),  cmocka_unit_test(test_data_tariff), cmocka_unit_test(test_data_flows),
        cmocka_unit_test(test_spec_values), cmocka_unit_test(test_spec_apply),  cmocka_unit_test(test_setters),
        cmocka_unit_test(test_result),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
