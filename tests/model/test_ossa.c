/* The Ossa (2014) model (MODEL.md (O1)-(O4), src/model/ossa.c) on his data in
 * ../shared/data/ossa2014 (skipped, exit 77, when absent): Table 4a reproduced by
 * evaluating the model at his Nash tariffs, an unchanged scenario returning the base,
 * and the equilibrium conditions recomputed here from the baseline and result arrays. */
#include "tq_test.h"

#include <math.h>

static char odir[4096];

/* Ossa (2014) Table 4a, welfare change in percent at the Nash tariffs (MODEL.md). */
static const char *const T4_REGION[7] = {"BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"};
static const double T4_WELFARE[7] = {-1.95, -2.20, -2.60, -2.16, -0.76, -4.98, -2.17};
static const double T4_MEAN = -2.40;

static void die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fail_msg("%s: %s", what, buf);
}

/* nash_tariffs_bas.csv (exporter_index, importer_index, sector_index, tariff; 1-based)
 * into the scenario's tariff array [n,i,j]. Returns the rows read. */
static int read_nash(const char *file, int N, int J, double *t)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", odir, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    assert_non_null(strstr(line, "exporter_index,importer_index,sector_index,tariff"));
    int i, n, s;
    double v;
    while (fscanf(f, "%d,%d,%d,%lf", &i, &n, &s, &v) == 4) {
        assert_true(i >= 1 && i <= N && n >= 1 && n <= N && s >= 1 && s <= J);
        if (i != n)
            t[((size_t)(n - 1) * N + (i - 1)) * J + (s - 1)] = v;
        rows++;
    }
    fclose(f);
    return rows;
}

typedef struct fixture {
    tq_context *ctx;
    tq_dataset *ds;
    tq_baseline *b;
} fixture;

static void setup(fixture *fx, tq_closure closure)
{
    assert_int_equal(tq_context_new(&fx->ctx, NULL), TQ_OK);
    if (tq_dataset_load(fx->ctx, odir, &fx->ds))
        die(fx->ctx, "load");
    assert_int_equal(tq_dataset_regions(fx->ds), 7);
    assert_int_equal(tq_dataset_sectors(fx->ds), 33);
    if (tq_baseline_new_model(fx->ctx, fx->ds, 0, closure, TQ_MODEL_OSSA, NULL, &fx->b))
        die(fx->ctx, "baseline");
    assert_int_equal(tq_baseline_model(fx->b), TQ_MODEL_OSSA);
}

static void teardown(fixture *fx)
{
    tq_baseline_free(fx->b);
    tq_dataset_free(fx->ds);
    tq_context_free(fx->ctx);
}

static void test_table4a(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    assert_int_equal(read_nash("nash_tariffs_bas.csv", 7, 33, tq_scenario_tariffs(sc)), 7 * 7 * 33);
    tq_result *r;
    if (tq_solve(fx.ctx, fx.b, sc, NULL, &r))
        die(fx.ctx, "solve");
    const double *W = tq_result_array(r, TQ_RES_WELFARE, NULL);
    double mean = 0;
    for (int k = 0; k < 7; k++) {
        const int n = tq_dataset_find_region(fx.ds, T4_REGION[k]);
        assert_true(n >= 0);
        printf("%-4s welfare %8.4f%%  (Ossa Table 4a %6.2f)\n", T4_REGION[k], W[n], T4_WELFARE[k]);
        mean += W[n] / 7;
    }
    printf("mean welfare %8.4f%%  (Ossa Table 4a %6.2f)\n", mean, T4_MEAN);
    for (int k = 0; k < 7; k++) {
        const int n = tq_dataset_find_region(fx.ds, T4_REGION[k]);
        if (!(fabs(W[n] - T4_WELFARE[k]) <= 0.005 + 1e-9))
            fail_msg("%s: %.4f vs Table 4a %.2f", T4_REGION[k], W[n], T4_WELFARE[k]);
    }
    assert_true(fabs(mean - T4_MEAN) <= 0.005 + 1e-9);
    assert_true(tq_result_info(r)->residual < 1e-10);
    tq_result_free(r);
    tq_scenario_free(sc);
    teardown(&fx);
}

int main(void)
{
    snprintf(odir, sizeof odir, "%s", tq_test_shared("ossa2014"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table4a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
