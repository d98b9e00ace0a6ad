/* Yearly flows reader (icio, wiod16; docs/formats/flows.md): a tiny hand-checkable
 * folder, every kind of bad input, and the published checks on the shared data. */
#include "readers_testutil.h"

#include "data/readers_extra.h"

static const char *COUNTRIES = "index,matlab_index,iso3,name\n0,1,AAA,Alpha\n1,2,BBB,Beta\n";
static const char *SECTORS = "index,matlab_index,code,name,tradable,goods\n0,1,S1,Goods,1,1\n"
                             "1,2,S2,Services,0,0\n";
static const char *ELAST = "index,code,epsilon_IS,sigma_IS,epsilon_CP,sigma_CP\n0,S1,5,6,8,9\n1,S2,4,5,2,3\n";
/* line numbers: header 1, then 2..9 */
static const char *FLOWS_HEAD = "exporter,importer,sector,value,tariff\n";
static const char *ROWS[8] = {"AAA,AAA,S1,100,0",   "AAA,AAA,S2,200,0", "AAA,BBB,S1,10,0.1", "AAA,BBB,S2,5,0",
                              "BBB,AAA,S1,20,0.05", "BBB,AAA,S2,1,0",   "BBB,BBB,S1,300,0",  "BBB,BBB,S2,400,0"};

/* The flows file with row r (0-based; line r+2) replaced by `repl` (NULL: drop it). */
static void write_flows(const char *dir, const char *name, int r, const char *repl)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", FLOWS_HEAD);
    for (int k = 0; k < 8; k++) {
        const char *row = k == r ? repl : ROWS[k];
        if (!row)
            continue;
        strcat(buf, row);
        strcat(buf, "\n");
    }
    tq_test_write(dir, name, buf);
}

static char *tiny(void)
{
    char *d = tq_test_tmpdir();
    tq_test_write(d, "countries.csv", COUNTRIES);
    tq_test_write(d, "sectors.csv", SECTORS);
    tq_test_write(d, "elasticities.csv", ELAST);
    write_flows(d, "flows_2000.csv", -1, NULL);
    return d;
}

static void test_tiny_values(void **state)
{
    (void)state;
    char *d = tiny();
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, d, &ds), TQ_OK); /* dispatch finds flows_ */
    assert_int_equal(tq_dataset_regions(ds), 2);
    assert_int_equal(tq_dataset_sectors(ds), 2);
    assert_int_equal(tq_dataset_years(ds), 1);
    assert_int_equal(tq_dataset_year(ds, 0), 2000);
    assert_int_equal(tq_dataset_has_io(ds), 0);
    assert_string_equal(tq_dataset_region_code(ds, 1), "BBB");
    assert_string_equal(tq_dataset_region_name(ds, 1), "Beta");
    assert_string_equal(tq_dataset_sector_name(ds, 1), "Services");
    assert_int_equal(tq_dataset_sector_tradable(ds, 0), 1);
    assert_int_equal(tq_dataset_sector_tradable(ds, 1), 0);
    const double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    const double *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    /* importer first: row AAA,BBB,S1 (AAA exports to BBB) is Z[BBB,AAA,S1] */
    assert_true(Z[(1 * 2 + 0) * 2 + 0] == 10);
    assert_true(t[(1 * 2 + 0) * 2 + 0] == 0.1);
    assert_true(Z[(0 * 2 + 1) * 2 + 0] == 20);
    assert_true(t[(0 * 2 + 1) * 2 + 0] == 0.05);
    assert_true(Z[(1 * 2 + 1) * 2 + 1] == 400);
    const double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    assert_true(theta[0] == 8 && theta[1] == 2); /* epsilon_CP by default */
    /* no-IO reading: VA = gross output, D = imports - exports, alpha = spending shares */
    const double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    const double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL);
    const double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL);
    const double *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    tq_assert_close(VA[0], 315, 1e-12);
    tq_assert_close(D[0], 21 - 15, 1e-12);
    tq_assert_close(D[1], 15 - 21, 1e-12);
    tq_assert_close(alpha[0], 121.0 / 322.0, 1e-12); /* X = 100 + 20 * 1.05 and 200 + 1 */
    assert_true(beta[0] == 1 && beta[3] == 1);
    tq_dataset_free(ds);

    /* another elasticity source, and one that does not exist */
    assert_int_equal(tq__read_flows_ex(ctx, d, "IS", &ds), TQ_OK);
    theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    assert_true(theta[0] == 5 && theta[1] == 4);
    tq_dataset_free(ds);
    rd_check_error(ctx, tq__read_flows_ex(ctx, d, "XX", &ds), TQ_ERR_NOT_FOUND, "elasticities.csv", 1, "epsilon_XX");
    assert_null(ds);

    /* without elasticities.csv theta is the documented default */
    rd_remove(d, "elasticities.csv");
    assert_int_equal(tq__read_flows(ctx, d, &ds), TQ_OK);
    assert_true(tq_dataset_array(ds, TQ_THETA, 0, NULL)[1] == TQ__THETA_DEFAULT);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    tq_test_rmtree(d);
}

