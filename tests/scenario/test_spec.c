/* Scenario files: parsing, error positions, and applying shocks to the tiny economy. */
#include "tq_test.h"

#include <math.h>

static tq_context *ctx;
static tq_dataset *ds;
static tq_baseline *base;

static int setup(void **state)
{
    (void)state;
    if (tq_context_new(&ctx, NULL) || tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds) ||
        tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &base))
        return -1;
    return 0;
}
static int teardown(void **state)
{
    (void)state;
    tq_baseline_free(base);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    return 0;
}

static tq_spec *parse_ok(const char *text)
{
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, text, strlen(text), "t.yaml", &sp) != TQ_OK) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("parse failed: %s", b);
    }
    return sp;
}

/* Apply scenario 0 of text to a fresh scenario; returns it (caller frees). */
static tq_scenario *apply_ok(const char *text)
{
    tq_spec *sp = parse_ok(text);
    tq_scenario *sc = NULL;
    assert_int_equal(tq_scenario_new(ctx, base, &sc), TQ_OK);
    if (tq_spec_apply(ctx, sp, 0, ds, base, sc) != TQ_OK) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("apply failed: %s", b);
    }
    tq_spec_free(sp);
    return sc;
}

#define T(n, i, j) (((n)*3 + (i)) * 2 + (j))

static void test_tariff_ops(void **state)
{
    (void)state;
    /* base tariffs: AAA on BBB goods 10%, BBB on AAA 20%, CCC on AAA 5% */
    tq_scenario *sc = apply_ok("tariffs:\n"
                               "  - {importer: AAA, exporter: BBB, sectors: G, add: 25pp}\n"
                               "  - {importer: BBB, exporter: AAA, sectors: goods, set: 0%}\n"
                               "  - {importer: CCC, exporter: all, sectors: [G], scale: 2}\n");
    const double *t = tq_scenario_tariffs(sc);
    tq_assert_close(t[T(0, 1, 0)], 0.35, 1e-15);
    tq_assert_close(t[T(1, 0, 0)], 0.0, 1e-15);
    tq_assert_close(t[T(2, 0, 0)], 2 * 1.05 - 1, 1e-15); /* (1+t) doubles */
    tq_assert_close(t[T(2, 1, 0)], 1.0, 1e-15);          /* from 0: 1+t = 2 */
    assert_true(t[T(2, 2, 0)] == 0);                     /* never domestic */
    assert_true(t[T(0, 2, 0)] == 0);                     /* untouched */
    tq_scenario_free(sc);
}

static void test_ntb(void **state)
{
    (void)state;
    tq_scenario *sc = apply_ok("ntb:\n"
                               "  - {importer: AAA, exporter: BBB, sectors: G, ave: 10%}\n"
                               "  - {importer: CCC, exporter: [AAA, BBB], sectors: all, partial_effect: 0.4}\n");
    const double *d = tq_scenario_iceberg(sc);
    tq_assert_close(d[T(0, 1, 0)], 1.10, 1e-15);
    /* theta = 4: d^ = exp(-0.4/4), so flows at given prices scale by exp(0.4) */
    tq_assert_close(d[T(2, 0, 0)], exp(-0.1), 1e-15);
    tq_assert_close(d[T(2, 1, 1)], exp(-0.1), 1e-15);
    assert_true(d[T(2, 2, 0)] == 1);
    tq_scenario_free(sc);
}

/* Parse text as if it were dir/t.yaml (so that pairs_file: resolves into dir) and
 * apply it: returns the status of the step that failed (parse or apply) or TQ_OK, with
 * the scenario in *out (caller frees) on success. */
static tq_status apply_in(const char *dir, const char *text, tq_scenario **out)
{
    char origin[4200];
    snprintf(origin, sizeof origin, "%s/t.yaml", dir);
    tq_spec *sp = NULL;
    *out = NULL;
    tq_status st = tq_spec_parse(ctx, text, strlen(text), origin, &sp);
    if (st)
        return st;
    tq_scenario *sc = NULL;
    assert_int_equal(tq_scenario_new(ctx, base, &sc), TQ_OK);
    st = tq_spec_apply(ctx, sp, 0, ds, base, sc);
    tq_spec_free(sp);
    if (st)
        tq_scenario_free(sc);
    else
        *out = sc;
    return st;
}

