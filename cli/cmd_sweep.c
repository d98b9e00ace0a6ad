/* tradeq sweep: solve a scenario over a grid of parameters (docs/uncertainty.md) and
 * write one row per point; in parallel with threads, and across processes with MPI
 * (docs/scaling.md). The machinery is the library's (tq_sweep_*); this file parses
 * options, shows progress and, in the tradeq-mpi build (TQ_CLI_MPI), splits the blocks
 * between ranks and gathers the values on rank 0. */
#include "commands.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef TQ_CLI_MPI
#include <mpi.h>
#endif

static void help(void)
{
    printf("usage: tradeq sweep [FILE.yaml] --vary AXIS [--vary AXIS ...] [--out FILE] [--format csv|json]\n"
           "                    [--plot FILE.svg|FILE.png] [--threads N] [--checkpoint FILE] [--seed S]\n"
           "                    [--block B] [--draw-params LIST] [--data PATH|NAME] [--elasticities NAME]\n"
           "                    [--tol X] [--method anderson|nested-fp] [--max-iter N] [--force]\n\n"
           "Solves the scenario (default: scenarios/us-japan-autos.yaml) at every point of the grid\n"
           "of the --vary axes and writes one row per point: the varied values, whether the solver\n"
           "converged, and the headline numbers of the named pair (welfare, EV, real wage, real\n"
           "GDP, their bilateral balance) and world EV.\n\n"
           "  --vary AXIS     tariff IMP:EXP:SECTORS=A..B step S (or =v1,v2,..; percent, set after\n"
           "                  the scenario's own shocks), closure=fixed,balanced,share,\n"
           "                  elasticities=KITE,CP,..|all, year=A..B, draw=N (theta drawn N times)\n"
           "                  or draw=sets (each published set); repeatable: the grid is the product\n"
           "  --out FILE      write there (written whole, then renamed; never overwrites without\n"
           "                  --force); default: standard output\n"
           "  --format F      csv (default, or from FILE's extension .json) or json\n"
           "  --plot FILE     for one numeric axis, the headline numbers against it (SVG or PNG)\n"
           "  --threads N     worker threads, each with its own solver (default: every core)\n"
           "  --checkpoint FILE  keep finished blocks there; a killed sweep run again with the same\n"
           "                  options resumes without solving them again\n"
           "  --seed S        seed of the draws (default 1)\n"
           "  --draw-params LIST  what draw=N varies: theta, partial_effects (the gravity partial\n"
           "                  effects that have a standard error) or theta,partial_effects; default:\n"
           "                  the scenario's uncertainty: mapping, else both\n"
           "  --block B       points per warm-start chain (default 8); part of the result's\n"
           "                  definition, like the seed\n"
           "Under mpirun (tradeq-mpi, built when OpenMPI is found) the blocks are split between the\n"
           "ranks, rank 0 gathers and writes the one file; the output is the same for any number of\n"
           "ranks or threads. A progress bar (points, rate, ETA) is shown on a terminal.\n");
}

/* ---------------------------------------------------------------- progress --- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int cli_sweep_progress(void *ud, const char *stage, double fraction)
{
    cli_progress *p = ud;
    (void)stage;
    if (!p->tty)
        return 0;
    double el = now() - p->start, t = now();
    if (t - p->last < 0.2 && fraction < 1)
        return 0;
    p->last = t;
    double done = fraction * p->points;
    double rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (p->points - done) / rate : 0;
    int width = 30, fill = (int)(fraction * width + 0.5);
    char bar[32];
    for (int k = 0; k < width; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r%s [%s] %.0f/%d points, %.1f/s, ETA %.0fs   ", p->label, bar, done, p->points, rate, eta);
    p->shown = 1;
    return 0;
}

void cli_progress_done(cli_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%90s\r", "");
    p->shown = 0;
}

int cli_draw_params(const char *list, int *theta, int *partial)
{
    *theta = *partial = -1;
    const char *c = list;
    while (*c) {
        size_t len = strcspn(c, ",");
        if (len == 5 && !strncmp(c, "theta", 5))
            *theta = 1;
        else if (len == 15 && !strncmp(c, "partial_effects", 15))
            *partial = 1;
        else
            return -1;
        c += len;
        if (*c == ',')
            c++;
    }
    return 0;
}

void cli_progress_init(cli_progress *p, const char *label, int points)
{
    memset(p, 0, sizeof *p);
    p->tty = isatty(2);
    p->start = now();
    p->label = label;
    p->points = points;
}

/* ------------------------------------------------------------------ output --- */

