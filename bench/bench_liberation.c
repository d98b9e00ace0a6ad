/* bench_liberation: the nine cases of the Liberation-Day model (docs/liberation-day.md)
 * on the embedded one-sector world of 194 countries, timed.
 *
 *   bench_liberation [DATA_DIR]     (default: data/liberation2025 of the source tree)
 *
 * Prints the machine and its load, the time to load and calibrate, and per case the
 * Newton steps, the Jacobians formed, the residual, the wall-clock and CPU seconds and the
 * US welfare change; then the totals. The target: all nine cases in under 1 s on a 2-core machine. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "model/liberation.h"

#ifndef TQ_SOURCE_DIR
#define TQ_SOURCE_DIR "."
#endif

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}
/* CPU seconds of the process: on a machine shared with other work the wall clock
 * measures the queue as much as the solver */
static double cpu(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : TQ_SOURCE_DIR "/data/liberation2025";
    struct utsname u;
    uname(&u);
    double load[3] = {0, 0, 0};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(lf);
    }
    printf("machine: %s %s, %ld cores online, load average %.2f\n", u.machine, u.release, sysconf(_SC_NPROCESSORS_ONLN),
           load[0]);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 1;
    int rc = 1;
    tq__lib_data *d = NULL;
    tq__lib_base *b = NULL;
    tq__lib_ws *ws = NULL;
    double t0 = now();
    if (tq__lib_data_load(ctx, dir, &d) || tq__lib_base_new(ctx, d, &b) || tq__lib_ws_new(ctx, b, &ws))
        goto done;
    double t1 = now();
    printf("load + calibrate: %.3f s (nu_a %.10f, nu_b %.10f)\n", t1 - t0, b->nu_a, b->nu_b);
    double total = 0, total_cpu = 0;
    for (int k = 1; k <= TQ__LIB_CASES; k++) {
        tq__lib_out o;
        double s = now(), sc = cpu();
        if (tq__lib_solve_case(ws, k, &o))
            goto done;
        double e = now() - s, ec = cpu() - sc;
        total += e;
        total_cpu += ec;
        printf("case %d %-24s steps %3d jacobians %2d residual %.2e  %.3f s (cpu %.3f s)  US welfare %+.4f%%\n", k,
               tq__lib_case_name(k), o.iterations, o.jacobians, o.residual, e, ec, o.welfare[b->usa]);
    }
    printf("nine cases: %.3f s wall, %.3f s cpu (target < 1 s)\n", total, total_cpu);
    rc = 0;
done:
    if (rc) {
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        fprintf(stderr, "bench_liberation: %s\n", buf);
    }
    tq__lib_ws_free(ws);
    tq__lib_base_free(b);
    tq__lib_data_free(d);
    tq_context_free(ctx);
    return rc;
}
