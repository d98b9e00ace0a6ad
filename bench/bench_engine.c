/* Benchmark of the general-equilibrium engine (not a test): time per counterfactual and
 * iterations for (a) CP2015 31x40 (NAFTA tariffs), (b) WIOD-2014 44x50 with US and
 * Chinese tariffs on each other set to 20% in all sectors, (c) synthetic balanced
 * economies from 10x5 to 160x65 (seeded generator), for the Anderson-accelerated solver
 * and the textbook damped nested fixed point.
 *
 * usage: bench_engine [--data DIR] [--quick] [--threads T] [--max-nested N]
 *   DIR is the shared data folder (default ../shared/data from the current directory);
 *   --quick runs only the small synthetic sizes; the nested fixed point is skipped for
 *   synthetic economies larger than N regions (default 80) because it takes minutes. */
#include "tradeq.h"

#include "bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "data/cp2015.h"

/* ---- a small seeded generator (splitmix64) ---- */
static uint64_t rng_state;
static double urand(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* A synthetic economy: N regions, J sectors (the last third non-tradable), random
 * sizes, home bias, tariffs up to 15%, input-output shares and thetas in [2, 10].
 * Deficits are zero; the engine's recalibration makes it an exact equilibrium. */
static tq_dataset *synthetic(tq_context *ctx, int N, int J, uint64_t seed)
{
    rng_state = seed;
    tq_dataset *ds;
    if (tq_dataset_new(ctx, N, J, 1, &ds))
        return NULL;
    char code[32];
    for (int n = 0; n < N; n++) {
        snprintf(code, sizeof code, "R%03d", n);
        tq_dataset_set_region(ds, n, code, code);
    }
    int jt = J - J / 3; /* tradable sectors 0..jt-1 */
    for (int j = 0; j < J; j++) {
        snprintf(code, sizeof code, "S%02d", j);
        tq_dataset_set_sector(ds, j, code, code, j < jt);
    }
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL), *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL), *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    double *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    for (int j = 0; j < J; j++)
        theta[j] = 2.0 + 8.0 * urand();
    double *size = malloc(sizeof(double) * (size_t)N);
    for (int n = 0; n < N; n++) {
        size[n] = exp(3.0 * urand());
        VA[n] = 1000.0 * size[n];
    }
    for (int n = 0; n < N; n++) {
        double asum = 0;
        for (int j = 0; j < J; j++) {
            double b = 0.3 + 0.4 * urand();
            beta[n * J + j] = b;
            double gs = 0, gw[512];
            for (int k = 0; k < J; k++)
                gs += (gw[k] = urand() * urand());
            for (int k = 0; k < J; k++)
                gamma[((size_t)n * J + k) * J + j] = (1.0 - b) * gw[k] / gs;
            asum += (alpha[n * J + j] = 0.2 + urand());
        }
        for (int j = 0; j < J; j++)
            alpha[n * J + j] /= asum;
        for (int j = 0; j < J; j++) {
            /* spending of n on j split across exporters: home bias, gravity-like sizes */
            double X = VA[n] * 2.0 / J;
            double w[4096], ws = 0;
            for (int i = 0; i < N; i++) {
                double v = (i == n) ? 5.0 * size[n] * (j < jt ? 1.0 : 50.0) : (j < jt ? size[i] * urand() : 0.0);
                ws += (w[i] = v);
            }
            for (int i = 0; i < N; i++) {
                size_t c = ((size_t)n * N + i) * J + j;
                double tr = (i == n || j >= jt) ? 0.0 : 0.15 * urand();
                t[c] = tr;
                Z[c] = X * w[i] / ws / (1.0 + tr);
            }
        }
    }
    free(size);
    tq_dataset_set_has_io(ds, 1);
    tq_dataset_derive(ctx, ds);
    return ds;
}

typedef struct row {
    char name[40];
    int N, J, threads;
    const char *method;
    double base_s, cf_s, wall_s, residual, check;
    int iters, sweeps, ok;
} row;

static row rows[128];

static double now(void)
{
    return bench_now();
}

