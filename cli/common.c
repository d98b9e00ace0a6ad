/* Helpers shared by the CLI commands: context, errors, dataset resolution. */
#include "commands.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Embedded data: $TRADEQ_DATA, then <exe>/../share/tradeq/data (installed), then
 * <exe>/../data (build tree inside the source tree), then the source tree. */
const char *cli_data_dir(void)
{
    static char dir[PATH_MAX];
    static int done;
    if (done)
        return dir;
    done = 1;
    const char *env = getenv("TRADEQ_DATA");
    if (env && is_dir(env)) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        const char *rel[] = {"/../share/tradeq/data", "/../data"};
        for (size_t k = 0; k < 2; k++) {
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s%s", exe, rel[k]);
            size_t len = strlen(cand);
            if (is_dir(cand) && len < sizeof dir) {
                memcpy(dir, cand, len + 1);
                return dir;
            }
        }
    }
#ifdef TQ_SOURCE_DIR
    if (is_dir(TQ_SOURCE_DIR "/data")) {
        snprintf(dir, sizeof dir, "%s", TQ_SOURCE_DIR "/data");
        return dir;
    }
#endif
    dir[0] = 0;
    return dir;
}

#define DEFAULT_DATASET "wiod2014"

tq_dataset *cli_load(tq_context *ctx, const cli_data_opts *opts)
{
    const char *want = opts->data ? opts->data : DEFAULT_DATASET;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s", want);
    if (!is_dir(path) && !strchr(want, '/')) {
        /* not a folder here: an embedded dataset name? */
        const char *dd = cli_data_dir();
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s/%s", dd, want);
        if (dd[0] && is_dir(cand)) {
            snprintf(path, sizeof path, "%s", cand);
        } else if (!opts->data) {
            fprintf(stderr,
                    "tradeq: no embedded default dataset '%s' in this build (looked in '%s'); "
                    "give --data PATH\n",
                    want, dd[0] ? dd : "(no data folder found)");
            return NULL;
        }
    }
    tq_dataset *ds = NULL;
    if (tq_dataset_load(ctx, path, &ds) != TQ_OK) {
        cli_print_error(ctx);
        return NULL;
    }
    if (opts->region_map || opts->sector_map) {
        tq_dataset *agg = NULL;
        if (tq_dataset_aggregate(ctx, ds, opts->region_map, opts->sector_map, &agg) != TQ_OK) {
            cli_print_error(ctx);
            tq_dataset_free(ds);
            return NULL;
        }
        tq_dataset_free(ds);
        ds = agg;
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
