/* tradeq convert: write any readable dataset in tradeq's own format. */
#include "commands.h"

#include <string.h>

static void help(void)
{
    printf("usage: tradeq convert --data PATH|NAME --out DIR [--region-map CSV] [--sector-map CSV]\n"
           "                      [--rebalance] [--force]\n\n"
           "Writes the dataset (aggregated by the maps, if given) as tradeq's own long CSV format\n"
           "(docs/formats/tradeq.md). --rebalance makes the data contract hold exactly\n"
           "(docs/rebalancing.md). Existing tradeq files in DIR are never overwritten without --force.\n");
}

int tq_cmd_convert(int argc, char **argv)
{
    cli_data_opts dopt = {0};
    const char *outdir = NULL;
    int force = 0, rebalance = 0;
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
        } else if (!strcmp(argv[i], "--rebalance")) {
            rebalance = 1;
        } else {
            return cli_usage_error("convert", "unknown option '%s'", argv[i]);
        }
    }
    if (!outdir)
        return cli_usage_error("convert", "--out DIR is required");
    tq_context *ctx = cli_context();
    tq_runner *runner = cli_runner(ctx);
    const tq_dataset *ds = cli_load(ctx, runner, &dopt);
    tq_dataset *balanced = NULL; /* the runner's dataset is shared: rebalance a copy */
    int rc = CLI_FAIL;
    if (!ds)
        goto done;
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
