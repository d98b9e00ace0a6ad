/* The runner: dataset and baseline caches, name and preset resolution, errors, and the
 * default scenario run through it against its golden file. */
/* realpath() is an X/Open function in the C library headers */
#define _XOPEN_SOURCE 700

#include "tq_test.h"

#include <math.h>

#define SOURCE_DATA TQ_TEST_DATA "/../../data"
#define GOLDEN TQ_TEST_DATA "/../golden/us-japan-autos.csv"

static tq_context *ctx;
static char *tmp; /* a data folder: tiny/, tiny2/ (two years), flat/ (no io), maps/ */

static const char *errmsg(void)
{
    static char b[4096];
    tq_error_format(ctx, b, sizeof b);
    return b;
}

#define OK(call)                                                                                                       \
    do {                                                                                                               \
        tq_status st_ = (call);                                                                                        \
        if (st_ != TQ_OK)                                                                                              \
            fail_msg("%s: status %d: %s", #call, st_, errmsg());                                                       \
    } while (0)

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* tiny with a second year, 2021, in which every money value is doubled: shares, and so
 * the economy's equilibrium, are those of 2020, but the data and its hash differ. */
static void write_two_years(const tq_dataset *one, const char *dir)
{
    const int N = tq_dataset_regions(one), J = tq_dataset_sectors(one);
    tq_dataset *two = NULL;
    OK(tq_dataset_new(ctx, N, J, 2, &two));
    OK(tq_dataset_set_name(two, "tiny2", "tiny with a doubled 2021"));
    for (int n = 0; n < N; n++)
        OK(tq_dataset_set_region(two, n, tq_dataset_region_code(one, n), tq_dataset_region_name(one, n)));
    for (int j = 0; j < J; j++)
        OK(tq_dataset_set_sector(two, j, tq_dataset_sector_code(one, j), tq_dataset_sector_name(one, j),
                                 tq_dataset_sector_tradable(one, j)));
    tq_dataset_set_has_io(two, tq_dataset_has_io(one));
    static const tq_array in[] = {TQ_Z, TQ_TARIFF, TQ_GAMMA, TQ_BETA, TQ_ALPHA, TQ_VA, TQ_DEFICIT};
    for (int y = 0; y < 2; y++) {
        OK(tq_dataset_set_year(two, y, 2020 + y));
        for (size_t a = 0; a < sizeof in / sizeof in[0]; a++) {
            size_t len = 0;
            const double *src = tq_dataset_array_const(one, in[a], 0, &len);
            double *dst = tq_dataset_array(two, in[a], y, NULL);
            int money = in[a] == TQ_Z || in[a] == TQ_VA || in[a] == TQ_DEFICIT;
            for (size_t q = 0; q < len; q++)
                dst[q] = src[q] * (money && y == 1 ? 2.0 : 1.0);
        }
    }
    size_t lt = 0;
    const double *theta = tq_dataset_array_const(one, TQ_THETA, 0, &lt);
    memcpy(tq_dataset_array(two, TQ_THETA, 0, NULL), theta, lt * sizeof(double));
    OK(tq_dataset_derive(ctx, two));
    OK(tq_dataset_write(ctx, two, dir, 0));
    tq_dataset_free(two);
}

static int setup(void **state)
{
    (void)state;
    if (tq_context_new(&ctx, NULL))
        return -1;
    tmp = tq_test_tmpdir();
    char p[1024];
    snprintf(p, sizeof p, "%s/tiny", tmp);
    mkdir(p, 0777);
    tq_test_copydir(TQ_TEST_DATA "/tiny", p);
    snprintf(p, sizeof p, "%s/maps", tmp);
    mkdir(p, 0777);
    tq_test_write(p, "tiny_north.csv", "code,group\nAAA,NTH\nBBB,NTH\nCCC,CCC\n");
    tq_test_write(p, "tiny_one.csv", "code,group\nG,ALL\nS,ALL\n");
    tq_dataset *one = NULL, *flat = NULL;
    OK(tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &one));
    snprintf(p, sizeof p, "%s/tiny2", tmp);
    write_two_years(one, p);
    /* the flows-only reading of tiny: no input-output coefficients */
    OK(tq_dataset_clone(ctx, one, &flat));
    OK(tq_dataset_fill_no_io(ctx, flat));
    OK(tq_dataset_derive(ctx, flat));
    snprintf(p, sizeof p, "%s/flat", tmp);
    OK(tq_dataset_write(ctx, flat, p, 0));
    tq_dataset_free(flat);
    tq_dataset_free(one);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tq_test_rmtree(tmp);
    tq_context_free(ctx);
    return 0;
}

