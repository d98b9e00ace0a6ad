/* WIOD wide-table reader (wiod2013; docs/formats/wiot.md): a tiny 2-region x
 * 2-industry table whose derived inputs are checked by hand, every kind of bad
 * input, and the shared 2009-2011 tables. */
#include "readers_testutil.h"

#include "data/readers_extra.h"

static const char *COUNTRIES = "position,code,name\n1,AAA,Alpha\n2,ROM,Romania\n";
static const char *INDUSTRIES = "code,nace_rev1_1,name\nc1,AtB,Agriculture\nc2,50,Trade\n";
static const char *FINAL = "code,name\nc37,Households\nc42,Changes in inventories\n";
static const char *HEAD = "country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,ROM_c42,"
                          "c62_total_output\n";
/* lines 2..5 */
static const char *ROWS[4] = {"AAA,c1,10,5,4,1,20,0,8,2,50", "AAA,c2,3,6,0,2,30,-1,6,0,46",
                              "ROM,c1,2,0,12,3,5,0,15,1,38", "ROM,c2,1,2,2,4,3,0,20,-2,30"};

static void write_table(const char *dir, const char *name, const char *head, int r, const char *repl)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", head ? head : HEAD);
    for (int k = 0; k < 4; k++) {
        const char *row = k == r ? repl : ROWS[k];
        if (row)
            strcat(strcat(buf, row), "\n");
    }
    tq_test_write(dir, name, buf);
}

static char *tiny(void)
{
    char *d = tq_test_tmpdir();
    tq_test_write(d, "countries.csv", COUNTRIES);
    tq_test_write(d, "industries.csv", INDUSTRIES);
    tq_test_write(d, "final_demand.csv", FINAL);
    write_table(d, "wiot_2009.csv", NULL, -1, NULL);
    return d;
}

/* MODEL.md indices for N = J = 2 */
#define NIJ(n, i, j) (((n)*2 + (i)) * 2 + (j))
#define NJ(n, j) ((n)*2 + (j))

