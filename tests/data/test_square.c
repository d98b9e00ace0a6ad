/* Square-matrix reader (liberation2025; docs/formats/square.md): a tiny 3-country
 * folder, every kind of bad input, the README's published flows, and the scenario
 * tariffs. */
#include "readers_testutil.h"

#include "data/readers_extra.h"

static const char *LABELS = "iso3,iso_code,CountryName\nAAA,1,Alpha\nUSA,2,United States\nCCC,3,Gamma\n";
/* row = exporter, column = importer, thousands of USD; line numbers 2..4 */
static const char *TRADE = "export_ij1,export_ij2,export_ij3\n,1000,2000\n3000,,\n500,4000,\n";
static const char *GDP = "gdp\n100000000\n20000000\n9000000\n"; /* USD: 100, 20, 9 M */
static const char *TARIFFS = "applied_tariff\n.24\n0\n0.05\n";

static char *tiny(void)
{
    char *d = tq_test_tmpdir();
    tq_test_write(d, "country_labels.csv", LABELS);
    tq_test_write(d, "trade_cepii.csv", TRADE);
    tq_test_write(d, "gdp.csv", GDP);
    tq_test_write(d, "tariffs.csv", TARIFFS);
    return d;
}

#define Z3(Z, n, i) ((Z)[(n)*3 + (i)])

static void test_tiny_values(void **state)
{
    (void)state;
    char *d = tiny();
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, d, &ds), TQ_OK); /* dispatch finds trade_cepii.csv */
    assert_int_equal(tq_dataset_regions(ds), 3);
    assert_int_equal(tq_dataset_sectors(ds), 1);
    assert_int_equal(tq_dataset_years(ds), 1);
    assert_int_equal(tq_dataset_year(ds, 0), 2023);
    assert_string_equal(tq_dataset_sector_code(ds, 0), "ALL");
    assert_string_equal(tq_dataset_region_name(ds, 1), "United States");
    assert_int_equal(tq_dataset_has_io(ds), 0);
    const double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    /* AAA exports 1 M to USA: Z[USA,AAA]; CCC exports 4 M to USA */
    tq_assert_close(Z3(Z, 1, 0), 1.0, 1e-12);
    tq_assert_close(Z3(Z, 2, 0), 2.0, 1e-12);
    tq_assert_close(Z3(Z, 0, 1), 3.0, 1e-12);
    tq_assert_close(Z3(Z, 1, 2), 4.0, 1e-12);
    assert_true(Z3(Z, 2, 1) == 0); /* empty = no flow */
    /* domestic = GDP - exports: 100 - 3, 20 - 3, 9 - 4.5 */
    tq_assert_close(Z3(Z, 0, 0), 97.0, 1e-12);
    tq_assert_close(Z3(Z, 1, 1), 17.0, 1e-12);
    tq_assert_close(Z3(Z, 2, 2), 4.5, 1e-12);
    const double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    const double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL);
    tq_assert_close(VA[1], 20.0, 1e-12); /* VA = gross output = GDP */
    tq_assert_close(D[1], 5.0 - 3.0, 1e-12);
    assert_true(tq_dataset_array(ds, TQ_ALPHA, 0, NULL)[0] == 1);
    assert_true(tq_dataset_array(ds, TQ_BETA, 0, NULL)[2] == 1);
    assert_true(tq_dataset_array(ds, TQ_THETA, 0, NULL)[0] == TQ__THETA_DEFAULT);
    assert_true(tq_dataset_array(ds, TQ_TARIFF, 0, NULL)[1] == 0); /* baseline tariffs are zero */

    /* the scenario: US tariffs from tariffs.csv, with and without the paper's 10% floor */
    double t[9];
    assert_int_equal(tq__square_us_tariffs(ctx, d, ds, 0.0, t), TQ_OK);
    assert_true(Z3(t, 1, 0) == 0.24 && Z3(t, 1, 2) == 0.05 && Z3(t, 1, 1) == 0);
    assert_true(Z3(t, 0, 1) == 0 && Z3(t, 2, 1) == 0);
    assert_int_equal(tq__square_us_tariffs(ctx, d, ds, 0.1, t), TQ_OK);
    assert_true(Z3(t, 1, 0) == 0.24 && Z3(t, 1, 2) == 0.1 && Z3(t, 1, 1) == 0);
    tq_test_write(d, "tariffs.csv", "applied_tariff\n.24\n0\n");
    rd_check_error(ctx, tq__square_us_tariffs(ctx, d, ds, 0.0, t), TQ_ERR_INVALID, "tariffs.csv", 3, "applied_tariff");
    tq_test_write(d, "tariffs.csv", "applied_tariff\n.24\n0\n-0.1\n");
    rd_check_error(ctx, tq__square_us_tariffs(ctx, d, ds, 0.0, t), TQ_ERR_INVALID, "tariffs.csv", 4, "applied_tariff");
    tq_dataset_free(ds);

    /* exports above GDP: domestic absorption clipped to zero (as the paper's code) */
    tq_test_write(d, "gdp.csv", "gdp\n100000000\n2000000\n9000000\n");
    assert_int_equal(tq__read_square(ctx, d, &ds), TQ_OK);
    Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    assert_true(Z3(Z, 1, 1) == 0);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    tq_test_rmtree(d);
}

