/* bench_ossa: the Ossa (2014) model (docs/models.md) on his 7 x 33 data
 * (../shared/data/ossa2014, GTAP-derived, not shipped): the recalibrated baseline, one
 * cold solve at his Nash tariffs (through tq_solve, welfare and decomposition included),
 * and the solver object's repeated solves as a tariff search makes them (one region's
 * import tariffs changed, warm start, solve into the same result).
 *
 *   ./build/bench_ossa [--data DIR] [--reps N]
 *
 * Prints the machine, the times (median of N repetitions), Newton steps, map
 * evaluations and residuals, and the welfare changes against Ossa's Table 4a. */
#include "tradeq.h"

#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    return bench_now();
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int die(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "bench_ossa: %s: %s\n", what, buf);
    return 1;
}

/* nash_tariffs_bas.csv (exporter, importer, sector, tariff; 1-based) into t [n,i,j]. */
static int read_nash(const char *dir, int N, int J, double *t)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/nash_tariffs_bas.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int rows = 0, i, n, s;
    double v;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fscanf(f, "%d,%d,%d,%lf", &i, &n, &s, &v) == 4)
        if (i >= 1 && i <= N && n >= 1 && n <= N && s >= 1 && s <= J) {
            if (i != n)
                t[((size_t)(n - 1) * N + (i - 1)) * J + (s - 1)] = v;
            rows++;
        }
    fclose(f);
    return rows;
}

int main(int argc, char **argv)
{
    const char *dir = "../shared/data/ossa2014";
    int reps = 21;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--data") && a + 1 < argc)
            dir = argv[++a];
        else if (!strcmp(argv[a], "--reps") && a + 1 < argc)
            reps = atoi(argv[++a]);
        else {
            fprintf(stderr, "usage: bench_ossa [--data DIR] [--reps N]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    char cpu[256];
    bench_cpu_model(cpu, sizeof cpu, "unknown CPU");
    double load = bench_load_average();
    printf("machine: %s, load average %.2f; tolerance 1e-10; median of %d repetitions\n\n", cpu, load, reps);

    tq_context *ctx;
    if (tq_context_new(&ctx, NULL))
        return 1;
    tq_dataset *ds;
    if (tq_dataset_load(ctx, dir, &ds))
        return die(ctx, "load");
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    double *tb = malloc(sizeof(double) * (size_t)reps * 3);
    double *tbase = tb, *tcold = tb + reps, *twarm = tb + 2 * reps;
    tq_baseline *b = NULL;
    for (int k = 0; k < reps; k++) {
        tq_baseline_free(b);
        const double t0 = now();
        if (tq_baseline_new_model(ctx, ds, 0, TQ_CLOSURE_BALANCED, TQ_MODEL_OSSA, NULL, &b))
            return die(ctx, "baseline");
        tbase[k] = now() - t0;
    }
    tq_scenario *sc;
    if (tq_scenario_new(ctx, b, &sc) || read_nash(dir, N, J, tq_scenario_tariffs(sc)) != N * N * J)
        return die(ctx, "Nash tariffs");
    tq_result *r = NULL;
    for (int k = 0; k < reps; k++) {
        tq_result_free(r);
        const double t0 = now();
        if (tq_solve(ctx, b, sc, NULL, &r))
            return die(ctx, "solve");
        tcold[k] = now() - t0;
    }
    const tq_solve_info *info = tq_result_info(r);
    tq_check chk;
    tq_check_solution(ctx, b, sc, r, NULL, &chk);

    /* a tariff search: the US import tariffs stepped by 1 point, warm solves into one result */
    tq_solver *s;
    if (tq_solver_new(ctx, b, &s) || tq_solver_set_warm_start(s, 1))
        return die(ctx, "solver");
    tq_scenario *sw;
    if (tq_scenario_new(ctx, b, &sw))
        return die(ctx, "scenario");
    const int us = tq_dataset_find_region(ds, "USA");
    double *t = tq_scenario_tariffs(sw);
    tq_result *rw = NULL;
    int steps = 0;
    for (int k = 0; k < reps; k++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < J && i != us; j++)
                t[((size_t)us * N + i) * J + j] += 0.01;
        const double t0 = now();
        tq_status st = rw ? tq_solver_solve_into(s, sw, rw) : tq_solver_solve(s, sw, &rw);
        if (st)
            return die(ctx, "warm solve");
        twarm[k] = now() - t0;
        steps += tq_solver_info(s)->iterations;
    }

    /* the exact gradient of US welfare in every tariff at the Nash point (one adjoint
     * solve), against what forward differences would need: one solve per variable */
    tq_solver *sg;
    if (tq_solver_new(ctx, b, &sg) || tq_solver_solve_into(sg, sc, r))
        return die(ctx, "gradient solve");
    double *grad = malloc(sizeof(double) * (size_t)N * N * J), *tgrad = malloc(sizeof(double) * (size_t)reps);
    for (int k = 0; k < reps; k++) {
        const double t0 = now();
        if (tq_solver_welfare_gradient(sg, sc, us, NULL, grad))
            return die(ctx, "gradient");
        tgrad[k] = now() - t0;
    }
    tq_solver_free(sg);

    printf("| step | N x J | seconds | Newton steps | map evaluations | residual |\n|---|---|---|---|---|---|\n");
    printf("| baseline (purged: NX = 0 at factual tariffs) | %d x %d | %.6f | %d | %d | %.2g |\n", N, J,
           median(tbase, reps), tq_baseline_info(b, NULL, NULL)->iterations, tq_baseline_info(b, NULL, NULL)->sweeps,
           tq_baseline_info(b, NULL, NULL)->residual);
    printf("| one solve at Ossa's Nash tariffs (tq_solve, cold) | %d x %d | %.6f | %d | %d | %.2g |\n", N, J,
           median(tcold, reps), info->iterations, info->sweeps, info->residual);
    printf("| US tariffs +1 point, warm solve into one result | %d x %d | %.6f | %.1f (mean) | - | %.2g |\n", N, J,
           median(twarm, reps), (double)steps / reps, tq_solver_info(s)->residual);
    printf("| exact welfare gradient, all %d tariffs (tq_solver_welfare_gradient) | %d x %d | %.6f | - | - | - |\n",
           N * (N - 1) * J, N, J, median(tgrad, reps));
    printf("| (forward differences of the US's %d own tariffs would take %d solves: about %.4f s) | | | | | |\n",
           (N - 1) * J, (N - 1) * J, (N - 1) * J * median(twarm, reps));
    printf("\nindependent check at the Nash tariffs: max residual %.2g\n\n", chk.max);

    static const char *const reg[7] = {"BRA", "CHN", "EU", "IND", "JPN", "ROW", "USA"};
    static const double t4a[7] = {-1.95, -2.20, -2.60, -2.16, -0.76, -4.98, -2.17};
    const double *W = tq_result_array(r, TQ_RES_WELFARE, NULL);
    printf("| region | welfare at Nash tariffs, %% | Ossa Table 4a |\n|---|---|---|\n");
    double mean = 0;
    for (int k = 0; k < 7; k++) {
        const int n = tq_dataset_find_region(ds, reg[k]);
        if (n < 0)
            continue;
        printf("| %s | %.4f | %.2f |\n", reg[k], W[n], t4a[k]);
        mean += W[n] / 7;
    }
    printf("| mean | %.4f | -2.40 |\n", mean);

    tq_result_free(rw);
    tq_scenario_free(sw);
    tq_solver_free(s);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    free(tb);
    free(grad);
    free(tgrad);
    return 0;
}
