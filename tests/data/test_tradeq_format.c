/* tradeq's own dataset format: the tiny hand-made economy, write/read round trip,
 * bad input (one test per kind of malformed file), rebalancing, balances. */
#include "tq_test.h"

#include <math.h>

#include "load_fixture.h"

static void test_tiny_values(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    assert_int_equal(tq_dataset_regions(ds), 3);
    assert_int_equal(tq_dataset_sectors(ds), 2);
    assert_int_equal(tq_dataset_year(ds, 0), 2020);
    assert_string_equal(tq_dataset_region_name(ds, 1), "Borduria");
    assert_int_equal(tq_dataset_sector_tradable(ds, 1), 0);
    const double *R = tq_dataset_array_const(ds, TQ_R, 0, NULL);
    const double *I = tq_dataset_array_const(ds, TQ_I, 0, NULL);
    const double *Y = tq_dataset_array_const(ds, TQ_Y, 0, NULL);
    const double *pi = tq_dataset_array_const(ds, TQ_PI, 0, NULL);
    tq_assert_close(R[0], 2.0, 1e-14);
    tq_assert_close(R[1], 6.0, 1e-14);
    tq_assert_close(R[2], 0.5, 1e-14);
    tq_assert_close(I[0], 195.0, 1e-14);
    tq_assert_close(I[1], 177.0, 1e-14);
    tq_assert_close(I[2], 119.5, 1e-14);
    tq_assert_close(Y[0 * 2 + 0], 140.0, 1e-14); /* AAA goods */
    tq_assert_close(Y[2 * 2 + 1], 90.0, 1e-14);  /* CCC services */
    /* pi[AAA, BBB, G] = 22 / 132 */
    tq_assert_close(pi[(0 * 3 + 1) * 2 + 0], 22.0 / 132.0, 1e-14);
    tq_consistency c;
    assert_int_equal(tq_dataset_check(ctx, ds, 0, &c), TQ_OK);
    assert_true(c.e0_max_rel < 1e-14);
    assert_true(c.deficit_flow_max_rel < 1e-14);
    assert_true(c.va_max_rel < 1e-14);
    assert_true(c.deficit_sum_rel < 1e-14);
    double ex[2], im[2];
    assert_int_equal(tq_balance(ctx, ds, 0, 0, 1, ex, im), TQ_OK);
    assert_true(ex[0] == 30 && im[0] == 20 && ex[1] == 0 && im[1] == 0);
    assert_int_equal(tq_balance(ctx, ds, 0, 0, -1, ex, im), TQ_OK);
    assert_true(ex[0] == 40 && im[0] == 30);
    assert_int_equal(tq_balance(ctx, ds, 0, 0, 0, ex, im), TQ_ERR_INVALID);
    int mem[3];
    assert_int_equal(tq_dataset_group(ds, TQ_GROUP_REGION, "north", mem), 2);
    assert_true(mem[0] == 0 && mem[1] == 1);
    assert_int_equal(tq_dataset_group(ds, TQ_GROUP_SECTOR, "GOODS", mem), 1);
    assert_int_equal(mem[0], 0);
    assert_int_equal(tq_dataset_group(ds, TQ_GROUP_SECTOR, "North", mem), -1);
    assert_int_equal(tq_dataset_group_count(ds, TQ_GROUP_SECTOR), 2);
    assert_string_equal(tq_dataset_group_name(ds, TQ_GROUP_SECTOR, 1), "services");
    tq_dataset_free(ds);
}

static void assert_same(const tq_dataset *a, const tq_dataset *b)
{
    assert_same_arrays(a, b, "round trip");
    assert_true(tq_dataset_hash(a) == tq_dataset_hash(b));
}

static void test_roundtrip(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    /* make values that need all 17 digits */
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    Z[0] = 100.0 / 3.0;
    tq_dataset_derive(ctx, ds);
    char *dir = tq_test_tmpdir();
    char out[4200];
    snprintf(out, sizeof out, "%s/copy", dir);
    assert_int_equal(tq_dataset_write(ctx, ds, out, 0), TQ_OK);
    tq_dataset *back = load_ok(out);
    assert_same(ds, back);
    assert_int_equal(tq_dataset_group(back, TQ_GROUP_REGION, "North", NULL), 2);
    /* never overwrite without asking */
    assert_int_equal(tq_dataset_write(ctx, ds, out, 0), TQ_ERR_EXISTS);
    tq_assert_error(ctx, "refusing to overwrite");
    assert_int_equal(tq_dataset_write(ctx, ds, out, 1), TQ_OK);
    tq_dataset_free(back);
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
}