typedef struct sweep_file {
    tq_context *ctx;
    const tq_sweep *sw;
    int json;
} sweep_file;

static int write_sweep(FILE *f, void *ud)
{
    const sweep_file *sf = ud;
    tq_sink sk = tq_sink_file(f);
    tq_status st = sf->json ? tq_sweep_write_json(sf->ctx, sf->sw, &sk) : tq_sweep_write_csv(sf->ctx, sf->sw, &sk);
    if (st)
        cli_print_error(sf->ctx);
    return st != TQ_OK;
}

static int write_out(tq_context *ctx, const tq_sweep *sw, const char *out, int json, int force)
{
    if (!out) {
        tq_sink sk = tq_sink_file(stdout);
        tq_status st = json ? tq_sweep_write_json(ctx, sw, &sk) : tq_sweep_write_csv(ctx, sw, &sk);
        if (st == TQ_OK && fflush(stdout) != 0)
            st = TQ_ERR_IO;
        if (st) {
            cli_print_error(ctx);
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    sweep_file sf = {ctx, sw, json};
    return cli_write_file("sweep", out, force, write_sweep, &sf);
}

/* ------------------------------------------------------------------ mpi ------ */

#ifndef TQ_CLI_MPI
/* Started by mpirun with more than one rank: hand over to tradeq-mpi beside this
 * program (built when OpenMPI is found), which splits the work. Returns only when it
 * cannot. */
static void exec_mpi(char **argv_full)
{
    const char *sz = getenv("OMPI_COMM_WORLD_SIZE");
    if (!sz)
        sz = getenv("PMI_SIZE");
    if (!sz || atoi(sz) <= 1)
        return;
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 16);
    if (len <= 0)
        return;
    self[len] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return;
    strcpy(slash + 1, "tradeq-mpi");
    if (access(self, X_OK) != 0) {
        fprintf(stderr,
                "tradeq sweep: started by mpirun with %s ranks, but tradeq-mpi (built when OpenMPI is "
                "found) is not beside this program: every rank would solve every point\n",
                sz);
        exit(CLI_FAIL);
    }
    argv_full[-1] = self; /* argv_full[-1] was the program name */
    execv(self, argv_full - 1);
}
#endif

/* ------------------------------------------------------------------ command --- */

int tq_cmd_sweep(int argc, char **argv)
{
#ifndef TQ_CLI_MPI
    exec_mpi(argv);
#endif
    const char *file = NULL, *out = NULL, *format = NULL, *plot = NULL, *ckpt = NULL;
    const char *vary[8];
    const char *tariffs[64];
    int nvary = 0, ntariffs = 0, force = 0;
    tq_sweep_options so;
    tq_sweep_options_default(&so);
    so.seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--vary") && has_val) {
            if (nvary == 8)
                return cli_usage_error("sweep", "at most 8 --vary axes");
            vary[nvary++] = argv[++i];
        } else if (!strcmp(a, "--tariff") && has_val) {
            if (ntariffs == 64)
                return cli_usage_error("sweep", "too many --tariff flags");
            tariffs[ntariffs++] = argv[++i];
        } else if (!strcmp(a, "--out") && has_val) {
            out = argv[++i];
        } else if (!strcmp(a, "--format") && has_val) {
            format = argv[++i];
            if (strcmp(format, "csv") && strcmp(format, "json"))
                return cli_usage_error("sweep", "--format is csv or json, not '%s'", format);
        } else if (!strcmp(a, "--plot") && has_val) {
            plot = argv[++i];
        } else if (!strcmp(a, "--checkpoint") && has_val) {
            ckpt = argv[++i];
        } else if (!strcmp(a, "--data") && has_val) {
            so.run.dataset = argv[++i];
        } else if (!strcmp(a, "--elasticities") && has_val) {
            so.run.elasticities = argv[++i];
        } else if (!strcmp(a, "--tol") && has_val) {
            char *end;
            so.run.tol = strtod(argv[++i], &end);
            if (*end || !(so.run.tol > 0) || !isfinite(so.run.tol))
                return cli_usage_error("sweep", "--tol must be a positive number, not '%s'", argv[i]);
        } else if (!strcmp(a, "--method") && has_val) {
            const char *m = argv[++i];
            if (!strcmp(m, "anderson"))
                so.run.method = TQ_METHOD_ANDERSON;
            else if (!strcmp(m, "nested-fp"))
                so.run.method = TQ_METHOD_FIXED_POINT;
            else
                return cli_usage_error("sweep", "--method is anderson or nested-fp, not '%s'", m);
        } else if (!strcmp(a, "--seed") && has_val) {
            char *end;
            const char *v = argv[++i];
            unsigned long long sd = strtoull(v, &end, 10);
            if (end == v || *end || v[0] == '-')
                return cli_usage_error("sweep", "--seed is a whole number, 0 or more, not '%s'", v);
            so.seed = sd;
        } else if ((!strcmp(a, "--threads") || !strcmp(a, "--block") || !strcmp(a, "--max-iter")) && has_val) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 100000)
                return cli_usage_error("sweep", "%s must be a positive whole number, not '%s'", a, argv[i]);
            *(!strcmp(a, "--threads") ? &so.threads : !strcmp(a, "--block") ? &so.block : &so.run.max_iter) = (int)v;
        } else if (!strcmp(a, "--draw-params") && has_val) {
            if (cli_draw_params(argv[++i], &so.draw_theta, &so.draw_partial))
                return cli_usage_error("sweep", "--draw-params lists theta and/or partial_effects, not '%s'", argv[i]);
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (a[0] == '-') {
            return cli_usage_error("sweep", "unknown option '%s' (or a missing value)", a);
        } else if (!file) {
            file = a;
        } else {
            return cli_usage_error("sweep", "one scenario file at a time ('%s' and '%s')", file, a);
        }
    }
    if (nvary == 0)
        return cli_usage_error("sweep", "give at least one --vary axis");
    int json = format ? !strcmp(format, "json") : (out && strlen(out) > 5 && !strcmp(out + strlen(out) - 5, ".json"));

    int rank = 0, size = 1;
