/* Tariff cross-check (tools/tariff_check_lib.c, data/PROVENANCE.md): the parsing of the
 * USITC file on hand-made lines, then the key facts on ../shared/data: the wiod2014
 * tariff table read swapped matches known rates and Teti better than read as labelled,
 * and the USITC motor-vehicle average is in the band the schedule implies. The
 * committed data/wiod2014/tariff_crosscheck.csv must be reproduced byte for byte. */
#include "tq_test.h"

#include <math.h>

/* The tool's core, compiled into this test (the tools' helpers are not in libtradeq). */
#include "../../tools/tariff_check_lib.c"

#define SOURCE_DIR TQ_TEST_DATA "/../.."

/* ------------------------------------------------ parsing (no shared data) --- */

static void test_split_quoted(void **state)
{
    (void)state;
    char line[] = "\"87032301\",\"Cars, \"\"new\"\"\",,\"2.5%\",0.02,\r\n";
    char *f[8];
    int why = 0, at = 0;
    int k = tc_csv_split(line, f, 8, &why, &at);
    assert_int_equal(k, 6);
    assert_string_equal(f[0], "87032301");
    assert_string_equal(f[1], "Cars, \"new\"");
    assert_string_equal(f[2], "");
    assert_string_equal(f[3], "2.5%");
    assert_string_equal(f[4], "0.02");
    assert_string_equal(f[5], "");
    char bad[] = "\"open,1";
    assert_int_equal(tc_csv_split(bad, f, 8, &why, &at), -1);
    assert_int_equal(why, TC_CSV_UNTERMINATED);
    assert_int_equal(at, 1);
    char many[] = "a,b,c";
    assert_int_equal(tc_csv_split(many, f, 2, &why, &at), -1);
    assert_int_equal(why, TC_CSV_TOO_MANY);
    assert_int_equal(at, 3);
    char after[] = "x,\"q\"z,y";
    assert_int_equal(tc_csv_split(after, f, 8, &why, &at), -1);
    assert_int_equal(why, TC_CSV_AFTER_QUOTE);
    assert_int_equal(at, 2);
}

static void test_classify(void **state)
{
    (void)state;
    double r;
    /* the text is exact where mfn_ad_val_rate is rounded to 2 decimals */
    assert_int_equal(classify("2.5%", "7", "", "0.02", &r), LINE_ADVAL);
    assert_true(fabs(r - 0.025) < 1e-15);
    assert_int_equal(classify("Free", "0", "", "0.00", &r), LINE_FREE);
    assert_true(r == 0.0);
    assert_int_equal(classify("Free, under bond", "0", "", "", &r), LINE_FREE);
    assert_int_equal(classify("6.5% on the entire set", "7", "", "0.06", &r), LINE_ADVAL);
    assert_true(fabs(r - 0.065) < 1e-15);
    assert_int_equal(classify("0.022", "7", "", "0.02", &r), LINE_ROUNDED);
    /* specific and compound rates are not ad valorem unless an AVE is given */
    assert_int_equal(classify("1 cents/kg", "2", "", "0.00", &r), LINE_OTHER);
    assert_int_equal(classify("46.3 cents/kg + 14.9%", "4", "", "0.14", &r), LINE_OTHER);
    assert_int_equal(classify("46.3 cents/kg + 14.9%", "4", "0.213", "0.14", &r), LINE_AVE);
    assert_true(fabs(r - 0.213) < 1e-15);
    assert_int_equal(classify("", "", "", "9999.99", &r), LINE_OTHER);
    assert_int_equal(parse_date("7/1/2017 0:00:00"), 20170701L);
}

/* --------------------------------------------------------- shared data --- */

static tc_result *R;