/* Copy tiny to a temp folder and replace `from` by `to` in file `name`. */
static char *tiny_with(const char *name, const char *from, const char *to)
{
    char *dir = tq_test_tmpdir();
    tq_test_copydir(TQ_TEST_DATA "/tiny", dir);
    if (!from)
        return dir;
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *at = strstr(buf, from);
    if (!at)
        fail_msg("'%s' not in %s", from, name);
    char res[9000];
    snprintf(res, sizeof res, "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
    tq_test_write(dir, name, res);
    return dir;
}

typedef struct bad_case {
    const char *file, *from, *to;
    tq_status status;
    const char *needle1, *needle2, *needle3;
} bad_case;

static void test_bad_input(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* truncated row */
        {"flows.csv", "2020,BBB,AAA,G,20\n", "2020,BBB,AAA\n", TQ_ERR_PARSE, "flows.csv:3", "truncated row", NULL},
        /* non-numeric field */
        {"flows.csv", "2020,BBB,AAA,G,20", "2020,BBB,AAA,G,twenty", TQ_ERR_PARSE, "flows.csv:3", "field 'value'",
         "not a number: 'twenty'"},
        /* NaN and Inf */
        {"flows.csv", "2020,BBB,AAA,G,20", "2020,BBB,AAA,G,nan", TQ_ERR_PARSE, "flows.csv:3", "field 'value'",
         "not a finite number"},
        {"tariffs.csv", "0.1", "inf", TQ_ERR_PARSE, "tariffs.csv:2", "field 'tariff'", "not a finite number"},
        /* negative flow */
        {"flows.csv", "2020,BBB,AAA,G,20", "2020,BBB,AAA,G,-20", TQ_ERR_PARSE, "flows.csv:3", "field 'value'",
         "out of range"},
        /* duplicate key */
        {"flows.csv", "2020,BBB,AAA,G,20\n", "2020,BBB,AAA,G,20\n2020,BBB,AAA,G,21\n", TQ_ERR_PARSE, "flows.csv:4",
         "duplicate flow row", NULL},
        {"regions.csv", "BBB,Borduria", "AAA,Borduria", TQ_ERR_PARSE, "regions.csv:3", "field 'code'",
         "duplicate region code 'AAA'"},
        /* unknown region / sector */
        {"flows.csv", "2020,BBB,AAA,G,20", "2020,ZZZ,AAA,G,20", TQ_ERR_NOT_FOUND, "flows.csv:3", "field 'exporter'",
         "unknown region code 'ZZZ'"},
        {"io.csv", "2020,AAA,G,G,0.2", "2020,AAA,X,G,0.2", TQ_ERR_NOT_FOUND, "io.csv:2", "field 'input'",
         "unknown sector code 'X'"},
        /* shares not summing to one */
        {"shares.csv", "2020,BBB,G,0.7,0.519774011299435", "2020,BBB,G,0.7,0.6", TQ_ERR_INVALID, "shares.csv:4",
         "field 'final_share'", "region BBB sum to"},
        {"io.csv", "2020,CCC,S,S,0.2", "2020,CCC,S,S,0.25", TQ_ERR_INVALID, "io.csv", "sector S", "must add to 1"},
        /* mismatched dimensions: a year the dataset does not have */
        {"flows.csv", "2020,BBB,AAA,G,20", "2021,BBB,AAA,G,20", TQ_ERR_NOT_FOUND, "flows.csv:3", "field 'year'",
         "unknown year '2021' (meta.csv 'years' lists 2020)"},
        /* header problems */
        {"accounts.csv", "value_added", "va", TQ_ERR_PARSE, "accounts.csv:1", "missing column 'value_added'", NULL},
        {"meta.csv", "format,tradeq", "format,other", TQ_ERR_PARSE, "meta.csv:2", "expected 'tradeq'", NULL},
        {"sectors.csv", "G,Goods,1,4", "G,Goods,1,-4", TQ_ERR_PARSE, "sectors.csv:2", "field 'theta'",
         "must be positive"},
        /* labels must be UTF-8 text: a Latin-1 name, a control byte; the byte is named, not echoed */
        {"regions.csv", "BBB,Borduria", "BBB,Bord\xfcria", TQ_ERR_PARSE, "regions.csv:3", "byte 9 of the line (0xFC)",
         "not UTF-8 text"},
        {"sectors.csv", "G,Goods", "G,Go\x1bods", TQ_ERR_PARSE, "sectors.csv:2", "(0x1B) is not UTF-8 text", NULL},
        /* CR-only line endings: refused at the first line they join */
        {"regions.csv", "BBB,Borduria\n", "BBB,Borduria\r", TQ_ERR_PARSE, "regions.csv:3", "CR-only line endings",
         NULL},
        {"groups.csv", "region,North,BBB", "region,North,DDD", TQ_ERR_NOT_FOUND, "groups.csv:3", "field 'code'",
         "unknown region code 'DDD'"},
        {"groups.csv", "region,North,BBB", "region,North,AAA", TQ_ERR_PARSE, "groups.csv:3",
         "listed twice in group 'North'", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bad_case *b = &cases[k];
        char *dir = tiny_with(b->file, b->from, b->to);
        tq_dataset *ds = (tq_dataset *)0x1;
        tq_status st = tq_dataset_load(ctx, dir, &ds);
        char msg[2048];
        tq_error_format(ctx, msg, sizeof msg);
        if (st != b->status)
            fail_msg("case %zu (%s): status %d, expected %d: %s", k, b->file, st, b->status, msg);
        assert_null(ds);
        tq_assert_error(ctx, b->needle1, b->needle2 ? b->needle2 : b->needle1, b->needle3 ? b->needle3 : b->needle1);
        tq_test_rmtree(dir);
    }
    /* missing file */
    char *dir = tiny_with(NULL, NULL, NULL);
    char p[4200];
    snprintf(p, sizeof p, "%s/io.csv", dir);
    unlink(p);
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_load(ctx, dir, &ds), TQ_ERR_IO);
    tq_assert_error(ctx, "io.csv", "missing file (the tradeq layout needs io.csv or io.csv.gz)");
    tq_test_rmtree(dir);
    /* a label set through the API is checked the same way (a .tqb file's labels come this way) */
    tq_dataset *d2 = NULL;
    assert_int_equal(tq_dataset_new(ctx, 1, 1, 1, &d2), TQ_OK);
    assert_int_equal(tq_dataset_set_region(d2, 0, "A\xff", "x"), TQ_ERR_INVALID);
    tq_assert_error(ctx, "label 'A\\xFF' is not UTF-8 text", "byte 2 is 0xFF");
    assert_int_equal(tq_dataset_set_sector(d2, 0, "G", "Go\nods", 1), TQ_ERR_INVALID);
    tq_assert_error(ctx, "label 'Go\\x0Aods'");
    assert_int_equal(tq_dataset_set_sector(d2, 0, "G", "V\xc3\xa9hicules", 1), TQ_OK);
    tq_dataset_free(d2);
    /* not a dataset at all */
    assert_int_equal(tq_dataset_load(ctx, "/nonexistent/folder", &ds), TQ_ERR_IO);
    tq_assert_error(ctx, "/nonexistent/folder", "no such file");
}