static void bad(const char *file, const char *text, tq_status want, long line, const char *field)
{
    char *d = tiny();
    if (text)
        tq_test_write(d, file, text);
    else
        rd_remove(d, file);
    rd_check_read(NULL, tq__read_square, d, want, file, line, field, NULL);
    tq_test_rmtree(d);
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *H = "export_ij1,export_ij2,export_ij3\n";
    char buf[512];
#define T(rows) (snprintf(buf, sizeof buf, "%s%s", H, rows), buf)
    bad("trade_cepii.csv", T(",1000,2000\n3000,\n500,4000,\n"), TQ_ERR_PARSE, 3, "export_ij3"); /* truncated */
    bad("trade_cepii.csv", T(",1000,2000\n3000,,,\n500,4000,\n"), TQ_ERR_PARSE, 3, "column 4"); /* extra */
    bad("trade_cepii.csv", T(",1000,2000\n3000,,x\n500,4000,\n"), TQ_ERR_PARSE, 3, "export_ij3");
    bad("trade_cepii.csv", T(",1000,2000\n3000,,nan\n500,4000,\n"), TQ_ERR_PARSE, 3, "export_ij3");
    bad("trade_cepii.csv", T(",1000,2000\n3000,,-inf\n500,4000,\n"), TQ_ERR_PARSE, 3, "export_ij3");
    bad("trade_cepii.csv", T(",1000,2000\n3000,,-1\n500,4000,\n"), TQ_ERR_INVALID, 3, "export_ij3");
    bad("trade_cepii.csv", T(",1000,2000\n3000,7,\n500,4000,\n"), TQ_ERR_INVALID, 3, "export_ij2"); /* diag */
    bad("trade_cepii.csv", T(",1000,2000\n3000,,\n"), TQ_ERR_INVALID, 3, "");                       /* missing row */
    bad("trade_cepii.csv", T(",1000,2000\n3000,,\n500,4000,\n,,\n"), TQ_ERR_INVALID, 5, NULL);      /* extra row */
    bad("trade_cepii.csv", "export_ij1,export_ij2\n,1\n2,\n", TQ_ERR_INVALID, 1, NULL);             /* 2 columns */
    bad("trade_cepii.csv", "export_ij1,export_ij3,export_ij2\n,1,2\n3,,\n5,4,\n", TQ_ERR_PARSE, 1,
        "export_ij3"); /* misordered header */
    bad("trade_cepii.csv", NULL, TQ_ERR_IO, 0, "");
    bad("gdp.csv", "gdp\n100000000\n20000000\n", TQ_ERR_INVALID, 3, "gdp");
    bad("gdp.csv", "gdp\n100000000\n20000000\n1\n2\n", TQ_ERR_INVALID, 5, "gdp");
    bad("gdp.csv", "gdp\n100000000\n0\n9000000\n", TQ_ERR_INVALID, 3, "gdp");
    bad("gdp.csv", "gdp\n100000000\nNaN\n9000000\n", TQ_ERR_PARSE, 3, "gdp");
    bad("gdp.csv", "GDP\n1\n2\n3\n", TQ_ERR_PARSE, 1, "gdp");
    bad("gdp.csv", NULL, TQ_ERR_IO, 0, "");
    bad("country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,Alpha\nAAA,2,Beta\nCCC,3,Gamma\n", TQ_ERR_INVALID, 3,
        "iso3"); /* duplicate key */
    bad("country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,Alpha\nUSA,3,Beta\nCCC,2,Gamma\n", TQ_ERR_INVALID, 3,
        "iso_code");
    bad("country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,Alpha\nUSA,2\nCCC,3,Gamma\n", TQ_ERR_PARSE, 3,
        "CountryName");
    bad("country_labels.csv", NULL, TQ_ERR_IO, 0, "");
#undef T
}

