/* Strategic moves of scenario files played by the runner (docs/strategic.md, "Moves in
 * scenario files") on the tiny economy: each mover gains, each move starts where the one
 * before ended and changes only the movers' tariffs, a grid of independent solves finds no
 * better tariff for the last mover, talks beat their threat point, and the outcome's
 * equilibrium is that of a plain run with the final tariffs given as shocks. */
#include "tq_test.h"

#include <math.h>

#define TINY TQ_TEST_DATA "/tiny"
enum { N = 3, J = 2 };
#define T(n, i, j) (((size_t)(n)*N + (size_t)(i)) * J + (size_t)(j))

static tq_context *ctx;
static tq_runner *runner;

static int setup(void **state)
{
    (void)state;
    return tq_context_new(&ctx, NULL) || tq_runner_new(ctx, &runner) ? -1 : 0;
}
static int teardown(void **state)
{
    (void)state;
    tq_runner_free(runner);
    tq_context_free(ctx);
    return 0;
}

static void die(const char *what)
{
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    fail_msg("%s: %s", what, b);
}

static tq_spec *parse(const char *text)
{
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, text, strlen(text), "moves.yaml", &sp) != TQ_OK)
        die("parse");
    return sp;
}

/* AAA's welfare (percent) at tariffs t with closure c, by a plain solve */
static double welfare_at(const tq_baseline *b, const double *t, int region)
{
    tq_scenario *sc;
    tq_result *r;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    memcpy(tq_scenario_tariffs(sc), t, sizeof(double) * N * N * J);
    tq_solver_options so;
    tq_solver_options_default(&so);
    so.tol = 1e-13;
    if (tq_solve(ctx, b, sc, &so, &r) != TQ_OK)
        die("solve");
    double w = tq_result_array(r, TQ_RES_WELFARE, NULL)[region];
    tq_result_free(r);
    tq_scenario_free(sc);
    return w;
}

/* The outcome's equilibrium against a plain run of the same data with every import
 * tariff of the outcome given as a `set:` shock, to 1e-9. */
static void check_direct_run(tq_outcome *oc, const char *closure)
{
    const tq_dataset *ds = tq_outcome_dataset(oc);
    const double *t = tq_scenario_tariffs(tq_outcome_scenario(oc));
    char *text = malloc(65536);
    size_t o =
        (size_t)snprintf(text, 65536, "name: direct\ndata: {dataset: %s}\nclosure: %s\ntariffs:\n", TINY, closure);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J && i != n; j++)
                o += (size_t)snprintf(text + o, 65536 - o,
                                      "  - {importer: %s, exporter: %s, sectors: %s, set: %.17g%%}\n",
                                      tq_dataset_region_code(ds, n), tq_dataset_region_code(ds, i),
                                      tq_dataset_sector_code(ds, j), 100 * t[T(n, i, j)]);
    tq_spec *sp = parse(text);
    free(text);
    tq_outcome *direct = NULL;
    if (tq_runner_run(runner, sp, 0, NULL, &direct) != TQ_OK)
        die("direct run");
    assert_null(tq_outcome_moves(direct));
    const tq_res arrays[] = {TQ_RES_WELFARE, TQ_RES_WHAT,    TQ_RES_PHAT, TQ_RES_X,
                             TQ_RES_INCOME,  TQ_RES_REVENUE, TQ_RES_EV};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
        size_t len1, len2;
        const double *x = tq_result_array(tq_outcome_result(oc), arrays[a], &len1);
        const double *y = tq_result_array(tq_outcome_result(direct), arrays[a], &len2);
        assert_int_equal(len1, len2);
        for (size_t q = 0; q < len1; q++)
            if (!(fabs(x[q] - y[q]) <= 1e-9 * fmax(1.0, fabs(y[q]))))
                fail_msg("array %d cell %zu: %.17g (moves) vs %.17g (direct run)", (int)arrays[a], q, x[q], y[q]);
    }
    tq_outcome_free(direct);
    tq_spec_free(sp);
}

