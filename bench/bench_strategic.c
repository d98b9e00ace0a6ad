/* Benchmark of the strategic layer (not a test; docs/strategic.md): (a) one optimal
 * tariff (the US's, per partner and sector) and (b) the full Nash equilibrium of the
 * tariff war on Ossa's (2014) 7 x 33 data with his model, compared with his Nash tariffs
 * (median per importer) and Table 4a welfare; (c) a global uniform-tariff war (one rate
 * per region, all regions) on the default dataset (wiod2014) and (d) on icio 2018
 * (81 regions), and (e) the US's optimal tariffs per sector on wiod2014, each with the
 * Caliendo-Parro model's exact (adjoint) gradient and then with finite differences
 * (skipped by --no-fd), the wars also by the simultaneous solver (TQ_NASH_SIMULTANEOUS),
 * the agreement of the answers, the times and the machine.
 *
 * usage: bench_strategic [--data DIR] [--only ossa|wiod|icio] [--threads T] [--no-fd]
 *   DIR is the shared data folder (default ../shared/data); the embedded datasets are
 *   found by the runner as the CLI finds them. */
#include "tradeq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(tq_context *ctx, const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "bench_strategic: %s: %s\n", what, buf);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of importer n's tariffs on its partners over all sectors. */
static double median_tariff(const double *t, int N, int J, int n)
{
    double *v = malloc(sizeof(double) * (size_t)N * (size_t)J);
    int c = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J && i != n; j++)
            v[c++] = t[((size_t)n * N + i) * J + j];
    qsort(v, (size_t)c, sizeof *v, cmp_double);
    double m = c % 2 ? v[c / 2] : 0.5 * (v[c / 2 - 1] + v[c / 2]);
    free(v);
    return m;
}

static void machine(void)
{
    char host[256] = "?";
    gethostname(host, sizeof host);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0, 0, 0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(f);
    }
    printf("machine: %s, %ld cores online, load average %.2f\n", host, cores, load[0]);
}

static void bench_ossa(tq_context *ctx, const char *data, int threads)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ossa2014", data);
    tq_dataset *ds;
    if (tq_dataset_load(ctx, dir, &ds))
        die(ctx, "ossa2014");
    tq_baseline *b;
    if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_OSSA, NULL, &b))
        die(ctx, "ossa baseline");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    tq_policy_options opt;
    tq_policy_options_default(&opt);
    opt.form = TQ_FORM_PER_PARTNER;
    opt.threads = threads;
    if (getenv("BENCH_FDSTEP"))
        opt.fd_step = atof(getenv("BENCH_FDSTEP"));
    if (getenv("BENCH_XTOL"))
        opt.xtol = atof(getenv("BENCH_XTOL"));
    int us = tq_dataset_find_region(ds, "USA");

    tq_optimal *o;
    if (tq_optimal_new(ctx, b, us, &o) || tq_optimal_set_options(o, &opt))
        die(ctx, "optimal");
    double t0 = now();
    tq_status st = tq_optimal_run(o);
    double sec = now() - t0;
    if (st && st != TQ_ERR_NOT_CONVERGED)
        die(ctx, "optimal run");
    const tq_optimum_info *oi = tq_optimal_info(o);
    printf("\n(a) Ossa 7x33: the US's optimal tariffs (%d tariffs, per partner and sector)\n", oi->variables);
    printf("    %.2f s, %d evaluations, %ld solves; US welfare %+.3f%%, median tariff %.1f%%; |grad| %.2e, "
           "curvature %.3g (%s)\n",
           sec, oi->evaluations, oi->solves, tq_optimal_welfare(o)[us],
           100 * median_tariff(tq_optimal_tariffs(o), N, J, us), oi->grad_norm, oi->max_curvature,
           oi->second_order_ok == 1 ? "a maximum" : "CHECK FAILED");
    if (getenv("BENCH_DUMP")) {
        FILE *f = fopen(getenv("BENCH_DUMP"), "w");
        const double *tt = tq_optimal_tariffs(o);
        for (int i = 0; f && i < N; i++)
            for (int j = 0; j < J; j++)
                if (i != us)
                    fprintf(f, "%d,%d,%d,%.10f\n", us + 1, i + 1, j + 1, tt[((size_t)us * N + i) * J + j]);
        if (f)
            fclose(f);
    }
    tq_optimal_free(o);
    if (getenv("BENCH_OPTIMAL_ONLY"))
        return;

    static const char *const code[7] = {"BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"};
    static const double t4a[7] = {-1.95, -2.20, -2.60, -2.16, -0.76, -4.98, -2.17};
    static const double med[7] = {56.4, 58.6, 59.1, 54.5, 58.5, 59.7, 59.6};
    tq_nash *g;
    if (tq_nash_new(ctx, b, NULL, 0, &g) || tq_nash_set_options(g, &opt))
        die(ctx, "nash");
    t0 = now();
    st = tq_nash_run(g);
    sec = now() - t0;
    if (st && st != TQ_ERR_NOT_CONVERGED)
        die(ctx, "nash run");
    const tq_nash_info *ni = tq_nash_info_get(g);
    printf("\n(b) Ossa 7x33: Nash equilibrium of the tariff war (7 x 198 tariffs, from the factual tariffs)\n");
    printf("    %.2f s, %d rounds, %ld solves, last round: max change %.2e, largest unilateral gain %.2e points\n", sec,
           ni->rounds, ni->solves, ni->max_change, ni->max_gain);
    printf("    %-4s %14s %10s %14s %10s %8s %10s\n", "", "median tariff", "Ossa", "welfare %", "Table 4a", "|grad|",
           "curvature");
    const double *W = tq_nash_welfare(g), *t = tq_nash_tariffs(g);
    double wmean = 0;
    for (int k = 0; k < 7; k++) {
        int n = tq_dataset_find_region(ds, code[k]);
        const tq_optimum_info *pi = NULL;
        for (int q = 0; q < N; q++)
            if (q == n)
                pi = tq_nash_player_info(g, q);
        wmean += W[n] / 7;
        printf("    %-4s %13.2f%% %9.1f%% %+13.3f%% %+9.2f%% %8.1e %10.3g\n", code[k], 100 * median_tariff(t, N, J, n),
               med[k], W[n], t4a[k], pi ? pi->grad_norm : NAN, pi ? pi->max_curvature : NAN);
    }
    printf("    mean welfare %+.3f%% (Table 4a -2.40%%)\n", wmean);
    if (getenv("BENCH_DUMP_NASH")) {
        FILE *f = fopen(getenv("BENCH_DUMP_NASH"), "w");
        for (int n = 0; f && n < N; n++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J; j++)
                    if (i != n)
                        fprintf(f, "%d,%d,%d,%.10f\n", n + 1, i + 1, j + 1, t[((size_t)n * N + i) * J + j]);
        if (f)
            fclose(f);
    }
    tq_nash_free(g);
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

