/* strategy: in scenario files (docs/strategic.md, "Moves in scenario files"): parsing the
 * moves, resolving them against the tiny economy, and each error with its line. */
#include "tq_test.h"

#include "scenario/spec.h"

#include <math.h>

static tq_context *ctx;
static tq_dataset *ds;

static int setup(void **state)
{
    (void)state;
    return tq_context_new(&ctx, NULL) || tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds) ? -1 : 0;
}
static int teardown(void **state)
{
    (void)state;
    tq_dataset_free(ds);
    tq_context_free(ctx);
    return 0;
}

static tq_spec *parse_ok(const char *text)
{
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, text, strlen(text), "s.yaml", &sp) != TQ_OK) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("parse failed: %s", b);
    }
    return sp;
}

/* Parsing text fails with status st and a message that starts with "s.yaml:LINE:" and
 * contains `what`. */
static void parse_fails(const char *text, tq_status st, int line, const char *what)
{
    tq_spec *sp = NULL;
    tq_status got = tq_spec_parse(ctx, text, strlen(text), "s.yaml", &sp);
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    if (got != st || !strstr(b, what)) {
        tq_spec_free(sp);
        fail_msg("expected status %d with '%s', got %d: %s", (int)st, what, (int)got, b);
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "s.yaml:%d:", line);
    if (strncmp(b, prefix, strlen(prefix)))
        fail_msg("expected the error at line %d: %s", line, b);
    assert_null(sp);
}

static void test_parse_moves(void **state)
{
    (void)state;
    tq_spec *sp = parse_ok("name: s\n"
                           "tariffs:\n"
                           "  - {importer: AAA, exporter: BBB, sectors: G, add: 5pp}\n"
                           "strategy:\n"
                           "  - optimal: AAA\n"
                           "    sectors: goods\n"
                           "    max_tariff: 150%\n"
                           "  - optimal: bbb\n" /* codes without regard to case, as in shocks */
                           "    form: uniform\n"
                           "  - nash: [CCC, North]\n" /* a group expands in its own order */
                           "    form: per-partner\n"
                           "  - talks: [AAA, BBB]\n"
                           "    threat:\n"
                           "      - {importer: AAA, exporter: BBB, sectors: all, add: 25pp}\n");
    assert_int_equal(tq_spec_moves(sp, 0), 4);
    assert_int_equal(tq_spec_moves(sp, 1), 0);
    tq__move_spec m;
    assert_int_equal(tq__spec_move(ctx, sp, 0, 0, ds, &m), TQ_OK);
    assert_int_equal(m.kind, TQ_MOVE_OPTIMAL);
    assert_int_equal(m.nplayers, 1);
    assert_int_equal(m.players[0], 0);
    assert_int_equal(m.nsectors, 1);
    assert_int_equal(m.sectors[0], 0);
    assert_true(m.form == -1);
    assert_true(m.upper == 1.5);
    assert_string_equal(m.where, "s.yaml:5:5");
    tq__move_spec_free(ctx, &m);
    assert_int_equal(tq__spec_move(ctx, sp, 0, 1, ds, &m), TQ_OK);
    assert_int_equal(m.players[0], 1);
    assert_int_equal(m.form, TQ_FORM_UNIFORM);
    assert_null(m.sectors);
    assert_true(m.upper == 0);
    tq__move_spec_free(ctx, &m);
    assert_int_equal(tq__spec_move(ctx, sp, 0, 2, ds, &m), TQ_OK);
    assert_int_equal(m.kind, TQ_MOVE_NASH);
    assert_int_equal(m.nplayers, 3);
    assert_int_equal(m.players[0], 2);
    assert_int_equal(m.players[1], 0);
    assert_int_equal(m.players[2], 1);
    assert_int_equal(m.form, TQ_FORM_PER_PARTNER);
    tq__move_spec_free(ctx, &m);
    assert_int_equal(tq__spec_move(ctx, sp, 0, 3, ds, &m), TQ_OK);
    assert_int_equal(m.kind, TQ_MOVE_TALKS);
    assert_int_equal(m.has_threat, 1);
    tq__move_spec_free(ctx, &m);
    /* the threat adds 25 points to AAA's tariffs on BBB to whatever they are then */
    double t[3 * 3 * 2] = {0};
    t[(0 * 3 + 1) * 2 + 0] = 0.10;
    assert_int_equal(tq__spec_move_threat(ctx, sp, 0, 3, ds, t), TQ_OK);
    assert_true(fabs(t[(0 * 3 + 1) * 2 + 0] - 0.35) < 1e-15);
    assert_true(fabs(t[(0 * 3 + 1) * 2 + 1] - 0.25) < 1e-15);
    assert_true(t[(1 * 3 + 0) * 2 + 0] == 0);
    tq_spec_free(sp);

    /* one move as a mapping; nash among all */
    sp = parse_ok("strategy: {nash: all}\n");
    assert_int_equal(tq_spec_moves(sp, 0), 1);
    assert_int_equal(tq__spec_move(ctx, sp, 0, 0, ds, &m), TQ_OK);
    assert_int_equal(m.nplayers, 3);
    tq__move_spec_free(ctx, &m);
    tq_spec_free(sp);

    /* several scenarios: each its own moves */
    sp = parse_ok("scenarios:\n"
                  "  - name: a\n"
                  "    strategy: [{optimal: AAA}]\n"
                  "  - name: b\n");
    assert_int_equal(tq_spec_moves(sp, 0), 1);
    assert_int_equal(tq_spec_moves(sp, 1), 0);
    tq_spec_free(sp);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_fails("strategy:\n  - optimal: AAA\n    colour: red\n", TQ_ERR_PARSE, 3, "unknown key 'colour'");
    parse_fails("strategy:\n  - sectors: G\n", TQ_ERR_PARSE, 2, "names no move");
    parse_fails("strategy:\n  - optimal: AAA\n    nash: [BBB, CCC]\n", TQ_ERR_PARSE, 3, "one move per entry");
    parse_fails("strategy:\n  - optimal: [AAA, BBB]\n", TQ_ERR_PARSE, 2, "one region code");
    parse_fails("strategy:\n  - optimal: all\n", TQ_ERR_PARSE, 2, "not all");
    parse_fails("strategy:\n  - optimal: AAA\n    form: discriminatory\n", TQ_ERR_PARSE, 3, "form is sector");
    parse_fails("strategy:\n  - optimal: AAA\n    max_tariff: 3\n", TQ_ERR_PARSE, 3, "max_tariff is a percentage");
    parse_fails("strategy:\n  - optimal: AAA\n    max_tariff: -5%\n", TQ_ERR_PARSE, 3, "max_tariff");
    parse_fails("strategy:\n  - talks: [AAA]\n", TQ_ERR_PARSE, 2, "at least two regions");
    parse_fails("strategy:\n  - nash: [AAA, BBB]\n    threat:\n      - {importer: AAA, exporter: BBB, "
                "sectors: G, add: 5pp}\n",
                TQ_ERR_PARSE, 3, "threat: belongs to a talks: move");
    parse_fails("strategy:\n  - talks: [AAA, BBB]\n    threat:\n      - {importer: AAA, sectors: G, add: 5pp}\n",
                TQ_ERR_PARSE, 4, "needs importer: and exporter:");
    parse_fails("strategy: []\n", TQ_ERR_PARSE, 1, "strategy: is a list of moves");
    parse_fails("strategy: USA\n", TQ_ERR_PARSE, 1, "strategy: is a list of moves");
    parse_fails("strategy:\n  - USA\n", TQ_ERR_PARSE, 2, "each strategy: entry is a mapping");
    /* the moves change tariffs only: no NTBs, no share or target closure */
    parse_fails("ntb:\n  - {importer: AAA, exporter: BBB, sectors: G, ave: 10%}\nstrategy:\n  - optimal: AAA\n",
                TQ_ERR_PARSE, 2, "tariff shocks only");
    parse_fails("closure: share\nstrategy:\n  - optimal: AAA\n", TQ_ERR_PARSE, 3, "closure fixed or balanced");
    parse_fails("closure: target\ndeficits: {AAA: 0}\nstrategy:\n  - optimal: AAA\n", TQ_ERR_PARSE, 4,
                "closure fixed or balanced");
    parse_fails("uncertainty: {draws: 10}\nstrategy:\n  - optimal: AAA\n", TQ_ERR_PARSE, 3, "no uncertainty: draws");
    parse_fails("strategy:\n  - optimal: AAA\nscenarios:\n  - name: a\n", TQ_ERR_PARSE, 4, "inside each scenario");
    parse_fails("scenarios:\n  - name: a\n    closure: share\n    strategy:\n      - nash: all\n", TQ_ERR_PARSE, 5,
                "closure fixed or balanced");
}