static void test_tiny_values(void **state)
{
    (void)state;
    char *d = tiny();
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, d, &ds), TQ_OK); /* dispatch finds wiot_ */
    assert_int_equal(tq_dataset_regions(ds), 2);
    assert_int_equal(tq_dataset_sectors(ds), 2);
    assert_int_equal(tq_dataset_years(ds), 1);
    assert_int_equal(tq_dataset_year(ds, 0), 2009);
    assert_int_equal(tq_dataset_has_io(ds), 1);
    assert_string_equal(tq_dataset_region_code(ds, 1), "ROU"); /* ROM -> ISO3 */
    assert_string_equal(tq_dataset_region_name(ds, 1), "Romania");
    assert_int_equal(tq_dataset_sector_tradable(ds, 0), 1); /* NACE AtB: goods */
    assert_int_equal(tq_dataset_sector_tradable(ds, 1), 0); /* NACE 50: services */
    const double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    /* Z[n,i,j]: row (i,j) summed over n's industries and final demand */
    assert_true(Z[NIJ(0, 0, 0)] == 35 && Z[NIJ(1, 0, 0)] == 15);
    assert_true(Z[NIJ(0, 0, 1)] == 38 && Z[NIJ(1, 0, 1)] == 8);
    assert_true(Z[NIJ(0, 1, 0)] == 7 && Z[NIJ(1, 1, 0)] == 31);
    assert_true(Z[NIJ(0, 1, 1)] == 6 && Z[NIJ(1, 1, 1)] == 24);
    const double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL);
    const double *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    /* AAA's c1 uses 10 + 2 of c1 and 3 + 1 of c2 for an output of 50 */
    tq_assert_close(gamma[NIJ(0, 0, 0)], 12.0 / 50, 1e-14);
    tq_assert_close(gamma[NIJ(0, 1, 0)], 4.0 / 50, 1e-14);
    tq_assert_close(beta[NJ(0, 0)], 34.0 / 50, 1e-14);
    tq_assert_close(gamma[NIJ(0, 0, 1)], 5.0 / 46, 1e-14);
    tq_assert_close(beta[NJ(0, 1)], 33.0 / 46, 1e-14);
    tq_assert_close(gamma[NIJ(1, 0, 0)], 16.0 / 38, 1e-14);
    tq_assert_close(beta[NJ(1, 1)], 20.0 / 30, 1e-14);
    const double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    const double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL);
    const double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL);
    tq_assert_close(VA[0], 67, 1e-14);
    tq_assert_close(VA[1], 40, 1e-14);
    tq_assert_close(D[0], 13 - 23, 1e-14);
    tq_assert_close(D[1], 23 - 13, 1e-14);
    /* final demand incl. inventories: AAA 25 + 32, ROU 26 + 24 */
    tq_assert_close(alpha[NJ(0, 0)], 25.0 / 57, 1e-14);
    tq_assert_close(alpha[NJ(1, 1)], 24.0 / 50, 1e-14);
    assert_true(tq_dataset_array(ds, TQ_TARIFF, 0, NULL)[NIJ(0, 1, 0)] == 0);
    assert_true(tq_dataset_array(ds, TQ_THETA, 0, NULL)[1] == TQ__THETA_DEFAULT);
    /* the table is exactly consistent: (E0) holds */
    tq_consistency c;
    assert_int_equal(tq_dataset_check(ctx, ds, 0, &c), TQ_OK);
    assert_true(c.e0_max_rel < 1e-12 && c.va_max_rel < 1e-12 && c.deficit_sum_rel < 1e-12);
    tq_dataset_free(ds);

    /* negative final demand can make a flow negative: set to 0; zero output: beta 1 */
    write_table(d, "wiot_2009.csv", NULL, 3, "ROM,c2,0,0,0,0,0,0,20,-30,0");
    assert_int_equal(tq__read_wiot(ctx, d, &ds), TQ_OK);
    Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    assert_true(Z[NIJ(1, 1, 1)] == 0);
    assert_true(tq_dataset_array(ds, TQ_BETA, 0, NULL)[NJ(1, 1)] == 1);
    assert_true(tq_dataset_array(ds, TQ_GAMMA, 0, NULL)[NIJ(1, 0, 1)] == 0);
    tq_dataset_free(ds);

    /* several years, gzip, sorted */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", HEAD);
    for (int k = 0; k < 4; k++)
        strcat(strcat(buf, ROWS[k]), "\n");
    rd_write_gz(d, "wiot_2011.csv.gz", buf);
    write_table(d, "wiot_2010.csv", NULL, -1, NULL);
    assert_int_equal(tq__read_wiot(ctx, d, &ds), TQ_OK);
    assert_int_equal(tq_dataset_years(ds), 3);
    assert_int_equal(tq_dataset_year(ds, 2), 2011);
    assert_true(tq_dataset_array(ds, TQ_Z, 2, NULL)[NIJ(1, 1, 1)] == 24);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    tq_test_rmtree(d);
}

/* wiot_2009.csv with another header (NULL: the good one) and row r replaced. */
static void bad_table(const char *head, int r, const char *repl, tq_status want, long line, const char *field)
{
    char *d = tiny();
    write_table(d, "wiot_2009.csv", head, r, repl);
    rd_check_read(NULL, tq__read_wiot, d, want, "wiot_2009.csv", line, field, NULL);
    tq_test_rmtree(d);
}