static tq_runner *runner_on_tmp(void)
{
    tq_runner *r = NULL;
    OK(tq_runner_new(ctx, &r));
    OK(tq_runner_set_data_dir(r, tmp));
    return r;
}

static tq_spec *parse(const char *text)
{
    tq_spec *sp = NULL;
    OK(tq_spec_parse(ctx, text, strlen(text), "t.yaml", &sp));
    return sp;
}

/* Every base array of a and b has the same length and the same bits. */
static void assert_same_baseline(const tq_baseline *a, const tq_baseline *b)
{
    static const tq_array arrays[] = {TQ_PI, TQ_TARIFF,  TQ_XJ, TQ_ALPHA, TQ_BETA, TQ_GAMMA,
                                      TQ_VA, TQ_DEFICIT, TQ_I,  TQ_R,     TQ_THETA};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++) {
        size_t la = 0, lb = 0;
        const double *xa = tq_baseline_array(a, arrays[k], &la), *xb = tq_baseline_array(b, arrays[k], &lb);
        assert_non_null(xa);
        assert_non_null(xb);
        assert_int_equal(la, lb);
        assert_memory_equal(xa, xb, la * sizeof(double));
    }
}

static void test_baseline_cache(void **state)
{
    (void)state;
    tq_runner *r = runner_on_tmp();
    const tq_dataset *ds = NULL;
    OK(tq_runner_dataset(r, "tiny2", NULL, NULL, &ds));
    assert_int_equal(tq_dataset_years(ds), 2);

    const tq_baseline *b1 = NULL, *b2 = NULL;
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, NULL, &b1));
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, NULL, &b2));
    assert_ptr_equal(b1, b2);
    /* the cached baseline is the one tq_baseline_new makes, bit for bit */
    tq_baseline *fresh = NULL;
    OK(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &fresh));
    assert_same_baseline(b1, fresh);
    tq_baseline_free(fresh);

    /* explicit default options and another thread count are the same request */
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.threads = 1;
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, &o, &b2));
    assert_ptr_equal(b1, b2);
    /* another copy of the same data: keyed by content, not by pointer */
    tq_dataset *copy = NULL;
    OK(tq_dataset_clone(ctx, ds, &copy));
    OK(tq_runner_baseline(r, copy, 0, TQ_CLOSURE_FIXED, NULL, &b2));
    assert_ptr_equal(b1, b2);

    /* another year, closure, tolerance or theta is another baseline */
    const tq_baseline *by = NULL, *bc = NULL, *bt = NULL, *bth = NULL;
    OK(tq_runner_baseline(r, ds, 1, TQ_CLOSURE_FIXED, NULL, &by));
    assert_ptr_not_equal(by, b1);
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_BALANCED, NULL, &bc));
    assert_ptr_not_equal(bc, b1);
    assert_ptr_not_equal(bc, by);
    o.tol = 1e-8;
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, &o, &bt));
    assert_ptr_not_equal(bt, b1);
    tq_dataset_array(copy, TQ_THETA, 0, NULL)[0] = 5;
    OK(tq_runner_baseline(r, copy, 0, TQ_CLOSURE_FIXED, NULL, &bth));
    assert_ptr_not_equal(bth, b1);
    assert_true(tq_baseline_array(bth, TQ_THETA, NULL)[0] == 5);
    assert_true(tq_baseline_array(b1, TQ_THETA, NULL)[0] == 4);
    /* year 2021 is 2020 doubled: the same shares, twice the value added */
    assert_true(fabs(tq_baseline_array(by, TQ_VA, NULL)[0] - 2 * tq_baseline_array(b1, TQ_VA, NULL)[0]) <
                1e-9 * tq_baseline_array(by, TQ_VA, NULL)[0]);
    /* the balanced base has no deficits; the fixed one keeps AAA's surplus of 10 */
    assert_true(fabs(tq_baseline_array(bc, TQ_DEFICIT, NULL)[0]) < 1e-9);
    assert_true(tq_baseline_array(b1, TQ_DEFICIT, NULL)[0] < -1);

    /* each is still returned on a second request */
    OK(tq_runner_baseline(r, ds, 1, TQ_CLOSURE_FIXED, NULL, &b2));
    assert_ptr_equal(b2, by);
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_BALANCED, NULL, &b2));
    assert_ptr_equal(b2, bc);
    OK(tq_runner_baseline(r, ds, 0, TQ_CLOSURE_FIXED, &o, &b2));
    assert_ptr_equal(b2, bt);

    /* a bad year index is the engine's error and is not cached */
    assert_int_equal(tq_runner_baseline(r, ds, 2, TQ_CLOSURE_FIXED, NULL, &b2), TQ_ERR_INVALID);
    assert_null(b2);
    tq_dataset_free(copy);
    tq_runner_free(r);
}

