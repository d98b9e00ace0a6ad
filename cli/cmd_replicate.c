/* tradeq replicate [NAME] [--data DIR] [--format table|json]: run a published reference
 * and print the paper's numbers beside tradeq's (docs/engine.md, "Replication";
 * docs/liberation-day.md). */
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void help(void)
{
    printf("usage: tradeq replicate [cp2015|liberation2025] [--data DIR] [--format table|json]\n\n"
           "Reproduce a published study and print the paper's value, tradeq's value and the\n"
           "difference:\n"
           "  cp2015          Caliendo & Parro (2015) Table 2 (welfare, terms of trade, volume\n"
           "                  of trade and real wage of NAFTA's tariff changes, both deficit\n"
           "                  closures)\n"
           "  liberation2025  Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), the US\n"
           "                  'Liberation Day' tariffs: Tables 1, 2, 3, the one-sector rows of\n"
           "                  9, Table 8 and the main columns of 11, with the baseline checkpoints\n\n"
           "  --data DIR       the reference data (default ../shared/data/cp2015, or the\n"
           "                   embedded dataset folder liberation2025)\n"
           "  --format FORMAT  table (default) or json (per case, region and measure, the\n"
           "                   paper's value and tradeq's unrounded value)\n"
           "Exit status: 0 when every published number is reproduced to its rounding.\n");
}

static int matches(const tq_replication_row *r)
{
    if (isnan(r->paper))
        return 1;
    double half = 0.5 * pow(10.0, -r->paper_decimals);
    return fabs(r->value - r->paper) <= half + 1e-12;
}

static void json_num(double v)
{
    if (isnan(v))
        printf("null");
    else
        printf("%.17g", v);
}

int tq_cmd_replicate(int argc, char **argv)
{
    const char *name = "cp2015", *data = NULL, *format = "table";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--data") || !strcmp(a, "--format")) {
            if (i + 1 >= argc)
                return cli_usage_error("replicate", "%s needs a value", a);
            if (!strcmp(a, "--data"))
                data = argv[++i];
            else
                format = argv[++i];
        } else if (a[0] == '-') {
            return cli_usage_error("replicate", "unknown option '%s'", a);
        } else {
            name = a;
        }
    }
    const int lib = !strcmp(name, "liberation2025");
    if (strcmp(name, "cp2015") != 0 && !lib)
        return cli_usage_error("replicate", "unknown reference '%s' (known: cp2015, liberation2025)", name);
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("replicate", "--format must be table or json, not '%s'", format);
    char dflt[4096];
    if (!data && lib) {
        /* the embedded dataset's CSV folder (it holds gdp.csv beside the flows) */
        tq_context *fctx = cli_context();
        tq_runner *run = NULL;
        tq_status fst = tq_runner_new(fctx, &run);
        if (!fst)
            fst = tq_runner_dataset_folder(run, name, "gdp.csv", dflt, sizeof dflt);
        tq_runner_free(run);
        if (fst) {
            cli_print_error(fctx);
            tq_context_free(fctx);
            return CLI_FAIL;
        }
        tq_context_free(fctx);
        data = dflt;
    } else if (!data) {
        snprintf(dflt, sizeof dflt, "../shared/data/%s", name);
        data = dflt;
    }
    struct stat sb;
    if (stat(data, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "tradeq replicate: reference data folder '%s' not found (pass --data DIR)\n", data);
        return CLI_FAIL;
    }

    tq_context *ctx = cli_context();
    tq_replication *rep = NULL;
    if (tq_replicate(ctx, name, data, NULL, &rep) != TQ_OK) {
        cli_print_error(ctx);
        tq_context_free(ctx);
        return CLI_FAIL;
    }
    int n = tq_replication_count(rep), bad = 0;
    for (int k = 0; k < n; k++) {
        const tq_replication_row *r = tq_replication_get(rep, k);
        if (r->exact && !matches(r))
            bad++;
    }
    if (!strcmp(format, "json")) {
        printf("{\"reference\": \"%s\", \"data\": \"%s\", \"seconds\": %.6f, \"all_match\": %s,\n", name, data,
               tq_replication_seconds(rep), bad ? "false" : "true");
        printf(" \"note\": \"%s\",\n \"rows\": [\n", tq_replication_note(rep));
        for (int k = 0; k < n; k++) {
            const tq_replication_row *r = tq_replication_get(rep, k);
            printf("  {\"case\": \"%s\", \"region\": \"%s\", \"measure\": \"%s\", \"paper\": ", r->case_name, r->region,
                   r->measure);
            if (isnan(r->paper))
                printf("null");
            else
                printf("%.*f", r->paper_decimals, r->paper);
            printf(", \"paper_decimals\": %d, \"tradeq\": ", r->paper_decimals);
            json_num(r->value);
            printf(", \"diff\": ");
            json_num(r->value - r->paper);
            printf(", \"match\": %s}%s\n", matches(r) ? "true" : "false", k + 1 < n ? "," : "");
        }
        printf(" ]}\n");
    } else if (lib) {
        printf("Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), Liberation Day tariffs (data: %s)\n"
               "percent unless the measure says otherwise\n\n",
               data);
        printf("%-16s %-6s %-14s %14s %16s %10s  %s\n", "case", "region", "measure", "paper", "tradeq", "diff",
               "match");
        for (int k = 0; k < n; k++) {
            const tq_replication_row *r = tq_replication_get(rep, k);
            printf("%-16s %-6s %-14s %14.*f %16.*f %+10.1e  %s\n", r->case_name, r->region, r->measure,
                   r->paper_decimals, r->paper, r->paper_decimals + 3, r->value, r->value - r->paper,
                   matches(r) ? "yes" : "NO");
        }
        printf("\n%s\n", tq_replication_note(rep));
        printf("%s (%d rows); calibration and the twelve solves took %.3f s.\n",
               bad ? "SOME PUBLISHED NUMBERS NOT REPRODUCED" : "all published numbers reproduced to their rounding", n,
               tq_replication_seconds(rep));
    } else {
        printf("Caliendo & Parro (2015), Table 2: NAFTA's tariff changes, percent (data: %s)\n\n", data);
        printf("%-15s %-6s %-14s %8s %10s %9s  %s\n", "case", "region", "measure", "paper", "tradeq", "diff", "match");
        for (int k = 0; k < n; k++) {
            const tq_replication_row *r = tq_replication_get(rep, k);
            if (isnan(r->paper))
                printf("%-15s %-6s %-14s %8s %10.4f %9s  %s\n", r->case_name, r->region, r->measure, "-", r->value, "-",
                       "(not in the paper)");
            else
                printf("%-15s %-6s %-14s %8.2f %10.4f %+9.4f  %s\n", r->case_name, r->region, r->measure, r->paper,
                       r->value, r->value - r->paper, matches(r) ? "yes" : "NO");
        }
        printf("\nwelfare = terms of trade + volume of trade (the paper's decomposition); "
               "welfare_exact = real income change.\n%s\n",
               tq_replication_note(rep));
        printf("%s; solves took %.3f s.\n",
               bad ? "SOME PUBLISHED NUMBERS NOT REPRODUCED" : "all published numbers reproduced to their rounding",
               tq_replication_seconds(rep));
    }
    tq_replication_free(rep);
    tq_context_free(ctx);
    return bad ? CLI_FAIL : CLI_OK;
}
