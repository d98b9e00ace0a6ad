/* tq_dataset_load: detect a folder's layout from the files it holds and dispatch to
 * the reader for it (docs/formats.md). */
#include "readers.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* 1 if dir/name or dir/name.gz exists; an allocation failure is left in ctx and
 * checked once after detection. */
static int has(tq_context *ctx, const char *dir, const char *name)
{
    char *p = tq__find_file(ctx, dir, name);
    int ok = p != NULL;
    tq__free(ctx, p);
    return ok;
}

static tq_status detect_failed(tq_context *ctx)
{
    return ctx->err.status == TQ_ERR_NOMEM ? TQ_ERR_NOMEM : TQ_OK;
}

static int has_prefix_file(const char *dir, const char *prefix);

tq_status tq_dataset_load(tq_context *ctx, const char *path, tq_dataset **out)
{
    *out = NULL;
    tq__clear_error(ctx);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL, "no such file or folder");
    if (!S_ISDIR(sb.st_mode)) {
        if (tq__is_binary(path))
            return tq__read_binary(ctx, path, out);
        return tq__error(ctx, TQ_ERR_IO, path, 0, NULL,
                         "not a folder: a dataset is a folder of files (docs/formats.md) or a .tqb file "
                         "(docs/formats/binary.md)");
    }
    int own = has(ctx, path, "meta.csv");
    if (detect_failed(ctx))
        return TQ_ERR_NOMEM;
    if (own)
        return tq__read_tradeq(ctx, path, out);
    if (has(ctx, path, "trade_share.csv"))
        return tq__read_kite(ctx, path, out);
    if (has(ctx, path, "trade.csv") && has(ctx, path, "intermediate_consumption.csv"))
        return tq__read_cp2015(ctx, path, out);
    if (has(ctx, path, "shares_tariffs.csv"))
        return tq__read_cp_base(ctx, path, out);
    if (has(ctx, path, "trade_ijs.csv") && has(ctx, path, "tariff_ijs.csv") && has(ctx, path, "sigma_s.csv"))
        return tq__read_ossa(ctx, path, out);
    if (has(ctx, path, "trade_cepii.csv"))
        return tq__read_square(ctx, path, out);
    if (has_prefix_file(path, "wiot_"))
        return tq__read_wiot(ctx, path, out);
    if (has_prefix_file(path, "flows_"))
        return tq__read_flows(ctx, path, out);
    if (detect_failed(ctx))
        return TQ_ERR_NOMEM;
    return tq__error(ctx, TQ_ERR_UNSUPPORTED, path, 0, NULL,
                     "no dataset layout recognised here (expected meta.csv for tradeq's own format; "
                     "see docs/formats.md)");
}

#include <dirent.h>
static int has_prefix_file(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    size_t n = strlen(prefix);
    while (!found && (e = readdir(d)) != NULL)
        found = strncmp(e->d_name, prefix, n) == 0;
    closedir(d);
    return found;
}
