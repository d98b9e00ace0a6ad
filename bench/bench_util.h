/* Helpers every benchmark shares: the clocks and the machine's description (the CPU
 * model and the load average), so that printed timings say where they were taken. */
#ifndef TQ_BENCH_UTIL_H
#define TQ_BENCH_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds on clock id (CLOCK_MONOTONIC: wall; CLOCK_PROCESS_CPUTIME_ID: CPU of every
 * thread of the process). */
static inline double bench_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double bench_now(void)
{
    return bench_clock(CLOCK_MONOTONIC);
}

/* The "model name" of /proc/cpuinfo into buf[n]; unknown when there is none. */
static inline void bench_cpu_model(char *buf, size_t n, const char *unknown)
{
    snprintf(buf, n, "%s", unknown);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 2;
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, n, "%s", p);
            }
            break;
        }
    fclose(f);
}

/* The 1-minute load average of /proc/loadavg; -1 when it cannot be read. */
static inline double bench_load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

#endif