static int setup(void **state)
{
    (void)state;
    char err[2048];
    if (tc_compute(TQ_SHARED_DATA, SOURCE_DIR "/data/concordance", &R, err, sizeof err)) {
        fprintf(stderr, "tc_compute: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_free(R);
    return 0;
}

static void test_shape(void **state)
{
    (void)state;
    assert_int_equal(tc_regions(R), 44);
    assert_int_equal(tc_goods(R), 22);
    assert_string_equal(tc_goods_code(R, 0), "C01");
    assert_string_equal(tc_goods_code(R, 21), "C22");
    assert_string_equal(tc_goods_wiod16(R, 19), "C29-C30"); /* C20 motor vehicles */
    assert_string_equal(tc_goods_wiod16(R, 4), "C10-C12");  /* C05 food */
}

/* Data README: read swapped, the US tariff on Japanese motor vehicles is 2.26% (MFN
 * 2.5% on cars), read as labelled 0.06%; China's on US vehicles 21.5% swapped. */
static void test_key_rates(void **state)
{
    (void)state;
    assert_true(fabs(tc_rate(R, TC_SWAPPED, "USA", "JPN", "C20") - 0.0226) < 0.0005);
    assert_true(fabs(tc_rate(R, TC_LABELLED, "USA", "JPN", "C20") - 0.0006) < 0.0002);
    assert_true(fabs(tc_rate(R, TC_SWAPPED, "CHN", "USA", "C20") - 0.215) < 0.002);
    assert_true(fabs(tc_rate(R, TC_LABELLED, "JPN", "USA", "C20") - 0.0226) < 0.0005);
    /* Teti (wiod16 README): US on JPN C29-C30 0.0303; US C10-C12 about 0.915 */
    assert_true(fabs(tc_rate(R, TC_TETI, "USA", "JPN", "C20") - 0.0303) < 0.0001);
    assert_true(fabs(tc_rate(R, TC_TETI, "USA", "JPN", "C05") - 0.915) < 0.001);
    /* swapped is the transpose of labelled, domestic rates are 0 in both */
    assert_true(tc_rate(R, TC_SWAPPED, "KOR", "USA", "C01") == tc_rate(R, TC_LABELLED, "USA", "KOR", "C01"));
    assert_true(tc_rate(R, TC_SWAPPED, "ROW", "ROW", "C05") == 0.0);
    assert_true(tc_rate(R, TC_LABELLED, "ROW", "ROW", "C05") == 0.0);
    assert_true(isnan(tc_rate(R, TC_SWAPPED, "USA", "XXX", "C20")));
    assert_true(isnan(tc_rate(R, TC_SWAPPED, "USA", "JPN", "C30"))); /* a service */
}

/* The cell averages are the flow-weighted means of the bilateral rates. */
static void test_cell(void **state)
{
    (void)state;
    const tc_cell *c = tc_cell_get(R, "USA", "C20");
    assert_non_null(c);
    assert_true(c->weight > 200000.0 && c->weight < 300000.0); /* US vehicle imports, M USD */
    assert_true(c->swapped < c->labelled);
    assert_true(c->row_share >= 0.0 && c->row_share < 0.1);
    assert_null(tc_cell_get(R, "USA", "C23"));
    /* ROW as importer has no Teti rate */
    const tc_cell *row = tc_cell_get(R, "ROW", "C05");
    assert_true(row->teti == 0.0 && row->swapped > 0.1);
}

/* The swapped table is closer to Teti than the labelled one, however measured. */
static void test_closer_to_teti(void **state)
{
    (void)state;
    static const int flags[] = {0, TC_DEV_NO_ROW_IMPORTER, TC_DEV_EX_ROW, TC_DEV_WEIGHTED,
                                TC_DEV_WEIGHTED | TC_DEV_EX_ROW};
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
        double ml, ms;
        int cells;
        tc_deviation(R, flags[k], &ml, &ms, &cells);
        print_message("flags %d: %d cells, MAD labelled %.3f swapped %.3f points\n", flags[k], cells, ml, ms);
        assert_true(cells > 900);
        assert_true(ms < ml);
    }
    double ml, ms;
    tc_deviation(R, 0, &ml, &ms, NULL);
    assert_true(ms < 0.8 * ml);
    int above = tc_count_above(R, 2.0);
    assert_true(above > 0 && above < 44 * 22 / 4);
}

/* USITC 2017, HS chapter 87 (mapped to C20): 201 HTS-8 lines, every one free or ad
 * valorem. Band: the 6 light-truck lines at 25% alone give 6 x 25 / 201 = 0.75 points
 * and the 55 lines at the 2.5% car/parts rate another 0.68, so the simple mean cannot be
 * below 1.43%; no line but the trucks exceeds 11%, so it cannot exceed
 * (6 x 25 + 195 x 11) / 201 = 11.4%, and with about half the lines free (tractors,
 * parts) anything above 4% would mean a misread. The exact value from the text rates is
 * 2.4239%; the rounded mfn_ad_val_rate column would give 2.2537% (cars at 2%). */
static void test_usitc_autos(void **state)
{
    (void)state;
    const tc_usitc *u = tc_usitc_get(R, "C20");
    assert_non_null(u);
    print_message("USITC C20: %d lines, %d averaged, mean %.4f%%\n", u->lines, u->averaged, 100 * u->mean);
    assert_int_equal(u->lines, 201);
    assert_int_equal(u->averaged, 201);
    assert_int_equal(u->not_adval, 0);
    assert_true(u->mean >= 0.0143 && u->mean <= 0.04);
    assert_true(fabs(u->mean - 0.024239) < 0.00001);
    assert_true(u->max == 0.25 && u->min == 0.0);
    /* the swapped US rate on Japan (2.26%) is near the 2.5% car rate, below the lines' mean */
    assert_true(tc_rate(R, TC_SWAPPED, "USA", "JPN", "C20") < u->mean);
    /* food, beverages and tobacco: the 350% over-quota tobacco lines are in the file */
    const tc_usitc *food = tc_usitc_get(R, "C05");
    assert_true(food->max == 3.5 && food->not_adval > 0);
    int lines, unmapped, dropped;
    tc_usitc_counts(R, &lines, &unmapped, &dropped);
    assert_int_equal(lines + dropped, 12861);
    assert_int_equal(dropped, 127);
}

/* Same bytes on every run, and the committed CSV is what the tool writes. */
static void test_deterministic(void **state)
{
    (void)state;
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *f = open_memstream(&a, &na);
    assert_int_equal(tc_write_csv(R, f), 0);
    fclose(f);
    f = open_memstream(&b, &nb);
    assert_int_equal(tc_write_csv(R, f), 0);
    fclose(f);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    int rows = 0;
    for (size_t k = 0; k < na; k++)
        rows += a[k] == '\n';
    assert_int_equal(rows, 1 + 44 * 22);

    FILE *c = fopen(SOURCE_DIR "/data/wiod2014/tariff_crosscheck.csv", "rb");
    if (!c) {
        print_message("data/wiod2014/tariff_crosscheck.csv not found: comparison skipped\n");
    } else {
        char *buf = malloc(na + 2);
        size_t got = fread(buf, 1, na + 1, c);
        fclose(c);
        assert_int_equal(got, na);
        assert_memory_equal(buf, a, na);
        free(buf);
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest parsing[] = {
        cmocka_unit_test(test_split_quoted),
        cmocka_unit_test(test_classify),
    };
    int rc = cmocka_run_group_tests_name("tariff_check parsing", parsing, NULL, NULL);
    if (rc)
        return rc;
    tq_test_shared("wiod2014");
    tq_test_shared("wiod16/flows_2014.csv.gz");
    tq_test_shared("tariffs/tariff_database_2017.txt.gz");
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(test_shape),          cmocka_unit_test(test_key_rates),   cmocka_unit_test(test_cell),
        cmocka_unit_test(test_closer_to_teti), cmocka_unit_test(test_usitc_autos), cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests_name("tariff_check on shared data", shared, setup, teardown);
}