static int tq_result_threads_hint(int threads)
{
#ifdef _OPENMP
    return threads > 0 ? threads : omp_get_max_threads();
#else
    (void)threads;
    return 1;
#endif
}
static int nrows;

static void run(tq_context *ctx, const char *name, tq_dataset *ds, tq_closure closure,
                void (*shock)(tq_dataset *, tq_scenario *, void *), void *ud, tq_method method, int threads)
{
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.method = method;
    o.threads = threads;
    tq_baseline *b = NULL;
    tq_scenario *sc = NULL;
    tq_result *r = NULL;
    row *w = &rows[nrows++];
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s", name);
    w->N = tq_dataset_regions(ds);
    w->J = tq_dataset_sectors(ds);
    w->method = method == TQ_METHOD_ANDERSON ? "anderson" : "nested-fp";
    w->threads = tq_result_threads_hint(threads);
    tq_status st = tq_baseline_new(ctx, ds, 0, closure, &o, &b);
    if (st) {
        char buf[512];
        tq_error_format(ctx, buf, sizeof buf);
        fprintf(stderr, "%s: baseline failed: %s\n", name, buf);
        return;
    }
    w->base_s = tq_baseline_info(b, NULL, NULL)->seconds;
    tq_scenario_new(ctx, b, &sc);
    shock(ds, sc, ud);
    double t0 = now();
    st = tq_solve(ctx, b, sc, &o, &r);
    w->wall_s = now() - t0;
    if (r) {
        tq_check k;
        tq_check_solution(ctx, b, sc, r, NULL, &k);
        w->check = k.max;
        const tq_solve_info *in = tq_result_info(r);
        w->cf_s = in->seconds;
        w->iters = in->iterations;
        w->sweeps = in->sweeps;
        w->residual = in->residual;
        w->ok = st == TQ_OK;
    }
    fprintf(stderr, "  %-10s %4dx%-3d %-9s %d thr: cf %.4f s (%d it, %d sweeps, res %.2g, check %.2g)%s\n", name, w->N,
            w->J, w->method, w->threads, w->wall_s, w->iters, w->sweeps, w->residual, w->check,
            w->ok ? "" : " NOT CONVERGED");
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
}

/* ---- memory of the solve phase ----
 * Peak resident memory (VmHWM of /proc/self/status) while one counterfactual is solved
 * through a tq_solver, with everything a solve needs alive: the baseline (with its
 * labels), the scenario, the solver's workspace and the result (welfare and the
 * decomposition totals; pi' and the [n,i,j] contributions are computed only when asked
 * for, which this does not). The dataset is freed after the baseline is made, and the
 * peak is reset (writing 5 to /proc/self/clear_refs) just before the solve, so the
 * figure is the solve phase's, not the data loading's; it includes the process's own
 * resident memory (code, libraries, allocator slack). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, k) && line[k] == ':') {
            v = atol(line + k + 1);
            break;
        }
    fclose(f);
    return v;
}

static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

typedef struct memrow {
    int N, J, threads, iters, ok, reset, repeats;
    double solve_s, solve_cpu, again_s, again_cpu, peak_mb, live_mb, bytes_per_cell, oneshot_s, oneshot_bpc;
} memrow;
static memrow mrows[16];
static int nmrows;

static void shock_synth(tq_dataset *ds, tq_scenario *sc, void *ud);

/* One size, in the calling process: the first solve through a new solver (peak memory
 * measured around it), then `repeats` more solves of the same scenario into the same
 * result (the steady state of a solver reused across scenarios: no allocation, the
 * workspace already touched). */