/* A tariff on a region's purchases from itself is data, not an error: an aggregate region
 * such as WIOD's ROW taxes trade among its members (docs/formats/kite.md). It is read,
 * enters tariff revenue, and survives a write and read back. */
static void test_own_tariff(void **state)
{
    (void)state;
    char *dir = tiny_with("tariffs.csv", "2020,BBB,AAA,G,0.1", "2020,AAA,AAA,G,0.1");
    tq_dataset *ds = load_ok(dir);
    const double *t = tq_dataset_array_const(ds, TQ_TARIFF, 0, NULL);
    const double *Z = tq_dataset_array_const(ds, TQ_Z, 0, NULL);
    const double *R = tq_dataset_array_const(ds, TQ_R, 0, NULL);
    size_t aa = (0 * 3 + 0) * 2 + 0; /* importer AAA, exporter AAA, goods */
    size_t ab = (0 * 3 + 1) * 2 + 0; /* importer AAA, exporter BBB, goods: now untaxed */
    tq_assert_close(t[aa], 0.1, 1e-15);
    assert_true(t[ab] == 0.0);
    assert_true(Z[aa] > 0.0);
    tq_assert_close(R[0], 0.1 * Z[aa], 1e-14);
    char out[4200];
    snprintf(out, sizeof out, "%s/copy", dir);
    assert_int_equal(tq_dataset_write(ctx, ds, out, 0), TQ_OK);
    tq_dataset *back = load_ok(out);
    assert_same(ds, back);
    tq_dataset_free(back);
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
}

