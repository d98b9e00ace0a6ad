/* The Ossa (2014) model (MODEL.md (O1)-(O4), src/model/ossa.c) on his data in
 * ../shared/data/ossa2014 (skipped, exit 77, when absent): Table 4a reproduced by
 * evaluating the model at his Nash tariffs, an unchanged scenario returning the base,
 * and the equilibrium conditions recomputed here from the baseline and result arrays. */
#include "tq_test.h"

#include <math.h>

static char odir[4096];

/* Ossa (2014) Table 4a, welfare change in percent at the Nash tariffs (MODEL.md). */
static const char *const T4_REGION[7] = {"BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"};
static const double T4_WELFARE[7] = {-1.95, -2.20, -2.60, -2.16, -0.76, -4.98, -2.17};
static const double T4_MEAN = -2.40;

static void die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fail_msg("%s: %s", what, buf);
}

/* nash_tariffs_bas.csv (exporter_index, importer_index, sector_index, tariff; 1-based)
 * into the scenario's tariff array [n,i,j]. Returns the rows read. */
static int read_nash(const char *file, int N, int J, double *t)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", odir, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    assert_non_null(strstr(line, "exporter_index,importer_index,sector_index,tariff"));
    int i, n, s;
    double v;
    while (fscanf(f, "%d,%d,%d,%lf", &i, &n, &s, &v) == 4) {
        assert_true(i >= 1 && i <= N && n >= 1 && n <= N && s >= 1 && s <= J);
        if (i != n)
            t[((size_t)(n - 1) * N + (i - 1)) * J + (s - 1)] = v;
        rows++;
    }
    fclose(f);
    return rows;
}

typedef struct fixture {
    tq_context *ctx;
    tq_dataset *ds;
    tq_baseline *b;
} fixture;

static void setup(fixture *fx, tq_closure closure)
{
    assert_int_equal(tq_context_new(&fx->ctx, NULL), TQ_OK);
    if (tq_dataset_load(fx->ctx, odir, &fx->ds))
        die(fx->ctx, "load");
    assert_int_equal(tq_dataset_regions(fx->ds), 7);
    assert_int_equal(tq_dataset_sectors(fx->ds), 33);
    /* the reader: theta = sigma - 1 of sigma_s.csv's first column (rice 7.007203), the
     * flow Brazil -> China in rice (row 1, column 2 of trade_ijs.csv), a quoted name */
    assert_true(fabs(tq_dataset_array(fx->ds, TQ_THETA, 0, NULL)[0] - 6.007203) < 1e-12);
    assert_true(fabs(tq_dataset_array(fx->ds, TQ_Z, 0, NULL)[(1 * 7 + 0) * 33 + 0] - .1069007) < 1e-12);
    assert_string_equal(tq_dataset_sector_name(fx->ds, 23), "Chemical,rubber,plastic prods");
    assert_string_equal(tq_dataset_region_code(fx->ds, 6), "USA");
    if (tq_baseline_new_model(fx->ctx, fx->ds, 0, closure, TQ_MODEL_OSSA, NULL, &fx->b))
        die(fx->ctx, "baseline");
    assert_int_equal(tq_baseline_model(fx->b), TQ_MODEL_OSSA);
}

static void teardown(fixture *fx)
{
    tq_baseline_free(fx->b);
    tq_dataset_free(fx->ds);
    tq_context_free(fx->ctx);
}

static void test_table4a(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    assert_int_equal(read_nash("nash_tariffs_bas.csv", 7, 33, tq_scenario_tariffs(sc)), 7 * 7 * 33);
    tq_result *r;
    if (tq_solve(fx.ctx, fx.b, sc, NULL, &r))
        die(fx.ctx, "solve");
    const double *W = tq_result_array(r, TQ_RES_WELFARE, NULL);
    double mean = 0;
    for (int k = 0; k < 7; k++) {
        const int n = tq_dataset_find_region(fx.ds, T4_REGION[k]);
        assert_true(n >= 0);
        printf("%-4s welfare %8.4f%%  (Ossa Table 4a %6.2f)\n", T4_REGION[k], W[n], T4_WELFARE[k]);
        mean += W[n] / 7;
    }
    printf("mean welfare %8.4f%%  (Ossa Table 4a %6.2f)\n", mean, T4_MEAN);
    for (int k = 0; k < 7; k++) {
        const int n = tq_dataset_find_region(fx.ds, T4_REGION[k]);
        if (!(fabs(W[n] - T4_WELFARE[k]) <= 0.005 + 1e-9))
            fail_msg("%s: %.4f vs Table 4a %.2f", T4_REGION[k], W[n], T4_WELFARE[k]);
    }
    assert_true(fabs(mean - T4_MEAN) <= 0.005 + 1e-9);
    assert_true(tq_result_info(r)->residual < 1e-10);
    tq_result_free(r);
    tq_scenario_free(sc);
    teardown(&fx);
}

