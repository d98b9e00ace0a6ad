/* The long-table reader (src/core/longtable.h): keys through code lists and callbacks,
 * values with the empty-value rule, optional columns, duplicates, completeness, gzip,
 * and the one error convention "file:line: field 'col': message" with its status. */
#include "tq_test.h"

#include <math.h>
#include <zlib.h>

#include "core/longtable.h"

static tq_context *ctx;
static char *dir;
static tq__index regions, sectors;
static const char *const region_codes[] = {"AAA", "BBB", "CCC"};
static const char *const sector_codes[] = {"G", "S"};

static int setup(void **state)
{
    (void)state;
    if (tq_context_new(&ctx, NULL))
        return -1;
    dir = tq_test_tmpdir();
    if (tq__index_init(ctx, &regions, 3) || tq__index_init(ctx, &sectors, 2))
        return -1;
    for (int k = 0; k < 3; k++)
        if (tq__index_put(&regions, region_codes[k], k))
            return -1;
    for (int k = 0; k < 2; k++)
        if (tq__index_put(&sectors, sector_codes[k], k))
            return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tq__index_free(&regions);
    tq__index_free(&sectors);
    tq_context_free(ctx);
    tq_test_rmtree(dir);
    return 0;
}

/* Years 2019..2021 as a callback key: index, -1 unknown, -2 not a number. */
static int year_code(void *ud, const char *s)
{
    (void)ud;
    char *end;
    long y = strtol(s, &end, 10);
    if (*end)
        return -2;
    return y >= 2019 && y <= 2021 ? (int)(y - 2019) : -1;
}

static tq__lt_col key(const char *name, int region)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_KEY;
    c.codes = region ? &regions : &sectors;
    c.count = region ? 3 : 2;
    c.what = region ? "region code" : "sector code";
    c.hint = region ? "not in regions.csv" : NULL;
    c.label = region ? region_codes : sector_codes;
    return c;
}

static tq__lt_col value(const char *name)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_VALUE;
    return c;
}

/* The flows table of the tests: exporter, importer, sector keys, a value and an optional
 * tariff that reads as 0 when empty or absent, and an optional year. */
enum { C_EXP, C_IMP, C_SEC, C_VAL, C_TAR, C_YEAR, C_COUNT };
static void flow_cols(tq__lt_col *cols)
{
    cols[C_EXP] = key("exporter", 1);
    cols[C_IMP] = key("importer", 1);
    cols[C_SEC] = key("sector", 0);
    cols[C_VAL] = value("value");
    cols[C_TAR] = value("tariff");
    cols[C_TAR].optional = 1;
    cols[C_TAR].empty_ok = 1;
    cols[C_TAR].empty = 0;
    memset(&cols[C_YEAR], 0, sizeof cols[C_YEAR]);
    cols[C_YEAR].name = "year";
    cols[C_YEAR].type = TQ__LT_KEY;
    cols[C_YEAR].optional = 1;
    cols[C_YEAR].fn = year_code;
    cols[C_YEAR].count = 3;
    cols[C_YEAR].what = "year";
}