/* One run of the uniform war on b (exact gradients, or finite differences when fd):
 * prints its line and returns its Nash tariffs (caller frees). */
static double *run_war(tq_context *ctx, const tq_baseline *b, int N, int J, int threads, int fd, int simultaneous)
{
    tq_policy_options opt;
    tq_policy_options_default(&opt);
    opt.form = TQ_FORM_UNIFORM;
    opt.threads = threads;
    opt.second_order = 0;
    opt.solve_tol = 1e-10;
    opt.finite_differences = fd;
    tq_nash *g;
    if (tq_nash_new(ctx, b, NULL, 0, &g) || tq_nash_set_options(g, &opt) || tq_nash_set_tolerance(g, 1e-3, 30) ||
        tq_nash_set_method(g, simultaneous ? TQ_NASH_SIMULTANEOUS : TQ_NASH_BEST_RESPONSE))
        die(ctx, "nash");
    double t0 = now();
    tq_status st = tq_nash_run(g);
    double sec = now() - t0;
    if (st && st != TQ_ERR_NOT_CONVERGED)
        die(ctx, "war");
    const tq_nash_info *ni = tq_nash_info_get(g);
    const double *W = tq_nash_welfare(g), *t = tq_nash_tariffs(g);
    double wmean = 0, tmean = 0, wmin = INFINITY, wmax = -INFINITY;
    int ev = 0;
    for (int n = 0; n < N; n++) {
        wmean += W[n] / N;
        wmin = fmin(wmin, W[n]);
        wmax = fmax(wmax, W[n]);
        tmean += median_tariff(t, N, J, n) / N;
        ev += tq_nash_player_info(g, n)->evaluations;
    }
    printf("    %-19s %.2f s, %d %s, %ld solves, %s; %d evaluations (last), max change %.2e, largest "
           "unilateral gain %.2e points\n",
           fd             ? "finite differences:"
           : simultaneous ? "simultaneous:"
                          : "exact gradient:",
           sec, ni->rounds, simultaneous ? "iterations" : "rounds", ni->solves, st ? "NOT converged" : "converged", ev,
           ni->max_change, ni->max_gain);
    printf("    %-19s mean Nash tariff %.1f%%, welfare mean %+.3f%% (min %+.3f%%, max %+.3f%%)\n", "", 100 * tmean,
           wmean, wmin, wmax);
    const size_t NNJ = (size_t)N * N * J;
    double *copy = malloc(NNJ * sizeof *copy);
    if (!copy)
        die(ctx, "memory");
    memcpy(copy, t, NNJ * sizeof *copy);
    tq_nash_free(g);
    return copy;
}

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m = fmax(m, fabs(a[k] - b[k]));
    return m;
}