static void test_bad_table(void **state)
{
    (void)state;
    bad_table(NULL, 1, "AAA,c2,3,6,0,2,30,-1,6,0", TQ_ERR_PARSE, 3, "c62_total_output"); /* truncated */
    bad_table(NULL, 1, "AAA,c2,3,6,0,2,30,-1,6,0,46,1", TQ_ERR_PARSE, 3, "column 12");   /* extra */
    bad_table(NULL, 1, "AAA,c2,3,six,0,2,30,-1,6,0,46", TQ_ERR_PARSE, 3, "AAA_c2");      /* non-numeric */
    bad_table(NULL, 1, "AAA,c2,3,6,0,2,30,-1,NaN,0,46", TQ_ERR_PARSE, 3, "ROM_c37");     /* NaN */
    bad_table(NULL, 1, "AAA,c2,3,6,0,2,30,-1,6,0,Inf", TQ_ERR_PARSE, 3, "c62_total_output");
    bad_table(NULL, 1, "AAA,c2,3,6,,2,30,-1,6,0,46", TQ_ERR_PARSE, 3, "ROM_c1");     /* empty */
    bad_table(NULL, 1, "AAA,c2,3,-6,0,2,30,-1,6,0,46", TQ_ERR_INVALID, 3, "AAA_c2"); /* negative */
    bad_table(NULL, 1, "AAA,c2,3,6,0,2,30,-1,6,0,-46", TQ_ERR_INVALID, 3, "c62_total_output");
    bad_table(NULL, 1, "AAA,c1,3,6,0,2,30,-1,6,0,46", TQ_ERR_INVALID, 3, "country");   /* duplicate */
    bad_table(NULL, 1, "BBB,c2,3,6,0,2,30,-1,6,0,46", TQ_ERR_NOT_FOUND, 3, "country"); /* unknown */
    bad_table(NULL, 1, "AAA,c9,3,6,0,2,30,-1,6,0,46", TQ_ERR_NOT_FOUND, 3, "industry");
    bad_table(NULL, 3, NULL, TQ_ERR_INVALID, 4, "country,industry"); /* missing row */
    /* header problems: unknown code, unknown region, not CTY_code, missing, duplicate */
    bad_table("country,industry,AAA_c1,AAA_c9,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,ROM_c42,c62_total_output\n", -1,
              NULL, TQ_ERR_NOT_FOUND, 1, "AAA_c9");
    bad_table("country,industry,AAA_c1,AAA_c2,XXX_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,ROM_c42,c62_total_output\n", -1,
              NULL, TQ_ERR_NOT_FOUND, 1, "XXX_c1");
    bad_table("country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,total,ROM_c37,ROM_c42,c62_total_output\n", -1, NULL,
              TQ_ERR_PARSE, 1, "total");
    bad_table("country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,AAA_c42,c62_total_output\n", -1,
              NULL, TQ_ERR_INVALID, 1, "AAA_c42");
    bad_table("country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,c62_total_output\n", -1, NULL,
              TQ_ERR_INVALID, 1, "ROM_c42");
    bad_table("country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,ROM_c42\n", -1, NULL, TQ_ERR_PARSE,
              1, "c62_total_output");
}

static void test_bad_files(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    char *d;

    /* mismatched dimensions across years: 2010 lacks a column, 2011 has a third region */
    d = tiny();
    write_table(d, "wiot_2010.csv",
                "country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,AAA_c37,AAA_c42,ROM_c37,c62_total_output\n", -1, NULL);
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_INVALID, "wiot_2010.csv", 1, "ROM_c42");
    write_table(
        d, "wiot_2010.csv",
        "country,industry,AAA_c1,AAA_c2,ROM_c1,ROM_c2,BBB_c1,AAA_c37,AAA_c42,ROM_c37,ROM_c42,c62_total_output\n", -1,
        NULL);
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_NOT_FOUND, "wiot_2010.csv", 1, "BBB_c1");
    tq_test_rmtree(d);

    /* missing files */
    static const char *const meta[] = {"countries.csv", "industries.csv", "final_demand.csv"};
    for (int k = 0; k < 3; k++) {
        d = tiny();
        rd_remove(d, meta[k]);
        rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_IO, meta[k], 0, "");
        tq_test_rmtree(d);
    }
    d = tiny();
    rd_remove(d, "wiot_2009.csv");
    tq_test_write(d, "wiot_09.csv", "not a year\n"); /* ignored */
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_IO, "", 0, "");
    tq_assert_error(ctx, "wiot_YYYY.csv");
    tq_test_rmtree(d);

    /* metadata: duplicate code, a final-demand code equal to an industry, empty code,
     * bad tradable flag, truncated row */
    d = tiny();
    tq_test_write(d, "countries.csv", "position,code,name\n1,AAA,Alpha\n2,AAA,Beta\n");
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_INVALID, "countries.csv", 3, "code");
    tq_test_write(d, "countries.csv", "position,code,name\n1,AAA,Alpha\n2,,Beta\n");
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_PARSE, "countries.csv", 3, "code");
    tq_test_write(d, "countries.csv", COUNTRIES);
    tq_test_write(d, "final_demand.csv", "code,name\nc37,Households\nc2,Oops\n");
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_INVALID, "final_demand.csv", 3, "code");
    tq_test_write(d, "final_demand.csv", FINAL);
    tq_test_write(d, "industries.csv", "code,name,tradable\nc1,Agriculture,1\nc2,Trade,yes\n");
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_PARSE, "industries.csv", 3, "tradable");
    tq_test_write(d, "industries.csv", "code,nace_rev1_1,name\nc1,AtB\nc2,50,Trade\n");
    rd_check_error(ctx, tq__read_wiot(ctx, d, &ds), TQ_ERR_PARSE, "industries.csv", 2, "name");
    tq_test_rmtree(d);
    assert_null(ds);
    tq_context_free(ctx);
}