static const char *put(const char *name, const char *text)
{
    static char p[4200];
    tq_test_write(dir, name, text);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void test_good_table(void **state)
{
    (void)state;
    tq__lt_col cols[C_COUNT];
    flow_cols(cols);
    /* columns in another order than declared, an extra column, a blank line, CRLF */
    const char *path = put("flows.csv", "note,sector,importer,exporter,value,tariff\r\n"
                                        "x,G,BBB,AAA,1.5,0.1\r\n"
                                        "\r\n"
                                        "y,S,AAA,CCC,2e3,\r\n"
                                        "z,G,CCC,CCC,-0.25,0\r\n");
    const tq__lt_spec spec = {"flow", 1, 0, 0};
    tq__lt t;
    assert_int_equal(tq__lt_open(ctx, &t, path, cols, C_COUNT, &spec), TQ_OK);
    assert_true(tq__lt_has(&t, C_TAR));
    assert_false(tq__lt_has(&t, C_YEAR));
    static const struct {
        int e, i, s;
        double v, t;
        long line;
    } want[] = {{0, 1, 0, 1.5, 0.1, 2}, {2, 0, 1, 2000, 0, 4}, {2, 2, 0, -0.25, 0, 5}};
    tq_status st;
    int rows = 0;
    while (tq__lt_next(&t, &st)) {
        assert_true(rows < 3);
        assert_int_equal(tq__lt_key(&t, C_EXP), want[rows].e);
        assert_int_equal(tq__lt_key(&t, C_IMP), want[rows].i);
        assert_int_equal(tq__lt_key(&t, C_SEC), want[rows].s);
        assert_int_equal(tq__lt_key(&t, C_YEAR), 0);
        assert_true(tq__lt_value(&t, C_VAL) == want[rows].v);
        assert_true(tq__lt_value(&t, C_TAR) == want[rows].t);
        assert_int_equal(tq__lt_line(&t), want[rows].line);
        /* keys in declared order, row-major: (e*3 + i)*2 + s (the absent year adds none) */
        assert_int_equal(tq__lt_cell(&t), (size_t)((want[rows].e * 3 + want[rows].i) * 2 + want[rows].s));
        rows++;
    }
    assert_int_equal(st, TQ_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(tq__lt_seen(&t, (0 * 3 + 1) * 2 + 0), 2);
    assert_int_equal(tq__lt_seen(&t, 1), 0);    /* AAA,AAA,S: no row */
    assert_int_equal(tq__lt_finish(&t), TQ_OK); /* not `complete`: absent keys are fine */
    tq__lt_close(&t);
    tq__lt_close(&t); /* closing twice is harmless */

    /* without the optional tariff column: reads as the empty value */
    path = put("flows2.csv", "year,exporter,importer,sector,value\n2021,BBB,AAA,S,7\n");
    assert_int_equal(tq__lt_open(ctx, &t, path, cols, C_COUNT, NULL), TQ_OK);
    assert_false(tq__lt_has(&t, C_TAR));
    assert_true(tq__lt_next(&t, &st));
    assert_int_equal(tq__lt_key(&t, C_YEAR), 2);
    assert_true(tq__lt_value(&t, C_TAR) == 0);
    assert_true(tq__lt_value(&t, C_VAL) == 7);
    assert_string_equal(tq__lt_str(&t, C_EXP), "BBB");
    assert_false(tq__lt_next(&t, &st));
    assert_int_equal(st, TQ_OK);
    tq__lt_close(&t);
}

static void test_gzip(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/gz.csv.gz", dir);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    /* enough rows to span several read buffers */
    gzprintf(gz, "exporter,importer,sector,value\n");
    int n = 0;
    for (int e = 0; e < 3; e++)
        for (int i = 0; i < 3; i++)
            for (int s = 0; s < 2; s++)
                gzprintf(gz, "%s,%s,%s,%d.5\n", region_codes[e], region_codes[i], sector_codes[s], n++);
    gzclose(gz);
    tq__lt_col cols[C_COUNT];
    flow_cols(cols);
    const tq__lt_spec spec = {NULL, 1, 1, TQ_ERR_INVALID};
    tq__lt t;
    int found = 0;
    /* found through dir/name or dir/name.gz */
    assert_int_equal(tq__lt_open_in(ctx, &t, dir, "gz.csv", "test", &found, cols, C_COUNT, &spec), TQ_OK);
    assert_int_equal(found, 1);
    tq_status st;
    double sum = 0;
    int rows = 0;
    while (tq__lt_next(&t, &st)) {
        /* the value is the row's rank in key order, and so is the cell */
        assert_true(tq__lt_value(&t, C_VAL) == (double)rows + 0.5);
        assert_int_equal(tq__lt_cell(&t), (size_t)rows);
        sum += tq__lt_value(&t, C_VAL);
        rows++;
    }
    assert_int_equal(st, TQ_OK);
    assert_int_equal(rows, 18);
    assert_true(sum == 17.0 * 18 / 2 + 9);
    assert_int_equal(tq__lt_finish(&t), TQ_OK); /* complete: all 3 x 3 x 2 keys once */
    tq__lt_close(&t);

    /* an optional file that is absent: TQ_OK, not found, nothing open */
    assert_int_equal(tq__lt_open_in(ctx, &t, dir, "none.csv", NULL, &found, cols, C_COUNT, &spec), TQ_OK);
    assert_int_equal(found, 0);
    tq__lt_close(&t);
    /* a required one: TQ_ERR_IO naming the layout */
    assert_int_equal(tq__lt_open_in(ctx, &t, dir, "none.csv", "test", &found, cols, C_COUNT, &spec), TQ_ERR_IO);
    tq_assert_error(ctx, "none.csv", "missing file (the test layout needs none.csv or none.csv.gz)");
}

typedef struct bad_case {
    const char *text;
    tq__lt_spec spec;
    tq_status status;
    long line;
    const char *field; /* "" = none */
    const char *message;
} bad_case;

static void test_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* unknown code: NOT_FOUND naming file, line, field and code, with the hint */
        {"exporter,importer,sector,value\nAAA,BBB,G,1\nAAA,XYZ,G,1\n",
         {0},
         TQ_ERR_NOT_FOUND,
         3,
         "importer",
         "unknown region code 'XYZ' (not in regions.csv)"},
        {"exporter,importer,sector,value\nAAA,BBB,Q,1\n",
         {0},
         TQ_ERR_NOT_FOUND,
         2,
         "sector",
         "unknown sector code 'Q'"},
        /* callback keys: unknown and malformed */
        {"year,exporter,importer,sector,value\n2030,AAA,BBB,G,1\n",
         {0},
         TQ_ERR_NOT_FOUND,
         2,
         "year",
         "unknown year '2030'"},
        {"year,exporter,importer,sector,value\n20x0,AAA,BBB,G,1\n",
         {0},
         TQ_ERR_PARSE,
         2,
         "year",
         "not a valid year: '20x0'"},
        /* empty code */
        {"exporter,importer,sector,value\n,BBB,G,1\n", {0}, TQ_ERR_PARSE, 2, "exporter", "empty region code"},
        /* missing column: line 1, the first missing declared column */
        {"exporter,sector,value\nAAA,G,1\n", {0}, TQ_ERR_PARSE, 1, "importer", "missing column 'importer'"},
        {"", {0}, TQ_ERR_PARSE, 1, "", "empty file"},
        /* short row: the first missing column of the header */
        {"exporter,importer,sector,value,note\nAAA,BBB,G,1,x\nAAA,CCC,G,1\n",
         {0},
         TQ_ERR_PARSE,
         3,
         "note",
         "truncated row: 4 fields, expected 5"},
        /* a field the header does not name, empty or not: never dropped silently */
        {"exporter,importer,sector,value\nAAA,BBB,G,1\nAAA,CCC,G,1,7\n",
         {0},
         TQ_ERR_PARSE,
         3,
         "column 5",
         "extra field: 5 fields, expected 4"},
        {"exporter,importer,sector,value\nAAA,BBB,G,1,\n", {0}, TQ_ERR_PARSE, 2, "column 5", "extra field"},
        /* bad numbers */
        {"exporter,importer,sector,value\nAAA,BBB,G,1.2.3\n", {0}, TQ_ERR_PARSE, 2, "value", "not a number: '1.2.3'"},
        {"exporter,importer,sector,value\nAAA,BBB,G,inf\n", {0}, TQ_ERR_PARSE, 2, "value", "not a finite number"},
        {"exporter,importer,sector,value\nAAA,BBB,G,\n", {0}, TQ_ERR_PARSE, 2, "value", "empty value"},
        {"exporter,importer,sector,value,tariff\nAAA,BBB,G,1,abc\n",
         {0},
         TQ_ERR_PARSE,
         2,
         "tariff",
         "not a number: 'abc'"},
        /* duplicates: the spec's status, both lines, the keys */
        {"exporter,importer,sector,value\nAAA,BBB,G,1\nBBB,AAA,G,1\nAAA,BBB,G,2\n",
         {"flow", 1, 0, 0},
         TQ_ERR_PARSE,
         4,
         "exporter",
         "duplicate flow row: exporter=AAA importer=BBB sector=G is also on line 2"},
        {"exporter,importer,sector,value\nAAA,BBB,G,1\nAAA,BBB,G,2\n",
         {NULL, 1, 0, TQ_ERR_INVALID},
         TQ_ERR_INVALID,
         3,
         "exporter",
         "duplicate row: exporter=AAA importer=BBB sector=G is also on line 2"},
        /* complete: the first missing combination, on the last line */
        {"exporter,importer,sector,value\nAAA,AAA,G,1\nAAA,AAA,S,1\n",
         {NULL, 1, 1, 0},
         TQ_ERR_INVALID,
         3,
         "exporter",
         "no row for exporter=AAA importer=BBB sector=G: every combination must appear exactly once (2 rows, "
         "expected 18)"},
    };
    tq__lt_col cols[C_COUNT];
    flow_cols(cols);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bad_case *b = &cases[k];
        const char *path = put("bad.csv", b->text);
        tq__lt t;
        tq_status st = tq__lt_open(ctx, &t, path, cols, C_COUNT, &b->spec);
        if (!st) {
            while (tq__lt_next(&t, &st))
                ;
            if (!st)
                st = tq__lt_finish(&t);
        }
        tq__lt_close(&t);
        const tq_error *e = tq_last_error(ctx);
        char msg[2048], at[64];
        tq_error_format(ctx, msg, sizeof msg);
        if (st != b->status || e->status != b->status)
            fail_msg("case %zu: status %d, expected %d: %s", k, st, b->status, msg);
        if (e->line != b->line || strcmp(e->field, b->field) != 0 || !strstr(e->message, b->message))
            fail_msg("case %zu: got '%s', expected line %ld field '%s' message '%s'", k, msg, b->line, b->field,
                     b->message);
        /* the one-line form: file:line: field 'col': message */
        snprintf(at, sizeof at, "bad.csv:%ld: ", b->line);
        if (!strstr(msg, at) || (*b->field && !strstr(msg, "field '")))
            fail_msg("case %zu: '%s' is not of the form file:line: field 'col': message", k, msg);
    }
}

