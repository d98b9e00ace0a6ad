/* The Nash equilibrium of Ossa's (2014) tariff war solved from scratch on his 7 x 33 data
 * with his model (per-partner, per-sector tariffs, from the factual ones): each region's
 * welfare within 0.05 points of his Table 4a; at the end no player gains from deviating and
 * every best response passes the gradient and second-order checks; and the median tariff of
 * each importer within 0.5 points of his shipped Nash tariffs (nash_tariffs_bas.csv;
 * MODEL.md lists the medians) -- except India's, whose shipped row is not a best response
 * to his own other rows (below): there 0.7 (measured 0.64).
 *
 * The reference checked against itself: for each region k, the exact best response to
 * Ossa's shipped tariffs of the other six (Newton on the first-order conditions with the
 * exact gradient, Hessian by differences of it, to |grad| < 1e-9) has a median within
 * 0.04 points of our from-scratch Nash median for all seven regions, India included
 * (53.87 vs 53.87), while his own India row has 54.51: his India tariffs in flat cells
 * (e.g. Crops nec from Brazil, China and Japan, 0.551 in his file, 0.525-0.530 at the exact
 * best response; moving them changes India's welfare by 5e-6 points) stopped short of the
 * optimum. So each of our medians must lie within 0.5 points of the reference's exact best
 * response, India's too. Skipped (exit 77) without ../shared/data/ossa2014.
 * tq-test-label: slow (15 s with the exact gradient; much longer under the sanitizers) */
#include "tq_test.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const CODE[7] = {"BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"};
static const double T4A[7] = {-1.95, -2.20, -2.60, -2.16, -0.76, -4.98, -2.17};

static void die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fail_msg("%s: %s", what, buf);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of importer n's tariffs on its partners, all sectors (t [n,i,j]). */
static double median(const double *t, int N, int J, int n)
{
    double v[7 * 33];
    int c = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J && i != n; j++)
            v[c++] = t[((size_t)n * N + i) * J + j];
    qsort(v, (size_t)c, sizeof *v, cmp_double);
    return c % 2 ? v[c / 2] : 0.5 * (v[c / 2 - 1] + v[c / 2]);
}

/* Ossa's Nash tariffs (exporter_index, importer_index, sector_index, tariff; 1-based). */
static void read_nash(const char *dir, int N, int J, double *t)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/nash_tariffs_bas.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    int i, n, s;
    double v;
    while (fscanf(f, "%d,%d,%d,%lf", &i, &n, &s, &v) == 4)
        if (i != n)
            t[((size_t)(n - 1) * N + (i - 1)) * J + (s - 1)] = v;
    fclose(f);
}

/* Welfare of region k and its exact gradient at tariffs t. */
static double welfare_grad(tq_context *ctx, tq_solver *s, tq_scenario *sc, tq_result *r, const double *t, size_t M,
                           int k, double *g)
{
    memcpy(tq_scenario_tariffs(sc), t, M * sizeof *t);
    if (tq_solver_solve_into(s, sc, r) || tq_solver_welfare_gradient(s, sc, k, NULL, g))
        die(ctx, "solve or gradient");
    size_t len;
    return tq_result_array(r, TQ_RES_WELFARE, &len)[k];
}

/* Region k's exact best response to the others' tariffs in t (k's own row of t is the
 * start; updated in place): Newton on the first-order conditions of its N-1 x J
 * tariffs, the Hessian by forward differences (step 1e-4) of the exact gradient,
 * symmetrised. Returns max |grad| at the end. Every tariff stays interior (checked). */
static double exact_best_response(tq_context *ctx, tq_solver *s, tq_scenario *sc, tq_result *r, double *t, int N, int J,
                                  int k)
{
    const size_t M = (size_t)N * N * J;
    const int nv = (N - 1) * J;
    size_t *cell = malloc((size_t)nv * sizeof *cell);
    double *g = malloc(M * sizeof *g), *g2 = malloc(M * sizeof *g2), *H = malloc((size_t)nv * nv * sizeof *H),
           *step = malloc((size_t)nv * sizeof *step);
    assert_true(cell && g && g2 && H && step);
    int m = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J && i != k; j++)
            cell[m++] = ((size_t)k * N + i) * J + (size_t)j;
    double gmax = INFINITY;
    for (int it = 0; it < 8; it++) {
        welfare_grad(ctx, s, sc, r, t, M, k, g);
        gmax = 0;
        for (int a = 0; a < nv; a++)
            gmax = fmax(gmax, fabs(g[cell[a]]));
        if (gmax < 1e-11)
            break;
        for (int a = 0; a < nv; a++) {
            const double h = 1e-4, keep = t[cell[a]];
            t[cell[a]] = keep + h;
            welfare_grad(ctx, s, sc, r, t, M, k, g2);
            t[cell[a]] = keep;
            for (int c = 0; c < nv; c++)
                H[(size_t)c * nv + a] = (g2[cell[c]] - g[cell[c]]) / h;
        }
        for (int a = 0; a < nv; a++)
            for (int c = 0; c < a; c++)
                H[(size_t)a * nv + c] = H[(size_t)c * nv + a] = 0.5 * (H[(size_t)a * nv + c] + H[(size_t)c * nv + a]);
        for (int a = 0; a < nv; a++)
            step[a] = -g[cell[a]];
        lapack_int *piv = malloc((size_t)nv * sizeof *piv);
        assert_non_null(piv);
        assert_int_equal(LAPACKE_dgesv(LAPACK_ROW_MAJOR, nv, 1, H, nv, piv, step, 1), 0);
        free(piv);
        for (int a = 0; a < nv; a++) {
            t[cell[a]] += step[a];
            assert_true(t[cell[a]] > 0 && t[cell[a]] < 3);
        }
    }
    free(cell);
    free(g);
    free(g2);
    free(H);
    free(step);
    return gmax;
}

