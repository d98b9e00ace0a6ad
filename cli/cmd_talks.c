/* tradeq talks REGIONS...: cooperative tariffs among REGIONS — Nash bargaining with the
 * war as the threat point, efficient tariffs for given welfare weights, and the
 * leverage of a threatened tariff (docs/strategic.md). */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq talks REGION REGION [...] [OPTIONS]\n\n"
           "Trade talks among the REGIONS over their tariffs on each other. First the war: the\n"
           "Nash tariffs among them (the threat point). Then the Nash-bargaining deal: the\n"
           "tariffs that maximise the product of every participant's gain over the threat\n"
           "point. With --threat, the leverage question: the deal when the threat point is the\n"
           "status quo plus the threatened tariff instead of the war, and how much each side's\n"
           "welfare under the deal changes.\n\n"
           "%s"
           "  --threat SPEC      a threatened tariff IMPORTER:EXPORTER:SECTORS=VALUE (as tradeq run\n"
           "                     --tariff: 25%%, +25pp, x1.1; codes, comma lists, groups or all);\n"
           "                     repeatable\n"
           "  --efficient        maximise the weighted sum of welfare changes instead\n"
           "  --weights LIST     comma-separated positive weights, one per REGION (default 1)\n",
           cli_policy_help);
}

/* Run talks with the given threat tariffs (NULL: the war, solved inside) and mode. */
static tq_talks *talk(cli_policy *p, const int *players, int np, const double *threat, int efficient,
                      const double *weights, tq_status *st)
{
    tq_talks *t = NULL;
    *st = tq_talks_new(p->ctx, p->b, players, np, &t);
    if (!*st)
        *st = tq_talks_set_options(t, &p->opt);
    if (!*st && threat)
        *st = tq_talks_set_threat(t, threat);
    if (!*st && efficient)
        *st = tq_talks_set_mode(t, TQ_TALKS_EFFICIENT);
    if (!*st && weights)
        *st = tq_talks_set_weights(t, weights);
    if (!*st)
        *st = tq_talks_run(t);
    cli_policy_progress_done();
    return t;
}

