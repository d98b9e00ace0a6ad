/* Benchmark of start-up (not a test): the wall time of whole `tradeq run` processes (the
 * default scenario, table output to /dev/null), and the split of one run's work measured
 * in-process through the public API: load the dataset (gzipped CSV folder vs .tqb file),
 * copy it and apply the scenario's data overrides, make the baseline (recalibrated, or
 * the copy cached in the .tqb), build the scenario, solve.
 *
 * usage: bench_startup [--cli PATH] [--runs N] [--reps R] [--csv DIR] [--tqb FILE]
 *                      [--scenario FILE]
 *   --cli       the tradeq program (default ./build/tradeq)
 *   --runs      processes per variant (default 20)
 *   --reps      in-process repetitions, each in a fresh process; the median is shown
 *               (default 9)
 *   --csv       the CSV dataset folder (default data/wiod2014)
 *   --tqb       its binary form (default build/data/wiod2014.tqb)
 *   --scenario  the scenario solved in-process (default scenarios/us-japan-autos.yaml)
 * Process variants: `tradeq run` (whatever the program resolves as the default dataset)
 * and `tradeq run --data <tqb>` (the binary form forced). Run it from the source tree. */
#include "tradeq.h"

#include "bench_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    return bench_now();
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run argv with stdout and stderr on /dev/null; wall seconds, or -1 if it failed. */
static double run_once(char *const argv[])
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return now() - t0;
}

