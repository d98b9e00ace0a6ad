/* Benchmark of sweeps and uncertainty bands (not a test; docs/uncertainty.md): on the
 * default scenario (US +25 points on Japanese motor vehicles, wiod2014 44 x 47)
 *   (a) 1,000 theta draws (goal: under 10 s on this 2-core machine),
 *   (b) a 100-point sweep of the US tariff on Japanese motor vehicles, 0 to 49.5% in
 *       steps of 0.5 (goal: under 2 s),
 *   (c) 1,000 draws with the partial-effect draws on (docs/uncertainty.md): the default
 *       question plus an NTB entry on the same pair, partial effect -0.3 with standard
 *       error 0.1 (theta and b drawn, the iceberg change made again per draw), and the
 *       EU enlargement of scenarios/eu-enlargement.yaml with b = 0.2242490 (SE 0.0713086)
 *       drawn alone (one sector, theta 4),
 * each with the time per solve and the mean iterations, for 1 and T worker threads.
 * The time to load the data and solve the central point (tq_sweep_prepare) is printed
 * apart: it is paid once per command.
 *
 * usage: bench_uncertainty [--draws N] [--threads T] [--partial-only]   (from the build folder) */
#include "tradeq.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the process (every thread), to read the wall times on a shared machine */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(tq_context *ctx, const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "bench_uncertainty: %s: %s\n", what, buf);
    exit(1);
}

static void machine(void)
{
    char model[256];
    bench_cpu_model(model, sizeof model, "unknown");
    double load[3] = {0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(f);
    }
    printf("machine: %s, %ld cores online, load average %.2f\n", model, sysconf(_SC_NPROCESSORS_ONLN), load[0]);
}

static void one(tq_context *ctx, tq_runner *r, tq_spec *sp, const char *axis, int threads, double goal)
{
    tq_sweep_options o;
    tq_sweep_options_default(&o);
    o.threads = threads;
    o.seed = 1;
    tq_sweep *s = NULL;
    double t0 = now();
    if (tq_sweep_new(r, sp, 0, &o, &s) || tq_sweep_vary(s, axis) || tq_sweep_prepare(s))
        die(ctx, axis);
    double t1 = now(), c1 = cpu();
    if (tq_sweep_run(s, 0, tq_sweep_blocks(s)))
        die(ctx, axis);
    double t2 = now(), c2 = cpu();
    const int np = tq_sweep_points(s);
    double it = 0;
    int conv = 0;
    for (int p = 0; p < np; p++) {
        it += tq_sweep_values(s, p)[TQ_SWEEP_ITERATIONS];
        conv += tq_sweep_values(s, p)[TQ_SWEEP_CONVERGED] == 1;
    }
    printf("  %-40s threads %d: %5d points in %6.2f s (%s the %.0f s goal); %.1f ms per solve "
           "(%.1f ms of one thread, %.1f ms CPU), %.1f iterations, %d converged; prepare %.2f s\n",
           axis, threads, np, t2 - t1, t2 - t1 < goal ? "under" : "OVER", goal, 1e3 * (t2 - t1) / np,
           1e3 * (t2 - t1) * threads / np, 1e3 * (c2 - c1) / np, it / np, conv, t1 - t0);
    tq_sweep_free(s);
}

int main(int argc, char **argv)
{
    int draws = 1000, threads = 2, partial_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--partial-only"))
            partial_only = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--draws"))
            draws = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--threads"))
            threads = atoi(argv[++i]);
    }
    tq_context *ctx = NULL;
    tq_runner *r = NULL;
    tq_spec *sp = NULL;
    char path[4096];
    if (tq_context_new(&ctx, NULL) || tq_runner_new(ctx, &r))
        return 1;
    if (tq_runner_default_scenario(r, path, sizeof path) || tq_spec_load(ctx, path, &sp))
        die(ctx, "default scenario");
    machine();
    printf("scenario %s (tradeq %s)\n", path, tq_version());
    char axis[64];
    snprintf(axis, sizeof axis, "draw=%d", draws);
    const char *tariff = "tariff USA:JPN:autos=0..49.5 step 0.5";
    for (int t = 1; t <= threads && !partial_only; t += threads > 1 ? threads - 1 : 1) {
        one(ctx, r, sp, tariff, t, 2.0);
        one(ctx, r, sp, axis, t, 10.0);
    }
    /* (c) partial-effect draws on */
    static const char autos_pe[] = "name: autos-ntb\ndata:\n  dataset: wiod2014\ntariffs:\n"
                                   "  - {importer: USA, exporter: JPN, sectors: autos, add: 25pp}\nntb:\n"
                                   "  - {importer: USA, exporter: JPN, sectors: autos, "
                                   "partial_effect: {b: -0.3, se: 0.1}}\n";
    char eu[8192];
    snprintf(eu, sizeof eu,
             "name: eu-draws\ndata:\n  dataset: ge_gravity_eu\nuncertainty:\n  theta: false\nntb:\n"
             "  - pairs_file: %s/scenarios/eu-enlargement-pairs.csv\n    sectors: all\n"
             "    partial_effect: {b: 0.2242490, se: 0.0713086}\n",
             TQ_SOURCE_DIR);
    const char *texts[2] = {autos_pe, eu};
    const char *names[2] = {"us-japan-autos + ntb {b: -0.3, se: 0.1}", "eu-enlargement, b drawn alone"};
    for (int k = 0; k < 2; k++) {
        tq_spec *pe = NULL;
        if (tq_spec_parse(ctx, texts[k], strlen(texts[k]), "bench.yaml", &pe))
            die(ctx, names[k]);
        printf("%s:\n", names[k]);
        for (int t = 1; t <= threads; t += threads > 1 ? threads - 1 : 1)
            one(ctx, r, pe, axis, t, 10.0);
        tq_spec_free(pe);
    }
    tq_spec_free(sp);
    tq_runner_free(r);
    tq_context_free(ctx);
    return 0;
}