/* tq__lt_lookup, tq__lt_int and tq__lt_error on text columns. */
static void test_text_columns(void **state)
{
    (void)state;
    tq__lt_col cols[2] = {{0}, {0}};
    cols[0].name = "kind";
    cols[1].name = "code";
    const char *path = put("groups.csv", "kind,code\nregion,BBB\nsector,S\nregion,S\n7,G\n");
    tq__lt t;
    assert_int_equal(tq__lt_open(ctx, &t, path, cols, 2, NULL), TQ_OK);
    tq_status st;
    int idx = -1;
    assert_true(tq__lt_next(&t, &st));
    assert_int_equal(tq__lt_lookup(&t, 1, &regions, "region code", NULL, &idx), TQ_OK);
    assert_int_equal(idx, 1);
    assert_true(tq__lt_next(&t, &st));
    assert_int_equal(tq__lt_lookup(&t, 1, &sectors, "sector code", NULL, &idx), TQ_OK);
    assert_int_equal(idx, 1);
    long v = 0;
    assert_int_equal(tq__lt_int(&t, 0, &v), TQ_ERR_PARSE);
    tq_assert_error(ctx, "groups.csv:3: field 'kind': not an integer: 'sector'");
    assert_true(tq__lt_next(&t, &st));
    assert_int_equal(tq__lt_lookup(&t, 1, &regions, "region code", NULL, &idx), TQ_ERR_NOT_FOUND);
    tq_assert_error(ctx, "groups.csv:4: field 'code': unknown region code 'S'");
    assert_true(tq__lt_next(&t, &st));
    assert_int_equal(tq__lt_int(&t, 0, &v), TQ_OK);
    assert_int_equal(v, 7);
    assert_int_equal(tq__lt_error(&t, -1, TQ_ERR_INVALID, "row %d", 4), TQ_ERR_INVALID);
    tq_assert_error(ctx, "groups.csv:5: row 4");
    assert_false(tq__lt_next(&t, &st));
    assert_int_equal(st, TQ_OK);
    tq__lt_close(&t);
}