/* The US's optimal tariffs per sector on b: exact gradient, then finite differences. */
static void bench_optimal_cp(tq_context *ctx, const tq_baseline *b, const tq_dataset *ds, int threads, int with_fd)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const int us = tq_dataset_find_region(ds, "USA");
    if (us < 0)
        return;
    const size_t NNJ = (size_t)N * N * J;
    double *tt[2] = {NULL, NULL};
    printf("\n(e) the US's optimal tariffs on %s, one per sector (balanced closure)\n", tq_dataset_name(ds));
    for (int fd = 0; fd <= with_fd; fd++) {
        tq_policy_options opt;
        tq_policy_options_default(&opt);
        opt.form = TQ_FORM_SECTOR;
        opt.threads = threads;
        opt.finite_differences = fd;
        tq_optimal *o;
        if (tq_optimal_new(ctx, b, us, &o) || tq_optimal_set_options(o, &opt))
            die(ctx, "optimal");
        double t0 = now();
        tq_status st = tq_optimal_run(o);
        double sec = now() - t0;
        if (st && st != TQ_ERR_NOT_CONVERGED)
            die(ctx, "optimal run");
        const tq_optimum_info *oi = tq_optimal_info(o);
        printf("    %-19s %.2f s, %d tariffs, %d evaluations, %ld solves; US welfare %+.4f%%, |grad| %.2e, "
               "curvature %.3g (%s)%s\n",
               fd ? "finite differences:" : "exact gradient:", sec, oi->variables, oi->evaluations, oi->solves,
               tq_optimal_welfare(o)[us], oi->grad_norm, oi->max_curvature,
               oi->second_order_ok == 1 ? "a maximum" : "CHECK FAILED", st ? " NOT converged" : "");
        tt[fd] = malloc(NNJ * sizeof(double));
        if (!tt[fd])
            die(ctx, "memory");
        memcpy(tt[fd], tq_optimal_tariffs(o), NNJ * sizeof(double));
        tq_optimal_free(o);
    }
    if (with_fd)
        printf("    optimal tariffs: max |exact - fd| %.2e\n", max_abs_diff(tt[0], tt[1], NNJ));
    free(tt[0]);
    free(tt[1]);
}

static void bench_war(tq_context *ctx, tq_runner *r, const char *name, int year, int threads, int with_fd)
{
    const tq_dataset *ds;
    if (tq_runner_dataset(r, name, NULL, NULL, &ds))
        die(ctx, name);
    int y = year ? tq_dataset_find_year(ds, year) : tq_dataset_years(ds) - 1;
    if (y < 0)
        die(ctx, "year");
    const tq_baseline *b;
    double t0 = now();
    /* balanced, as Ossa (NX' = 0): with deficits fixed in numeraire units the regions
     * with large deficits gain from prohibitive tariffs (docs/strategic.md) */
    if (tq_runner_baseline(r, ds, y, TQ_CLOSURE_BALANCED, NULL, &b))
        die(ctx, "baseline");
    double tb = now() - t0;
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    if (strcmp(name, "icio"))
        bench_optimal_cp(ctx, b, ds, threads, with_fd);
    printf("\n(%s) global uniform-tariff war on %s %d (%d regions x %d sectors, balanced closure; baseline %.2f s)\n",
           !strcmp(name, "icio") ? "d" : "c", name, tq_dataset_year(ds, y), N, J, tb);
    const size_t NNJ = (size_t)N * N * J;
    double *ts = run_war(ctx, b, N, J, threads, 0, 1);
    double *te = run_war(ctx, b, N, J, threads, 0, 0);
    printf("    Nash tariffs: max |simultaneous - best responses| %.2e\n", max_abs_diff(ts, te, NNJ));
    if (with_fd) {
        double *tf = run_war(ctx, b, N, J, threads, 1, 0);
        printf("    Nash tariffs: max |exact - fd| %.2e\n", max_abs_diff(te, tf, NNJ));
        free(tf);
    }
    free(te);
    free(ts);
}

int main(int argc, char **argv)
{
    const char *data = "../shared/data", *only = NULL;
    int threads = 0, with_fd = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-fd"))
            with_fd = 0;
        else {
            fprintf(stderr, "usage: bench_strategic [--data DIR] [--only ossa|wiod|icio] [--threads T] [--no-fd]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    machine();
    tq_context *ctx;
    if (tq_context_new(&ctx, NULL))
        return 1;
    if (!only || !strcmp(only, "ossa"))
        bench_ossa(ctx, data, threads);
    tq_runner *r;
    if (tq_runner_new(ctx, &r))
        die(ctx, "runner");
    if (!only || !strcmp(only, "wiod"))
        bench_war(ctx, r, TQ_DEFAULT_DATASET, 0, threads, with_fd);
    if (!only || !strcmp(only, "icio"))
        bench_war(ctx, r, "icio", 2018, threads, with_fd);
    tq_runner_free(r);
    tq_context_free(ctx);
    return 0;
}