static void test_wiod2013(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/wiod2013", TQ_SHARED_DATA);
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, dir, &ds), TQ_OK);
    const int N = 41, J = 35;
    assert_int_equal(tq_dataset_regions(ds), N);
    assert_int_equal(tq_dataset_sectors(ds), J);
    assert_int_equal(tq_dataset_years(ds), 3);
    for (int y = 0; y < 3; y++)
        assert_int_equal(tq_dataset_year(ds, y), 2009 + y);
    assert_int_equal(tq_dataset_has_io(ds), 1);
    assert_true(tq_dataset_find_region(ds, "ROU") >= 0 && tq_dataset_find_region(ds, "ROM") < 0);
    assert_int_equal(tq_dataset_find_region(ds, "ROW"), N - 1);
    assert_string_equal(tq_dataset_region_name(ds, N - 1), "Rest of the world");
    assert_string_equal(tq_dataset_sector_name(ds, tq_dataset_find_sector(ds, "c15")), "Transport equipment");
    for (int j = 0; j < J; j++)
        assert_int_equal(tq_dataset_sector_tradable(ds, j), j < 16);
    /* gross output: the file's c62_total_output totals, which the flows' row sums
     * reproduce up to the integer truncation (README) */
    static const double c62[3] = {114158086, 125840515, 141767904};
    for (int y = 0; y < 3; y++) {
        const double *Y = tq_dataset_array(ds, TQ_Y, y, NULL);
        const double *VA = tq_dataset_array(ds, TQ_VA, y, NULL);
        const double *beta = tq_dataset_array(ds, TQ_BETA, y, NULL);
        const double *alpha = tq_dataset_array(ds, TQ_ALPHA, y, NULL);
        double world = 0, va = 0;
        for (int k = 0; k < N * J; k++) {
            world += Y[k];
            assert_true(beta[k] > 0 && beta[k] <= 1);
        }
        for (int n = 0; n < N; n++) {
            double a = 0;
            for (int j = 0; j < J; j++)
                a += alpha[n * J + j];
            tq_assert_close(a, 1.0, 1e-12);
            va += VA[n];
        }
        tq_assert_close(world, c62[y], 1e-3);
        /* world value added incl. net taxes: about world GDP (57-69 trillion USD) */
        assert_true(va > 0.45 * world && va < 0.55 * world);
        tq_consistency c;
        assert_int_equal(tq_dataset_check(ctx, ds, y, &c), TQ_OK);
        assert_true(c.deficit_sum_rel < 1e-12 && c.negative_flows == 0 && c.e0_max_share_va < 0.01);
    }
    /* US value added 2009 is close to US GDP (14.4 trillion USD); the US runs a deficit */
    int us = tq_dataset_find_region(ds, "USA");
    tq_assert_close(tq_dataset_array(ds, TQ_VA, 0, NULL)[us] / 1e6, 14.17, 0.01 / 14.17);
    assert_true(tq_dataset_array(ds, TQ_DEFICIT, 0, NULL)[us] > 0);
    /* zero output (CHN c19): gamma 0, beta 1 */
    int cn = tq_dataset_find_region(ds, "CHN"), c19 = tq_dataset_find_sector(ds, "c19");
    assert_true(tq_dataset_array(ds, TQ_BETA, 0, NULL)[cn * J + c19] == 1);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static rd_alloc_case alloc_case = {tiny, tq__read_wiot};

int main(void)
{
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_tiny_values),
        RD_ALLOC_TEST(alloc_case),
        cmocka_unit_test(test_bad_table),
        cmocka_unit_test(test_bad_files),
    };
    const struct CMUnitTest shared[] = {cmocka_unit_test(test_wiod2013)};
    return RD_RUN("wiot reader", local, shared, "wiod2013");
}