static void test_gzip_and_years(void **state)
{
    (void)state;
    char *d = tiny();
    rd_remove(d, "flows_2000.csv");
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", FLOWS_HEAD);
    for (int k = 0; k < 8; k++)
        strcat(strcat(buf, ROWS[k]), "\n");
    rd_write_gz(d, "flows_2001.csv.gz", buf);
    write_flows(d, "flows_1999.csv", 7, "BBB,BBB,S2,401,0");
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq__read_flows(ctx, d, &ds), TQ_OK);
    assert_int_equal(tq_dataset_years(ds), 2);
    assert_int_equal(tq_dataset_year(ds, 0), 1999); /* sorted */
    assert_int_equal(tq_dataset_year(ds, 1), 2001);
    assert_true(tq_dataset_array(ds, TQ_Z, 0, NULL)[7] == 401);
    assert_true(tq_dataset_array(ds, TQ_Z, 1, NULL)[7] == 400);
    tq_dataset_free(ds);
    /* the same year twice */
    rd_write_gz(d, "flows_1999.csv.gz", buf);
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "", 0, "");
    assert_null(ds);
    tq_context_free(ctx);
    tq_test_rmtree(d);
}

/* One bad flows_2000.csv row: expected status, line and field. */
static void bad_row(int r, const char *repl, tq_status want, long line, const char *field)
{
    char *d = tiny();
    write_flows(d, "flows_2000.csv", r, repl);
    rd_check_read(NULL, tq__read_flows, d, want, "flows_2000.csv", line, field, NULL);
    tq_test_rmtree(d);
}

static void test_bad_rows(void **state)
{
    (void)state;
    bad_row(2, "AAA,BBB,S1,10", TQ_ERR_PARSE, 4, "tariff");           /* truncated row */
    bad_row(2, "AAA,BBB,S1,10,0.1,7", TQ_ERR_PARSE, 4, "column 6");   /* extra field */
    bad_row(2, "AAA,BBB,S1,abc,0.1", TQ_ERR_PARSE, 4, "value");       /* non-numeric */
    bad_row(2, "AAA,BBB,S1,10x,0.1", TQ_ERR_PARSE, 4, "value");       /* trailing junk */
    bad_row(2, "AAA,BBB,S1,,0.1", TQ_ERR_PARSE, 4, "value");          /* empty */
    bad_row(2, "AAA,BBB,S1,nan,0.1", TQ_ERR_PARSE, 4, "value");       /* NaN */
    bad_row(2, "AAA,BBB,S1,10,inf", TQ_ERR_PARSE, 4, "tariff");       /* Inf */
    bad_row(2, "AAA,BBB,S1,1e999,0", TQ_ERR_PARSE, 4, "value");       /* overflow */
    bad_row(2, "AAA,BBB,S1,-10,0.1", TQ_ERR_INVALID, 4, "value");     /* negative flow */
    bad_row(2, "AAA,BBB,S1,10,-1", TQ_ERR_INVALID, 4, "tariff");      /* not a rate */
    bad_row(0, "AAA,AAA,S1,100,0.1", TQ_ERR_INVALID, 2, "tariff");    /* domestic tariff */
    bad_row(3, "AAA,BBB,S1,3,0", TQ_ERR_INVALID, 5, "exporter");      /* duplicate key */
    bad_row(2, "AAA,CCC,S1,10,0.1", TQ_ERR_NOT_FOUND, 4, "importer"); /* unknown region */
    bad_row(2, "ZZZ,BBB,S1,10,0.1", TQ_ERR_NOT_FOUND, 4, "exporter"); /* unknown region */
    bad_row(2, "AAA,BBB,S9,10,0.1", TQ_ERR_NOT_FOUND, 4, "sector");   /* unknown sector */
    bad_row(7, NULL, TQ_ERR_INVALID, 8, "exporter,importer,sector");  /* missing cell */
}