static void test_sequential_optimal(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "name: seq\n"
             "data: {dataset: %s}\n"
             "closure: fixed\n"
             "tariffs:\n"
             "  - {importer: AAA, exporter: BBB, sectors: G, add: 5pp}\n"
             "strategy:\n"
             "  - optimal: AAA\n"
             "  - optimal: BBB\n"
             "    form: per-partner\n"
             "  - optimal: AAA\n",
             TINY);
    tq_spec *sp = parse(text);
    tq_outcome *oc = NULL;
    if (tq_runner_run(runner, sp, 0, NULL, &oc) != TQ_OK)
        die("run");
    const tq_moves *ms = tq_outcome_moves(oc);
    assert_non_null(ms);
    assert_int_equal(tq_moves_count(ms), 3);
    assert_null(tq_moves_get(ms, 3));
    const tq_baseline *b = tq_outcome_baseline(oc);
    const double *t0 = tq_baseline_array(b, TQ_TARIFF, NULL);
    /* the first move starts from the file's shocks: AAA's tariff on BBB goods 10% + 5 points */
    const tq_move *m0 = tq_moves_get(ms, 0);
    for (size_t c = 0; c < (size_t)N * N * J; c++)
        assert_true(m0->tariffs_before[c] == (c == T(0, 1, 0) ? t0[c] + 0.05 : t0[c]));
    assert_true(fabs(t0[T(0, 1, 0)] - 0.10) < 1e-12);
    for (int r = 0; r < N; r++) /* the welfare there, from an independent solve */
        assert_true(fabs(m0->welfare_before[r] - welfare_at(b, m0->tariffs_before, r)) < 1e-8);
    for (int k = 0; k < 3; k++) {
        const tq_move *m = tq_moves_get(ms, k);
        assert_int_equal(m->kind, TQ_MOVE_OPTIMAL);
        assert_int_equal(m->status, TQ_OK);
        assert_int_equal(m->nplayers, 1);
        int who = m->players[0];
        assert_int_equal(who, k == 1 ? 1 : 0);
        assert_string_equal(m->where, k == 0 ? "moves.yaml:7:5" : k == 1 ? "moves.yaml:8:5" : "moves.yaml:10:5");
        /* the mover gains (or stays: the third move starts near AAA's optimum) */
        assert_true(m->welfare_after[who] >= m->welfare_before[who] - 1e-9);
        assert_true(m->info.grad_norm < 1e-3);
        assert_int_equal(m->info.second_order_ok, 1);
        /* only the mover's import tariffs change */
        int changed = 0;
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++) {
                    size_t c = T(n, i, j);
                    if (n != who)
                        assert_true(m->tariffs_after[c] == m->tariffs_before[c]);
                    else
                        changed += m->tariffs_after[c] != m->tariffs_before[c];
                }
        assert_true(changed > 0);
        /* each move starts where the one before ended */
        if (k > 0) {
            const tq_move *p = tq_moves_get(ms, k - 1);
            assert_memory_equal(m->tariffs_before, p->tariffs_after, sizeof(double) * N * N * J);
            assert_memory_equal(m->welfare_before, p->welfare_after, sizeof(double) * N);
        }
    }
    /* BBB's discriminatory tariffs: two partners, two rates; AAA's one rate on both */
    const tq_move *m1 = tq_moves_get(ms, 1), *m2 = tq_moves_get(ms, 2);
    assert_true(fabs(m1->tariffs_after[T(1, 0, 0)] - m1->tariffs_after[T(1, 2, 0)]) > 1e-4);
    assert_true(m2->tariffs_after[T(0, 1, 0)] == m2->tariffs_after[T(0, 2, 0)]);
    /* the first move gains AAA something real: it had not its optimal tariff */
    assert_true(m0->welfare_after[0] - m0->welfare_before[0] > 1e-4);
    /* a grid of independent solves around AAA's last choice finds nothing better */
    double best = welfare_at(b, m2->tariffs_after, 0);
    assert_true(fabs(best - m2->welfare_after[0]) < 1e-8);
    double t[N * N * J];
    for (int s = -4; s <= 4; s++) {
        if (!s)
            continue;
        memcpy(t, m2->tariffs_after, sizeof t);
        t[T(0, 1, 0)] += 0.0025 * s;
        t[T(0, 2, 0)] += 0.0025 * s;
        assert_true(welfare_at(b, t, 0) <= best + 1e-10);
    }
    /* the outcome solves the scenario at the final tariffs */
    assert_memory_equal(tq_scenario_tariffs(tq_outcome_scenario(oc)), m2->tariffs_after, sizeof t);
    assert_true(fabs(tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL)[0] - m2->welfare_after[0]) < 1e-7);
    check_direct_run(oc, "fixed");
    tq_outcome_free(oc);
    tq_spec_free(sp);
}

