/* Helpers shared by the CLI commands: context, errors, options, numbers. Datasets are
 * resolved by the library's runner (include/tradeq.h, "runner"). */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

tq_context *cli_context(void)
{
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK) {
        fprintf(stderr, "tradeq: out of memory\n");
        exit(CLI_FAIL);
    }
    return ctx;
}

void cli_print_error(tq_context *ctx)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "tradeq: %s\n", buf);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tradeq %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try tradeq %s --help)\n", cmd);
    return CLI_USAGE;
}

int cli_write_file(const char *cmd, const char *path, int force, int (*write)(FILE *f, void *ud), void *ud)
{
    /* written beside the target and renamed, so a reader never sees half a file; without
     * force an existing file is never replaced (the rename is a link, which fails then) */
    size_t L = strlen(path);
    char *tmp = malloc(L + 32);
    if (!tmp)
        return CLI_FAIL;
    snprintf(tmp, L + 32, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "tradeq %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(tmp);
        return CLI_FAIL;
    }
    int failed = write(f, ud); /* its own message printed */
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (!failed && !bad) {
        if (force)
            bad = rename(tmp, path) != 0;
        else {
            bad = link(tmp, path) != 0; /* fails with EEXIST instead of replacing */
            unlink(tmp);
        }
    }
    if (failed || bad) {
        if (!failed)
            fprintf(stderr, "tradeq %s: cannot write %s: %s%s\n", cmd, path, strerror(errno),
                    errno == EEXIST ? " (add --force to replace it)" : "");
        unlink(tmp);
        free(tmp);
        return CLI_FAIL;
    }
    free(tmp);
    return CLI_OK;
}

int cli_data_option(int argc, char **argv, int *i, cli_data_opts *opts)
{
    const char *a = argv[*i];
    const char **slot = NULL;
    if (!strcmp(a, "--data"))
        slot = &opts->data;
    else if (!strcmp(a, "--region-map"))
        slot = &opts->region_map;
    else if (!strcmp(a, "--sector-map"))
        slot = &opts->sector_map;
    else
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "tradeq: %s needs a value\n", a);
        return -1;
    }
    *slot = argv[++*i];
    return 1;
}

tq_runner *cli_runner(tq_context *ctx)
{
    tq_runner *r = NULL;
    if (tq_runner_new(ctx, &r) != TQ_OK) {
        cli_print_error(ctx);
        exit(CLI_FAIL);
    }
    return r;
}

const tq_dataset *cli_load(tq_context *ctx, tq_runner *r, const cli_data_opts *opts)
{
    const tq_dataset *ds = NULL;
    if (tq_runner_dataset(r, opts->data, opts->region_map, opts->sector_map, &ds) != TQ_OK) {
        cli_print_error(ctx);
        return NULL;
    }
    return ds;
}

const char *cli_num(char *buf, size_t cap, double v, int decimals)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    if (fabs(v) < 0.5 * pow(10, -decimals))
        v = 0; /* no "-0" */
    char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (v < 0 && o + 1 < cap)
        buf[o++] = '-';
    for (size_t k = 0; k < intlen && o + 2 < cap; k++) {
        if (k > 0 && (intlen - k) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[k];
    }
    for (const char *p = dot; p && *p && o + 1 < cap; p++)
        buf[o++] = *p;
    buf[o] = 0;
    return buf;
}