/* codes, groups and sectors are checked against the dataset, at the entry's place */
static void test_resolve_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        tq_status st;
        const char *where, *what;
    } cases[] = {
        {"strategy:\n  - optimal: XYZ\n", TQ_ERR_NOT_FOUND, "s.yaml:2:14", "unknown region 'XYZ' in dataset tiny"},
        {"strategy:\n  - optimal: North\n", TQ_ERR_INVALID, "s.yaml:2:14", "'North' is a group of 2"},
        {"strategy:\n  - nash: [AAA, North]\n", TQ_ERR_INVALID, "s.yaml:2:11", "region AAA is named twice"},
        {"strategy:\n  - nash: [AAA]\n  - optimal: CCC\n    sectors: [G, Z9]\n", TQ_ERR_NOT_FOUND, "s.yaml:4:14",
         "unknown sector or group 'Z9'"},
        {"strategy:\n  - talks: AAA\n", TQ_ERR_INVALID, "s.yaml:2:12", "talks: needs at least two regions"},
        {"strategy:\n  - talks: North\n", TQ_OK, "", ""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tq_spec *sp = parse_ok(cases[c].text);
        int last = tq_spec_moves(sp, 0) - 1;
        tq__move_spec m;
        tq_status st = tq__spec_move(ctx, sp, 0, last, ds, &m);
        if (cases[c].st == TQ_OK) {
            assert_int_equal(st, TQ_OK);
            tq__move_spec_free(ctx, &m);
        } else {
            char b[2048];
            tq_error_format(ctx, b, sizeof b);
            if (st != cases[c].st || strncmp(b, cases[c].where, strlen(cases[c].where)) || !strstr(b, cases[c].what))
                fail_msg("case %zu: got %d: %s", c, (int)st, b);
        }
        tq_spec_free(sp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_moves),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_resolve_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
