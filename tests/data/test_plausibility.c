/* The plausibility report (src/data/plausibility.c) on a hand-made dataset: 3 regions
 * (USA, JPN, CHN), 3 sectors (G1, G2 goods; S services), one year 2018. */
#include "tq_test.h"

#include <math.h>

/* Z[n,i,j] (M USD) set below; tariffs: USA levies 10% on JPN G1 and 20% on CHN G2.
 *   USA exports to JPN: G1 3000 + G2 1000 = 4000 goods, S 2500
 *   USA imports from JPN: G1 5000 + G2 2000 = 7000 goods, S 500
 *   goods balance USA-JPN = -3.0 bn, services +2.0 bn
 *   USA tariff revenue = 0.1 * 5000 + 0.2 * 4000 = 1300 M = 1.3 bn */
static tq_dataset *make(tq_context *ctx)
{
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_new(ctx, 3, 3, 1, &ds), TQ_OK);
    assert_int_equal(tq_dataset_set_name(ds, "tiny", "hand-made"), TQ_OK);
    assert_int_equal(tq_dataset_set_year(ds, 0, 2018), TQ_OK);
    const char *const reg[] = {"USA", "JPN", "CHN"}, *const sec[] = {"G1", "G2", "S"};
    for (int n = 0; n < 3; n++)
        assert_int_equal(tq_dataset_set_region(ds, n, reg[n], reg[n]), TQ_OK);
    for (int j = 0; j < 3; j++)
        assert_int_equal(tq_dataset_set_sector(ds, j, sec[j], sec[j], 1), TQ_OK);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *T = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
#define AT(n, i, j) (((size_t)(n)*3 + (size_t)(i)) * 3 + (size_t)(j))
    for (int n = 0; n < 3; n++)
        for (int j = 0; j < 3; j++)
            Z[AT(n, n, j)] = 10000;
    Z[AT(1, 0, 0)] = 3000; /* JPN buys from USA */
    Z[AT(1, 0, 1)] = 1000;
    Z[AT(1, 0, 2)] = 2500;
    Z[AT(0, 1, 0)] = 5000; /* USA buys from JPN */
    Z[AT(0, 1, 1)] = 2000;
    Z[AT(0, 1, 2)] = 500;
    Z[AT(0, 2, 1)] = 4000; /* USA buys from CHN */
    T[AT(0, 1, 0)] = 0.10;
    T[AT(0, 2, 1)] = 0.20;
#undef AT
    const int goods[] = {0, 1}, serv[] = {2};
    assert_int_equal(tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "goods", goods, 2), TQ_OK);
    assert_int_equal(tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "services", serv, 1), TQ_OK);
    assert_int_equal(tq_dataset_fill_no_io(ctx, ds), TQ_OK);
    return ds;
}

static char *write_csv(const char *dir, const char *body)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/official.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("dataset,year,measure,region,partner,value_bn,source,tolerance_pct,basis\n", f);
    fputs(body, f);
    fclose(f);
    return path;
}

static void test_rows(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = make(ctx);
    char *dir = tq_test_tmpdir();
    const char *p = write_csv(dir, "tiny,2018,goods_balance,USA,JPN,-2.5,src A,10,basis A\n"
                                   "other,2018,goods_balance,USA,JPN,-99,ignored,10,other dataset\n"
                                   "tiny,2018,services_balance,USA,JPN,2.1,src B,10,basis B\n"
                                   "tiny,2018,tariff_revenue,USA,,1.0,src C,25,basis C\n");
    tq_plausibility_row *rows = NULL;
    int n = -1;
    assert_int_equal(tq_dataset_plausibility(ctx, ds, p, &rows, &n), TQ_OK);
    assert_int_equal(n, 3);
    /* -3.0 against -2.5: (-3.0 + 2.5) / 2.5 = -20% > 10%: flagged */
    assert_string_equal(rows[0].measure, "goods_balance");
    assert_true(fabs(rows[0].data_bn + 3.0) < 1e-12);
    assert_true(fabs(rows[0].diff_pct + 20.0) < 1e-9);
    assert_int_equal(rows[0].flagged, 1);
    assert_string_equal(rows[0].source, "src A");
    assert_string_equal(rows[0].basis, "basis A");
    /* +2.0 against +2.1: -4.76% within 10% */
    assert_true(fabs(rows[1].data_bn - 2.0) < 1e-12);
    assert_true(fabs(rows[1].diff_pct - 100.0 * (2.0 - 2.1) / 2.1) < 1e-9);
    assert_int_equal(rows[1].flagged, 0);
    /* 1.3 against 1.0: +30% > 25% */
    assert_string_equal(rows[2].partner, "");
    assert_true(fabs(rows[2].data_bn - 1.3) < 1e-12);
    assert_true(fabs(rows[2].diff_pct - 30.0) < 1e-9);
    assert_int_equal(rows[2].flagged, 1);
    assert_int_equal(rows[2].year, 2018);
    tq_plausibility_free(ctx, rows);

    /* errors name the problem */
    const struct {
        const char *body;
        tq_status st;
        const char *msg;
    } bad[] = {
        {"tiny,2014,goods_balance,USA,JPN,-2.5,s,10,b\n", TQ_ERR_NOT_FOUND, "year 2014"},
        {"tiny,2018,goods_balance,USA,DEU,-2.5,s,10,b\n", TQ_ERR_NOT_FOUND, "partner 'DEU'"},
        {"tiny,2018,gdp,USA,,17,s,10,b\n", TQ_ERR_PARSE, "unknown measure 'gdp'"},
        {"tiny,2018,tariff_revenue,USA,JPN,1,s,10,b\n", TQ_ERR_PARSE, "no partner"},
        {"tiny,2018,goods_balance,USA,JPN,abc,s,10,b\n", TQ_ERR_PARSE, ""},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        p = write_csv(dir, bad[k].body);
        rows = NULL;
        n = -1;
        assert_int_equal(tq_dataset_plausibility(ctx, ds, p, &rows, &n), bad[k].st);
        assert_null(rows);
        assert_int_equal(n, 0);
        assert_non_null(strstr(tq_last_error(ctx)->message, bad[k].msg));
    }
    assert_int_equal(tq_dataset_plausibility(ctx, ds, "/nonexistent/official.csv", &rows, &n), TQ_ERR_IO);
    tq_test_rmtree(dir);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* The committed official figures against the embedded wiod2014: one row, within tolerance. */
static void test_embedded(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_load(ctx, TQ_TEST_DATA "/../../data/wiod2014", &ds), TQ_OK);
    tq_plausibility_row *rows = NULL;
    int n = 0;
    assert_int_equal(tq_dataset_plausibility(ctx, ds, TQ_TEST_DATA "/../../data/checks/official.csv", &rows, &n),
                     TQ_OK);
    assert_int_equal(n, 1);
    /* C01-C22: exports 51.4 minus imports 117.3 (../shared/data/README.md) */
    assert_true(fabs(rows[0].data_bn + 65.9) < 0.1);
    assert_true(rows[0].official_bn == -67.0);
    assert_int_equal(rows[0].flagged, 0);
    tq_plausibility_free(ctx, rows);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_embedded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