/* An unchanged scenario returns the base: hats 1, welfare 0, and the solver stops at
 * its first evaluation. */
static void test_unchanged(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    /* the base is Ossa's purged equilibrium: NX = 0, spending = sales + revenue */
    const double *D = tq_baseline_array(fx.b, TQ_DEFICIT, NULL), *I = tq_baseline_array(fx.b, TQ_I, NULL);
    const double *VA = tq_baseline_array(fx.b, TQ_VA, NULL), *R = tq_baseline_array(fx.b, TQ_R, NULL);
    for (int n = 0; n < 7; n++) {
        assert_true(fabs(D[n]) < 1e-9 * I[n]);
        assert_true(fabs(I[n] - VA[n] - R[n]) < 1e-9 * I[n]);
    }
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    tq_result *r;
    if (tq_solve(fx.ctx, fx.b, sc, NULL, &r))
        die(fx.ctx, "solve");
    assert_int_equal(tq_result_info(r)->iterations, 0);
    const double *w = tq_result_array(r, TQ_RES_WHAT, NULL), *P = tq_result_array(r, TQ_RES_PHAT, NULL);
    const double *W = tq_result_array(r, TQ_RES_WELFARE, NULL), *E1 = tq_result_array(r, TQ_RES_INCOME, NULL);
    for (int n = 0; n < 7; n++) {
        assert_true(w[n] == 1.0);
        assert_true(fabs(W[n]) < 1e-12);
        assert_true(fabs(E1[n] / I[n] - 1) < 1e-12);
        for (int j = 0; j < 33; j++)
            assert_true(fabs(P[n * 33 + j] - 1) < 1e-14);
    }
    tq_result_free(r);
    tq_scenario_free(sc);
    teardown(&fx);
}

/* (O1)-(O4), the closure and the numeraire recomputed here from the baseline's and the
 * result's arrays (not from the solver's), at Ossa's Nash tariffs with the balanced
 * closure and with the data's deficits held fixed. */
static void check_equilibrium(tq_closure closure)
{
    fixture fx;
    setup(&fx, closure);
    const int N = 7, J = 33;
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    read_nash("nash_tariffs_bas.csv", N, J, tq_scenario_tariffs(sc));
    const double *t1 = tq_scenario_tariffs(sc);
    tq_result *r;
    if (tq_solve(fx.ctx, fx.b, sc, NULL, &r))
        die(fx.ctx, "solve");
    const double *pib = tq_baseline_array(fx.b, TQ_PI, NULL), *tb = tq_baseline_array(fx.b, TQ_TARIFF, NULL);
    const double *Xb = tq_baseline_array(fx.b, TQ_XJ, NULL), *al = tq_baseline_array(fx.b, TQ_ALPHA, NULL);
    const double *th = tq_baseline_array(fx.b, TQ_THETA, NULL), *Db = tq_baseline_array(fx.b, TQ_DEFICIT, NULL);
    const double *w = tq_result_array(r, TQ_RES_WHAT, NULL), *P = tq_result_array(r, TQ_RES_PHAT, NULL);
    const double *E1 = tq_result_array(r, TQ_RES_INCOME, NULL), *R1 = tq_result_array(r, TQ_RES_REVENUE, NULL);
    const double *D1 = tq_result_array(r, TQ_RES_DEFICIT, NULL), *pi1 = tq_result_array(r, TQ_RES_PI, NULL);
    double Y0[7 * 33] = {0}, Y1[7 * 33] = {0}, rev[7] = {0}, o1 = 0, pis = 0;
    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++) {
            double s = 0;
            for (int i = 0; i < N; i++) {
                const size_t c = ((size_t)n * N + i) * J + j;
                const double tau = (1 + t1[c]) / (1 + tb[c]);
                s += pib[c] * pow(w[i] * tau, -th[j]);
                Y0[i * J + j] += pib[c] * Xb[n * J + j] / (1 + tb[c]);
            }
            o1 = fmax(o1, fabs(pow(P[n * J + j], -th[j]) / s - 1)); /* (O1) */
            for (int i = 0; i < N; i++) {
                const size_t c = ((size_t)n * N + i) * J + j;
                const double p = pib[c] * pow(w[i] * (1 + t1[c]) / (1 + tb[c]), -th[j]) / s;
                pis = fmax(pis, fabs(p - pi1[c]));
                const double pre = p * al[n * J + j] * E1[n] / (1 + t1[c]);
                Y1[i * J + j] += pre; /* (O2): sales, profits PI^ = Y^ */
                rev[n] += t1[c] * pre;
            }
        }
    double o3 = 0, o4 = 0, lw = 0, l0 = 0;
    for (int i = 0; i < N; i++) {
        double L0 = 0, lab = 0, prof = 0;
        for (int j = 0; j < J; j++) {
            const double sig = th[j] + 1;
            L0 += Y0[i * J + j] * (sig - 1) / sig;
            lab += Y1[i * J + j] * (sig - 1) / sig;
            prof += Y1[i * J + j] / sig;
        }
        o3 = fmax(o3, fabs(lab / (L0 * w[i]) - 1));                           /* (O3) */
        o4 = fmax(o4, fabs((L0 * w[i] + prof + rev[i] + D1[i]) / E1[i] - 1)); /* (O4) */
        assert_true(fabs(R1[i] - rev[i]) < 1e-9 * E1[i]);                     /* R' */
        assert_true(fabs(D1[i] - (closure == TQ_CLOSURE_BALANCED ? 0 : Db[i])) < 1e-9 * E1[i]);
        lw += L0 * w[i];
        l0 += L0;
    }
    printf("closure %d: (O1) %.2e  pi' %.2e  (O3) %.2e  (O4) %.2e  numeraire %.2e\n", (int)closure, o1, pis, o3, o4,
           fabs(lw / l0 - 1));
    assert_true(o1 < 1e-12);
    assert_true(pis < 1e-12);
    assert_true(o3 < 1e-10);
    assert_true(o4 < 1e-10);
    assert_true(fabs(lw / l0 - 1) < 1e-12);
    /* the library's own independent checker agrees */
    tq_check k;
    assert_int_equal(tq_check_solution(fx.ctx, fx.b, sc, r, NULL, &k), TQ_OK);
    printf("tq_check_solution: max %.2e (income %.2e, E5 and O3 %.2e)\n", k.max, k.income, k.e5);
    assert_true(k.max < 1e-9);
    tq_result_free(r);
    tq_scenario_free(sc);
    teardown(&fx);
}

