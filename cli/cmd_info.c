/* tradeq info: describe a dataset. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq info [--data PATH|NAME] [--region-map CSV] [--sector-map CSV]\n"
           "                   [--regions] [--sectors] [--year Y] [--elasticities] [--check-data]\n\n"
           "Dimensions, years, totals and the consistency report of a dataset (docs/model.md's\n"
           "data contract). --regions / --sectors list every code with its name. --elasticities lists\n"
           "the dataset's named sets of trade elasticities with their sources and theta by sector.\n"
           "--check-data compares headline aggregates (goods and services balances, tariff revenue)\n"
           "with the official figures of checks/official.csv in the data folder, with their sources;\n"
           "FLAG marks a difference beyond the row's tolerance (explained in data/PROVENANCE.md).\n");
}

/* The named elasticity sets of the dataset: name, source, method and citation of each,
 * then theta by sector and set. */
static int print_elasticities(tq_context *ctx, tq_runner *runner, const tq_dataset *ds)
{
    tq_elasticities *e = NULL;
    if (tq_runner_elasticities(runner, tq_dataset_name(ds), &e) != TQ_OK) {
        cli_print_error(ctx);
        return CLI_FAIL;
    }
    const int K = tq_elasticities_count(e), J = tq_dataset_sectors(ds);
    printf("trade elasticities (theta) of %s: %d named sets (docs/elasticities.md)\n", tq_dataset_name(ds), K);
    printf("choose one with tradeq run --elasticities NAME or 'elasticities: NAME' in a scenario file\n");
    for (int k = 0; k < K; k++) {
        printf("\n%-5s %s%s\n", tq_elasticities_name(e, k), tq_elasticities_label(e, k),
               tq_elasticities_is_default(e, k) ? "  [the dataset's default]" : "");
        printf("      method:   %s\n", tq_elasticities_method(e, k));
        printf("      citation: %s\n", tq_elasticities_citation(e, k));
    }
    printf("\n%-8s", "sector");
    for (int k = 0; k < K; k++)
        printf(" %6s", tq_elasticities_name(e, k));
    printf("  name\n");
    for (int j = 0; j < J; j++) {
        printf("%-8s", tq_dataset_sector_code(ds, j));
        for (int k = 0; k < K; k++) {
            double th = tq_elasticities_theta(e, k, tq_dataset_sector_code(ds, j));
            if (th == th)
                printf(" %6.2f", th);
            else
                printf(" %6s", "-");
        }
        printf("  %.40s\n", tq_dataset_sector_name(ds, j));
    }
    tq_elasticities_free(e);
    return CLI_OK;
}

/* The plausibility report: each official figure of checks/official.csv (in the runner's
 * data folder) for this dataset against the same measure computed from the data. */
static int print_check_data(tq_context *ctx, tq_runner *runner, const tq_dataset *ds)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checks/official.csv", tq_runner_data_dir(runner));
    tq_plausibility_row *rows = NULL;
    int n = 0;
    if (tq_dataset_plausibility(ctx, ds, path, &rows, &n) != TQ_OK) {
        cli_print_error(ctx);
        return CLI_FAIL;
    }
    int flagged = 0;
    printf("plausibility of %s against official figures (%s)\n", tq_dataset_name(ds), path);
    printf("USD bn; difference = (data - official) / |official|; FLAG beyond the row's tolerance\n\n");
    printf("%-4s %-16s %-6s %-7s %9s %9s %8s %6s  %s\n", "year", "measure", "region", "partner", "data", "official",
           "diff%", "tol%", "status");
    for (int k = 0; k < n; k++) {
        const tq_plausibility_row *r = &rows[k];
        flagged += r->flagged;
        printf("%-4d %-16s %-6s %-7s %9.1f %9.1f %+8.1f %6.1f  %s\n", r->year, r->measure, r->region,
               r->partner[0] ? r->partner : "-", r->data_bn, r->official_bn, r->diff_pct, r->tolerance_pct,
               r->flagged ? "FLAG" : "ok");
        printf("     source: %s\n", r->source);
        printf("     note:   %s\n", r->basis);
    }
    if (!n)
        printf("(no official figures for %s in the file)\n", tq_dataset_name(ds));
    printf("\n%d rows, %d flagged (data/PROVENANCE.md, section Plausibility report, explains each)\n", n, flagged);
    tq_plausibility_free(ctx, rows);
    return CLI_OK;
}