static void mem_measure(tq_context *ctx, int N, int J, uint64_t seed, int threads, int repeats, memrow *m)
{
    memset(m, 0, sizeof *m);
    m->N = N;
    m->J = J;
    m->threads = tq_result_threads_hint(threads);
    m->repeats = repeats;
    tq_dataset *ds = synthetic(ctx, N, J, seed);
    if (!ds)
        return;
    tq_baseline *b = NULL;
    tq_scenario *sc = NULL;
    tq_solver *s = NULL;
    tq_result *r = NULL;
    if (tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_BALANCED, NULL, &b) || tq_scenario_new(ctx, b, &sc) ||
        tq_solver_new(ctx, b, &s)) {
        tq_scenario_free(sc);
        tq_baseline_free(b);
        tq_dataset_free(ds);
        return;
    }
    shock_synth(ds, sc, NULL);
    tq_dataset_free(ds); /* the scenario is set; only the baseline's labels remain */
    tq_solver_set_threads(s, threads);
    m->live_mb = status_kb("VmRSS") / 1024.0;
    m->reset = reset_peak() == 0;
    double t0 = now(), c00 = cpu_now();
    tq_status st = tq_solver_solve(s, sc, &r);
    m->solve_s = now() - t0;
    m->solve_cpu = cpu_now() - c00;
    m->peak_mb = status_kb("VmHWM") / 1024.0;
    m->bytes_per_cell = m->peak_mb * 1024.0 * 1024.0 / ((double)N * N * J);
    m->ok = st == TQ_OK;
    m->iters = r ? tq_result_info(r)->iterations : 0;
    m->again_s = m->again_cpu = INFINITY;
    for (int k = 0; k < repeats && r; k++) {
        t0 = now();
        double c0 = cpu_now();
        st = tq_solver_solve_into(s, sc, r);
        double dt = now() - t0, dc = cpu_now() - c0;
        if (dt < m->again_s)
            m->again_s = dt;
        if (dc < m->again_cpu)
            m->again_cpu = dc;
        m->ok = m->ok && st == TQ_OK;
    }
    tq_result_free(r);
    tq_solver_free(s);
    /* the one-shot call on the same baseline and scenario, for comparison: it makes and
     * frees a workspace and fills a full result (pi' and the [n,i,j] contributions) */
    r = NULL;
    reset_peak();
    t0 = now();
    if (tq_solve(ctx, b, sc, NULL, &r) == TQ_OK) {
        m->oneshot_s = now() - t0;
        m->oneshot_bpc = status_kb("VmHWM") * 1024.0 / ((double)N * N * J);
    }
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
}

/* Each size in a child process of its own, so that one size's freed memory (which the
 * allocator may keep) does not count in the next one's peak. Runs before the process
 * uses OpenMP (forking after that is not safe with libgomp). */
static void mem_run(tq_context *ctx, int N, int J, uint64_t seed, int threads, int repeats)
{
    memrow *m = &mrows[nmrows++];
    int fd[2];
    if (pipe(fd) != 0) {
        mem_measure(ctx, N, J, seed, threads, repeats, m);
    } else {
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            memrow c;
            mem_measure(ctx, N, J, seed, threads, repeats, &c);
            ssize_t w = write(fd[1], &c, sizeof c);
            _exit(w == (ssize_t)sizeof c ? 0 : 1);
        }
        close(fd[1]);
        memset(m, 0, sizeof *m);
        if (pid < 0 || read(fd[0], m, sizeof *m) != (ssize_t)sizeof *m)
            fprintf(stderr, "memory %dx%d: measurement failed\n", N, J);
        close(fd[0]);
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    fprintf(stderr,
            "  memory %4dx%-3d %d thr: first solve %.4f s, again %.4f s, peak %.1f MB (%.1f bytes per N^2 J "
            "cell)%s\n",
            N, J, m->threads, m->solve_s, m->again_s, m->peak_mb, m->bytes_per_cell, m->ok ? "" : " NOT CONVERGED");
}

static const char *g_cpdir;
static void shock_cp_dir(tq_dataset *ds, tq_scenario *sc, void *ud)
{
    tq__cp2015_cfl_tariffs(ud, g_cpdir, ds, 1, tq_scenario_tariffs(sc));
}

static void shock_us_china(tq_dataset *ds, tq_scenario *sc, void *ud)
{
    (void)ud;
    int us = tq_dataset_find_region(ds, "USA"), cn = tq_dataset_find_region(ds, "CHN");
    tq_scenario_set_tariff(sc, us, cn, -1, 0.20);
    tq_scenario_set_tariff(sc, cn, us, -1, 0.20);
}