static void test_equilibrium_balanced(void **state)
{
    (void)state;
    check_equilibrium(TQ_CLOSURE_BALANCED);
}

static void test_equilibrium_fixed(void **state)
{
    (void)state;
    check_equilibrium(TQ_CLOSURE_FIXED);
}

/* With one sigma for all industries, labour is the same share (sigma-1)/sigma of every
 * industry's sales, so (O3) says w^ = the change of total sales and the Ossa model is
 * the Caliendo-Parro model without input-output links (theta = sigma - 1, value added
 * = sales, the same numeraire): both models must give the same welfare. */
static void test_common_sigma_is_cp(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds;
    if (tq_dataset_load(ctx, odir, &ds))
        die(ctx, "load");
    double *th = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    for (int j = 0; j < 33; j++)
        th[j] = 4.0;
    tq_baseline *bo, *bc;
    if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_OSSA, NULL, &bo) ||
        tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_CP, NULL, &bc))
        die(ctx, "baselines");
    assert_int_equal(tq_baseline_model(bc), TQ_MODEL_CP);
    tq_scenario *so, *scp;
    assert_int_equal(tq_scenario_new(ctx, bo, &so), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, bc, &scp), TQ_OK);
    read_nash("nash_tariffs_bas.csv", 7, 33, tq_scenario_tariffs(so));
    read_nash("nash_tariffs_bas.csv", 7, 33, tq_scenario_tariffs(scp));
    tq_result *ro, *rc;
    if (tq_solve(ctx, bo, so, NULL, &ro) || tq_solve(ctx, bc, scp, NULL, &rc))
        die(ctx, "solve");
    const double *Wo = tq_result_array(ro, TQ_RES_WELFARE, NULL), *Wc = tq_result_array(rc, TQ_RES_WELFARE, NULL);
    const double *wo = tq_result_array(ro, TQ_RES_WHAT, NULL), *wc = tq_result_array(rc, TQ_RES_WHAT, NULL);
    for (int n = 0; n < 7; n++) {
        printf("%-4s Ossa %.8f  CP %.8f\n", tq_dataset_region_code(ds, n), Wo[n], Wc[n]);
        assert_true(fabs(Wo[n] - Wc[n]) < 1e-7);
        assert_true(fabs(wo[n] / wc[n] - 1) < 1e-9);
        assert_true(fabs(Wo[n]) > 0.1); /* a real shock */
    }
    tq_result_free(ro);
    tq_result_free(rc);
    tq_scenario_free(so);
    tq_scenario_free(scp);
    tq_baseline_free(bo);
    tq_baseline_free(bc);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* The solver object on an Ossa baseline: one region's import tariffs set and re-solved
 * with a warm start agree with a cold solve; a solve into the same result allocates
 * nothing new and gives the same welfare. */