static void test_rebalance(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    double *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL);
    VA[0] *= 1.02;
    D[1] += 3;
    tq_dataset_derive(ctx, ds);
    tq_consistency c;
    tq_dataset_check(ctx, ds, 0, &c);
    tq_assert_close(c.va_max_rel, 0.02 / 1.02, 1e-12);
    assert_int_equal(c.va_worst_region, 0);
    tq_assert_close(c.deficit_flow_max_rel, 3.0 / 161.0, 1e-12);
    assert_true(c.e0_max_rel > 1e-3);
    double clipped = -1;
    assert_int_equal(tq_dataset_rebalance(ctx, ds, -1, &clipped), TQ_OK);
    assert_true(clipped == 0);
    tq_dataset_check(ctx, ds, 0, &c);
    assert_true(c.e0_max_rel < 1e-14 && c.va_max_rel < 1e-14 && c.deficit_flow_max_rel < 1e-14);
    /* rebalancing a consistent dataset changes nothing measurable */
    tq_assert_close(VA[0], 203.0, 1e-14);
    tq_assert_close(D[1], 10.0, 1e-14);

    /* negative final demand: CCC uses more goods as inputs (0.5*80 + 0.7*90 = 103) than
     * it buys (80.5); rebalancing scales those input shares by 80.5/103 and moves the
     * 22.5 to value added, keeping (E0) exact */
    double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL);
    double *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    gamma[(2 * 2 + 0) * 2 + 0] = 0.5; /* CCC: G in G */
    beta[2 * 2 + 0] = 0.4;
    gamma[(2 * 2 + 0) * 2 + 1] = 0.7; /* CCC: G in S */
    gamma[(2 * 2 + 1) * 2 + 1] = 0.2; /* CCC: S in S */
    beta[2 * 2 + 1] = 0.1;
    double moved = 0;
    assert_int_equal(tq_dataset_rebalance(ctx, ds, 0, &moved), TQ_OK);
    assert_true(moved > 0);
    tq_dataset_check(ctx, ds, 0, &c);
    assert_true(c.e0_max_rel < 1e-14 && c.cost_share_max_dev < 1e-14 && c.va_max_rel < 1e-14);
    tq_assert_close(gamma[(2 * 2 + 0) * 2 + 0], 0.5 * 80.5 / 103, 1e-14);
    tq_assert_close(beta[2 * 2 + 0], 0.4 + 0.5 * (1 - 80.5 / 103), 1e-14);
    const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, 0, NULL);
    assert_true(alpha[2 * 2 + 0] == 0);
    tq_assert_close(VA[2], 0.4 * 80 + 0.1 * 90 + 22.5, 1e-14);
    tq_dataset_free(ds);
}

static void test_no_io(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    assert_int_equal(tq_dataset_fill_no_io(ctx, ds), TQ_OK);
    assert_int_equal(tq_dataset_has_io(ds), 0);
    const double *VA = tq_dataset_array_const(ds, TQ_VA, 0, NULL);
    const double *alpha = tq_dataset_array_const(ds, TQ_ALPHA, 0, NULL);
    tq_assert_close(VA[0], 290.0, 1e-14);            /* gross output of AAA */
    tq_assert_close(alpha[0], 132.0 / 282.0, 1e-14); /* AAA spends 132 on goods of 282 */
    tq_consistency c;
    tq_dataset_check(ctx, ds, 0, &c);
    assert_true(c.e0_max_rel < 1e-14); /* one-sector-per-good reading is an equilibrium too */
    tq_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_values), cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_own_tariff),  cmocka_unit_test(test_rebalance), cmocka_unit_test(test_no_io),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
