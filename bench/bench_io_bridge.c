/* bench_io_bridge: the 81 x 28 icio solve with input-output links (docs/io-bridge.md).
 *
 *   ./build/bench_io_bridge [--data PATH] [--repeat K]
 *
 * PATH defaults to build/data/icio.tqb, else data/icio (run from the repository root). For
 * the base years 2014, 2018 and 2022: the time to make the recalibrated baseline (the
 * .tqb caches 2022's, so that one is a lookup), then two counterfactuals, each solved K
 * times (default 5) and timed as wall clock: the one-shot tq_solve (solver made and freed,
 * full result with the [n,i,j] decomposition) and a reused solver's tq_solver_solve_into
 * (the steady state of a tariff search). Scenarios: the US adds 25 points to its tariff on
 * Japanese motor vehicles (C29); the US and China set 20% on each other's goods. Prints
 * the machine (CPU model, cores, OpenMP threads, load average) and per case the min and
 * median wall time and the least process CPU time of tq_solve (all threads), and min /
 * median of the reused solver; the target is a solve under 50 ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tradeq.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void machine(void)
{
    char line[512], model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    snprintf(model, sizeof model, "%s", c + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    const char *omp = getenv("OMP_NUM_THREADS");
    double load[3] = {0, 0, 0};
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(f);
    }
    printf("machine: %s, %ld cores online, OMP_NUM_THREADS=%s, load average %.2f\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), omp ? omp : "(unset)", load[0]);
}

static int fail(tq_context *ctx, const char *what)
{
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "bench_io_bridge: %s: %s\n", what, buf);
    return 1;
}

/* shock 0: USA on JPN C29 +25 points; shock 1: USA and CHN 20% on each other's goods */
static int shock(tq_context *ctx, const tq_dataset *ds, const tq_baseline *b, int which, tq_scenario **sc)
{
    if (tq_scenario_new(ctx, b, sc) != TQ_OK)
        return 1;
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    const int usa = tq_dataset_find_region(ds, "USA"), jpn = tq_dataset_find_region(ds, "JPN"),
              chn = tq_dataset_find_region(ds, "CHN"), c29 = tq_dataset_find_sector(ds, "C29"),
              serv = tq_dataset_find_sector(ds, "SERV");
    double *t = tq_scenario_tariffs(*sc);
    if (which == 0) {
        t[((size_t)usa * N + jpn) * J + c29] += 0.25;
        return 0;
    }
    for (int j = 0; j < J; j++)
        if (j != serv) {
            t[((size_t)usa * N + chn) * J + j] = 0.20;
            t[((size_t)chn * N + usa) * J + j] = 0.20;
        }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int K = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            K = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_io_bridge [--data PATH] [--repeat K]\n");
            return 2;
        }
    }
    if (K < 1 || K > 1000)
        K = 5;
    if (!path)
        path = access("build/data/icio.tqb", R_OK) == 0 ? "build/data/icio.tqb" : "data/icio";
    machine();
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 1;
    tq_dataset *ds = NULL;
    double t0 = now();
    if (tq_dataset_load(ctx, path, &ds) != TQ_OK)
        return fail(ctx, path);
    printf("data: %s (%s), %d x %d, %d years, input-output links: %s; loaded in %.3f s\n", path, tq_dataset_name(ds),
           tq_dataset_regions(ds), tq_dataset_sectors(ds), tq_dataset_years(ds), tq_dataset_has_io(ds) ? "yes" : "no",
           now() - t0);
    static const int years[] = {2014, 2018, 2022};
    static const char *const names[] = {"USA:JPN:C29 +25pp", "USA<->CHN goods 20%"};
    printf("\n%-6s %-22s %10s %12s %12s %12s %12s %12s %6s %10s\n", "year", "scenario", "baseline s", "solve min",
           "solve med", "solve cpu", "reused min", "reused med", "iter", "residual");
    int rc = 0;
    double worst = 0;
    for (int yk = 0; yk < 3 && !rc; yk++) {
        int y = tq_dataset_find_year(ds, years[yk]);
        if (y < 0)
            continue;
        tq_baseline *b = NULL;
        t0 = now();
        if (tq_baseline_new(ctx, ds, y, TQ_CLOSURE_FIXED, NULL, &b) != TQ_OK) {
            rc = fail(ctx, "baseline");
            break;
        }
        double tb = now() - t0;
        for (int s = 0; s < 2 && !rc; s++) {
            tq_scenario *sc = NULL;
            tq_solver *sv = NULL;
            tq_result *r = NULL, *r2 = NULL;
            double a[1000], c[1000], u[1000];
            if (shock(ctx, ds, b, s, &sc) || tq_solver_new(ctx, b, &sv) != TQ_OK) {
                rc = fail(ctx, "scenario");
                break;
            }
            for (int k = 0; k < K && !rc; k++) {
                t0 = now();
                double c0 = cpu();
                if (tq_solve(ctx, b, sc, NULL, &r) != TQ_OK)
                    rc = fail(ctx, "solve");
                a[k] = now() - t0;
                u[k] = cpu() - c0;
                if (k + 1 < K || rc) {
                    tq_result_free(r);
                    r = NULL;
                }
            }
            if (!rc && tq_solver_solve(sv, sc, &r2) != TQ_OK)
                rc = fail(ctx, "solver");
            for (int k = 0; k < K && !rc; k++) {
                t0 = now();
                if (tq_solver_solve_into(sv, sc, r2) != TQ_OK)
                    rc = fail(ctx, "solve_into");
                c[k] = now() - t0;
            }
            if (!rc) {
                qsort(a, (size_t)K, sizeof a[0], cmp_d);
                qsort(c, (size_t)K, sizeof c[0], cmp_d);
                qsort(u, (size_t)K, sizeof u[0], cmp_d);
                const tq_solve_info *in = tq_result_info(r);
                printf("%-6d %-22s %10.3f %9.1f ms %9.1f ms %9.1f ms %9.1f ms %9.1f ms %6d %10.2g\n", years[yk],
                       names[s], tb, 1e3 * a[0], 1e3 * a[K / 2], 1e3 * u[0], 1e3 * c[0], 1e3 * c[K / 2], in->iterations,
                       in->residual);
                if (a[K / 2] > worst)
                    worst = a[K / 2];
            }
            tq_result_free(r);
            tq_result_free(r2);
            tq_solver_free(sv);
            tq_scenario_free(sc);
        }
        tq_baseline_free(b);
    }
    if (!rc)
        printf("\nslowest median tq_solve: %.1f ms (target: under 50 ms)\n", 1e3 * worst);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    return rc;
}
