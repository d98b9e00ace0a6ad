/* tradeq optimal REGION: the import tariffs that maximise REGION's welfare given every
 * other region's tariffs (docs/strategic.md). */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq optimal REGION [OPTIONS]\n\n"
           "The import tariffs that maximise REGION's welfare (real income) given every other\n"
           "region's tariffs, with the tariffs chosen, every region's welfare change, the\n"
           "gradient norm and a second-order check at the optimum. Ctrl-C stops the search and\n"
           "prints the best point so far, labelled partial.\n\n%s",
           cli_policy_help);
}

/* Tariffs of importer n, printed by the form chosen. */
static void print_tariffs(const cli_policy *p, const double *t0, const double *t, int n)
{
    const int N = tq_dataset_regions(p->ds), J = tq_dataset_sectors(p->ds);
    const double *pi = tq_baseline_array(p->b, TQ_PI, NULL), *X = tq_baseline_array(p->b, TQ_XJ, NULL);
    if (p->opt.form == TQ_FORM_PER_PARTNER) {
        printf("\n%-10s %14s %14s %14s\n", "partner", "base mean %", "optimal mean %", "optimal median %");
        for (int i = 0; i < N; i++) {
            if (i == n)
                continue;
            double s0 = 0, s1 = 0, w = 0;
            for (int j = 0; j < J; j++) {
                size_t c = ((size_t)n * N + i) * J + j;
                double m = pi[c] * X[(size_t)n * J + j];
                s0 += m * t0[c];
                s1 += m * t[c];
                w += m;
            }
            if (w > 0)
                printf("%-10s %14.2f %14.2f\n", tq_dataset_region_code(p->ds, i), 100 * s0 / w, 100 * s1 / w);
        }
        return;
    }
    printf("\n%-10s %12s %12s  %s\n", "sector", "base %", "optimal %", "(base: import-weighted mean over partners)");
    for (int j = 0; j < J; j++) {
        double s0 = 0, w = 0, tj = NAN;
        for (int i = 0; i < N; i++) {
            if (i == n)
                continue;
            size_t c = ((size_t)n * N + i) * J + j;
            double m = pi[c] * X[(size_t)n * J + j];
            s0 += m * t0[c];
            w += m;
            if (m > 0)
                tj = t[c];
        }
        if (w > 0 && tj == tj)
            printf("%-10s %12.2f %12.2f\n", tq_dataset_sector_code(p->ds, j), 100 * s0 / w, 100 * tj);
    }
}

int tq_cmd_optimal(int argc, char **argv)
{
    cli_policy p;
    cli_policy_init(&p, "optimal");
    const char *region = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return CLI_OK;
        }
        int r = cli_policy_option(argc, argv, &i, &p);
        if (r < 0)
            return CLI_USAGE;
        if (r)
            continue;
        if (argv[i][0] == '-')
            return cli_usage_error("optimal", "unknown option '%s'", argv[i]);
        if (region)
            return cli_usage_error("optimal", "one REGION only ('%s' and '%s')", region, argv[i]);
        region = argv[i];
    }
    if (!region)
        return cli_usage_error("optimal", "needs a REGION");
    tq_context *ctx = cli_context();
    int rc = cli_policy_setup(&p, ctx);
    int n = -1;
    if (rc == CLI_OK && (n = tq_dataset_find_region(p.ds, region)) < 0) {
        fprintf(stderr, "tradeq optimal: unknown region '%s' in %s\n", region, tq_dataset_name(p.ds));
        rc = CLI_USAGE;
    }
    tq_optimal *o = NULL;
    if (rc == CLI_OK) {
        tq_status st = tq_optimal_new(ctx, p.b, n, &o);
        if (!st)
            st = tq_optimal_set_options(o, &p.opt);
        if (!st)
            st = tq_optimal_run(o);
        cli_policy_progress_done();
        const tq_optimum_info *oi = tq_optimal_info(o);
        if (st && !oi) {
            cli_print_error(ctx);
            rc = CLI_FAIL;
        } else {
            if (st) {
                cli_print_error(ctx);
                rc = CLI_FAIL;
            }
            const double *t = tq_optimal_tariffs(o), *W = tq_optimal_welfare(o);
            const double *t0 = tq_baseline_array(p.b, TQ_TARIFF, NULL);
            const int N = tq_dataset_regions(p.ds), J = tq_dataset_sectors(p.ds);
            if (!strcmp(p.format, "csv")) {
                printf("kind,importer,exporter,sector,base,value\n");
                for (int i = 0; i < N; i++)
                    for (int j = 0; j < J && i != n; j++) {
                        size_t c = ((size_t)n * N + i) * J + j;
                        if (t[c] != t0[c])
                            printf("tariff,%s,%s,%s,%.10g,%.10g\n", region, tq_dataset_region_code(p.ds, i),
                                   tq_dataset_sector_code(p.ds, j), t0[c], t[c]);
                    }
                for (int r = 0; r < N; r++)
                    printf("welfare_pct,%s,,,0,%.10g\n", tq_dataset_region_code(p.ds, r), W[r]);
            } else {
                printf("%sOptimal tariffs of %s: data %s %d, model %s, closure %s\n",
                       oi->partial ? "PARTIAL (cancelled) " : "", region, tq_dataset_name(p.ds),
                       tq_dataset_year(p.ds, p.y), tq_model_name(p.model),
                       p.closure == TQ_CLOSURE_BALANCED ? "balanced" : "fixed");
                print_tariffs(&p, t0, t, n);
                printf("\n%s's tariffs: median %.2f%% (base %.2f%%), import-weighted mean %.2f%% (base %.2f%%)\n",
                       region, 100 * cli_tariff_median(p.b, t, n), 100 * cli_tariff_median(p.b, t0, n),
                       100 * cli_tariff_mean(p.b, t, n), 100 * cli_tariff_mean(p.b, t0, n));
                printf("\n%-10s %12s\n", "region", "welfare %");
                for (int r = 0; r < N; r++)
                    printf("%-10s %+12.4f%s\n", tq_dataset_region_code(p.ds, r), W[r], r == n ? "  <-" : "");
                printf("\n");
                cli_policy_print_info(&p, oi);
            }
            /* the result file: the start is the baseline, where every welfare change is 0 */
            double *w0 = calloc((size_t)N, sizeof *w0);
            tq_move mv = cli_policy_move(TQ_MOVE_OPTIMAL, &n, 1, p.opt.form, t0, t, w0, W, st, oi);
            int wrc = w0 ? cli_policy_write(&p, &mv, 1, NULL) : CLI_FAIL;
            if (wrc != CLI_OK && rc == CLI_OK)
                rc = wrc;
            free(w0);
        }
    }
    tq_optimal_free(o);
    cli_policy_free(&p);
    tq_context_free(ctx);
    return rc;
}