static void test_bad_files(void **state)
{
    (void)state;
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    char *d;

    /* header without a column */
    d = tiny();
    tq_test_write(d, "flows_2000.csv", "exporter,importer,sector,value\nAAA,AAA,S1,1\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_PARSE, "flows_2000.csv", 1, "tariff");
    tq_test_rmtree(d);

    /* mismatched dimensions across years: 2001 has a third sector, 2002 lacks one */
    d = tiny();
    write_flows(d, "flows_2001.csv", -1, NULL);
    {
        char buf[2048];
        snprintf(buf, sizeof buf, "%s", FLOWS_HEAD);
        for (int k = 0; k < 8; k++)
            strcat(strcat(buf, ROWS[k]), "\n");
        strcat(buf, "AAA,AAA,S3,1,0\n");
        tq_test_write(d, "flows_2002.csv", buf);
    }
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_NOT_FOUND, "flows_2002.csv", 10, "sector");
    rd_remove(d, "flows_2002.csv");
    tq_test_write(d, "flows_2002.csv",
                  "exporter,importer,sector,value,tariff\nAAA,AAA,S1,1,0\n"
                  "AAA,BBB,S1,1,0\nBBB,AAA,S1,1,0\nBBB,BBB,S1,1,0\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "flows_2002.csv", 5, "exporter,importer,sector");
    tq_assert_error(ctx, "missing row AAA,AAA,S2");
    tq_test_rmtree(d);

    /* missing files */
    d = tiny();
    rd_remove(d, "sectors.csv");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_IO, "sectors.csv", 0, "");
    tq_test_rmtree(d);
    d = tiny();
    rd_remove(d, "countries.csv");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_IO, "countries.csv", 0, "");
    tq_test_rmtree(d);
    d = tiny();
    rd_remove(d, "flows_2000.csv");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_IO, "", 0, "");
    tq_assert_error(ctx, "flows_YYYY.csv");
    tq_test_rmtree(d);

    /* metadata: duplicate code, bad tradable flag, truncated row */
    d = tiny();
    tq_test_write(d, "countries.csv", "index,matlab_index,iso3,name\n0,1,AAA,Alpha\n1,2,AAA,Beta\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "countries.csv", 3, "iso3");
    tq_test_write(d, "countries.csv", "index,matlab_index,iso3,name\n0,1,AAA,Alpha\n1,2,BBB\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_PARSE, "countries.csv", 3, "name");
    tq_test_write(d, "countries.csv", COUNTRIES);
    tq_test_write(d, "sectors.csv",
                  "index,matlab_index,code,name,tradable,goods\n0,1,S1,Goods,2,1\n"
                  "1,2,S2,Services,0,0\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_PARSE, "sectors.csv", 2, "tradable");
    tq_test_rmtree(d);

    /* elasticities: unknown sector, non-positive, duplicate, missing row, NaN */
    d = tiny();
    tq_test_write(d, "elasticities.csv", "index,code,epsilon_CP\n0,S1,8\n1,S7,2\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_NOT_FOUND, "elasticities.csv", 3, "code");
    tq_test_write(d, "elasticities.csv", "index,code,epsilon_CP\n0,S1,8\n1,S2,0\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "elasticities.csv", 3, "epsilon_CP");
    tq_test_write(d, "elasticities.csv", "index,code,epsilon_CP\n0,S1,8\n1,S1,2\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "elasticities.csv", 3, "code");
    tq_test_write(d, "elasticities.csv", "index,code,epsilon_CP\n0,S1,8\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_INVALID, "elasticities.csv", 2, "code");
    tq_test_write(d, "elasticities.csv", "index,code,epsilon_CP\n0,S1,8\n1,S2,NaN\n");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_PARSE, "elasticities.csv", 3, "epsilon_CP");
    tq_test_rmtree(d);

    /* an empty flows file */
    d = tiny();
    tq_test_write(d, "flows_2000.csv", "");
    rd_check_error(ctx, tq__read_flows(ctx, d, &ds), TQ_ERR_PARSE, "flows_2000.csv", -1, NULL);
    tq_test_rmtree(d);
    assert_null(ds);
    tq_context_free(ctx);
}

/* ------------------------------------------------------------- shared data --- */

static double goods_balance(tq_context *ctx, const tq_dataset *ds, int y, const char *a, const char *b,
                            double *imports_of, const char *sector)
{
    int J = tq_dataset_sectors(ds);
    double ex[64], im[64], bal = 0;
    assert_true(J <= 64);
    assert_int_equal(tq_balance(ctx, ds, y, tq_dataset_find_region(ds, a), tq_dataset_find_region(ds, b), ex, im),
                     TQ_OK);
    for (int j = 0; j < J; j++)
        if (strcmp(tq_dataset_sector_code(ds, j), "SERV") != 0)
            bal += ex[j] - im[j];
    *imports_of = im[tq_dataset_find_sector(ds, sector)];
    return bal / 1000; /* bn USD */
}

static void test_icio(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/icio", TQ_SHARED_DATA);
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, dir, &ds), TQ_OK);
    assert_int_equal(tq_dataset_regions(ds), 81);
    assert_int_equal(tq_dataset_sectors(ds), 28);
    assert_int_equal(tq_dataset_years(ds), 12);
    for (int y = 0; y < 12; y++)
        assert_int_equal(tq_dataset_year(ds, y), 2011 + y);
    assert_string_equal(tq_dataset_name(ds), "icio");
    assert_string_equal(tq_dataset_region_code(ds, 80), "ROW");
    assert_string_equal(tq_dataset_sector_code(ds, 27), "SERV");
    assert_int_equal(tq_dataset_has_io(ds), 0);
    /* README checks (USD bn): US goods balance with Japan and imports of C29 */
    int y17 = tq_dataset_find_year(ds, 2017), y18 = tq_dataset_find_year(ds, 2018);
    double c29;
    tq_assert_close(goods_balance(ctx, ds, y17, "USA", "JPN", &c29, "C29"), -58.1, 0.05 / 58.1);
    tq_assert_close(c29 / 1000, 58.7, 0.05 / 58.7);
    tq_assert_close(goods_balance(ctx, ds, y18, "USA", "JPN", &c29, "C29"), -54.8, 0.05 / 54.8);
    tq_assert_close(c29 / 1000, 53.6, 0.05 / 53.6);
    /* US tariff on Japanese C29 (2017: 0.0288), importer first */
    int N = 81, J = 28, us = tq_dataset_find_region(ds, "USA"), jp = tq_dataset_find_region(ds, "JPN");
    int s29 = tq_dataset_find_sector(ds, "C29");
    const double *t = tq_dataset_array(ds, TQ_TARIFF, y17, NULL);
    tq_assert_close(t[((size_t)us * N + jp) * J + s29], 0.0288, 0.00005 / 0.0288);
    /* Caliendo-Parro agriculture elasticity */
    tq_assert_close(tq_dataset_array(ds, TQ_THETA, 0, NULL)[0], 9.11, 1e-12);
    tq_consistency c;
    assert_int_equal(tq_dataset_check(ctx, ds, y17, &c), TQ_OK);
    assert_true(c.e0_max_rel < 1e-9 && c.negative_flows == 0 && c.deficit_sum_rel < 1e-12);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static void test_wiod16(void **state)
{
    (void)state;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/wiod16", TQ_SHARED_DATA);
    tq_context *ctx;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq__read_flows(ctx, dir, &ds), TQ_OK);
    assert_int_equal(tq_dataset_regions(ds), 44);
    assert_int_equal(tq_dataset_sectors(ds), 16);
    assert_int_equal(tq_dataset_years(ds), 15);
    assert_int_equal(tq_dataset_year(ds, 0), 2000);
    assert_int_equal(tq_dataset_year(ds, 14), 2014);
    /* README: 2014 US goods balance with Japan -67.1 bn, transport equipment imports 55.5 */
    double tr;
    tq_assert_close(goods_balance(ctx, ds, 14, "USA", "JPN", &tr, "C29-C30"), -67.1, 0.05 / 67.1);
    tq_assert_close(tr / 1000, 55.5, 0.05 / 55.5);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

static rd_alloc_case alloc_case = {tiny, tq__read_flows};

int main(void)
{
    const struct CMUnitTest local[] = {
        cmocka_unit_test(test_tiny_values), RD_ALLOC_TEST(alloc_case),        cmocka_unit_test(test_gzip_and_years),
        cmocka_unit_test(test_bad_rows),    cmocka_unit_test(test_bad_files),
    };
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(test_icio),
        cmocka_unit_test(test_wiod16),
    };
    return RD_RUN("flows reader", local, shared, "icio", "wiod16");
}