#ifdef TQ_CLI_MPI
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
#endif
    if (out && !force && access(out, F_OK) == 0) { /* before any work (checked again when written) */
        fprintf(stderr, "tradeq sweep: %s exists (add --force to replace it)\n", out);
        return CLI_FAIL;
    }
    tq_context *ctx = cli_context();
    tq_runner *runner = cli_runner(ctx);
    tq_spec *sp = NULL;
    tq_sweep *sw = NULL;
    int rc = CLI_FAIL;
    char dflt[PATH_MAX + 64];
    cli_progress prog;
    if (!file) {
        if (tq_runner_default_scenario(runner, dflt, sizeof dflt) != TQ_OK) {
            fprintf(stderr, "tradeq sweep: the default scenario us-japan-autos.yaml is not installed; give a file\n");
            goto done;
        }
        file = dflt;
    }
    if (tq_spec_load(ctx, file, &sp) != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    for (int t = 0; t < ntariffs; t++)
        if (tq_spec_add_tariff_arg(ctx, sp, tariffs[t]) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
    if (tq_spec_count(sp) != 1) {
        fprintf(stderr, "tradeq sweep: %s holds %d scenarios; a sweep takes one\n", file, tq_spec_count(sp));
        goto done;
    }
    if (tq_sweep_new(runner, sp, 0, &so, &sw) != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    for (int v = 0; v < nvary; v++)
        if (tq_sweep_vary(sw, vary[v]) != TQ_OK) {
            cli_print_error(ctx);
            rc = CLI_USAGE;
            goto done;
        }
    if (tq_sweep_prepare(sw) != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    const int nb = tq_sweep_blocks(sw), np = tq_sweep_points(sw);
    const int first = (int)((long long)nb * rank / size), last = (int)((long long)nb * (rank + 1) / size);
    if (ckpt) {
        char path[PATH_MAX];
        if (size > 1)
            snprintf(path, sizeof path, "%s.%dof%d", ckpt, rank, size);
        else
            snprintf(path, sizeof path, "%s", ckpt);
        if (tq_sweep_checkpoint(sw, path) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
    }
    cli_progress_init(&prog, "tradeq sweep", np / size);
    if (rank == 0)
        tq_context_set_progress(ctx, cli_sweep_progress, &prog);
    tq_status st = tq_sweep_run(sw, first, last - first);
    cli_progress_done(&prog);
    if (st) {
        cli_print_error(ctx);
#ifdef TQ_CLI_MPI
        MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
#endif
        goto done;
    }
#ifdef TQ_CLI_MPI
    if (size > 1) {
        /* rank r holds blocks [first, last): points [first*B, min(last*B, np)), contiguous */
        const int B = np > 0 && nb > 0 ? (np + nb - 1) / nb : 1;
        const int W = (int)tq_sweep_width(sw);
        const int p0 = first * B < np ? first * B : np, p1 = last * B < np ? last * B : np;
        int mine = (p1 - p0) * W;
        double *buf = malloc(sizeof(double) * (size_t)(mine > 0 ? mine : 1));
        for (int p = p0; p < p1 && buf; p++)
            memcpy(buf + (size_t)(p - p0) * W, tq_sweep_values(sw, p), sizeof(double) * (size_t)W);
        int *counts = NULL, *displs = NULL;
        double *all = NULL;
        if (rank == 0) {
            counts = calloc((size_t)size, sizeof(int));
            displs = calloc((size_t)size, sizeof(int));
            all = malloc(sizeof(double) * (size_t)np * W);
            for (int q = 0; q < size && counts && displs; q++) {
                int f = (int)((long long)nb * q / size), l = (int)((long long)nb * (q + 1) / size);
                int a0 = f * B < np ? f * B : np, a1 = l * B < np ? l * B : np;
                counts[q] = (a1 - a0) * W;
                displs[q] = a0 * W;
            }
            if (!counts || !displs || !all)
                MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
        }
        if (!buf)
            MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
        MPI_Gatherv(buf, mine, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0)
            for (int p = 0; p < np; p++)
                tq_sweep_set_values(sw, p, all + (size_t)p * W);
        free(buf);
        free(all);
        free(counts);
        free(displs);
    }
#endif
    rc = CLI_OK;
    if (rank == 0) {
        rc = write_out(ctx, sw, out, json, force);
        if (rc == CLI_OK && plot)
            rc = cli_sweep_plot(ctx, sw, plot);
        if (rc == CLI_OK && out) {
            int bad = 0;
            for (int p = 0; p < np; p++)
                bad += tq_sweep_values(sw, p)[TQ_SWEEP_CONVERGED] != 1;
            fprintf(stderr, "tradeq sweep: %d points written to %s%s\n", np, out,
                    bad ? " (some did not converge: see the converged column)" : "");
        }
    }
done:
    tq_sweep_free(sw);
    tq_spec_free(sp);
    tq_runner_free(runner);
    tq_context_free(ctx);
#ifdef TQ_CLI_MPI
    MPI_Finalize();
#endif
    return rc;
}