static void test_solver_warm(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    const int N = 7, J = 33, us = tq_dataset_find_region(fx.ds, "USA");
    tq_solver *s;
    assert_int_equal(tq_solver_new(fx.ctx, fx.b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_warm_start(s, 1), TQ_OK);
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    tq_result *r = NULL, *cold = NULL;
    double *t = tq_scenario_tariffs(sc);
    double rates[7 * 33];
    for (int step = 1; step <= 3; step++) {
        for (int k = 0; k < N * J; k++)
            rates[k] = 0.1 * step;
        assert_int_equal(tq_scenario_set_import_tariffs(sc, us, rates), TQ_OK);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J; j++)
                assert_true(t[((size_t)us * N + i) * J + j] == (i == us ? 0.0 : 0.1 * step));
        tq_status st = r ? tq_solver_solve_into(s, sc, r) : tq_solver_solve(s, sc, &r);
        if (st)
            die(fx.ctx, "solver");
    }
    rates[5] = -1.5; /* refused, nothing changes */
    assert_int_equal(tq_scenario_set_import_tariffs(sc, us, rates), TQ_ERR_INVALID);
    assert_true(t[((size_t)us * N + 0) * J + 5] == 0.1 * 3);
    if (tq_solve(fx.ctx, fx.b, sc, NULL, &cold))
        die(fx.ctx, "cold solve");
    const double *Ww = tq_result_array(r, TQ_RES_WELFARE, NULL), *Wc = tq_result_array(cold, TQ_RES_WELFARE, NULL);
    for (int n = 0; n < N; n++)
        assert_true(fabs(Ww[n] - Wc[n]) < 1e-8);
    /* a 30% US tariff: the US gains (terms of trade), the others lose */
    assert_true(Ww[us] > 0);
    for (int n = 0; n < N; n++)
        if (n != us)
            assert_true(Ww[n] < 0);
    /* the warm solves need fewer Newton steps than the cold one */
    assert_true(tq_solver_info(s)->iterations <= tq_result_info(cold)->iterations);
    tq_result_free(r);
    tq_result_free(cold);
    tq_scenario_free(sc);
    tq_solver_free(s);
    teardown(&fx);
}

/* The exact gradient (implicit function theorem, tq_solver_welfare_gradient) against
 * central finite differences of welfare through full solves, at Ossa's Nash tariffs:
 * a region's welfare in its own and in others' tariffs, and a weighted sum. */