static void shock_synth(tq_dataset *ds, tq_scenario *sc, void *ud)
{
    (void)ud;
    /* region 0 raises its tariffs on everyone by 10 points, and everyone retaliates */
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    double *t = tq_scenario_tariffs(sc);
    for (int i = 1; i < N; i++)
        for (int j = 0; j < J; j++) {
            if (!tq_dataset_sector_tradable(ds, j))
                continue;
            t[((size_t)0 * N + i) * J + j] += 0.10;
            t[((size_t)i * N + 0) * J + j] += 0.10;
        }
}

int main(int argc, char **argv)
{
    /* OpenMP threads that spin at barriers take the CPU from the thread doing the work
     * when other processes share the cores; passive waiting avoids that. libgomp reads
     * the variable when it loads, so set it and start again (once). */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
    const char *data = "../shared/data";
    int quick = 0, threads = 0, max_nested = 80, memory_only = 0;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--data") && k + 1 < argc)
            data = argv[++k];
        else if (!strcmp(argv[k], "--quick"))
            quick = 1;
        else if (!strcmp(argv[k], "--memory"))
            memory_only = 1;
        else if (!strcmp(argv[k], "--threads") && k + 1 < argc)
            threads = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--max-nested") && k + 1 < argc)
            max_nested = atoi(argv[++k]);
        else {
            fprintf(stderr, "usage: bench_engine [--data DIR] [--quick] [--memory] [--threads T] [--max-nested N]\n");
            return 2;
        }
    }
    tq_context *ctx;
    if (tq_context_new(&ctx, NULL))
        return 1;
    char cpu[256];
    bench_cpu_model(cpu, sizeof cpu, "unknown CPU");
    int nth = threads;
#ifdef _OPENMP
    if (nth <= 0)
        nth = omp_get_max_threads();
#else
    nth = 1;