static void test_dataset_cache(void **state)
{
    (void)state;
    tq_runner *r = runner_on_tmp();
    char real[4200];
    assert_non_null(realpath(tmp, real));
    assert_string_equal(tq_runner_data_dir(r), real);

    const tq_dataset *a = NULL, *b = NULL, *n1 = NULL, *n2 = NULL, *np = NULL, *ns = NULL, *both = NULL;
    OK(tq_runner_dataset(r, "tiny", NULL, NULL, &a));
    OK(tq_runner_dataset(r, "tiny", NULL, NULL, &b));
    assert_ptr_equal(a, b);
    assert_int_equal(tq_dataset_regions(a), 3);
    /* a path is another key (read again), with the same content */
    char path[1024];
    snprintf(path, sizeof path, "%s/tiny", tmp);
    OK(tq_runner_dataset(r, path, NULL, NULL, &b));
    assert_ptr_not_equal(a, b);
    assert_true(tq_dataset_hash(a) == tq_dataset_hash(b));

    /* a region preset: maps/tiny_north.csv joins AAA and BBB */
    OK(tq_runner_dataset(r, "tiny", "north", NULL, &n1));
    assert_ptr_not_equal(n1, a);
    assert_int_equal(tq_dataset_regions(n1), 2);
    assert_true(tq_dataset_find_region(n1, "NTH") >= 0);
    OK(tq_runner_dataset(r, "tiny", "north", NULL, &n2));
    assert_ptr_equal(n1, n2);
    /* the preset's file given as a path: another key, the same aggregation */
    snprintf(path, sizeof path, "%s/maps/tiny_north.csv", tmp);
    OK(tq_runner_dataset(r, "tiny", path, NULL, &np));
    assert_ptr_not_equal(np, n1);
    assert_true(tq_dataset_hash(np) == tq_dataset_hash(n1));
    /* a sector preset, and both */
    OK(tq_runner_dataset(r, "tiny", NULL, "one", &ns));
    assert_int_equal(tq_dataset_sectors(ns), 1);
    assert_int_equal(tq_dataset_regions(ns), 3);
    OK(tq_runner_dataset(r, "tiny", "north", "one", &both));
    assert_int_equal(tq_dataset_regions(both), 2);
    assert_int_equal(tq_dataset_sectors(both), 1);
    assert_ptr_not_equal(both, ns);
    assert_ptr_not_equal(both, n1);
    /* the unaggregated dataset was not read again for the aggregations */
    OK(tq_runner_dataset(r, "tiny", NULL, NULL, &b));
    assert_ptr_equal(a, b);
    tq_runner_free(r);
}