/* The documented form (docs/scenarios.md): ntb pairs from a file, partial_effect: from_file,
 * no importer:/exporter:. Each listed pair (exporter i, importer n) gets
 * d^ = exp(-b / theta_j) in every selected sector; other pairs, domestic ones included,
 * keep d^ = 1. */
static void test_pairs_file(void **state)
{
    (void)state;
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "pairs.csv", "exporter,importer,value\nAAA,BBB,0.8\nCCC,AAA,-0.4\n");
    tq_scenario *sc = NULL;
    tq_status st = apply_in(dir,
                            "ntb:\n"
                            "  - pairs_file: pairs.csv\n"
                            "    sectors: all\n"
                            "    partial_effect: from_file\n"
                            "  - {importer: all, exporter: all, sectors: S, ave: 10%}\n",
                            &sc);
    if (st) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("pairs_file scenario failed: %s", b);
    }
    const double *d = tq_scenario_iceberg(sc);
    /* theta = 4 in both sectors of the tiny economy */
    tq_assert_close(d[T(1, 0, 0)], exp(-0.2), 1e-15);       /* BBB imports from AAA, goods */
    tq_assert_close(d[T(0, 2, 0)], exp(0.1), 1e-15);        /* AAA imports from CCC, goods */
    tq_assert_close(d[T(1, 0, 1)], exp(-0.2) * 1.1, 1e-15); /* services: then the ave shock */
    assert_true(d[T(0, 1, 0)] == 1);                        /* AAA from BBB: not listed */
    assert_true(d[T(2, 0, 0)] == 1);                        /* CCC from AAA: not listed */
    for (int n = 0; n < 3; n++) {                           /* domestic trade untouched by both */
        assert_true(d[T(n, n, 0)] == 1);
        assert_true(d[T(n, n, 1)] == 1);
    }
    tq_assert_close(d[T(2, 1, 1)], 1.1, 1e-15);
    tq_scenario_free(sc);

    /* errors: the pairs file follows the long-table convention; the entry's keys are checked */
    static const struct {
        const char *csv, *yaml;
        tq_status st;
        const char *n1, *n2;
    } cases[] = {
        {"exporter,importer,value\nAAA,BBB,0.8\nAAA,ZZZ,0.1\n", NULL, TQ_ERR_NOT_FOUND, "pairs.csv:3: field 'importer'",
         "unknown region code 'ZZZ'"},
        {"exporter,importer,value\nAAA,BBB,0.8\nAAA,BBB,0.1\n", NULL, TQ_ERR_PARSE, "pairs.csv:3: field 'exporter'",
         "duplicate pair row: exporter=AAA importer=BBB is also on line 2"},
        {"exporter,importer,value\nAAA,BBB,big\n", NULL, TQ_ERR_PARSE, "pairs.csv:2: field 'value'",
         "not a number: 'big'"},
        {"exporter,value\nAAA,0.8\n", NULL, TQ_ERR_PARSE, "pairs.csv:1: field 'importer'", "missing column 'importer'"},
        {"exporter,importer,value\nAAA,BBB\n", NULL, TQ_ERR_PARSE, "pairs.csv:2", "truncated row"},
        {"exporter,importer,value\nAAA,BBB,0.8\n",
         "ntb:\n  - {pairs_file: pairs.csv, importer: AAA, sectors: all, partial_effect: from_file}\n", TQ_ERR_PARSE,
         "t.yaml:2:29", "drop importer: and exporter:"},
        {"exporter,importer,value\nAAA,BBB,0.8\n",
         "ntb:\n  - {importer: AAA, exporter: BBB, sectors: all, partial_effect: from_file}\n", TQ_ERR_PARSE,
         "t.yaml:2:5", "from_file goes with pairs_file:"},
        {"exporter,importer,value\nAAA,BBB,0.8\n", "ntb:\n  - {pairs_file: pairs.csv, sectors: all, ave: 10%}\n",
         TQ_ERR_PARSE, "t.yaml:2:5", "from_file goes with pairs_file:"},
        {"exporter,importer,value\nAAA,BBB,0.8\n",
         "ntb:\n  - {pairs_file: nothere.csv, sectors: all, partial_effect: from_file}\n", TQ_ERR_IO, "nothere.csv",
         "file not found"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tq_test_write(dir, "pairs.csv", cases[k].csv);
        const char *yaml = cases[k].yaml ? cases[k].yaml
                                         : "ntb:\n  - {pairs_file: pairs.csv, sectors: G, partial_effect: from_file}\n";
        st = apply_in(dir, yaml, &sc);
        char msg[2048];
        tq_error_format(ctx, msg, sizeof msg);
        if (st != cases[k].st)
            fail_msg("case %zu: status %d, expected %d: %s", k, st, cases[k].st, msg);
        assert_null(sc);
        if (!strstr(msg, cases[k].n1) || !strstr(msg, cases[k].n2))
            fail_msg("case %zu: message '%s' lacks '%s' or '%s'", k, msg, cases[k].n1, cases[k].n2);
    }
    tq_test_rmtree(dir);
}

