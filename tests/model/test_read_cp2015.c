/* The CP2015 long-format reader on a tiny folder written by the test: values, units,
 * shares, and file/line/field errors for malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradeq.h"

static char dir[256];

static void put(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void write_tiny(void)
{
    put("regions.csv", "index,region,iso3\n1,Alpha,AAA\n2,Beta,BBB\n");
    put("sectors.csv", "index,sector,tradable\n1,Agriculture,1\n2,Finance,0\n");
    /* value pre-tariff, USD */
    put("trade.csv", "sector,exporter,importer,value,tariff,tariff_bln,tariff_cfl,d_bln,d_cfl\n"
                     "Agriculture,Alpha,Alpha,8000000,0,0,0,1,1\n"
                     "Agriculture,Beta,Alpha,2000000,0.1,0.1,0.05,1,1\n"
                     "Agriculture,Alpha,Beta,1000000,0.2,0.2,0.2,1,1\n"
                     "Agriculture,Beta,Beta,9000000,0,0,0,1,1\n"
                     "Finance,Alpha,Alpha,5000000,0,0,0,1,1\n"
                     "Finance,Beta,Alpha,0,0,0,0,1,1\n"
                     "Finance,Alpha,Beta,0,0,0,0,1,1\n"
                     "Finance,Beta,Beta,6000000,0,0,0,1,1\n");
    put("intermediate_consumption.csv", "input,sector,region,value\n"
                                        "Agriculture,Agriculture,Alpha,2000000\n"
                                        "Finance,Agriculture,Alpha,1000000\n"
                                        "Agriculture,Finance,Alpha,500000\n"
                                        "Finance,Finance,Alpha,500000\n"
                                        "Agriculture,Agriculture,Beta,3000000\n"
                                        "Finance,Agriculture,Beta,1000000\n"
                                        "Agriculture,Finance,Beta,1000000\n"
                                        "Finance,Finance,Beta,1000000\n");
    put("value_added.csv", "sector,region,value\nAgriculture,Alpha,6000000\nFinance,Alpha,4000000\n"
                           "Agriculture,Beta,6000000\nFinance,Beta,4000000\n");
    put("final_consumption.csv", "sector,region,value\nAgriculture,Alpha,7000000\nFinance,Alpha,3000000\n"
                                 "Agriculture,Beta,6000000\nFinance,Beta,4000000\n");
    put("deficit.csv", "region,D\nAlpha,1000000\nBeta,-1000000\n");
    put("theta.csv", "sector,value\nAgriculture,9.11\nFinance,8.22\n");
}

static void test_read_values(void **state)
{
    (void)state;
    write_tiny();
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    tq_dataset *ds = NULL;
    tq_status st = tq_dataset_load(ctx, dir, &ds);
    if (st) {
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        fail_msg("load: %s", buf);
    }
    assert_string_equal(tq_dataset_region_code(ds, 1), "BBB");
    assert_string_equal(tq_dataset_region_name(ds, 1), "Beta");
    assert_string_equal(tq_dataset_sector_code(ds, 0), "AGR");
    assert_string_equal(tq_dataset_sector_code(ds, 1), "FIN");
    assert_int_equal(tq_dataset_sector_tradable(ds, 1), 0);
    const int N = 2, J = 2;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, 0, NULL), *t = tq_dataset_array_const(ds, TQ_TARIFF, 0, NULL);
    /* importer Alpha (0) buys from Beta (1) in Agriculture: 2 M USD pre-tariff, 10% */
    assert_true(fabs(Z[(0 * N + 1) * J + 0] - 2.0) < 1e-12);
    assert_true(fabs(t[(0 * N + 1) * J + 0] - 0.1) < 1e-15);
    const double *gamma = tq_dataset_array_const(ds, TQ_GAMMA, 0, NULL),
                 *beta = tq_dataset_array_const(ds, TQ_BETA, 0, NULL);
    /* Alpha agriculture: GO = 6 + 2 + 1 = 9; beta = 6/9, gamma[Fin -> Agr] = 1/9 */
    assert_true(fabs(beta[0] - 6.0 / 9.0) < 1e-14);
    assert_true(fabs(gamma[(0 * J + 1) * J + 0] - 1.0 / 9.0) < 1e-14);
    const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, 0, NULL),
                 *D = tq_dataset_array_const(ds, TQ_DEFICIT, 0, NULL);
    assert_true(fabs(alpha[0] - 0.7) < 1e-14);
    assert_true(fabs(D[0] - 1.0) < 1e-12);
    assert_true(fabs(tq_dataset_array_const(ds, TQ_THETA, 0, NULL)[1] - 8.22) < 1e-14);
    assert_true(fabs(tq_dataset_array_const(ds, TQ_VA, 0, NULL)[1] - 10.0) < 1e-12);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static char last_message[512];