static void test_search_order(void **state)
{
    (void)state;
    char real[4200];
    assert_non_null(realpath(tmp, real));
    /* $TRADEQ_DATA comes first */
    setenv("TRADEQ_DATA", tmp, 1);
    tq_runner *r = NULL;
    OK(tq_runner_new(ctx, &r));
    assert_string_equal(tq_runner_data_dir(r), real);
    const tq_dataset *ds = NULL;
    OK(tq_runner_dataset(r, "tiny2", NULL, NULL, &ds));
    assert_int_equal(tq_dataset_years(ds), 2);
    tq_runner_free(r);
    /* a $TRADEQ_DATA that is no folder is passed over: the build tree's data is found */
    setenv("TRADEQ_DATA", "/nonexistent/tradeq-data", 1);
    OK(tq_runner_new(ctx, &r));
    assert_true(tq_runner_data_dir(r)[0] != 0);
    assert_null(strstr(tq_runner_data_dir(r), "nonexistent"));
    assert_int_equal(tq_runner_dataset(r, "tiny2", NULL, NULL, &ds), TQ_ERR_NOT_FOUND);
    /* tq_runner_set_data_dir(NULL) restores the search after an override */
    OK(tq_runner_set_data_dir(r, tmp));
    assert_string_equal(tq_runner_data_dir(r), real);
    OK(tq_runner_set_data_dir(r, NULL));
    assert_string_not_equal(tq_runner_data_dir(r), real);
    tq_runner_free(r);
    unsetenv("TRADEQ_DATA");
}

static void test_unknown_names(void **state)
{
    (void)state;
    tq_runner *r = runner_on_tmp();
    char real[4200];
    assert_non_null(realpath(tmp, real));
    const tq_dataset *ds = (const tq_dataset *)1;

    assert_int_equal(tq_runner_dataset(r, "nosuch", NULL, NULL, &ds), TQ_ERR_NOT_FOUND);
    assert_null(ds);
    assert_int_equal(tq_last_error(ctx)->status, TQ_ERR_NOT_FOUND);
    assert_contains(errmsg(), "nosuch: no such file or folder, and no embedded dataset of that name");
    assert_contains(errmsg(), real); /* where it looked */
    assert_null(strchr(errmsg(), '\n'));

    assert_int_equal(tq_runner_dataset(r, "tiny", "nosuch", NULL, &ds), TQ_ERR_NOT_FOUND);
    assert_contains(errmsg(), "no aggregation preset 'nosuch' for dataset tiny (looked for ");
    assert_contains(errmsg(), "/maps/tiny_nosuch.csv");
    assert_int_equal(tq_runner_dataset(r, "tiny", NULL, "nosuch", &ds), TQ_ERR_NOT_FOUND);
    assert_contains(errmsg(), "no aggregation preset 'nosuch' for dataset tiny");
    /* a preset is named after the last component of a dataset path */
    char path[1024];
    snprintf(path, sizeof path, "%s/tiny/", tmp);
    OK(tq_runner_dataset(r, path, "north", NULL, &ds));
    assert_int_equal(tq_dataset_regions(ds), 2);

    /* a path that does not exist is the reader's error, not a name lookup */
    assert_int_equal(tq_runner_dataset(r, "./nosuch", NULL, NULL, &ds), TQ_ERR_IO);
    assert_string_equal(errmsg(), "./nosuch: no such file or folder");

    /* NAME.tqb comes before the folder NAME/: a file that is no dataset is an error
     * about that file, not a silent fall back to the folder */
    tq_test_write(tmp, "tiny.tqb", "not a dataset");
    assert_int_not_equal(tq_runner_dataset(r, "tiny", NULL, NULL, &ds), TQ_OK);
    assert_contains(tq_last_error(ctx)->file, "/tiny.tqb");
    char tqb[1024];
    snprintf(tqb, sizeof tqb, "%s/tiny.tqb", tmp);
    remove(tqb);

    /* a data folder that does not exist is refused and the runner keeps its folder */
    assert_int_equal(tq_runner_set_data_dir(r, "/nonexistent/tradeq-data"), TQ_ERR_NOT_FOUND);
    assert_string_equal(tq_runner_data_dir(r), real);

    /* a year not in the dataset */
    tq_spec *sp = parse("name: old\ndata: {dataset: tiny, year: 1999}\n");
    tq_outcome *oc = (tq_outcome *)1;
    assert_int_equal(tq_runner_run(r, sp, 0, NULL, &oc), TQ_ERR_NOT_FOUND);
    assert_null(oc);
    assert_string_equal(errmsg(), "t.yaml: scenario old asks for year 1999, not in dataset tiny");
    assert_int_equal(tq_runner_run(r, sp, 1, NULL, &oc), TQ_ERR_INVALID);
    tq_spec_free(sp);
    tq_runner_free(r);
}