static void test_war_and_talks(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text,
             "name: wartalks\n"
             "data: {dataset: %s}\n"
             "closure: balanced\n"
             "strategy:\n"
             "  - nash: all\n"
             "    form: uniform\n"
             "  - talks: [AAA, BBB]\n"
             "    form: uniform\n"
             "    threat:\n"
             "      - {importer: AAA, exporter: BBB, sectors: G, add: 10pp}\n",
             TINY);
    tq_spec *sp = parse(text);
    tq_outcome *oc = NULL;
    if (tq_runner_run(runner, sp, 0, NULL, &oc) != TQ_OK)
        die("run");
    const tq_moves *ms = tq_outcome_moves(oc);
    assert_int_equal(tq_moves_count(ms), 2);
    const tq_baseline *b = tq_outcome_baseline(oc);
    const tq_move *war = tq_moves_get(ms, 0), *deal = tq_moves_get(ms, 1);
    assert_int_equal(war->kind, TQ_MOVE_NASH);
    assert_int_equal(war->nplayers, 3);
    assert_int_equal(war->status, TQ_OK);
    assert_true(war->nash.rounds >= 2);
    assert_true(war->nash.max_gain < 1e-6);
    assert_true(war->info.grad_norm < 1e-3);
    /* a war: everyone's tariffs rise above the data's (at most 20%) */
    for (int n = 0; n < N; n++)
        assert_true(war->tariffs_after[T(n, (n + 1) % N, 0)] > 0.2);
    /* the talks: from the war's tariffs; threat point = the war's tariffs plus 10 points on
     * AAA's imports of BBB goods; each participant beats it, CCC's tariffs stay */
    assert_int_equal(deal->kind, TQ_MOVE_TALKS);
    assert_memory_equal(deal->tariffs_before, war->tariffs_after, sizeof(double) * N * N * J);
    double threat[N * N * J];
    memcpy(threat, deal->tariffs_before, sizeof threat);
    threat[T(0, 1, 0)] += 0.10;
    for (int p = 0; p < 2; p++)
        assert_true(deal->welfare_after[p] > welfare_at(b, threat, p) + 1e-6);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J; j++)
            assert_true(deal->tariffs_after[T(2, i, j)] == war->tariffs_after[T(2, i, j)]);
    /* the deal lowers the tariffs between AAA and BBB below the war's */
    assert_true(deal->tariffs_after[T(0, 1, 0)] < war->tariffs_after[T(0, 1, 0)]);
    assert_true(deal->tariffs_after[T(1, 0, 0)] < war->tariffs_after[T(1, 0, 0)]);
    check_direct_run(oc, "balanced");
    tq_outcome_free(oc);
    tq_spec_free(sp);
}

static void test_errors(void **state)
{
    (void)state;
    char text[1024];
    /* a region the data lacks: nothing solved, the entry's place named */
    snprintf(text, sizeof text, "name: bad\ndata: {dataset: %s}\nstrategy:\n  - optimal: AAA\n  - optimal: USA\n",
             TINY);
    tq_spec *sp = parse(text);
    tq_outcome *oc = NULL;
    assert_int_equal(tq_runner_run(runner, sp, 0, NULL, &oc), TQ_ERR_NOT_FOUND);
    assert_null(oc);
    char b[2048];
    tq_error_format(ctx, b, sizeof b);
    assert_non_null(strstr(b, "moves.yaml:5:14"));
    assert_non_null(strstr(b, "unknown region 'USA'"));
    /* sweeps and draws of a scenario with moves are refused */
    tq_spec_free(sp);
    snprintf(text, sizeof text, "name: sw\ndata: {dataset: %s}\nstrategy:\n  - optimal: AAA\n", TINY);
    sp = parse(text);
    tq_sweep_options so;
    tq_sweep_options_default(&so);
    tq_sweep *sw = NULL;
    tq_status st = tq_sweep_new(runner, sp, 0, &so, &sw);
    if (!st)
        st = tq_sweep_vary(sw, "closure=fixed,balanced");
    if (!st)
        st = tq_sweep_prepare(sw);
    assert_int_equal(st, TQ_ERR_UNSUPPORTED);
    tq_error_format(ctx, b, sizeof b);
    assert_non_null(strstr(b, "strategic moves"));
    tq_sweep_free(sw);
    tq_spec_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_optimal),
        cmocka_unit_test(test_war_and_talks),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
