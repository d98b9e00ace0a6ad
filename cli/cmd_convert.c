/* tradeq convert: write any readable dataset in tradeq's own format. */
#include "commands.h"

#include <string.h>
#include <unistd.h>

static void help(void)
{
    printf("usage: tradeq convert --data PATH|NAME --out DIR [--region-map CSV] [--sector-map CSV]\n"
           "                      [--rebalance] [--force]\n"
           "                      [--io-from DATASET --io-sector-map CSV --io-region-map CSV\n"
           "                       [--io-report CSV]]\n\n"
           "Writes the dataset (aggregated by the maps, if given) as tradeq's own long CSV format\n"
           "(docs/formats/tradeq.md). --rebalance makes the data contract hold exactly\n"
           "(docs/rebalancing.md). Existing tradeq files in DIR are never overwritten without --force.\n\n"
           "--io-from DATASET gives a flows-only dataset the input-output technology of DATASET\n"
           "(a name or path; its last year) in every year (docs/io-bridge.md): --io-sector-map maps\n"
           "DATASET's sectors to the data's (CSV reference,target), --io-region-map its regions\n"
           "(CSV region,reference; a row * names the stand-in of the rest). Final demand is then\n"
           "reconciled by the rebalancing; what it moved, per region and year, is summarised on\n"
           "standard error and written in full to --io-report CSV.\n");
}

/* Per year on standard error: the share of world final demand the reconciliation moved
 * and the region it moved most in; every row to path when given (tq_cmd_convert has
 * checked that it may be written). Returns 1 on success. */
static int report_io(const char *path, const tq_io_import_row *rows, int n)
{
    for (int k = 0; k < n;) {
        double share;
        int worst, cnt = tq_io_import_year(rows, n, k, &share, &worst);
        fprintf(
            stderr,
            "input-output %d: reconciliation moved %.3g%% of world final demand to value added; most in %s (%.3g%%)\n",
            rows[k].year, 100 * share, rows[worst].region, 100 * rows[worst].moved_share);
        k += cnt;
    }
    if (!path)
        return 1;
    FILE *f = fopen(path, "w");
    if (!f || (tq_io_import_write_csv(rows, n, f) | fclose(f))) {
        fprintf(stderr, "tradeq: %s: cannot write the input-output report\n", path);
        return 0;
    }
    return 1;
}

int tq_cmd_convert(int argc, char **argv)
{
    cli_data_opts dopt = {0};
    const char *outdir = NULL;
    int force = 0, rebalance = 0;
    const char *io_from = NULL, *io_smap = NULL, *io_rmap = NULL, *io_report = NULL;
    for (int i = 1; i < argc; i++) {
        int r = cli_data_option(argc, argv, &i, &dopt);
        if (r < 0)
            return CLI_USAGE;
        if (r)
            continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            outdir = argv[++i];
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "--io-from") && i + 1 < argc) {
            io_from = argv[++i];
        } else if (!strcmp(argv[i], "--io-sector-map") && i + 1 < argc) {
            io_smap = argv[++i];
        } else if (!strcmp(argv[i], "--io-region-map") && i + 1 < argc) {
            io_rmap = argv[++i];
        } else if (!strcmp(argv[i], "--io-report") && i + 1 < argc) {
            io_report = argv[++i];
        } else if (!strcmp(argv[i], "--rebalance")) {
            rebalance = 1;
        } else {
            return cli_usage_error("convert", "unknown option '%s'", argv[i]);
        }
    }
    if (!outdir)
        return cli_usage_error("convert", "--out DIR is required");
    if (io_from && (!io_smap || !io_rmap))
        return cli_usage_error("convert", "--io-from needs --io-sector-map CSV and --io-region-map CSV");
    if (!io_from && (io_smap || io_rmap || io_report))
        return cli_usage_error("convert", "--io-sector-map, --io-region-map and --io-report go with --io-from");
    /* before any work, so that a refusal leaves nothing half written */
    if (io_report && !force && access(io_report, F_OK) == 0) {
        fprintf(stderr, "tradeq: %s: refusing to overwrite the input-output report (use --force)\n", io_report);
        return CLI_FAIL;
    }
    tq_context *ctx = cli_context();
    tq_runner *runner = cli_runner(ctx);
    const tq_dataset *ds = cli_load(ctx, runner, &dopt);
    tq_dataset *balanced = NULL; /* the runner's dataset is shared: rebalance a copy */
    int rc = CLI_FAIL;
    if (!ds)
        goto done;
    if (io_from) {
        const tq_dataset *ref = NULL;
        tq_io_import_row *rows = NULL;
        int nrows = 0;
        if (tq_runner_dataset(runner, io_from, NULL, NULL, &ref) != TQ_OK ||
            tq_dataset_clone(ctx, ds, &balanced) != TQ_OK ||
            tq_dataset_import_io(ctx, balanced, ref, -1, io_smap, io_rmap, &rows, &nrows) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        int ok = report_io(io_report, rows, nrows);
        tq_io_import_free(ctx, rows);
        if (!ok)
            goto done;
        ds = balanced;
        rebalance = 0; /* done by the import */
    }
    if (rebalance) {
        double clipped = 0;
        if (tq_dataset_clone(ctx, ds, &balanced) != TQ_OK ||
            tq_dataset_rebalance(ctx, balanced, -1, &clipped) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        fprintf(stderr, "rebalanced: final demand clipped at zero: %.3g of world final demand\n", clipped);
        ds = balanced;
    }
    if (tq_dataset_write(ctx, ds, outdir, force) != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    printf("wrote %s (%d regions x %d sectors, %d year%s) to %s\n", tq_dataset_name(ds), tq_dataset_regions(ds),
           tq_dataset_sectors(ds), tq_dataset_years(ds), tq_dataset_years(ds) > 1 ? "s" : "", outdir);
    rc = CLI_OK;
done:
    tq_dataset_free(balanced);
    tq_runner_free(runner);
    tq_context_free(ctx);
    return rc;
}