/* Every allocation of open, read and close may fail: the result is TQ_ERR_NOMEM and
 * nothing leaks; the read that succeeds reads every row. */
typedef struct sweep_arg {
    const char *path;
} sweep_arg;

static tq_status read_all(tq_context *c, void *arg)
{
    const sweep_arg *a = arg;
    tq__index rix, six;
    tq_status st = tq__index_init(c, &rix, 2);
    if (st)
        return st;
    if ((st = tq__index_init(c, &six, 2))) {
        tq__index_free(&rix);
        return st;
    }
    /* enough codes to make the index grow */
    char code[8];
    for (int k = 0; k < 40 && !st; k++) {
        snprintf(code, sizeof code, "R%02d", k);
        st = tq__index_put(&rix, code, k);
    }
    for (int k = 0; k < 2 && !st; k++)
        st = tq__index_put(&six, sector_codes[k], k);
    tq__lt_col cols[4] = {{0}, {0}, {0}, {0}};
    for (int k = 0; k < 2; k++) {
        cols[k].name = k ? "importer" : "exporter";
        cols[k].type = TQ__LT_KEY;
        cols[k].codes = &rix;
        cols[k].count = 40;
        cols[k].what = "region code";
    }
    cols[2].name = "sector";
    cols[2].type = TQ__LT_KEY;
    cols[2].codes = &six;
    cols[2].count = 2;
    cols[2].what = "sector code";
    cols[3].name = "value";
    cols[3].type = TQ__LT_VALUE;
    const tq__lt_spec spec = {"flow", 1, 0, 0};
    tq__lt t = {0};
    double sum = 0;
    int rows = 0;
    if (!st)
        st = tq__lt_open(c, &t, a->path, cols, 4, &spec);
    while (!st && tq__lt_next(&t, &st)) {
        sum += tq__lt_value(&t, 3);
        rows++;
    }
    tq__lt_close(&t);
    tq__index_free(&rix);
    tq__index_free(&six);
    if (!st) {
        assert_int_equal(rows, 40 * 2);
        assert_true(sum == 40.0 * 2);
    }
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    /* one long line (past the first 4 KiB buffer) and many fields (past 16) */
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "exporter,importer,sector,value");
    for (int k = 0; k < 20; k++)
        len += (size_t)snprintf(text + len, cap - len, ",note%d", k);
    len += (size_t)snprintf(text + len, cap - len, "\n");
    for (int e = 0; e < 40; e++)
        for (int s = 0; s < 2; s++) {
            len += (size_t)snprintf(text + len, cap - len, "R%02d,R%02d,%s,1", e, (e * 7) % 40, sector_codes[s]);
            for (int k = 0; k < 20; k++)
                len += (size_t)snprintf(text + len, cap - len, ",%s", e == 3 && k == 0 ? "" : "n");
            if (e == 3 && s == 0)
                for (int k = 0; k < 5000; k++)
                    text[len++] = 'x';
            text[len++] = '\n';
        }
    text[len] = 0;
    sweep_arg a = {put("sweep.csv", text)};
    free(text);
    long n = tq_test_alloc_sweep(read_all, &a, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
    assert_true(n > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_table),   cmocka_unit_test(test_gzip),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_text_columns), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