/* The message of the last expect_error holds `needle`. */
static void expect_message(const char *needle)
{
    if (!strstr(last_message, needle))
        fail_msg("message '%s' lacks '%s'", last_message, needle);
}

static void expect_error(const char *file, const char *text, tq_status want, long line, const char *field)
{
    write_tiny();
    put(file, text);
    tq_context *ctx;
    tq_context_new(&ctx, NULL);
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_load(ctx, dir, &ds), want);
    assert_null(ds);
    const tq_error *e = tq_last_error(ctx);
    assert_non_null(strstr(e->file, file));
    assert_int_equal(e->line, line);
    if (field)
        assert_string_equal(e->field, field);
    snprintf(last_message, sizeof last_message, "%s", e->message);
    tq_context_free(ctx);
}

static void test_read_errors(void **state)
{
    (void)state;
    expect_error(
        "trade.csv",
        "sector,exporter,importer,value,tariff\nAgriculture,Alpha,Alpha,8e6,0\nAgriculture,Beta,Alpha,abc,0.1\n",
        TQ_ERR_PARSE, 3, "value");
    /* an unknown code is TQ_ERR_NOT_FOUND, as in every long table (core/longtable.h) */
    expect_error("trade.csv", "sector,exporter,importer,value,tariff\nAgriculture,Gamma,Alpha,1,0\n", TQ_ERR_NOT_FOUND,
                 2, "exporter");
    expect_error("trade.csv", "sector,exporter,importer,value\nAgriculture,Alpha,Alpha,1\n", TQ_ERR_PARSE, 1, "tariff");
    expect_error("trade.csv", "sector,exporter,importer,value,tariff\nAgriculture,Beta,Alpha,1,-2\n", TQ_ERR_PARSE, 2,
                 "tariff");
    expect_error("trade.csv",
                 "sector,exporter,importer,value,tariff\nAgriculture,Beta,Alpha,1,0\nAgriculture,Beta,Alpha,1,0\n",
                 TQ_ERR_PARSE, 3, NULL);
    expect_error("value_added.csv", "sector,region,value\nAgriculture,Alpha,-5\n", TQ_ERR_PARSE, 2, "value");
    expect_error("theta.csv", "sector,value\nAgriculture,0\nFinance,1\n", TQ_ERR_PARSE, 2, "value");
    /* a truncated row; a row with a field the header does not name (a trailing comma) */
    expect_error("deficit.csv", "region,D\nAlpha,1\nBeta\n", TQ_ERR_PARSE, 3, NULL);
    expect_message("truncated row");
    expect_error("deficit.csv", "region,D\nAlpha,1,\nBeta,2\n", TQ_ERR_PARSE, 2, NULL);
    expect_message("extra field: 3 fields, expected 2");
    /* the authors' tables are complete: a missing row is an error naming the cell (at the
     * last line read), never a zero */
    expect_error("deficit.csv", "region,D\nAlpha,1\n", TQ_ERR_INVALID, 2, "region");
    expect_message("no row for region=Beta");
    expect_error("value_added.csv", "sector,region,value\nAgriculture,Alpha,6\nFinance,Alpha,4\nAgriculture,Beta,6\n",
                 TQ_ERR_INVALID, 4, "sector");
    expect_message("no row for sector=Finance region=Beta");
    expect_error("trade.csv",
                 "sector,exporter,importer,value,tariff\nAgriculture,Alpha,Alpha,8,0\nAgriculture,Beta,Alpha,2,0.1\n"
                 "Agriculture,Alpha,Beta,1,0.2\nAgriculture,Beta,Beta,9,0\nFinance,Alpha,Alpha,5,0\n"
                 "Finance,Beta,Beta,6,0\n",
                 TQ_ERR_INVALID, 7, "sector");
    expect_message("no row for sector=Finance exporter=Alpha importer=Beta");
}

static void cleanup(void)
{
    const char *files[] = {"regions.csv",     "sectors.csv",           "trade.csv",   "intermediate_consumption.csv",
                           "value_added.csv", "final_consumption.csv", "deficit.csv", "theta.csv"};
    char p[512];
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/tq_cp2015_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_values),
        cmocka_unit_test(test_read_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cleanup();
    return rc;
}