/* ------------------------------------------------------------------- runs --- */

static char notes[4096];
static void collect(void *ud, int level, const char *message)
{
    (void)ud;
    if (level >= TQ_LOG_INFO)
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s\n", message);
}

static void test_run_tiny(void **state)
{
    (void)state;
    tq_runner *r = runner_on_tmp();
    /* scenario b's elasticity override gives G its current theta: the data is unchanged
     * and the baseline of a is reused; c's changes it and gets its own */
    tq_spec *sp = parse("data: {dataset: tiny}\n"
                        "scenarios:\n"
                        "  - name: a\n"
                        "    tariffs: [{importer: AAA, exporter: BBB, sectors: G, add: 10pp}]\n"
                        "  - name: b\n"
                        "    elasticities: {G: 4}\n"
                        "    tariffs: [{importer: AAA, exporter: BBB, sectors: G, add: 20pp}]\n"
                        "  - name: c\n"
                        "    elasticities: {G: 8}\n"
                        "    tariffs: [{importer: AAA, exporter: BBB, sectors: G, add: 20pp}]\n");
    tq_outcome *oa = NULL, *ob = NULL, *occ = NULL;
    OK(tq_runner_run(r, sp, 0, NULL, &oa));
    OK(tq_runner_run(r, sp, 1, NULL, &ob));
    OK(tq_runner_run(r, sp, 2, NULL, &occ));
    assert_ptr_equal(tq_outcome_baseline(oa), tq_outcome_baseline(ob));
    assert_ptr_not_equal(tq_outcome_baseline(oa), tq_outcome_baseline(occ));
    assert_true(tq_dataset_array_const(tq_outcome_dataset(occ), TQ_THETA, 0, NULL)[0] == 8);
    /* the outcome's dataset is its own copy, the runner's is untouched */
    const tq_dataset *cached = NULL;
    OK(tq_runner_spec_dataset(r, sp, 2, NULL, &cached));
    assert_ptr_not_equal(cached, tq_outcome_dataset(occ));
    assert_true(tq_dataset_array_const(cached, TQ_THETA, 0, NULL)[0] == 4);

    /* what the outcome says about itself */
    const tq_spec_info *si = tq_outcome_spec_info(ob);
    assert_string_equal(si->name, "b");
    assert_int_equal(tq_outcome_year_index(ob), 0);
    tq_run run;
    tq_outcome_run(ob, &run);
    assert_string_equal(run.scenario, "b");
    assert_string_equal(run.scenario_file, "t.yaml");
    assert_ptr_equal(run.base, tq_outcome_baseline(ob));
    assert_ptr_equal(run.sc, tq_outcome_scenario(ob));
    assert_ptr_equal(run.res, tq_outcome_result(ob));
    int imp = -2, exp_ = -2;
    unsigned char mask[3];
    assert_int_equal(tq_outcome_named_regions(ob, mask, &imp, &exp_), 2);
    assert_int_equal(imp, 0);
    assert_int_equal(exp_, 1);
    assert_int_equal(mask[2], 0);
    assert_int_equal(tq_outcome_named_regions(ob, NULL, NULL, NULL), 2);
    /* the shock is applied: AAA's tariff on BBB goods went from 10% to 30% */
    assert_true(fabs(tq_scenario_tariffs(tq_outcome_scenario(ob))[(0 * 3 + 1) * 2 + 0] - 0.30) < 1e-15);
    assert_int_equal(tq_result_info(tq_outcome_result(ob))->status, TQ_OK);
    /* a larger tariff hurts BBB more */
    const double *wa = tq_result_array(tq_outcome_result(oa), TQ_RES_WELFARE, NULL);
    const double *wb = tq_result_array(tq_outcome_result(ob), TQ_RES_WELFARE, NULL);
    assert_true(wb[1] < wa[1] && wa[1] < 0);

    /* the same run through tq_baseline_new / tq_solve gives the same numbers */
    tq_baseline *base = NULL;
    tq_scenario *sc = NULL;
    tq_result *res = NULL;
    OK(tq_baseline_new(ctx, cached, 0, TQ_CLOSURE_FIXED, NULL, &base));
    OK(tq_scenario_new(ctx, base, &sc));
    OK(tq_spec_apply(ctx, sp, 0, cached, base, sc));
    OK(tq_solve(ctx, base, sc, NULL, &res));
    assert_memory_equal(tq_result_array(res, TQ_RES_WELFARE, NULL), wa, 3 * sizeof(double));
    tq_result_free(res);
    tq_scenario_free(sc);
    tq_baseline_free(base);

    /* options: the other method converges to the same answer; a data override */
    tq_run_options o;
    tq_run_options_default(&o);
    o.method = TQ_METHOD_FIXED_POINT;
    o.tol = 1e-12;
    tq_outcome *of = NULL;
    OK(tq_runner_run(r, sp, 0, &o, &of));
    assert_int_equal(tq_result_info(tq_outcome_result(of))->method, TQ_METHOD_FIXED_POINT);
    assert_true(tq_result_info(tq_outcome_result(of))->residual <= 1e-12);
    assert_ptr_not_equal(tq_outcome_baseline(of), tq_outcome_baseline(oa)); /* other settings */
    const double *wf = tq_result_array(tq_outcome_result(of), TQ_RES_WELFARE, NULL);
    for (int n = 0; n < 3; n++)
        assert_true(fabs(wf[n] - wa[n]) < 1e-7);
    tq_outcome_free(of);

    o.method = TQ_METHOD_ANDERSON;
    o.tol = 0;
    o.max_iter = 1;
    assert_int_equal(tq_runner_run(r, sp, 0, &o, &of), TQ_ERR_NOT_CONVERGED);
    /* tiny is an equilibrium already, so its recalibration needs no step; the
     * counterfactual stops after one and comes back with the residual it reached */
    assert_non_null(of);
    const tq_solve_info *stopped = tq_result_info(tq_outcome_result(of));
    assert_int_equal(stopped->status, TQ_ERR_NOT_CONVERGED);
    assert_true(stopped->iterations <= 1 && stopped->residual > 1e-10);
    assert_contains(errmsg(), "stopped (iteration limit) after");
    tq_outcome_free(of);

    /* a dataset without input-output coefficients is noted through the log */
    tq_run_options_default(&o);
    o.dataset = "flat";
    notes[0] = 0;
    tq_context_set_log(ctx, collect, NULL);
    OK(tq_runner_run(r, sp, 0, &o, &of));
    tq_context_set_log(ctx, NULL, NULL);
    assert_false(tq_dataset_has_io(tq_outcome_dataset(of)));
    assert_string_equal(notes, "dataset tiny has no input-output coefficients: scenario a is solved as a "
                               "multi-sector model without intermediate inputs\n");
    tq_outcome_free(of);
    notes[0] = 0;
    tq_context_set_log(ctx, collect, NULL);
    OK(tq_runner_run(r, sp, 0, NULL, &of));
    tq_context_set_log(ctx, NULL, NULL);
    assert_string_equal(notes, "");
    tq_outcome_free(of);

    tq_outcome_free(oa);
    tq_outcome_free(ob);
    tq_outcome_free(occ);
    tq_spec_free(sp);
    tq_runner_free(r);
}