static void test_gradient(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    const int N = 7, J = 33;
    const int us = tq_dataset_find_region(fx.ds, "USA"), cn = tq_dataset_find_region(fx.ds, "CHN");
    const int eu = tq_dataset_find_region(fx.ds, "EU");
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    read_nash("nash_tariffs_bas.csv", N, J, tq_scenario_tariffs(sc));
    double *t = tq_scenario_tariffs(sc);
    tq_solver *s;
    assert_int_equal(tq_solver_new(fx.ctx, fx.b, &s), TQ_OK);
    assert_int_equal(tq_solver_set_tol(s, 1e-13), TQ_OK);
    tq_result *r;
    if (tq_solver_solve(s, sc, &r))
        die(fx.ctx, "solve");
    double *g = calloc((size_t)N * N * J, sizeof(double)), *gw = calloc((size_t)N * N * J, sizeof(double));
    double wts[7] = {0};
    wts[us] = 1.0;
    wts[cn] = 2.0;
    wts[eu] = -0.5;
    if (tq_solver_welfare_gradient(s, sc, us, NULL, g) || tq_solver_welfare_gradient(s, sc, -1, wts, gw))
        die(fx.ctx, "gradient");
    /* cells: importer, exporter, sector */
    const int cells[][3] = {{us, cn, 30}, {us, cn, 0}, {us, eu, 28}, {cn, us, 30}, {eu, cn, 18}, {us, us, 5}};
    double maxerr = 0, maxg = 0;
    for (size_t q = 0; q < sizeof cells / sizeof cells[0]; q++) {
        const size_t c = ((size_t)cells[q][0] * N + cells[q][1]) * J + cells[q][2];
        if (cells[q][0] == cells[q][1]) {
            assert_true(g[c] == 0.0 && gw[c] == 0.0); /* domestic cells */
            continue;
        }
        const double t0 = t[c], h = 1e-5;
        double fp[2], fm[2];
        for (int side = 0; side < 2; side++) {
            t[c] = t0 + (side ? -h : h);
            tq_result *rr;
            if (tq_solve(fx.ctx, fx.b, sc, &(tq_solver_options){.tol = 1e-13, .numeraire_region = -1}, &rr))
                die(fx.ctx, "fd solve");
            const double *W = tq_result_array(rr, TQ_RES_WELFARE, NULL);
            double f = 0;
            for (int n = 0; n < N; n++)
                f += wts[n] * W[n];
            (side ? fm : fp)[0] = W[us];
            (side ? fm : fp)[1] = f;
            tq_result_free(rr);
        }
        t[c] = t0;
        const double fd = (fp[0] - fm[0]) / (2 * h), fdw = (fp[1] - fm[1]) / (2 * h);
        printf("cell %d<-%d sector %d: dW_US/dt exact %.8f fd %.8f; weighted exact %.8f fd %.8f\n", cells[q][0],
               cells[q][1], cells[q][2], g[c], fd, gw[c], fdw);
        maxerr = fmax(maxerr, fmax(fabs(g[c] - fd), fabs(gw[c] - fdw)));
        maxg = fmax(maxg, fmax(fabs(fd), fabs(fdw)));
    }
    assert_true(maxg > 1e-3);           /* the derivatives are not trivially zero */
    assert_true(maxerr < 1e-6 * 100.0); /* percent per unit of tariff, FD error O(h^2) */
    assert_true(maxerr < 1e-5 * maxg);
    /* Caliendo-Parro has one too (tests/model/test_cp_grad.c), at a converged solution only */
    tq_baseline *bc;
    if (tq_baseline_new(fx.ctx, fx.ds, 0, TQ_CLOSURE_BALANCED, NULL, &bc))
        die(fx.ctx, "cp baseline");
    tq_solver *sc2;
    tq_scenario *s2;
    assert_int_equal(tq_solver_new(fx.ctx, bc, &sc2), TQ_OK);
    assert_int_equal(tq_scenario_new(fx.ctx, bc, &s2), TQ_OK);
    assert_int_equal(tq_solver_welfare_gradient(sc2, s2, 0, NULL, g), TQ_ERR_INVALID);
    tq_scenario_free(s2);
    tq_solver_free(sc2);
    tq_baseline_free(bc);
    free(g);
    free(gw);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    teardown(&fx);
}

/* Ossa's Nash tariffs are best responses: at them every region's welfare is flat in its
 * own import tariffs (first-order conditions, interior points), while it is not flat in
 * the tariffs others levy on it. */
static void test_nash_first_order(void **state)
{
    (void)state;
    fixture fx;
    setup(&fx, TQ_CLOSURE_BALANCED);
    const int N = 7, J = 33;
    tq_scenario *sc;
    assert_int_equal(tq_scenario_new(fx.ctx, fx.b, &sc), TQ_OK);
    read_nash("nash_tariffs_bas.csv", N, J, tq_scenario_tariffs(sc));
    const double *t = tq_scenario_tariffs(sc);
    tq_solver *s;
    assert_int_equal(tq_solver_new(fx.ctx, fx.b, &s), TQ_OK);
    tq_result *r;
    if (tq_solver_solve(s, sc, &r))
        die(fx.ctx, "solve");
    double *g = calloc((size_t)N * N * J, sizeof(double));
    double own = 0, other = 0;
    int interior = 0;
    for (int k = 0; k < N; k++) {
        if (tq_solver_welfare_gradient(s, sc, k, NULL, g))
            die(fx.ctx, "gradient");
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++) {
                    const size_t c = ((size_t)n * N + i) * J + j;
                    if (n == k && i != n && t[c] > 1e-3) {
                        own = fmax(own, fabs(g[c]));
                        interior++;
                    } else if (i == k && n != k) {
                        other = fmax(other, fabs(g[c]));
                    }
                }
    }
    printf("Nash point: max |dW_n/dt| own tariffs %.2e (%d interior), tariffs on n %.2e\n", own, interior, other);
    assert_true(interior > 1000);
    assert_true(own < 1e-2 * other);
    free(g);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    teardown(&fx);
}

int main(void)
{
    snprintf(odir, sizeof odir, "%s", tq_test_shared("ossa2014"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table4a),
        cmocka_unit_test(test_unchanged),
        cmocka_unit_test(test_equilibrium_balanced),
        cmocka_unit_test(test_equilibrium_fixed),
        cmocka_unit_test(test_common_sigma_is_cp),
        cmocka_unit_test(test_solver_warm),
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_nash_first_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