int tq_cmd_talks(int argc, char **argv)
{
    cli_policy p;
    cli_policy_init(&p, "talks");
    char **names = calloc((size_t)argc + 1, sizeof *names), **threats = calloc((size_t)argc + 1, sizeof *threats);
    int nnames = 0, nthreats = 0, efficient = 0;
    const char *wlist = NULL;
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            free(names);
            free(threats);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--efficient")) {
            efficient = 1;
            continue;
        }
        if (!strcmp(argv[i], "--threat") || !strcmp(argv[i], "--weights")) {
            if (i + 1 >= argc) {
                rc = cli_usage_error("talks", "%s needs a value", argv[i]);
                break;
            }
            if (!strcmp(argv[i], "--threat"))
                threats[nthreats++] = argv[++i];
            else
                wlist = argv[++i];
            continue;
        }
        int r = cli_policy_option(argc, argv, &i, &p);
        if (r < 0)
            rc = CLI_USAGE;
        else if (!r && argv[i][0] == '-')
            rc = cli_usage_error("talks", "unknown option '%s'", argv[i]);
        else if (!r)
            names[nnames++] = argv[i];
    }
    if (rc == CLI_OK && nnames < 2)
        rc = cli_usage_error("talks", "needs at least two REGIONS");
    tq_context *ctx = cli_context();
    tq_spec *sp = NULL;
    if (rc == CLI_OK && nthreats) {
        /* the syntax is checked before any data is read */
        if (tq_spec_new(ctx, "threat", &sp) != TQ_OK)
            rc = CLI_FAIL;
        for (int k = 0; k < nthreats && rc == CLI_OK; k++)
            if (tq_spec_add_tariff_arg(ctx, sp, threats[k]) != TQ_OK) {
                cli_print_error(ctx);
                rc = CLI_USAGE;
            }
    }
    if (rc == CLI_OK)
        rc = cli_policy_setup(&p, ctx);
    int *players = NULL, np = 0;
    double *weights = NULL;
    if (rc == CLI_OK) {
        players = calloc((size_t)tq_dataset_regions(p.ds) + 4096, sizeof *players);
        np = cli_policy_regions(&p, nnames, names, players);
        if (np < 0)
            rc = CLI_USAGE;
    }
    if (rc == CLI_OK && wlist) {
        weights = calloc((size_t)np, sizeof *weights);
        char *copy = strdup(wlist), *save = NULL;
        int k = 0;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (k < np)
                weights[k++] = atof(tok);
        free(copy);
        if (k != np) {
            fprintf(stderr, "tradeq talks: --weights needs %d values, one per region\n", np);
            rc = CLI_USAGE;
        }
    }
    const int N = rc == CLI_OK ? tq_dataset_regions(p.ds) : 0;
    double *threat_t = NULL;
    if (rc == CLI_OK && sp) {
        tq_scenario *sc = NULL;
        if (tq_scenario_new(ctx, p.b, &sc) || tq_spec_apply(ctx, sp, 0, p.ds, p.b, sc)) {
            cli_print_error(ctx);
            rc = CLI_FAIL;
        } else {
            size_t NNJ = (size_t)N * N * tq_dataset_sectors(p.ds);
            threat_t = malloc(NNJ * sizeof *threat_t);
            memcpy(threat_t, tq_scenario_tariffs(sc), NNJ * sizeof *threat_t);
        }
        tq_scenario_free(sc);
    }
    tq_talks *war = NULL, *lev = NULL;
    char nodeal[1200] = "";
    if (rc == CLI_OK) {
        tq_status st;
        war = talk(&p, players, np, NULL, efficient, weights, &st);
        if (st) {
            cli_print_error(ctx);
            rc = CLI_FAIL;
        }
        if (!st && threat_t) {
            lev = talk(&p, players, np, threat_t, efficient, weights, &st);
            if (st == TQ_ERR_INVALID) {
                /* an answer, not a failure: the threat is worth more to someone than any deal */
                char buf[1024];
                tq_error_format(ctx, buf, sizeof buf);
                snprintf(nodeal, sizeof nodeal, "%s", buf);
            } else if (st) {
                cli_print_error(ctx);
                rc = CLI_FAIL;
            }
        }
    }
    if (war && tq_talks_welfare(war)) {
        const double *Wd = tq_talks_welfare(war), *Ww = tq_talks_threat_welfare(war);
        const double *td = tq_talks_tariffs(war), *tw = tq_talks_threat_tariffs(war);
        const double *t0 = tq_baseline_array(p.b, TQ_TARIFF, NULL);
        const tq_optimum_info *oi = tq_talks_info(war);
        printf("%sTrade talks among %d regions (%s): data %s %d, model %s\n", oi->partial ? "PARTIAL (cancelled) " : "",
               np, efficient ? "efficient tariffs for the given weights" : "Nash bargaining, threat point: the war",
               tq_dataset_name(p.ds), tq_dataset_year(p.ds, p.y), tq_model_name(p.model));
        printf("\n%-8s %9s %9s %9s | %10s %10s %10s\n", "region", "tariff %", "war %", "deal %", "welfare %", "war",
               "deal");
        printf("%-8s %9s %9s %9s | %10s %10s %10s\n", "", "(base)", "(median)", "(median)", "", "", "gain");
        for (int k = 0; k < np; k++) {
            int r = players[k];
            printf("%-8s %9.2f %9.2f %9.2f | %10s %+10.4f %+10.4f  (deal %+.4f%%)\n", tq_dataset_region_code(p.ds, r),
                   100 * cli_tariff_median(p.b, t0, r), 100 * cli_tariff_median(p.b, tw, r),
                   100 * cli_tariff_median(p.b, td, r), "", Ww[r], Wd[r] - Ww[r], Wd[r]);
        }
        printf("\n(medians over each region's tariffs on all partners; the talks change only tariffs among the "
               "participants)\n");
        cli_policy_print_info(&p, oi);
        if (nodeal[0])
            printf("\nLeverage: with the status quo plus the threatened tariff as the threat point there is no deal:\n"
                   "%s\n",
                   nodeal);
        if (lev && tq_talks_welfare(lev)) {
            const double *Wl = tq_talks_welfare(lev), *Wt = tq_talks_threat_welfare(lev);
            printf("\nLeverage: the threat point is the status quo plus the threatened tariff");
            for (int k = 0; k < nthreats; k++)
                printf(" %s", threats[k]);
            printf("\n%-8s %12s %12s %12s %12s %14s\n", "region", "threat %", "deal %", "gain", "deal (war) %",
                   "threat effect");
            for (int k = 0; k < np; k++) {
                int r = players[k];
                printf("%-8s %+12.4f %+12.4f %+12.4f %+12.4f %+14.4f\n", tq_dataset_region_code(p.ds, r), Wt[r], Wl[r],
                       Wl[r] - Wt[r], Wd[r], Wl[r] - Wd[r]);
            }
            printf("(threat effect: the deal's welfare with the threatened tariff as the threat point minus with the "
                   "war as the threat point, points)\n");
        }
        /* the result file: the war from the baseline, the deal from the war (its threat
         * point), and with --threat the deal from the status quo plus the threat */
        double *w0 = calloc((size_t)N, sizeof *w0);
        tq_move mv[3];
        const char *labels[3] = {"war (the threat point)", "deal (threat point: the war)",
                                 "deal (threat point: the status quo plus the threat)"};
        int nm = 0;
        mv[nm++] = cli_policy_move(TQ_MOVE_NASH, players, np, p.opt.form, t0, tw, w0, Ww, TQ_OK, NULL);
        mv[nm++] = cli_policy_move(TQ_MOVE_TALKS, players, np, p.opt.form, tw, td, Ww, Wd, oi->status, oi);
        if (lev && tq_talks_welfare(lev))
            mv[nm++] = cli_policy_move(TQ_MOVE_TALKS, players, np, p.opt.form, tq_talks_threat_tariffs(lev),
                                       tq_talks_tariffs(lev), tq_talks_threat_welfare(lev), tq_talks_welfare(lev),
                                       tq_talks_info(lev)->status, tq_talks_info(lev));
        int wrc = w0 ? cli_policy_write(&p, mv, nm, labels) : CLI_FAIL;
        if (wrc != CLI_OK && rc == CLI_OK)
            rc = wrc;
        free(w0);
    }
    tq_talks_free(war);
    tq_talks_free(lev);
    tq_spec_free(sp);
    free(threat_t);
    free(weights);
    free(players);
    free(names);
    free(threats);
    if (p.ctx)
        cli_policy_free(&p);
    tq_context_free(ctx);
    return rc;
}