static void test_deficit_target(void **state)
{
    (void)state;
    /* D = (-10, 10, 0); BBB -> 0 means a change of -10, offset by AAA and CCC in
     * proportion to VA (203, 119) */
    tq_spec *sp = parse_ok("deficits:\n  BBB: 0\n");
    tq_spec_info si;
    tq_spec_get(sp, 0, &si);
    assert_int_equal(si.closure, TQ_CLOSURE_TARGET);
    assert_string_equal(si.name, "t");
    tq_spec_free(sp);
    tq_scenario *sc = apply_ok("deficits:\n  BBB: 0\n");
    tq_result *r = NULL;
    assert_int_equal(tq_solve(ctx, base, sc, NULL, &r), TQ_OK);
    const double *D = tq_result_array(r, TQ_RES_DEFICIT, NULL);
    const double *VA = tq_baseline_array(base, TQ_VA, NULL);
    /* targets are in numeraire units: check the shares that were asked for */
    assert_true(fabs(D[1]) < 1e-9);
    tq_assert_close(D[0] + D[2], 0, 1e-9);
    tq_assert_close(D[0] - (-10 + 10 * VA[0] / (VA[0] + VA[2])), 0, 1e-6 * 203);
    tq_result_free(r);
    tq_scenario_free(sc);
}

static void test_multi_and_args(void **state)
{
    (void)state;
    tq_spec *sp = parse_ok("data: {dataset: wiod2014, year: 2014}\nclosure: balanced\nscenarios:\n"
                           "  - name: one\n    tariffs: [{importer: AAA, exporter: BBB, sectors: G, set: 5%}]\n"
                           "  - name: two\n    closure: fixed\n");
    assert_int_equal(tq_spec_count(sp), 2);
    tq_spec_info si;
    tq_spec_get(sp, 0, &si);
    assert_string_equal(si.name, "one");
    assert_string_equal(si.dataset, "wiod2014");
    assert_int_equal(si.year, 2014);
    assert_int_equal(si.closure, TQ_CLOSURE_BALANCED);
    tq_spec_get(sp, 1, &si);
    assert_int_equal(si.closure, TQ_CLOSURE_FIXED);
    tq_spec_free(sp);

    assert_int_equal(tq_spec_new(ctx, NULL, &sp), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB,CCC:all=+5pp"), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "CCC:AAA:G=x1.1"), TQ_OK);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=20"), TQ_ERR_PARSE);
    tq_assert_error(ctx, "--tariff AAA:BBB:G=20", "VALUE is 20%");
    /* "+25%" would read as "add" but % sets: refused, with both spellings offered */
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=+25%"), TQ_ERR_PARSE);
    {
        char m[512];
        tq_error_format(ctx, m, sizeof m);
        assert_non_null(strstr(m, "+25pp to add points, or 25% to set"));
    }
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB=20%"), TQ_ERR_PARSE);
    assert_int_equal(tq_spec_add_tariff_arg(ctx, sp, "AAA:BBB:G=-120%"), TQ_ERR_INVALID);
    tq_assert_error(ctx, "below -100%");
    tq_scenario *sc = NULL;
    tq_scenario_new(ctx, base, &sc);
    assert_int_equal(tq_spec_apply(ctx, sp, 0, ds, base, sc), TQ_OK);
    const double *t = tq_scenario_tariffs(sc);
    tq_assert_close(t[T(0, 1, 0)], 0.15, 1e-15);
    tq_assert_close(t[T(0, 2, 1)], 0.05, 1e-15); /* services too: sectors all */
    tq_assert_close(t[T(2, 0, 0)], 1.05 * 1.1 - 1, 1e-15);
    tq_scenario_free(sc);
    tq_spec_free(sp);
}