/* JPN's welfare_pct in the golden file of the default scenario. */
static double golden_jpn(void)
{
    FILE *f = fopen(GOLDEN, "r");
    if (!f)
        fail_msg("cannot read %s", GOLDEN);
    char line[512];
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "us-japan-autos,JPN,", 19))
            v = strtod(line + 19, NULL);
    fclose(f);
    if (isnan(v))
        fail_msg("no us-japan-autos,JPN row in %s", GOLDEN);
    return v;
}

static void test_default_scenario(void **state)
{
    (void)state;
    tq_runner *r = NULL;
    OK(tq_runner_new(ctx, &r));
    OK(tq_runner_set_data_dir(r, SOURCE_DATA));
    char path[4096];
    OK(tq_runner_default_scenario(r, path, sizeof path));
    size_t len = strlen(path);
    const char *tail = "/scenarios/us-japan-autos.yaml";
    assert_true(len > strlen(tail) && !strcmp(path + len - strlen(tail), tail));
    assert_int_equal(tq_runner_default_scenario(r, path, 8), TQ_ERR_INVALID);
    OK(tq_runner_default_scenario(r, path, sizeof path));

    tq_spec *sp = NULL;
    OK(tq_spec_load(ctx, path, &sp));
    tq_outcome *oc = NULL, *again = NULL;
    OK(tq_runner_run(r, sp, 0, NULL, &oc));
    const tq_dataset *ds = tq_outcome_dataset(oc);
    assert_string_equal(tq_dataset_name(ds), TQ_DEFAULT_DATASET);
    const tq_solve_info *info = tq_result_info(tq_outcome_result(oc));
    assert_int_equal(info->status, TQ_OK);
    assert_true(info->residual <= 1e-10);
    int jpn = tq_dataset_find_region(ds, "JPN");
    assert_true(jpn >= 0);
    double w = tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL)[jpn], want = golden_jpn();
    if (fabs(w - want) > 1e-6)
        fail_msg("JPN welfare %.12g, golden %.12g", w, want);
    /* a second run reuses the cached dataset and baseline */
    OK(tq_runner_run(r, sp, 0, NULL, &again));
    assert_ptr_equal(tq_outcome_baseline(again), tq_outcome_baseline(oc));
    assert_memory_equal(tq_result_array(tq_outcome_result(again), TQ_RES_WELFARE, NULL),
                        tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL),
                        sizeof(double) * (size_t)tq_dataset_regions(ds));
    tq_outcome_free(again);
    tq_outcome_free(oc);
    tq_spec_free(sp);

    /* an empty folder has no default scenario */
    OK(tq_runner_set_data_dir(r, tmp));
    assert_int_equal(tq_runner_default_scenario(r, path, sizeof path), TQ_ERR_NOT_FOUND);
    assert_contains(errmsg(), "the default scenario us-japan-autos.yaml is not installed");
    tq_runner_free(r);
}

/* ------------------------------------------------------ allocation faults --- */

static tq_status pipeline_op(tq_context *c, void *arg)
{
    (void)arg;
    tq_runner *r = NULL;
    tq_spec *sp = NULL;
    tq_outcome *oc = NULL;
    const char *text = "data: {dataset: tiny, aggregate: north}\n"
                       "tariffs: [{importer: NTH, exporter: CCC, sectors: G, add: 10pp}]\n";
    tq_status st = tq_runner_new(c, &r);
    if (!st)
        st = tq_runner_set_data_dir(r, tmp);
    if (!st)
        st = tq_spec_parse(c, text, strlen(text), "t.yaml", &sp);
    if (!st)
        st = tq_runner_run(r, sp, 0, NULL, &oc);
    if (st)
        assert_null(oc);
    else
        assert_int_equal(tq_result_info(tq_outcome_result(oc))->status, TQ_OK);
    tq_outcome_free(oc);
    tq_spec_free(sp);
    tq_runner_free(r);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    long k = tq_test_alloc_sweep(pipeline_op, NULL, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
    assert_true(k > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_cache), cmocka_unit_test(test_dataset_cache),
        cmocka_unit_test(test_search_order),   cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_run_tiny),       cmocka_unit_test(test_default_scenario),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