static void test_nash_from_scratch(void **state)
{
    (void)state;
    const char *dir = tq_test_shared("ossa2014");
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds;
    if (tq_dataset_load(ctx, dir, &ds))
        die(ctx, "load");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    assert_int_equal(N, 7);
    assert_int_equal(J, 33);
    tq_baseline *b;
    if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_OSSA, NULL, &b))
        die(ctx, "baseline");
    tq_policy_options opt;
    tq_policy_options_default(&opt);
    opt.form = TQ_FORM_PER_PARTNER;
    tq_nash *g;
    assert_int_equal(tq_nash_new(ctx, b, NULL, 0, &g), TQ_OK);
    assert_int_equal(tq_nash_set_options(g, &opt), TQ_OK);
    if (tq_nash_run(g))
        die(ctx, "nash");
    const tq_nash_info *ni = tq_nash_info_get(g);
    const double *t = tq_nash_tariffs(g), *W = tq_nash_welfare(g);
    double *ossa = calloc((size_t)N * N * J, sizeof *ossa);
    read_nash(dir, N, J, ossa);
    printf("Nash from scratch: %d rounds, %ld solves, %.1f s; largest unilateral gain left %.2e points\n", ni->rounds,
           ni->solves, ni->seconds, ni->max_gain);
    int bad = 0;
    for (int k = 0; k < 7; k++) {
        int n = tq_dataset_find_region(ds, CODE[k]);
        assert_true(n >= 0);
        const tq_optimum_info *pi = tq_nash_player_info(g, n);
        double m = 100 * median(t, N, J, n), mo = 100 * median(ossa, N, J, n);
        printf("%-4s median tariff %6.2f%% (Ossa %6.2f%%), welfare %+7.3f%% (Table 4a %+.2f%%), |grad| %.1e, "
               "curvature %.2g\n",
               CODE[k], m, mo, W[n], T4A[k], pi->grad_norm, pi->max_curvature);
        double mtol = strcmp(CODE[k], "IND") ? 0.5 : 0.7;
        if (!(fabs(m - mo) <= mtol) || !(fabs(W[n] - T4A[k]) <= 0.05) || !(pi->grad_norm < 1e-3) ||
            pi->second_order_ok != 1)
            bad++;
    }
    assert_int_equal(bad, 0);
    assert_true(ni->max_gain < 1e-4);

    /* the reference against itself: each region's exact best response to Ossa's others */
    tq_scenario *sc;
    tq_solver *s;
    tq_result *r = NULL;
    assert_int_equal(tq_scenario_new(ctx, b, &sc), TQ_OK);
    assert_int_equal(tq_solver_new(ctx, b, &s), TQ_OK);
    tq_solver_options so;
    tq_solver_options_default(&so);
    so.tol = 1e-13;
    assert_int_equal(tq_solver_set_options(s, &so), TQ_OK);
    if (tq_solver_solve(s, sc, &r))
        die(ctx, "base solve");
    const size_t M = (size_t)N * N * J;
    double *ref = malloc(M * sizeof *ref), *br = malloc(M * sizeof *br);
    assert_non_null(ref);
    assert_non_null(br);
    memcpy(ref, tq_scenario_tariffs(sc), M * sizeof *ref);
    read_nash(dir, N, J, ref);
    for (int k = 0; k < 7; k++) {
        int n = tq_dataset_find_region(ds, CODE[k]);
        memcpy(br, ref, M * sizeof *br);
        double gmax = exact_best_response(ctx, s, sc, r, br, N, J, n);
        double mb = 100 * median(br, N, J, n), mo = 100 * median(ref, N, J, n), m = 100 * median(t, N, J, n);
        printf("%-4s exact best response to Ossa's others: median %6.2f%% (his row %6.2f%%, our Nash %6.2f%%), "
               "|grad| %.1e\n",
               CODE[k], mb, mo, m, gmax);
        assert_true(gmax < 1e-9);
        assert_true(fabs(m - mb) <= 0.5);
    }
    free(ref);
    free(br);
    tq_result_free(r);
    tq_solver_free(s);
    tq_scenario_free(sc);
    free(ossa);
    tq_nash_free(g);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nash_from_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
