/* tradeq nash [REGIONS...]: the Nash equilibrium of a tariff war among REGIONS (all by
 * default) by best-response iteration, or for uniform tariffs by the simultaneous solver
 * (--simultaneous; docs/strategic.md). */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq nash [REGIONS...] [OPTIONS]\n\n"
           "The Nash equilibrium of a tariff war among REGIONS (codes or region groups; all\n"
           "regions by default; the others keep their tariffs): each sets its optimal tariffs\n"
           "against the others' in turn until no tariff moves. Prints each player's median and\n"
           "mean tariff and every region's welfare change, and the largest gain left from a\n"
           "unilateral deviation. Ctrl-C stops and prints the tariffs reached, labelled partial.\n\n"
           "%s"
           "  --tol T            stop when no tariff moves by more than T (default 1e-4)\n"
           "  --rounds R         at most R rounds (default 50)\n"
           "  --simultaneous     with --uniform: solve every player's first-order condition at\n"
           "                     once (Broyden's method on exact gradients) instead of rounds\n"
           "                     of best responses; same answer, fewer solves\n",
           cli_policy_help);
}

int tq_cmd_nash(int argc, char **argv)
{
    cli_policy p;
    cli_policy_init(&p, "nash");
    char **names = calloc((size_t)argc + 1, sizeof *names);
    int nnames = 0, rounds = 50, simultaneous = 0;
    double tol = 1e-4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            free(names);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--simultaneous")) {
            simultaneous = 1;
            continue;
        }
        if ((!strcmp(argv[i], "--tol") || !strcmp(argv[i], "--rounds")) && i + 1 < argc) {
            if (!strcmp(argv[i], "--tol"))
                tol = atof(argv[++i]);
            else
                rounds = atoi(argv[++i]);
            if (!(tol > 0) || rounds < 1) {
                free(names);
                return cli_usage_error("nash", "--tol must be positive and --rounds at least 1");
            }
            continue;
        }
        int r = cli_policy_option(argc, argv, &i, &p);
        if (r < 0) {
            free(names);
            return CLI_USAGE;
        }
        if (r)
            continue;
        if (argv[i][0] == '-') {
            free(names);
            return cli_usage_error("nash", "unknown option '%s'", argv[i]);
        }
        names[nnames++] = argv[i];
    }
    tq_context *ctx = cli_context();
    int rc = cli_policy_setup(&p, ctx);
    int *players = NULL, np = 0;
    if (rc == CLI_OK) {
        players = calloc((size_t)tq_dataset_regions(p.ds) + 4096, sizeof *players);
        np = cli_policy_regions(&p, nnames, names, players);
        if (np < 0)
            rc = CLI_USAGE;
    }
    tq_nash *g = NULL;
    if (rc == CLI_OK) {
        tq_status st = tq_nash_new(ctx, p.b, np ? players : NULL, np, &g);
        if (!st)
            st = tq_nash_set_options(g, &p.opt);
        if (!st)
            st = tq_nash_set_tolerance(g, tol, rounds);
        if (!st && simultaneous)
            st = tq_nash_set_method(g, TQ_NASH_SIMULTANEOUS);
        if (!st)
            st = tq_nash_run(g);
        cli_policy_progress_done();
        const tq_nash_info *ni = tq_nash_info_get(g);
        if (st)
            cli_print_error(ctx);
        if (st)
            rc = CLI_FAIL;
        if (ni) {
            const int N = tq_dataset_regions(p.ds), J = tq_dataset_sectors(p.ds);
            const double *t = tq_nash_tariffs(g), *W = tq_nash_welfare(g),
                         *t0 = tq_baseline_array(p.b, TQ_TARIFF, NULL);
            unsigned char *isp = calloc((size_t)N, 1);
            for (int k = 0; k < (np ? np : N); k++)
                isp[np ? players[k] : k] = 1;
            if (!strcmp(p.format, "csv")) {
                printf("kind,importer,exporter,sector,base,value\n");
                for (int n = 0; n < N; n++)
                    for (int i = 0; i < N && isp[n]; i++)
                        for (int j = 0; j < J && i != n; j++) {
                            size_t c = ((size_t)n * N + i) * J + j;
                            if (t[c] != t0[c])
                                printf("tariff,%s,%s,%s,%.10g,%.10g\n", tq_dataset_region_code(p.ds, n),
                                       tq_dataset_region_code(p.ds, i), tq_dataset_sector_code(p.ds, j), t0[c], t[c]);
                        }
                for (int r = 0; r < N; r++)
                    printf("welfare_pct,%s,,,0,%.10g\n", tq_dataset_region_code(p.ds, r), W[r]);
            } else {
                printf("%sNash tariffs of a war among %d regions: data %s %d, model %s, closure %s\n",
                       ni->partial ? "PARTIAL (cancelled) " : "", np ? np : N, tq_dataset_name(p.ds),
                       tq_dataset_year(p.ds, p.y), tq_model_name(p.model),
                       p.closure == TQ_CLOSURE_BALANCED ? "balanced" : "fixed");
                printf("\n%-10s %10s %10s %10s %10s %11s %10s %10s\n", "region", "median %", "base", "mean %", "base",
                       "welfare %", "|grad|", "curvature");
                for (int r = 0, k = 0; r < N; r++) {
                    if (isp[r]) {
                        const tq_optimum_info *pi = tq_nash_player_info(g, k++);
                        if (np) /* the players in the order given */
                            for (int q = 0; q < np; q++)
                                if (players[q] == r)
                                    pi = tq_nash_player_info(g, q);
                        printf("%-10s %10.2f %10.2f %10.2f %10.2f %+11.4f %10.1e %10.3g\n",
                               tq_dataset_region_code(p.ds, r), 100 * cli_tariff_median(p.b, t, r),
                               100 * cli_tariff_median(p.b, t0, r), 100 * cli_tariff_mean(p.b, t, r),
                               100 * cli_tariff_mean(p.b, t0, r), W[r], pi ? pi->grad_norm : NAN,
                               pi ? pi->max_curvature : NAN);
                    } else {
                        printf("%-10s %10s %10s %10s %10s %+11.4f  (not at war)\n", tq_dataset_region_code(p.ds, r), "",
                               "", "", "", W[r]);
                    }
                }
                printf("\n%s after %d %s: tariffs moved by at most %.2e in the last one; the largest gain "
                       "left from a unilateral deviation is %.2e points (%s).\n%ld equilibrium solves, %.2f s.\n",
                       ni->status == TQ_OK ? "Converged" : "NOT converged", ni->rounds,
                       simultaneous ? "iterations (simultaneous)" : "rounds", ni->max_change, ni->max_gain,
                       ni->max_gain_region >= 0 ? tq_dataset_region_code(p.ds, ni->max_gain_region) : "-", ni->solves,
                       ni->seconds);
            }
            free(isp);
            /* the result file: one move, the war, from the baseline (welfare 0) */
            tq_optimum_info sum;
            memset(&sum, 0, sizeof sum);
            sum.second_order_ok = 1;
            sum.max_curvature = -INFINITY;
            int *who = calloc((size_t)N, sizeof *who), nw = 0;
            for (int k = 0; k < (np ? np : N) && who; k++) {
                who[nw++] = np ? players[k] : k;
                const tq_optimum_info *pk = tq_nash_player_info(g, k);
                if (!pk)
                    continue;
                sum.variables += pk->variables;
                sum.at_bounds += pk->at_bounds;
                sum.evaluations += pk->evaluations;
                sum.grad_norm = fmax(sum.grad_norm, pk->grad_norm);
                sum.max_curvature = fmax(sum.max_curvature, pk->max_curvature);
                if (pk->second_order_ok < sum.second_order_ok)
                    sum.second_order_ok = pk->second_order_ok;
            }
            sum.status = ni->status;
            sum.partial = ni->partial;
            sum.solves = ni->solves;
            sum.seconds = ni->seconds;
            double *w0 = calloc((size_t)N, sizeof *w0);
            tq_move mv = cli_policy_move(TQ_MOVE_NASH, who, nw, p.opt.form, t0, t, w0, W, st, &sum);
            mv.nash = *ni;
            int wrc = w0 && who ? cli_policy_write(&p, &mv, 1, NULL) : CLI_FAIL;
            if (wrc != CLI_OK && rc == CLI_OK)
                rc = wrc;
            free(w0);
            free(who);
        }
    }
    tq_nash_free(g);
    free(players);
    free(names);
    cli_policy_free(&p);
    tq_context_free(ctx);
    return rc;
}