typedef struct bad {
    const char *text;
    tq_status parse, apply;
    const char *where, *what;
} bad;

static void test_errors(void **state)
{
    (void)state;
    static const bad cases[] = {
        {"tariffs:\n  - {importer: AAA, exporter: ZZZ, sectors: G, add: 5pp}\n", TQ_OK, TQ_ERR_NOT_FOUND, "t.yaml:2:31",
         "unknown region 'ZZZ'"},
        {"tariffs:\n  - importer: AAA\n    exporter: BBB\n    sectors: cars\n    add: 5pp\n", TQ_OK, TQ_ERR_NOT_FOUND,
         "t.yaml:4:14", "unknown sector or group 'cars'"},
        {"tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, set: -150%}\n", TQ_ERR_INVALID, TQ_OK, "t.yaml:2:53",
         "below -100%"},
        {"tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, add: -150pp}\n", TQ_OK, TQ_ERR_INVALID, "t.yaml:2:5",
         "below -100%"},
        {"tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G, set: 20}\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:2:53",
         "set takes a percentage"},
        {"tariffs:\n  - {importer: AAA, exporter: BBB, sectors: G}\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:2:5",
         "has no value"},
        {"tariffs:\n  - {importer: AAA, sectors: G, set: 5%}\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:2:5",
         "needs importer: and exporter:"},
        {"tarifs:\n  - {}\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:1:1", "unknown key 'tarifs'"},
        {"tariffs: [\n  {importer: AAA\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:", "malformed YAML"},
        {"closure: sometimes\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:1:10", "closure is fixed, balanced"},
        {"deficits:\n  AAA: 5\n  BBB: 0\n  CCC: 0\n", TQ_OK, TQ_ERR_INVALID, "t.yaml:2:3", "sum to 5 M USD, not 0"},
        {"deficits:\n  QQQ: 0\n", TQ_OK, TQ_ERR_NOT_FOUND, "t.yaml:2:3", "unknown region 'QQQ'"},
        {"closure: fixed\ndeficits:\n  AAA: 0\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:1:1", "needs closure: target"},
        {"ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, add: 5pp}\n", TQ_ERR_PARSE, TQ_OK, "t.yaml:2:48",
         "'add' belongs in tariffs"},
    };
    int bad_count = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bad *b = &cases[k];
        tq_spec *sp = NULL;
        tq_status st = tq_spec_parse(ctx, b->text, strlen(b->text), "t.yaml", &sp);
        char msg[2048];
        tq_error_format(ctx, msg, sizeof msg);
        if (st != b->parse)
            fail_msg("case %zu: parse status %d, expected %d (%s)", k, st, b->parse, msg);
        if (st == TQ_OK) {
            tq_scenario *sc = NULL;
            tq_scenario_new(ctx, base, &sc);
            st = tq_spec_apply(ctx, sp, 0, ds, base, sc);
            tq_error_format(ctx, msg, sizeof msg);
            tq_scenario_free(sc);
            tq_spec_free(sp);
            if (st != b->apply)
                fail_msg("case %zu: apply status %d, expected %d (%s)", k, st, b->apply, msg);
        } else {
            assert_null(sp);
        }
        if (!strstr(msg, b->where) || !strstr(msg, b->what)) {
            printf("case %zu: message '%s' lacks '%s' or '%s'\n", k, msg, b->where, b->what);
            bad_count++;
        }
    }
    assert_int_equal(bad_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tariff_ops),     cmocka_unit_test(test_ntb),    cmocka_unit_test(test_deficit_target),
        cmocka_unit_test(test_multi_and_args), cmocka_unit_test(test_errors), cmocka_unit_test(test_pairs_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
