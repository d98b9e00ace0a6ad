/* Tests of the column readers of the table model (tq_tables_numbers, tq_tables_texts),
 * which the Python and R packages use to fill a data frame column in one call: on the
 * tiny economy's two runs at full detail, every column read in one call equals the same
 * cells read one by one; the regions table's welfare column is the result's welfare; a
 * run of rows inside a table; and every bad argument refused with out untouched. */
#include "tiny_runs.h"

#include <math.h>

static int setup(void **state)
{
    (void)state;
    return tiny_runs_setup("tiny.yaml", "AAA raises its tariff on BBB goods to 30%");
}

static void test_columns_equal_cells(void **state)
{
    (void)state;
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_FULL, &t), TQ_OK);
    int checked_text = 0, checked_num = 0;
    for (int k = 0; k < tq_tables_count(t); k++) {
        size_t n = tq_tables_rows(t, k);
        double *num = malloc((n + 1) * sizeof *num);
        const char **txt = malloc((n + 1) * sizeof *txt);
        assert_non_null(num);
        assert_non_null(txt);
        for (int c = 0; c < tq_tables_cols(t, k); c++) {
            if (tq_tables_col_type(t, k, c) == TQ_COL_TEXT) {
                assert_int_equal(tq_tables_texts(t, k, c, 0, n, txt), TQ_OK);
                for (size_t r = 0; r < n; r++)
                    assert_ptr_equal(txt[r], tq_tables_text(t, k, r, c));
                checked_text += n > 0;
                /* a text column is not read as numbers */
                assert_int_equal(tq_tables_numbers(t, k, c, 0, n, num), TQ_ERR_INVALID);
            } else {
                assert_int_equal(tq_tables_numbers(t, k, c, 0, n, num), TQ_OK);
                for (size_t r = 0; r < n; r++) {
                    double v = tq_tables_number(t, k, r, c);
                    if (isnan(v))
                        assert_true(isnan(num[r]));
                    else
                        assert_memory_equal(&num[r], &v, sizeof v); /* bit for bit */
                }
                checked_num += n > 0;
                assert_int_equal(tq_tables_texts(t, k, c, 0, n, txt), TQ_ERR_INVALID);
            }
        }
        free(num);
        free(txt);
    }
    assert_true(checked_text >= 5);
    assert_true(checked_num >= 5);
    tq_tables_free(t);
}

static void test_regions_welfare_and_run_rows(void **state)
{
    (void)state;
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_SUMMARY, &t), TQ_OK);
    int k = tq_tables_find(t, "regions");
    assert_true(k >= 0);
    int cw = tq_tables_col_find(t, k, "welfare_pct"), cr = tq_tables_col_find(t, k, "region");
    assert_true(cw >= 0 && cr >= 0);
    /* the rows of the second run ("unchanged"): three regions, welfare exactly 0 */
    size_t first = 0, count = tq_tables_run_rows(t, k, 1, &first);
    assert_int_equal(count, 3);
    double w[3];
    const char *code[3];
    assert_int_equal(tq_tables_numbers(t, k, cw, first, count, w), TQ_OK);
    assert_int_equal(tq_tables_texts(t, k, cr, first, count, code), TQ_OK);
    const char *want[3] = {"AAA", "BBB", "CCC"};
    const double *w1 = tq_result_array(F.res[1], TQ_RES_WELFARE, NULL);
    for (int n = 0; n < 3; n++) {
        assert_string_equal(code[n], want[n]);
        assert_true(w[n] == w1[n]);
    }
    /* the first run's rows: the result's welfare, region by region */
    count = tq_tables_run_rows(t, k, 0, &first);
    assert_int_equal(first, 0);
    assert_int_equal(tq_tables_numbers(t, k, cw, first, count, w), TQ_OK);
    const double *w0 = tq_result_array(F.res[0], TQ_RES_WELFARE, NULL);
    for (int n = 0; n < 3; n++)
        assert_true(w[n] == w0[n]);
    assert_true(w[AAA] != 0.0); /* the tariff moved something */
    tq_tables_free(t);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    tq_tables *t = NULL;
    assert_int_equal(tq_tables_new(F.ctx, F.runs, 2, TQ_DETAIL_SUMMARY, &t), TQ_OK);
    int k = tq_tables_find(t, "regions"), cw = tq_tables_col_find(t, k, "welfare_pct");
    size_t n = tq_tables_rows(t, k);
    double out[8] = {42, 42, 42, 42, 42, 42, 42, 42};
    const char *txt[1] = {"untouched"};
    assert_int_equal(tq_tables_numbers(NULL, k, cw, 0, 1, out), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_numbers(t, -1, cw, 0, 1, out), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_numbers(t, tq_tables_count(t), cw, 0, 1, out), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_numbers(t, k, -1, 0, 1, out), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_numbers(t, k, tq_tables_cols(t, k), 0, 1, out), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_numbers(t, k, cw, n, 1, out), TQ_ERR_INVALID);        /* past the end */
    assert_int_equal(tq_tables_numbers(t, k, cw, 1, n, out), TQ_ERR_INVALID);        /* runs past the end */
    assert_int_equal(tq_tables_numbers(t, k, cw, SIZE_MAX, 2, out), TQ_ERR_INVALID); /* no wrap-around */
    assert_int_equal(tq_tables_numbers(t, k, cw, 0, 1, NULL), TQ_ERR_INVALID);
    assert_int_equal(tq_tables_texts(t, k, cw, 0, 1, txt), TQ_ERR_INVALID);
    for (int r = 0; r < 8; r++)
        assert_true(out[r] == 42);
    assert_string_equal(txt[0], "untouched");
    /* an empty run at the end is fine */
    assert_int_equal(tq_tables_numbers(t, k, cw, n, 0, out), TQ_OK);
    tq_tables_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_equal_cells),
        cmocka_unit_test(test_regions_welfare_and_run_rows),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, tiny_runs_teardown);
}