static void test_liberation(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/liberation2025", TQ_SHARED_DATA);
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, dir, &ds), TQ_OK);
    const int N = 194;
    assert_int_equal(tq_dataset_regions(ds), N);
    assert_int_equal(tq_dataset_sectors(ds), 1);
    int us = tq_dataset_find_region(ds, "USA"), jp = tq_dataset_find_region(ds, "JPN"),
        cn = tq_dataset_find_region(ds, "CHN");
    assert_int_equal(us, 184); /* the paper's 1-based id 185 */
    assert_int_equal(cn, 33);
    const double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    /* README: JPN->USA 141.4 bn, USA->JPN 75.6, CHN->USA 440.5, USA->CHN 145.3 */
    tq_assert_close(Z[us * N + jp] / 1000, 141.4, 0.05 / 141.4);
    tq_assert_close(Z[jp * N + us] / 1000, 75.6, 0.05 / 75.6);
    tq_assert_close(Z[us * N + cn] / 1000, 440.5, 0.05 / 440.5);
    tq_assert_close(Z[cn * N + us] / 1000, 145.3, 0.05 / 145.3);
    /* value added = GDP (USA 2.784e13 USD) where exports do not exceed GDP */
    tq_assert_close(tq_dataset_array(ds, TQ_VA, 0, NULL)[us] / 1e6, 27.84, 0.005 / 27.84);
    /* the two countries whose exports exceed GDP */
    assert_true(Z[tq_dataset_find_region(ds, "GMB") * (N + 1)] == 0);
    assert_true(Z[tq_dataset_find_region(ds, "MHL") * (N + 1)] == 0);
    tq_consistency c;
    assert_int_equal(tq_dataset_check(ctx, ds, 0, &c), TQ_OK);
    assert_true(c.e0_max_rel < 1e-9 && c.deficit_sum_rel < 1e-12);
    /* scenario tariffs: JPN 24%, CHN 54%, DEU 20%, CAN 10%, MEX 17% */
    double *t = malloc(sizeof(double) * N * N);
    assert_non_null(t);
    assert_int_equal(tq__square_us_tariffs(ctx, dir, ds, 0.0, t), TQ_OK);
    tq_assert_close(t[us * N + jp], 0.24, 1e-12);
    tq_assert_close(t[us * N + cn], 0.54, 1e-12);
    tq_assert_close(t[us * N + tq_dataset_find_region(ds, "DEU")], 0.20, 1e-12);
    tq_assert_close(t[us * N + tq_dataset_find_region(ds, "MEX")], 0.17, 1e-12);
    assert_true(t[us * N + us] == 0 && t[jp * N + us] == 0);
    free(t);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static rd_alloc_case alloc_case = {tiny, tq__read_square};

int main(void)
{
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_tiny_values),
        RD_ALLOC_TEST(alloc_case),
        cmocka_unit_test(test_bad_input),
    };
    const struct CMUnitTest shared[] = {cmocka_unit_test(test_liberation)};
    return RD_RUN("square reader", local, shared, "liberation2025");
}