int tq_cmd_info(int argc, char **argv)
{
    cli_data_opts dopt = {0};
    int list_regions = 0, list_sectors = 0, list_elasticities = 0, want_year = 0, check_data = 0;
    for (int i = 1; i < argc; i++) {
        int r = cli_data_option(argc, argv, &i, &dopt);
        if (r < 0)
            return CLI_USAGE;
        if (r)
            continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(argv[i], "--regions")) {
            list_regions = 1;
        } else if (!strcmp(argv[i], "--sectors")) {
            list_sectors = 1;
        } else if (!strcmp(argv[i], "--elasticities")) {
            list_elasticities = 1;
        } else if (!strcmp(argv[i], "--check-data")) {
            check_data = 1;
        } else if (!strcmp(argv[i], "--year") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            long yv = strtol(v, &end, 10);
            if (end == v || *end || yv < 1 || yv > 9999)
                return cli_usage_error("info", "--year takes a year (1-9999), not '%s'", v);
            want_year = (int)yv;
        } else {
            return cli_usage_error("info", "unknown option '%s'", argv[i]);
        }
    }
    tq_context *ctx = cli_context();
    tq_runner *runner = cli_runner(ctx);
    const tq_dataset *ds = cli_load(ctx, runner, &dopt);
    if (!ds) {
        tq_runner_free(runner);
        tq_context_free(ctx);
        return CLI_FAIL;
    }
    if (list_elasticities || check_data) {
        int rc = list_elasticities ? print_elasticities(ctx, runner, ds) : CLI_OK;
        if (rc == CLI_OK && check_data)
            rc = print_check_data(ctx, runner, ds);
        tq_runner_free(runner);
        tq_context_free(ctx);
        return rc;
    }
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds), Y = tq_dataset_years(ds);
    int y = Y - 1;
    if (want_year) {
        y = tq_dataset_find_year(ds, want_year);
        if (y < 0) {
            fprintf(stderr, "tradeq info: year %d is not in the dataset\n", want_year);
            tq_runner_free(runner);
            tq_context_free(ctx);
            return CLI_FAIL;
        }
    }
    int tradable = 0;
    for (int j = 0; j < J; j++)
        tradable += tq_dataset_sector_tradable(ds, j);
    printf("dataset    %s\n", tq_dataset_name(ds)[0] ? tq_dataset_name(ds) : "(unnamed)");
    if (tq_dataset_source(ds)[0])
        printf("source     %s\n", tq_dataset_source(ds));
    printf("size       %d regions x %d sectors (%d tradable)\n", N, J, tradable);
    printf("years      ");
    if (Y == 1 && tq_dataset_year(ds, 0) == 0)
        printf("undated (the data name no year; see the source line)\n");
    else if (Y == 1)
        printf("%d\n", tq_dataset_year(ds, 0));
    else
        printf("%d-%d (%d years)\n", tq_dataset_year(ds, 0), tq_dataset_year(ds, Y - 1), Y);
    printf("io links   %s\n",
           tq_dataset_has_io(ds) ? "yes (input-output shares from data)" : "no (flows only: gamma = 0, beta = 1)");
    printf("regions    ");
    for (int n = 0; n < N && n < 12; n++)
        printf("%s%s", n ? " " : "", tq_dataset_region_code(ds, n));
    printf("%s\n", N > 12 ? " ..." : "");
    printf("sectors    ");
    for (int j = 0; j < J && j < 4; j++)
        printf("%s%s (%s)", j ? ", " : "", tq_dataset_sector_code(ds, j), tq_dataset_sector_name(ds, j));
    printf("%s\n", J > 4 ? ", ..." : "");

    const double *Yo = tq_dataset_array_const(ds, TQ_Y, y, NULL);
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    const double *VA = tq_dataset_array_const(ds, TQ_VA, y, NULL);
    const double *R = tq_dataset_array_const(ds, TQ_R, y, NULL);
    double go = 0, trade = 0, va = 0, rev = 0;
    for (int k = 0; k < N * J; k++)
        go += Yo[k];
    for (int n = 0; n < N; n++) {
        va += VA[n];
        rev += R[n];
        for (int i = 0; i < N; i++)
            if (i != n)
                for (int j = 0; j < J; j++)
                    trade += Z[((size_t)n * N + i) * J + j];
    }
    char b1[64], b2[64], b3[64], b4[64];
    if (tq_dataset_year(ds, y))
        printf("\ntotals %d (M USD)\n", tq_dataset_year(ds, y));
    else
        printf("\ntotals (M USD)\n");
    printf("  gross output       %s\n", cli_num(b1, sizeof b1, go, 0));
    printf("  value added        %s\n", cli_num(b2, sizeof b2, va, 0));
    printf("  cross-border trade %s  (%.1f%% of gross output)\n", cli_num(b3, sizeof b3, trade, 0),
           go > 0 ? 100 * trade / go : 0);
    printf("  tariff revenue     %s\n", cli_num(b4, sizeof b4, rev, 0));

    tq_consistency c;
    if (tq_dataset_check(ctx, ds, y, &c) == TQ_OK) {
        if (tq_dataset_year(ds, y))
            printf("\nconsistency %d (data contract of docs/model.md; 0 = exact)\n", tq_dataset_year(ds, y));
        else
            printf("\nconsistency (data contract of docs/model.md; 0 = exact)\n");
        printf("  goods-market clearing (E0): max residual %.3g of spending", c.e0_max_rel);
        if (c.e0_worst_region >= 0)
            printf(" (%s, %s), %.3g of that region's value added", tq_dataset_region_code(ds, c.e0_worst_region),
                   tq_dataset_sector_code(ds, c.e0_worst_sector), c.e0_max_share_va);
        printf("\n");
        printf("  trade shares sum to 1:      max deviation %.3g\n", c.pi_sum_max_dev);
        printf("  final-demand shares sum:    max deviation %.3g\n", c.alpha_sum_max_dev);
        printf("  cost shares (beta+gamma):   max deviation %.3g; %g out of range\n", c.cost_share_max_dev,
               c.beta_range_violations);
        printf("  deficits sum to zero:       |sum D| = %.3g of world value added\n", c.deficit_sum_rel);
        printf("  deficits match flows:       max gap %.3g of value added", c.deficit_flow_max_rel);
        if (c.deficit_worst_region >= 0 && c.deficit_flow_max_rel > 0)
            printf(" (%s)", tq_dataset_region_code(ds, c.deficit_worst_region));
        printf("\n");
        printf("  value added = sum beta Y:   max gap %.3g", c.va_max_rel);
        if (c.va_worst_region >= 0 && c.va_max_rel > 0)
            printf(" (%s)", tq_dataset_region_code(ds, c.va_worst_region));
        printf("\n");
        printf("  negative flows:             %d\n", c.negative_flows);
        printf("  (tradeq convert --rebalance makes the contract hold exactly; docs/rebalancing.md)\n");
    }
    if (list_regions) {
        printf("\nregions\n");
        for (int n = 0; n < N; n++)
            printf("  %-6s %s\n", tq_dataset_region_code(ds, n), tq_dataset_region_name(ds, n));
    }
    if (list_sectors) {
        printf("\nsectors (code, tradable, theta, name)\n");
        const double *theta = tq_dataset_array_const(ds, TQ_THETA, 0, NULL);
        for (int j = 0; j < J; j++)
            printf("  %-8s %d %7.3f  %s\n", tq_dataset_sector_code(ds, j), tq_dataset_sector_tradable(ds, j), theta[j],
                   tq_dataset_sector_name(ds, j));
    }
    tq_runner_free(runner);
    tq_context_free(ctx);
    return CLI_OK;
}