static void time_processes(const char *label, char *const argv[], int runs)
{
    double *t = calloc((size_t)runs, sizeof *t);
    if (!t)
        return;
    run_once(argv); /* warm the page cache */
    for (int k = 0; k < runs; k++) {
        t[k] = run_once(argv);
        if (t[k] < 0) {
            printf("| %s | failed (exit status not 0) | | | |\n", label);
            free(t);
            return;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("| %s | %d | %.1f | %.1f | %.1f |\n", label, runs, 1e3 * t[0], 1e3 * t[runs / 2], 1e3 * t[runs - 1]);
    free(t);
}

/* The phases of one run, wall and main-thread CPU seconds (the CPU figure is the one to
 * read on a busy machine: it leaves out the time spent waiting for a core; the solve's
 * second OpenMP thread is not in it). */
enum { P_LOAD, P_COPY, P_BASELINE, P_SCENARIO, P_SOLVE, P_TOTAL, P_COUNT };
static const char *const phase_names[P_COUNT] = {"load", "copy + overrides", "baseline", "scenario", "solve", "total"};

typedef struct split {
    double wall[P_COUNT], cpu[P_COUNT];
} split;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail(tq_context *ctx, const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "bench_startup: %s: %s\n", what, buf);
    exit(1);
}

typedef struct clock2 {
    double w, c;
} clock2;

static clock2 mark(void)
{
    clock2 k = {now(), cpu_now()};
    return k;
}

static void lap(split *s, int phase, clock2 *k)
{
    clock2 t = mark();
    s->wall[phase] = t.w - k->w;
    s->cpu[phase] = t.c - k->c;
    *k = t;
}

/* One run's steps as cmd_run does them, for the first scenario of the spec. */
static split one_run(tq_context *ctx, const char *data, const tq_spec *sp)
{
    split s;
    memset(&s, 0, sizeof s);
    clock2 start = mark(), k = start;
    tq_dataset *ds = NULL, *copy = NULL;
    if (tq_dataset_load(ctx, data, &ds) != TQ_OK)
        fail(ctx, data);
    lap(&s, P_LOAD, &k);
    if (tq_dataset_clone(ctx, ds, &copy) != TQ_OK || tq_spec_apply_data(ctx, sp, 0, copy) != TQ_OK)
        fail(ctx, "copy");
    lap(&s, P_COPY, &k);
    tq_spec_info si;
    tq_spec_get(sp, 0, &si);
    tq_closure bc = si.closure == TQ_CLOSURE_BALANCED ? TQ_CLOSURE_BALANCED : TQ_CLOSURE_FIXED;
    tq_baseline *b = NULL;
    if (tq_baseline_new(ctx, copy, tq_dataset_years(copy) - 1, bc, NULL, &b) != TQ_OK)
        fail(ctx, "baseline");
    lap(&s, P_BASELINE, &k);
    tq_scenario *sc = NULL;
    if (tq_scenario_new(ctx, b, &sc) != TQ_OK || tq_spec_apply(ctx, sp, 0, copy, b, sc) != TQ_OK)
        fail(ctx, "scenario");
    lap(&s, P_SCENARIO, &k);
    tq_result *r = NULL;
    if (tq_solve(ctx, b, sc, NULL, &r) != TQ_OK)
        fail(ctx, "solve");
    lap(&s, P_SOLVE, &k);
    tq_result_free(r);
    tq_scenario_free(sc);
    tq_baseline_free(b);
    tq_dataset_free(copy);
    tq_dataset_free(ds);
    k = start;
    lap(&s, P_TOTAL, &k);
    return s;
}

/* Each repetition in a child process of its own, so that every run allocates fresh
 * memory as a real start does (a second run in one process reuses warm pages and looks
 * several times faster than any real start). Medians are shown. */
static void time_split(const char *label, const char *data, const char *scen, int reps, split *med)
{
    split *all = calloc((size_t)reps, sizeof *all);
    memset(med, 0, sizeof *med);
    if (!all)
        return;
    int got = 0;
    for (int k = 0; k < reps; k++) {
        int fd[2];
        if (pipe(fd) != 0)
            break;
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            tq_context *ctx = NULL;
            tq_spec *sp = NULL;
            if (tq_context_new(&ctx, NULL) != TQ_OK)
                _exit(1);
            if (tq_spec_load(ctx, scen, &sp) != TQ_OK)
                fail(ctx, scen);
            split s = one_run(ctx, data, sp);
            ssize_t w = write(fd[1], &s, sizeof s);
            tq_spec_free(sp);
            tq_context_free(ctx);
            _exit(w == (ssize_t)sizeof s ? 0 : 1);
        }
        close(fd[1]);
        split s;
        if (pid > 0 && read(fd[0], &s, sizeof s) == (ssize_t)sizeof s)
            all[got++] = s;
        close(fd[0]);
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    if (!got) {
        fprintf(stderr, "bench_startup: %s: every run failed\n", label);
        free(all);
        return;
    }
    double *v = calloc((size_t)got, sizeof *v);
    for (int c = 0; c < P_COUNT && v; c++) {
        for (int k = 0; k < got; k++)
            v[k] = all[k].wall[c];
        qsort(v, (size_t)got, sizeof *v, cmp_double);
        med->wall[c] = v[got / 2];
        for (int k = 0; k < got; k++)
            v[k] = all[k].cpu[c];
        qsort(v, (size_t)got, sizeof *v, cmp_double);
        med->cpu[c] = v[got / 2];
    }
    free(v);
    free(all);
}

static void print_split(const char *label, const split *s)
{
    printf("| %s | wall", label);
    for (int c = 0; c < P_COUNT; c++)
        printf(" | %.1f", 1e3 * s->wall[c]);
    printf(" |\n| | main-thread CPU");
    for (int c = 0; c < P_COUNT; c++)
        printf(" | %.1f", 1e3 * s->cpu[c]);
    printf(" |\n");
}

static void machine_line(void)
{
    char model[256];
    bench_cpu_model(model, sizeof model, "unknown cpu");
    double load = bench_load_average();
    printf("machine: %s, %ld cpu(s) online, load average %.2f, tradeq %s\n", model, sysconf(_SC_NPROCESSORS_ONLN), load,
           tq_version());
}

int main(int argc, char **argv)
{
    const char *cli = "./build/tradeq", *csv = "data/wiod2014", *tqb = "build/data/wiod2014.tqb";
    const char *scen = "scenarios/us-japan-autos.yaml";
    int runs = 20, reps = 9;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(a, "--cli") && v)
            cli = v, k++;
        else if (!strcmp(a, "--runs") && v)
            runs = atoi(v), k++;
        else if (!strcmp(a, "--reps") && v)
            reps = atoi(v), k++;
        else if (!strcmp(a, "--csv") && v)
            csv = v, k++;
        else if (!strcmp(a, "--tqb") && v)
            tqb = v, k++;
        else if (!strcmp(a, "--scenario") && v)
            scen = v, k++;
        else {
            fprintf(stderr, "usage: bench_startup [--cli PATH] [--runs N] [--reps R] [--csv DIR] [--tqb FILE] "
                            "[--scenario FILE]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    if (reps < 1)
        reps = 1;
    struct stat sb;
    int have_tqb = stat(tqb, &sb) == 0;
    machine_line();

    printf("\nwhole processes, wall ms (stdout to /dev/null)\n\n");
    printf("| command | runs | min | median | max |\n|---|---|---|---|---|\n");
    char *a1[] = {(char *)cli, "run", NULL};
    time_processes("tradeq run", a1, runs);
    if (have_tqb) {
        char *a2[] = {(char *)cli, "run", "--data", (char *)tqb, NULL};
        char label[600];
        snprintf(label, sizeof label, "tradeq run --data %s", tqb);
        time_processes(label, a2, runs);
    }
    char *a3[] = {(char *)cli, "--version", NULL};
    time_processes("tradeq --version (process start only)", a3, runs);

    printf("\nin-process split of one run (%s, first scenario), ms, median of %d fresh processes\n\n", scen, reps);
    printf("| data | clock");
    for (int c = 0; c < P_COUNT; c++)
        printf(" | %s", phase_names[c]);
    printf(" |\n|---|---|---|---|---|---|---|---|\n");
    split m;
    time_split(csv, csv, scen, reps, &m);
    print_split(csv, &m);
    if (have_tqb) {
        char label[600];
        snprintf(label, sizeof label, "%s (baseline from its cache)", tqb);
        time_split(label, tqb, scen, reps, &m);
        print_split(label, &m);
    }
    return 0;
}
