/* bench_ppml: PPML with exporter-year, importer-year and pair fixed effects on seeded
 * synthetic gravity panels (docs/estimation.md, "Speed").
 *
 *   bench_ppml [COUNTRIES [YEARS [THREADS]]]     default: 200 20, then 400 20
 *
 * A panel of C countries and T years has C (C-1) T rows (no domestic trade): 200 x 20
 * is 796,000 rows, 400 x 20 is 3,192,000. Trade is Poisson-like around
 * exp(0.5 rta + exporter-year + importer-year + pair), 10% zeros, with an RTA dummy
 * switching on for a pair in a year. Prints the time of tq_ppml_run (data in memory),
 * (wall and process CPU time: on a shared machine the CPU time is the better measure),
 * IRLS steps, CG steps of the demeaning, peak resident memory of the process
 * (getrusage) and the machine. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "tradeq.h"

#include "bench_util.h"

static uint64_t rng;
static double unif(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static double normal(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static double now(void)
{
    return bench_now();
}

static double cpu(void)
{
    return bench_clock(CLOCK_PROCESS_CPUTIME_ID);
}

static void machine(void)
{
    struct utsname u;
    char model[256];
    bench_cpu_model(model, sizeof model, "unknown CPU");
    if (uname(&u) == 0)
        printf("machine: %s %s, %s, %ld online CPUs\n", u.sysname, u.machine, model, sysconf(_SC_NPROCESSORS_ONLN));
}

static int run(int C, int T, int threads)
{
    size_t n = (size_t)C * (size_t)(C - 1) * (size_t)T, i = 0;
    double *y = malloc(sizeof(double) * n), *x = malloc(sizeof(double) * n);
    int32_t *fe = malloc(sizeof(int32_t) * 3 * n);
    double *ex = malloc(sizeof(double) * (size_t)C * T * 2), *pr = malloc(sizeof(double) * (size_t)C * C);
    int *start = malloc(sizeof(int) * (size_t)C * C);
    if (!y || !x || !fe || !ex || !pr || !start) {
        fprintf(stderr, "bench_ppml: out of memory\n");
        return 1;
    }
    rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)(C * 1000 + T);
    for (int k = 0; k < C * T * 2; k++)
        ex[k] = normal();
    for (int k = 0; k < C * C; k++) {
        pr[k] = 0.8 * normal();
        start[k] = unif() < 0.3 ? (int)(unif() * T) : T; /* the year an agreement starts */
    }
    for (int t = 0; t < T; t++)
        for (int e = 0; e < C; e++)
            for (int m = 0; m < C; m++) {
                if (e == m)
                    continue;
                x[i] = t >= start[e * C + m];
                double mu = exp(2 + 0.5 * x[i] + ex[t * C + e] + ex[C * T + t * C + m] + pr[e * C + m]);
                double u = unif();
                y[i] = u < 0.1 ? 0 : mu * (0.4 + 1.2 * unif());
                fe[i] = t * C + e;
                fe[n + i] = t * C + m;
                fe[2 * n + i] = e * C + m;
                i++;
            }
    int nlev[3] = {C * T, C * T, C * C};
    const char *xn[1] = {"rta"}, *fn[3] = {"exporter#year", "importer#year", "pair"};
    tq_context *ctx = NULL;
    tq_ppml *p = NULL;
    if (tq_context_new(&ctx, NULL) || tq_ppml_new(ctx, &p) || tq_ppml_set_data(p, n, y, 1, x, xn, 3, fe, nlev, fn))
        return 1;
    tq_ppml_set_threads(p, threads);
    double t0 = now(), c0 = cpu();
    tq_status st = tq_ppml_run(p);
    double t1 = now(), c1 = cpu();
    if (st) {
        char msg[1024];
        tq_error_format(ctx, msg, sizeof msg);
        fprintf(stderr, "bench_ppml: %s\n", msg);
    }
    const tq_ppml_info *in = tq_ppml_info_get(p);
    double b = NAN, se = NAN;
    tq_ppml_coef(p, 0, NULL, &b, &se, NULL, NULL);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%d countries x %d years: %zu rows, %zu used; %.2f s wall, %.2f s CPU; %d IRLS steps, %ld CG steps; rta "
           "%.6f (%.6f); "
           "peak RSS %.0f MB; threads %d\n",
           C, T, n, in->n_obs, t1 - t0, c1 - c0, in->iterations, in->cg_steps, b, se, ru.ru_maxrss / 1024.0,
           threads ? threads : -1);
    fflush(stdout);
    tq_ppml_free(p);
    tq_context_free(ctx);
    free(y);
    free(x);
    free(fe);
    free(ex);
    free(pr);
    free(start);
    return st ? 1 : 0;
}

int main(int argc, char **argv)
{
    machine();
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (argc > 1)
        return run(atoi(argv[1]), argc > 2 ? atoi(argv[2]) : 20, threads);
    int rc = run(200, 20, threads);
    return rc ? rc : run(400, 20, threads);
}