#endif
    char path[4096];
    /* Anderson with one thread and with all of them (or only --threads T) */
    int tl[2] = {1, nth}, nt = (threads > 0 || nth == 1) ? 1 : 2;
    if (threads > 0)
        tl[0] = threads;

    /* the solve phase's memory and time through the solver object (first, before any
     * OpenMP use in this process: each size runs in a child) */
    static const int msizes[][2] = {{44, 50}, {160, 65}, {300, 65}};
    for (int k = 0; k < (quick ? 1 : 3); k++)
        for (int t = 0; t < nt; t++)
            mem_run(ctx, msizes[k][0], msizes[k][1], 777u + (uint64_t)k, tl[t], 3);

    /* (a) CP2015 */
    snprintf(path, sizeof path, "%s/cp2015", data);
    tq_dataset *ds = NULL;
    if (memory_only) {
        fprintf(stderr, "(a), (b), (c) skipped (--memory)\n");
    } else if (tq_dataset_load(ctx, path, &ds) == TQ_OK) {
        g_cpdir = path;
        for (int t = 0; t < nt; t++)
            run(ctx, "cp2015", ds, TQ_CLOSURE_BALANCED, shock_cp_dir, ctx, TQ_METHOD_ANDERSON, tl[t]);
        run(ctx, "cp2015", ds, TQ_CLOSURE_BALANCED, shock_cp_dir, ctx, TQ_METHOD_FIXED_POINT, nth);
        tq_dataset_free(ds);
    } else {
        fprintf(stderr, "(a) skipped: cannot load %s\n", path);
    }

    /* (b) WIOD 2014 */
    snprintf(path, sizeof path, "%s/wiod2014", data);
    ds = NULL;
    if (!memory_only && tq_dataset_load(ctx, path, &ds) == TQ_OK) {
        for (int t = 0; t < nt; t++)
            run(ctx, "wiod2014", ds, TQ_CLOSURE_FIXED, shock_us_china, NULL, TQ_METHOD_ANDERSON, tl[t]);
        run(ctx, "wiod2014", ds, TQ_CLOSURE_FIXED, shock_us_china, NULL, TQ_METHOD_FIXED_POINT, nth);
        tq_dataset_free(ds);
    } else if (!memory_only) {
        char buf[512];
        tq_error_format(ctx, buf, sizeof buf);
        fprintf(stderr, "(b) skipped: cannot load %s: %s\n", path, buf);
    }

    /* (c) synthetic */
    static const int sizes[][2] = {{10, 5}, {20, 10}, {44, 50}, {80, 40}, {160, 65}, {300, 65}};
    const int ns = memory_only ? 0 : quick ? 2 : 6;
    for (int s = 0; s < ns; s++) {
        char name[40];
        snprintf(name, sizeof name, "synthetic");
        ds = synthetic(ctx, sizes[s][0], sizes[s][1], 12345u + (uint64_t)s);
        if (!ds)
            continue;
        for (int t = 0; t < nt; t++)
            run(ctx, name, ds, TQ_CLOSURE_BALANCED, shock_synth, NULL, TQ_METHOD_ANDERSON, tl[t]);
        if (sizes[s][0] <= max_nested)
            run(ctx, name, ds, TQ_CLOSURE_BALANCED, shock_synth, NULL, TQ_METHOD_FIXED_POINT, nth);
        tq_dataset_free(ds);
    }

    double load = bench_load_average();
    printf("machine: %s, %d OpenMP thread(s) available, OMP_WAIT_POLICY=%s, load average %.2f, "
           "tolerance 1e-10\n\n",
           cpu, nth, getenv("OMP_WAIT_POLICY"), load);
    printf("| case | N x J | method | threads | baseline s | counterfactual s | iterations | sweeps | residual | "
           "checker max | converged |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < nrows; k++) {
        const row *w = &rows[k];
        printf("| %s | %d x %d | %s | %d | %.4f | %.4f | %d | %d | %.1e | %.1e | %s |\n", w->name, w->N, w->J,
               w->method, w->threads, w->base_s, w->wall_s, w->iters, w->sweeps, w->residual, w->check,
               w->ok ? "yes" : "NO");
    }
    printf("\nbaseline s = recalibration solve (once per dataset); counterfactual s = wall time of tq_solve "
           "(solve, welfare and decomposition); sweeps = evaluations of the O(N^2 J) map.\n");
    printf("\nSolve phase through tq_solver (synthetic, balanced, region 0 vs all +10 points; method anderson):\n\n");
    printf("| N x J | method | threads | iterations | first solve s | first solve CPU s | next solves s | next solves "
           "CPU s | live before solve MB | peak during solve MB | bytes per N^2 J cell | peak reset | converged | "
           "tq_solve s | tq_solve bytes per cell |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < nmrows; k++) {
        const memrow *m = &mrows[k];
        printf(
            "| %d x %d | anderson | %d | %d | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f | %.1f | %s | %s | %.4f | %.1f "
            "|\n",
            m->N, m->J, m->threads, m->iters, m->solve_s, m->solve_cpu, m->again_s, m->again_cpu, m->live_mb,
            m->peak_mb, m->bytes_per_cell, m->reset ? "yes" : "NO (whole-process peak)", m->ok ? "yes" : "NO",
            m->oneshot_s, m->oneshot_bpc);
    }
    printf("\nfirst solve = tq_solver_solve on a new solver (its workspace touched for the first time); next "
           "solves = the fastest of %d more tq_solver_solve_into of the same scenario (the steady state of a reused "
           "solver), with its CPU time (all threads; with one thread the time the solve needs on an otherwise idle "
           "core); peak = VmHWM after resetting it just before the first solve, in a child process per row: "
           "baseline (labels included), scenario, solver workspace and result, plus the process itself; the "
           "dataset is freed before. tq_solve = the one-shot call afterwards on the same baseline and scenario (the "
           "solver freed, the peak reset again; default threads): a workspace made and freed and a full result.\n",
           3);
    tq_context_free(ctx);
    return 0;
}
