/* Context, errors, allocator hook, CSV reader and string map. */
#include "tq_test.h"

#include <math.h>

#include "core/internal.h"

static void test_context_and_errors(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_last_error(ctx)->status, TQ_OK);
    tq_status st = tq__error(ctx, TQ_ERR_PARSE, "a.csv", 7, "value", "not a number: '%s'", "x");
    assert_int_equal(st, TQ_ERR_PARSE);
    char buf[256];
    tq_error_format(ctx, buf, sizeof buf);
    assert_string_equal(buf, "a.csv:7: field 'value': not a number: 'x'");
    /* raw bytes never reach a message: control bytes, DEL and invalid UTF-8 (a lone
     * continuation byte, an overlong '/', a surrogate, a truncated sequence) become \xNN;
     * valid UTF-8 (é, 日, an emoji) is kept. The file name and field are escaped too. */
    tq__error(ctx, TQ_ERR_PARSE, "b\nc.csv", 2, "f\x1b[31m", "bad '%s'",
              "a\x01\x7f\xff\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xc0\xaf\xed\xa0\x80\xe6\x97");
    tq_error_format(ctx, buf, sizeof buf);
    assert_string_equal(buf, "b\\x0Ac.csv:2: field 'f\\x1B[31m': bad 'a\\x01\\x7F\\xFF\xc3\xa9\xe6\x97\xa5"
                             "\xf0\x9f\x98\x80\\xC0\\xAF\\xED\\xA0\\x80\\xE6\\x97'");
    /* a long message of multi-byte characters is cut between characters, never inside one */
    char longmsg[1200];
    for (int k = 0; k < 400; k++)
        memcpy(longmsg + 2 * k, "\xc3\xa9", 2);
    longmsg[800] = 0;
    tq__error(ctx, TQ_ERR_PARSE, NULL, 0, NULL, "%s", longmsg);
    const char *m = tq_last_error(ctx)->message;
    size_t ml = strlen(m);
    assert_true(ml > 400 && ml < 512 && ml % 2 == 0);
    assert_string_equal(tq_status_string(TQ_ERR_NOT_CONVERGED), "did not converge");
    tq_context_cancel(ctx);
    assert_int_equal(tq__progress(ctx, "solve", 0.5), TQ_ERR_CANCELLED);
    tq_context_reset_cancel(ctx);
    assert_int_equal(tq__progress(ctx, "solve", 0.5), TQ_OK);
    tq_context_free(ctx);
    tq_context_free(NULL);
}

static void test_allocator_failures(void **state)
{
    (void)state;
    /* Fail the k-th allocation for every k until loading the tiny dataset succeeds:
     * every failure must be reported as TQ_ERR_NOMEM and leak nothing. */
    tq_test_read_sweep(tq_dataset_load, TQ_TEST_DATA "/tiny", NULL);
}

static void test_csv_reader(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    tq_context_new(&ctx, NULL);
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "a.csv",
                  "\xEF\xBB\xBF"
                  "x,\"y\",z\r\n1,2.5,\r\n\n3,1e400,nan\n4,5x,6\n");
    char path[4200];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    tq__csv c;
    assert_int_equal(tq__csv_open(ctx, &c, path, ','), TQ_OK);
    static const char *const want[] = {"x", "y", "z"};
    int col[3];
    assert_int_equal(tq__csv_read_header(&c, want, 3, col), TQ_OK);
    assert_int_equal(col[0], 0);
    assert_int_equal(col[1], 1);
    assert_int_equal(tq__csv_next(&c), 1);
    double v;
    assert_int_equal(tq__csv_double(&c, 1, &v), TQ_OK);
    assert_true(v == 2.5);
    assert_int_equal(tq__csv_double(&c, 2, &v), TQ_ERR_PARSE); /* empty */
    assert_int_equal(tq__csv_double_or(&c, 2, 0.0, &v), TQ_OK);
    assert_int_equal(tq__csv_next(&c), 1); /* blank line skipped */
    assert_int_equal(c.line, 4);
    assert_int_equal(tq__csv_double(&c, 1, &v), TQ_ERR_PARSE); /* 1e400 overflows to inf */
    tq_assert_error(ctx, "a.csv:4", "field 'y'", "not a finite number");
    assert_int_equal(tq__csv_double(&c, 2, &v), TQ_ERR_PARSE);
    tq_assert_error(ctx, "field 'z'", "not a finite number: 'nan'");
    assert_int_equal(tq__csv_next(&c), 1);
    assert_int_equal(tq__csv_double(&c, 1, &v), TQ_ERR_PARSE);
    tq_assert_error(ctx, "a.csv:5", "not a number: '5x'");
    assert_int_equal(tq__csv_next(&c), 0);
    tq__csv_close(&c);

    /* a missing column in the header is named */
    assert_int_equal(tq__csv_open(ctx, &c, path, ','), TQ_OK);
    static const char *const want2[] = {"x", "value"};
    assert_int_equal(tq__csv_read_header(&c, want2, 2, col), TQ_ERR_PARSE);
    tq_assert_error(ctx, "a.csv:1", "missing column 'value'");
    tq__csv_close(&c);

    /* CR-only line endings are refused with the line, not read as one long line */
    tq_test_write(dir, "cr.csv", "x,y\r1,2\r3,4\r");
    snprintf(path, sizeof path, "%s/cr.csv", dir);
    assert_int_equal(tq__csv_open(ctx, &c, path, ','), TQ_OK);
    assert_int_equal(tq__csv_read_header(&c, want, 2, col), TQ_ERR_PARSE);
    tq_assert_error(ctx, "cr.csv:1", "CR-only line endings");
    tq__csv_close(&c);

    /* missing file */
    snprintf(path, sizeof path, "%s/none.csv", dir);
    assert_int_equal(tq__csv_open(ctx, &c, path, ','), TQ_ERR_IO);
    tq_assert_error(ctx, "none.csv", "file not found");
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

static void test_index(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    tq_context_new(&ctx, NULL);
    tq__index ix;
    assert_int_equal(tq__index_init(ctx, &ix, 2), TQ_OK);
    char key[16];
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "K%d", k);
        assert_int_equal(tq__index_put(&ix, key, k), TQ_OK);
    }
    assert_int_equal(tq__index_put(&ix, "K5", 1), TQ_ERR_INVALID);
    for (int k = 0; k < 1000; k++) {
        snprintf(key, sizeof key, "K%d", k);
        assert_int_equal(tq__index_get(&ix, key), k);
    }
    assert_int_equal(tq__index_get(&ix, "nope"), -1);
    tq__index_free(&ix);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_and_errors),
        cmocka_unit_test(test_allocator_failures),
        cmocka_unit_test(test_csv_reader),
        cmocka_unit_test(test_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
