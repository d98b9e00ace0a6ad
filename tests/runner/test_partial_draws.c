/* Draws of the partial effects of gravity shocks (src/runner/uncertainty.c,
 * src/scenario/spec.c; docs/uncertainty.md): the iceberg recipe gives the scenario's own
 * d^ bit for bit and exp(-b/theta') for another theta; with every standard error zero the
 * band is the point; the theta draws do not move when partial-effect draws are added or
 * switched off; in the one-sector EU-enlargement economy (theta 4) with b drawn alone the
 * draws of b are N(b, se) and each draw's welfare is that of the scenario solved at the
 * draw's b (and theta), so the welfare band follows b's, and on wiod2014 the named pair's
 * balance falls as b rises; 1 and 2 threads, any split of
 * the blocks and a resumed checkpoint give the same bytes; one estimated coefficient is one random variable;
 * malformed standard errors are errors naming the place. */
#include "tq_test.h"

#include "model/ge.h"
#include "scenario/spec.h"

#include <math.h>

static tq_context *ctx;
static tq_runner *runner;
static char *tmp;
static char pairs[4096]; /* scenarios/eu-enlargement-pairs.csv */

#define B_EU 0.2242490
#define SE_EU 0.0713086

#define OK(x)                                                                                                          \
    do {                                                                                                               \
        tq_status st_ = (x);                                                                                           \
        if (st_ != TQ_OK) {                                                                                            \
            char m_[2048];                                                                                             \
            tq_error_format(ctx, m_, sizeof m_);                                                                       \
            fail_msg("%s: %s", #x, m_);                                                                                \
        }                                                                                                              \
    } while (0)

#include "sweep_check.h"

static int setup(void **state)
{
    (void)state;
    if (tq_context_new(&ctx, NULL) || tq_runner_new(ctx, &runner))
        return -1;
    snprintf(pairs, sizeof pairs, "%s/../../scenarios/eu-enlargement-pairs.csv", TQ_TEST_DATA);
    FILE *f = fopen(pairs, "r");
    if (!f) {
        printf("SKIP: %s is absent\n", pairs);
        exit(77);
    }
    fclose(f);
    tmp = tq_test_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tq_runner_free(runner);
    tq_context_free(ctx);
    tq_test_rmtree(tmp); /* frees tmp */
    return 0;
}

/* A scenario file in tmp from text; the spec of it. */
static tq_spec *spec_of(const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    tq_spec *sp = NULL;
    OK(tq_spec_load(ctx, path, &sp));
    return sp;
}

/* The EU-enlargement scenario with partial_effect PE (YAML flow text). */
static tq_spec *eu_spec(const char *name, const char *pe, const char *extra)
{
    char text[9000];
    snprintf(text, sizeof text,
             "name: %s\ndata:\n  dataset: ge_gravity_eu\nclosure: fixed\n%sntb:\n  - pairs_file: %s\n    sectors: all\n"
             "    partial_effect: %s\n",
             name, extra ? extra : "", pairs, pe);
    char file[200];
    snprintf(file, sizeof file, "%s.yaml", name);
    return spec_of(file, text);
}

static tq_sweep *sweep(const tq_spec *sp, const char *axis, int threads, int block, const double *theta_se, int dt,
                       int dp)
{
    tq_sweep_options o;
    tq_sweep_options_default(&o);
    o.threads = threads;
    o.seed = 5;
    o.block = block;
    o.theta_se = theta_se;
    o.draw_theta = dt;
    o.draw_partial = dp;
    return prepared_sweep(runner, sp, axis, &o);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct_of(const double *w, int n, double q)
{
    double h = q * (n - 1);
    int lo = (int)h;
    return lo + 1 < n ? w[lo] + (h - lo) * (w[lo + 1] - w[lo]) : w[n - 1];
}

/* Welfare of region `code` in the scenario solved with partial effect b and theta. */
static double welfare_at(const char *code, double b, double theta)
{
    char pe[64], extra[80];
    snprintf(pe, sizeof pe, "{b: %.17g}", b);
    snprintf(extra, sizeof extra, "elasticities:\n  all: %.17g\n", theta);
    tq_spec *sp = eu_spec("at", pe, extra);
    tq_run_options ro;
    tq_run_options_default(&ro);
    tq_outcome *oc = NULL;
    OK(tq_runner_run(runner, sp, 0, &ro, &oc));
    int n = tq_dataset_find_region(tq_outcome_dataset(oc), code);
    double w = tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL)[n];
    tq_outcome_free(oc);
    tq_spec_free(sp);
    return w;
}

static void test_plan_reproduces_apply(void **state)
{
    (void)state;
    /* several entries on the same cells, an ave among them: the order of the factors
     * matters for the last bit */
    char extra[200];
    snprintf(extra, sizeof extra, "tariffs:\n  - {importer: DEU, exporter: POL, sectors: all, add: 5pp}\n");
    char text[9000];
    snprintf(text, sizeof text,
             "name: plan\ndata:\n  dataset: ge_gravity_eu\n%sntb:\n"
             "  - {importer: [DEU, POL, HUN], exporter: all, sectors: all, partial_effect: 0.13}\n"
             "  - pairs_file: %s\n    sectors: all\n    partial_effect: {b: 0.2242490, se: 0.0713086}\n"
             "  - {importer: POL, exporter: [DEU, CZE], sectors: all, ave: 7%%}\n"
             "  - {importer: all, exporter: HUN, sectors: all, partial_effect: {b: -0.31, se: 0.05}}\n",
             extra, pairs);
    tq_spec *sp = spec_of("plan.yaml", text);
    tq_run_options ro;
    tq_run_options_default(&ro);
    tq_outcome *oc = NULL;
    OK(tq_runner_run(runner, sp, 0, &ro, &oc));
    const tq_dataset *ds = tq_outcome_dataset(oc);
    const tq_scenario *sc = tq_outcome_scenario(oc);
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    assert_int_equal(J, 1);
    tq__ntb_plan *pl = NULL;
    OK(tq__spec_ntb_plan(ctx, sp, 0, ds, &pl));
    assert_int_equal(pl->nrv, 2); /* the two entries with a standard error */
    const size_t NNJ = (size_t)N * N * J;
    double *d = malloc(NNJ * sizeof(double));
    for (size_t a = 0; a < NNJ; a++)
        d[a] = 1.0;
    const double *th0 = tq_baseline_array(tq_outcome_baseline(oc), TQ_THETA, NULL);
    tq__ntb_plan_apply(pl, th0, NULL, d);
    assert_memory_equal(d, sc->d, NNJ * sizeof(double)); /* bit for bit */
    /* z = 0 is the central value too */
    double z0[2] = {0, 0};
    tq__ntb_plan_apply(pl, th0, z0, d);
    assert_memory_equal(d, sc->d, NNJ * sizeof(double));
    /* another theta: a cell with one b factor is exp(-b/theta'); POL <- DEU has 0.13, the
     * EU pair's b + se z and 1.07 */
    int hun = tq_dataset_find_region(ds, "HUN"), aut = tq_dataset_find_region(ds, "AUT");
    int pol = tq_dataset_find_region(ds, "POL"), deu = tq_dataset_find_region(ds, "DEU");
    int rus = tq_dataset_find_region(ds, "RUS"), chn = tq_dataset_find_region(ds, "CHN");
    double th[1] = {2.5}, z[2] = {1.5, -2};
    tq__ntb_plan_apply(pl, th, z, d);
    assert_true(d[TQ_NIJ(N, J, rus, chn, 0)] == 1.0);                           /* untouched */
    assert_true(fabs(d[TQ_NIJ(N, J, deu, rus, 0)] - exp(-0.13 / 2.5)) < 1e-15); /* one fixed b */
    assert_true(fabs(d[TQ_NIJ(N, J, rus, hun, 0)] - exp(-(-0.31 - 2 * 0.05) / 2.5)) < 1e-15);
    /* AUT imports from HUN: an EU pair (b + 1.5 se) and HUN's own entry (-0.31 - 2 * 0.05) */
    double want = exp(-(B_EU + 1.5 * SE_EU) / 2.5) * exp(-(-0.31 - 2 * 0.05) / 2.5);
    assert_true(fabs(d[TQ_NIJ(N, J, aut, hun, 0)] - want) < 1e-15);
    want = exp(-0.13 / 2.5) * exp(-(B_EU + 1.5 * SE_EU) / 2.5) * 1.07;
    assert_true(fabs(d[TQ_NIJ(N, J, pol, deu, 0)] - want) < 1e-15);
    free(d);
    tq__ntb_plan_free(ctx, pl);
    tq_outcome_free(oc);
    tq_spec_free(sp);
}

static void test_band_collapses(void **state)
{
    (void)state;
    /* a standard error of zero and theta's zero: every draw is the central scenario */
    tq_spec *sp = eu_spec("zero", "{b: 0.2242490, se: 0}", NULL);
    double se0[1] = {0};
    tq_sweep *s = sweep(sp, "draw=6", 2, 3, se0, 0, 0);
    int th = -1, pe = -1;
    OK(tq_sweep_drawn(s, &th, &pe));
    assert_int_equal(th, 1);
    assert_int_equal(pe, 0); /* nothing with a standard error */
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    const tq_bands *b = NULL;
    OK(tq_sweep_bands(s, &b));
    assert_int_equal(b->draws, 6);
    const double *wel = tq_result_array(tq_outcome_result(tq_sweep_outcome(s)), TQ_RES_WELFARE, NULL);
    for (int n = 0; n < b->N; n++)
        for (int q = 0; q < 3; q++) /* to the solver's tolerance, 1e-10 relative */
            assert_true(fabs(b->regions[12 * n + q] - wel[n]) <= 1e-8 * fmax(1e-3, fabs(wel[n])));
    tq_sweep_free(s);
    /* the same with the standard error given but its draws switched off in the file */
    tq_spec_free(sp);
    sp = eu_spec("off", "{b: 0.2242490, se: 0.0713086}", "uncertainty:\n  draws: 4\n  partial_effects: false\n");
    s = sweep(sp, "draw=4", 1, 0, se0, 0, 0);
    OK(tq_sweep_drawn(s, &th, &pe));
    assert_int_equal(pe, 0);
    int cnt = 0;
    const double *bd = tq_sweep_partial_effects(s, 2, &cnt);
    assert_int_equal(cnt, 1);
    assert_true(bd[0] == B_EU); /* the central b */
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    OK(tq_sweep_bands(s, &b));
    wel = tq_result_array(tq_outcome_result(tq_sweep_outcome(s)), TQ_RES_WELFARE, NULL);
    for (int n = 0; n < b->N; n++)
        assert_true(fabs(b->regions[12 * n + 2] - wel[n]) <= 1e-8 * fmax(1e-3, fabs(wel[n])));
    tq_sweep_free(s);
    tq_spec_free(sp);
}

static void test_theta_draws_unchanged(void **state)
{
    (void)state;
    /* the default question, without and with an NTB entry whose b has a standard error */
    const char *base = "name: autos\ndata:\n  dataset: wiod2014\ntariffs:\n"
                       "  - {importer: USA, exporter: JPN, sectors: autos, add: 25pp}\n";
    char text[1000];
    snprintf(text, sizeof text,
             "%sntb:\n  - {importer: USA, exporter: JPN, sectors: autos, "
             "partial_effect: {b: -0.3, se: 0.1}}\n",
             base);
    tq_spec *a = spec_of("theta_only.yaml", base), *b = spec_of("with_pe.yaml", text);
    tq_sweep *sa = sweep(a, "draw=12", 2, 4, NULL, 0, 0);
    tq_sweep *sb = sweep(b, "draw=12", 2, 4, NULL, 0, 0);
    tq_sweep *sc = sweep(b, "draw=12", 2, 4, NULL, 0, -1);
    int th, pe;
    OK(tq_sweep_drawn(sb, &th, &pe));
    assert_true(th == 1 && pe == 1);
    const int J = tq_dataset_sectors(tq_outcome_dataset(tq_sweep_outcome(sa)));
    double prev = NAN;
    int moved = 0;
    for (int p = 0; p < 12; p++) {
        double ta[64];
        memcpy(ta, tq_sweep_theta(sa, p), sizeof(double) * (size_t)J);
        assert_memory_equal(ta, tq_sweep_theta(sb, p), sizeof(double) * (size_t)J);
        assert_memory_equal(ta, tq_sweep_theta(sc, p), sizeof(double) * (size_t)J);
        int cnt = 0;
        const double *pb = tq_sweep_partial_effects(sb, p, &cnt);
        assert_int_equal(cnt, 1);
        moved += pb[0] != prev;
        prev = pb[0];
        assert_true(tq_sweep_partial_effects(sc, p, &cnt)[0] == -0.3);
    }
    assert_int_equal(moved, 12);
    assert_null(tq_sweep_partial_effects(sa, 0, NULL));
    /* a theta-only scenario: switching the partial-effect draws on or off changes no value */
    tq_sweep *sd = sweep(a, "draw=12", 2, 4, NULL, 0, -1);
    OK(tq_sweep_run(sa, 0, tq_sweep_blocks(sa)));
    OK(tq_sweep_run(sd, 0, tq_sweep_blocks(sd)));
    same_values(sa, sd);
    tq_sweep_free(sa);
    tq_sweep_free(sb);
    tq_sweep_free(sc);
    tq_sweep_free(sd);
    tq_spec_free(a);
    tq_spec_free(b);
}

static void test_band_follows_b(void **state)
{
    (void)state;
    /* b drawn alone (theta held at 4, as in ge_gravity) */
    tq_spec *sp = eu_spec("eu", "{b: 0.2242490, se: 0.0713086}", "uncertainty:\n  theta: false\n");
    const int D = 400;
    tq_sweep *s = sweep(sp, "draw=400", 2, 0, NULL, 0, 0);
    int th, pe;
    OK(tq_sweep_drawn(s, &th, &pe));
    assert_true(th == 0 && pe == 1);
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    const tq_dataset *ds = tq_outcome_dataset(tq_sweep_outcome(s));
    const int hun = tq_dataset_find_region(ds, "HUN");
    double *bd = malloc(sizeof(double) * D), *bs = malloc(sizeof(double) * D), *w = malloc(sizeof(double) * D);
    int *ord = malloc(sizeof(int) * D);
    double mean = 0, var = 0;
    for (int p = 0; p < D; p++) {
        int cnt = 0;
        bd[p] = bs[p] = tq_sweep_partial_effects(s, p, &cnt)[0];
        assert_int_equal(cnt, 1);
        mean += bd[p] / D;
        assert_true(tq_sweep_values(s, p)[TQ_SWEEP_CONVERGED] == 1);
    }
    for (int p = 0; p < D; p++)
        var += (bd[p] - mean) * (bd[p] - mean) / (D - 1);
    /* N(b, se) to sampling error: the mean within 4 standard errors of the mean (0.2 se),
     * the deviation within 15%, the 5th and 95th percentiles within 0.35 se of b -/+ 1.645
     * se (their sampling deviation is about 0.11 se at 400 draws) */
    assert_true(fabs(mean - B_EU) < 0.2 * SE_EU);
    assert_true(fabs(sqrt(var) / SE_EU - 1) < 0.15);
    qsort(bs, (size_t)D, sizeof *bs, cmp);
    assert_true(fabs(pct_of(bs, D, 0.05) - (B_EU - 1.645 * SE_EU)) < 0.35 * SE_EU);
    assert_true(fabs(pct_of(bs, D, 0.95) - (B_EU + 1.645 * SE_EU)) < 0.35 * SE_EU);
    /* Hungary's welfare rises with b: ordered by b, the draws' welfare is increasing, so
     * its band is the welfare at b's order statistics */
    for (int p = 0; p < D; p++)
        ord[p] = p;
    for (int i = 1; i < D; i++) /* insertion sort of the draws by their b */
        for (int k = i; k > 0 && bd[ord[k]] < bd[ord[k - 1]]; k--) {
            int t = ord[k];
            ord[k] = ord[k - 1];
            ord[k - 1] = t;
        }
    for (int i = 0; i < D; i++)
        w[i] = tq_sweep_values(s, ord[i])[TQ_SWEEP_REGIONS + 4 * hun];
    for (int i = 1; i < D; i++)
        assert_true(w[i] > w[i - 1]);
    const tq_bands *b = NULL;
    OK(tq_sweep_bands(s, &b));
    assert_int_equal(b->draws, D);
    assert_true(b->regions[12 * hun] == pct_of(w, D, 0.05));
    assert_true(b->regions[12 * hun + 2] == pct_of(w, D, 0.95));
    double wc = tq_result_array(tq_outcome_result(tq_sweep_outcome(s)), TQ_RES_WELFARE, NULL)[hun];
    assert_true(b->regions[12 * hun] < wc && wc < b->regions[12 * hun + 2]);
    /* the largest draw of b is that scenario solved at that b */
    assert_true(fabs(w[D - 1] - welfare_at("HUN", bd[ord[D - 1]], 4)) < 1e-8);
    assert_true(fabs(w[0] - welfare_at("HUN", bd[ord[0]], 4)) < 1e-8);
    free(bd);
    free(bs);
    free(w);
    free(ord);
    tq_sweep_free(s);
    tq_spec_free(sp);
}

static void test_theta_and_b_threads(void **state)
{
    (void)state;
    /* theta and b drawn together: the iceberg change of a draw is exp(-b_d / theta_d) */
    tq_spec *sp = eu_spec("both", "{b: 0.2242490, se: 0.0713086}", NULL);
    double se[1] = {0.8};
    tq_sweep *a = sweep(sp, "draw=10", 1, 3, se, 0, 0);
    tq_sweep *b = sweep(sp, "draw=10", 2, 3, se, 0, 0);
    tq_sweep *c = sweep(sp, "draw=10", 2, 3, se, 0, 0);
    OK(tq_sweep_run(a, 0, tq_sweep_blocks(a)));
    OK(tq_sweep_run(b, 0, tq_sweep_blocks(b)));
    OK(tq_sweep_run(c, 2, 2)); /* as two ranks would */
    OK(tq_sweep_run(c, 0, 2));
    same_values(a, b);
    same_values(a, c);
    const int hun = tq_dataset_find_region(tq_outcome_dataset(tq_sweep_outcome(a)), "HUN");
    for (int p = 0; p < 10; p += 3) {
        double th = tq_sweep_theta(a, p)[0], bd = tq_sweep_partial_effects(a, p, NULL)[0];
        assert_true(th != 4.0);
        /* b's normal is not theta's (their own streams) */
        assert_true(fabs((th - 4.0) / 0.8 - (bd - B_EU) / SE_EU) > 1e-6);
        double w = tq_sweep_values(a, p)[TQ_SWEEP_REGIONS + 4 * hun];
        /* against the scenario solved at the draw's theta and b; the draw's answer with
         * d^ kept at exp(-b/4) would differ by far more */
        assert_true(fabs(w - welfare_at("HUN", bd, th)) < 1e-8);
    }
    tq_sweep_free(a);
    tq_sweep_free(b);
    tq_sweep_free(c);
    tq_spec_free(sp);
}

static void test_pair_balance_follows_b(void **state)
{
    (void)state;
    /* the default question with an NTB entry on the same pair, b drawn alone: a larger b
     * raises US imports of Japanese cars at given prices, so the US balance with Japan
     * (the named pair's) falls draw by draw as b rises */
    const char *text = "name: autos-b\ndata:\n  dataset: wiod2014\ntariffs:\n"
                       "  - {importer: USA, exporter: JPN, sectors: autos, add: 25pp}\nntb:\n"
                       "  - {importer: USA, exporter: JPN, sectors: autos, partial_effect: {b: -0.3, se: 0.1}}\n";
    tq_spec *sp = spec_of("autos_b.yaml", text);
    const int D = 12;
    tq_sweep *s = sweep(sp, "draw=12", 2, 3, NULL, -1, 0);
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    const int N = tq_dataset_regions(tq_outcome_dataset(tq_sweep_outcome(s)));
    double b[12], bal[12];
    for (int p = 0; p < D; p++) {
        b[p] = tq_sweep_partial_effects(s, p, NULL)[0];
        bal[p] = tq_sweep_values(s, p)[TQ_SWEEP_REGIONS + 4 * (size_t)N]; /* the pair's balance after */
    }
    double lo = bal[0], hi = bal[0];
    for (int p = 0; p < D; p++) {
        lo = fmin(lo, bal[p]), hi = fmax(hi, bal[p]);
        for (int q = 0; q < D; q++)
            if (b[p] < b[q])
                assert_true(bal[p] > bal[q]);
    }
    assert_true(lo < hi);
    /* the named pair gives the balance a band */
    const tq_bands *bd = NULL;
    OK(tq_sweep_bands(s, &bd));
    assert_true(bd->pair_balance != NULL);
    tq_sweep_free(s);
    tq_spec_free(sp);
}

static void test_resume(void **state)
{
    (void)state;
    tq_spec *sp = eu_spec("resume", "{b: 0.2242490, se: 0.0713086}", "uncertainty:\n  theta: false\n");
    char ck[4200];
    snprintf(ck, sizeof ck, "%s/pe.ckpt", tmp);
    tq_sweep *full = sweep(sp, "draw=12", 2, 4, NULL, 0, 0);
    OK(tq_sweep_run(full, 0, tq_sweep_blocks(full)));
    tq_sweep *part = sweep(sp, "draw=12", 1, 4, NULL, 0, 0);
    OK(tq_sweep_checkpoint(part, ck));
    OK(tq_sweep_run(part, 1, 1)); /* killed after one block of three */
    tq_sweep_free(part);
    tq_sweep *res = sweep(sp, "draw=12", 2, 4, NULL, 0, 0);
    OK(tq_sweep_checkpoint(res, ck));
    assert_null(tq_sweep_values(res, 0));
    assert_non_null(tq_sweep_values(res, 4));
    OK(tq_sweep_run(res, 0, tq_sweep_blocks(res)));
    same_values(full, res);
    tq_sweep_free(res);
    /* the checkpoint of the same sweep without the partial-effect draws is another's */
    tq_sweep *off = sweep(sp, "draw=12", 1, 4, NULL, 0, -1);
    assert_int_equal(tq_sweep_checkpoint(off, ck), TQ_ERR_INVALID);
    tq_sweep_free(off);
    tq_sweep_free(full);
    tq_spec_free(sp);
}

static void test_one_variable_per_coefficient(void **state)
{
    (void)state;
    char est[4200], text[12000], csv[4200];
    snprintf(est, sizeof est, "%s/est.json", tmp);
    FILE *f = fopen(est, "w");
    assert_non_null(f);
    fputs("{\"format\": \"tradeq-estimate-1\", \"coefficients\": [{\"name\": \"eu\", \"b\": 0.2242490, "
          "\"se\": 0.0713086}, {\"name\": \"fta\", \"b\": 0.1, \"se\": 0.02}]}\n",
          f);
    fclose(f);
    /* the same coefficient in two entries (one shifted by one se): one variable; another
     * coefficient and a {b, se} entry: one each; a pairs file with an se column: one per
     * row with an se above zero */
    snprintf(csv, sizeof csv, "%s/p.csv", tmp);
    f = fopen(csv, "w");
    fputs("exporter,importer,value,se\nRUS,CHN,0.4,0.1\nCHN,RUS,0.3,0\nBRA,CAN,-0.2,0.05\n", f);
    fclose(f);
    snprintf(
        text, sizeof text,
        "name: ids\ndata:\n  dataset: ge_gravity_eu\nntb:\n"
        "  - pairs_file: %s\n    sectors: all\n    partial_effect: {from: est.json, coef: eu}\n"
        "  - {importer: RUS, exporter: USA, sectors: all, partial_effect: {from: est.json, coef: eu, se_shift: 1}}\n"
        "  - {importer: RUS, exporter: JPN, sectors: all, partial_effect: {from: est.json, coef: fta}}\n"
        "  - {importer: CAN, exporter: USA, sectors: all, partial_effect: {b: 0.5, se: 0.1}}\n"
        "  - {pairs_file: p.csv, sectors: all, partial_effect: from_file}\n",
        pairs);
    tq_spec *sp = spec_of("ids.yaml", text);
    double se0[1] = {0};
    tq_sweep *s = sweep(sp, "draw=3", 1, 0, se0, -1, 0);
    int cnt = 0;
    const double *bd = tq_sweep_partial_effects(s, 1, &cnt);
    assert_int_equal(cnt, 5); /* eu, fta, {b, se}, then the rows: RUS-CHN, BRA-CAN */
    double v[5];
    memcpy(v, bd, sizeof v);
    for (int r = 0; r < 5; r++)
        for (int q = 0; q < r; q++)
            assert_true(v[r] != v[q]);
    /* the central b of each: eu, fta, 0.5, 0.4, -0.2 within 6 standard errors */
    const double c[5] = {B_EU, 0.1, 0.5, 0.4, -0.2}, e[5] = {SE_EU, 0.02, 0.1, 0.1, 0.05};
    for (int r = 0; r < 5; r++)
        assert_true(fabs(v[r] - c[r]) < 6 * e[r] && v[r] != c[r]);
    OK(tq_sweep_run(s, 0, tq_sweep_blocks(s)));
    tq_sweep_free(s);
    tq_spec_free(sp);
}

static void test_bad_standard_errors(void **state)
{
    (void)state;
    char path[4200], csv[4200];
    tq_spec *sp = NULL;
    const struct {
        const char *text;
        tq_status st;
        const char *where;
    } bad[] = {
        {"name: x\nntb:\n  - {importer: USA, exporter: JPN, sectors: all, partial_effect: {b: 0.5, se: -0.1}}\n",
         TQ_ERR_INVALID, "bad.yaml:3:"},
        {"name: x\nntb:\n  - {importer: USA, exporter: JPN, sectors: all, partial_effect: {b: 0.5, coef: x}}\n",
         TQ_ERR_PARSE, "bad.yaml:3:"},
        {"name: x\nntb:\n  - {importer: USA, exporter: JPN, sectors: all, partial_effect: {se: 0.1}}\n", TQ_ERR_PARSE,
         "bad.yaml:3:"},
        {"name: x\nuncertainty:\n  partial_effects: maybe\n", TQ_ERR_PARSE, "bad.yaml:3:"},
    };
    snprintf(path, sizeof path, "%s/bad.yaml", tmp);
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        FILE *f = fopen(path, "w");
        fputs(bad[k].text, f);
        fclose(f);
        assert_int_equal(tq_spec_load(ctx, path, &sp), bad[k].st);
        char m[2048];
        tq_error_format(ctx, m, sizeof m);
        assert_non_null(strstr(m, bad[k].where));
    }
    /* a negative se in a pairs file: its file and line */
    snprintf(csv, sizeof csv, "%s/neg.csv", tmp);
    FILE *f = fopen(csv, "w");
    fputs("exporter,importer,value,se\nRUS,CHN,0.4,0.1\nCHN,RUS,0.3,-1\n", f);
    fclose(f);
    tq_spec *s2 = spec_of("neg.yaml", "name: neg\ndata:\n  dataset: ge_gravity_eu\nntb:\n"
                                      "  - {pairs_file: neg.csv, sectors: all, partial_effect: from_file}\n");
    tq_run_options ro;
    tq_run_options_default(&ro);
    tq_outcome *oc = NULL;
    assert_int_equal(tq_runner_run(runner, s2, 0, &ro, &oc), TQ_ERR_INVALID);
    char m[2048];
    tq_error_format(ctx, m, sizeof m);
    assert_non_null(strstr(m, "neg.csv:3"));
    assert_non_null(strstr(m, "se"));
    tq_outcome_free(oc);
    tq_spec_free(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_reproduces_apply),  cmocka_unit_test(test_band_collapses),
        cmocka_unit_test(test_theta_draws_unchanged),  cmocka_unit_test(test_band_follows_b),
        cmocka_unit_test(test_theta_and_b_threads),    cmocka_unit_test(test_one_variable_per_coefficient),
        cmocka_unit_test(test_bad_standard_errors),    cmocka_unit_test(test_resume),
        cmocka_unit_test(test_pair_balance_follows_b),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
