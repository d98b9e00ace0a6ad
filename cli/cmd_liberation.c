/* tradeq liberation: the one-sector Liberation-Day model (docs/liberation-day.md) on its
 * embedded dataset: one of the paper's nine cases, or the US schedule with changes, and
 * the outcomes for every country with the paper's averages. */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SET 64

static void help(void)
{
    printf("usage: tradeq liberation [--case K] [--us-tariff CODE=RATE]... [--retaliation CODE=RATE]...\n"
           "                         [--lump-sum] [--region CODE]... [--all] [--format table|csv|json]\n"
           "                         [--data DIR]\n\n"
           "Solve the one-sector model of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025)\n"
           "on 194 countries (docs/liberation-day.md) and print welfare, the goods deficit,\n"
           "exports/GDP, imports/GDP, employment, consumer prices (percent changes) and tariff\n"
           "revenue (percent of baseline expenditure) for the USA, China, the EU (25, the\n"
           "paper's list) and the non-US average (weighted by baseline expenditure).\n\n"
           "  --case K             the paper's case K = 1..9 (default 1, the April 2025 US\n"
           "                       schedule with revenue as income-tax relief): 1 ustr,\n"
           "                       2 partial_pass_through, 3 eaton_kortum, 4 optimal,\n"
           "                       5 ustr_optimal_retaliation, 6 ustr_reciprocal,\n"
           "                       7 optimal_opt_retaliation, 8 ustr_lump_sum, 9 eps8\n"
           "  --us-tariff C=R      set the US tariff on partner C (ISO3, or 'all') to R\n"
           "                       (0.15 = 15%%), starting from case K's tariffs (K = 1, 4..8)\n"
           "  --retaliation C=R    set partner C's tariff on US goods (C or 'all'); R may be\n"
           "                       'mirror' (the rate the US charges C)\n"
           "  --lump-sum           tariff revenue as a lump-sum rebate (with --us-tariff or\n"
           "                       --retaliation; case 8 is the paper's)\n"
           "  --region CODE        add country CODE (ISO3) to the summary rows\n"
           "  --all                every country, not only the summary rows\n"
           "  --format FORMAT      table (default), csv or json\n"
           "  --data DIR           the dataset folder (default: the embedded liberation2025)\n"
           "Example (the US-Japan deal of 15%% on Japanese goods):\n"
           "  tradeq liberation --us-tariff JPN=0.15 --region JPN\n");
}

typedef struct setting {
    const char *code; /* "all" or ISO3 */
    double rate;
    int mirror;
} setting;

static int parse_setting(const char *arg, const char *opt, setting *s)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return cli_usage_error("liberation", "%s needs CODE=RATE, not '%s'", opt, arg);
    static char codes[2 * MAX_SET][16];
    static int used;
    size_t len = (size_t)(eq - arg);
    if (len >= sizeof codes[0] || used >= 2 * MAX_SET)
        return cli_usage_error("liberation", "%s: bad code in '%s'", opt, arg);
    memcpy(codes[used], arg, len);
    codes[used][len] = 0;
    s->code = codes[used++];
    s->mirror = !strcmp(eq + 1, "mirror");
    if (s->mirror && !strcmp(opt, "--us-tariff"))
        return cli_usage_error("liberation", "--us-tariff takes a rate, not 'mirror'");
    if (!s->mirror) {
        char *end;
        s->rate = strtod(eq + 1, &end);
        if (*end || !(s->rate > -1 && s->rate <= 1000))
            return cli_usage_error("liberation", "%s: '%s' is not a tariff rate in (-1, 1000] (0.15 = 15%%)", opt,
                                   eq + 1);
    }
    return 0;
}

static int apply(tq_liberation *m, double *t, const setting *s, int us_side, int N, int usa)
{
    int only = -1;
    if (strcmp(s->code, "all") != 0) {
        only = tq_liberation_find_region(m, s->code);
        if (only < 0 || only == usa) {
            fprintf(stderr, "tradeq liberation: %s: not a partner country of the data (ISO3 code or 'all')\n", s->code);
            return 1;
        }
    }
    for (int i = 0; i < N; i++) {
        if (i == usa || (only >= 0 && i != only))
            continue;
        if (us_side)
            t[(size_t)i * N + usa] = s->rate; /* the US on exporter i */
        else
            t[(size_t)usa * N + i] = s->mirror ? t[(size_t)i * N + usa] : s->rate; /* i on the US */
    }
    return 0;
}

int tq_cmd_liberation(int argc, char **argv)
{
    const char *data = NULL, *format = "table";
    int k = 1, lump = 0, all = 0, nus = 0, nret = 0, nreg = 0;
    setting us[MAX_SET], ret[MAX_SET];
    const char *regs[MAX_SET];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--lump-sum")) {
            lump = 1;
        } else if (!strcmp(a, "--all")) {
            all = 1;
        } else if (!strcmp(a, "--region")) {
            if (i + 1 >= argc)
                return cli_usage_error("liberation", "%s needs a value", a);
            if (nreg == MAX_SET)
                return cli_usage_error("liberation", "at most %d --region", MAX_SET);
            regs[nreg++] = argv[++i];
        } else if (!strcmp(a, "--case") || !strcmp(a, "--data") || !strcmp(a, "--format") ||
                   !strcmp(a, "--us-tariff") || !strcmp(a, "--retaliation")) {
            if (i + 1 >= argc)
                return cli_usage_error("liberation", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--case")) {
                char *end;
                long kk = strtol(v, &end, 10);
                if (*end || kk < 1 || kk > 9)
                    return cli_usage_error("liberation", "--case must be 1..9, not '%s'", v);
                k = (int)kk;
            } else if (!strcmp(a, "--data")) {
                data = v;
            } else if (!strcmp(a, "--format")) {
                format = v;
            } else if (!strcmp(a, "--us-tariff")) {
                if (nus == MAX_SET)
                    return cli_usage_error("liberation", "at most %d --us-tariff", MAX_SET);
                if (parse_setting(v, a, &us[nus++]))
                    return CLI_USAGE;
            } else {
                if (nret == MAX_SET)
                    return cli_usage_error("liberation", "at most %d --retaliation", MAX_SET);
                if (parse_setting(v, a, &ret[nret++]))
                    return CLI_USAGE;
            }
        } else {
            return cli_usage_error("liberation", "unknown option '%s'", a);
        }
    }
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error("liberation", "--format must be table, csv or json, not '%s'", format);
    const int custom = nus > 0 || nret > 0 || lump;
    if (custom && (k == 2 || k == 3 || k == 9))
        return cli_usage_error("liberation", "--us-tariff, --retaliation and --lump-sum start from case 1 or 4..8 "
                                             "(cases 2, 3 and 9 change the model's parameters)");

    tq_context *ctx = cli_context();
    char dir[4096];
    if (!data) {
        tq_runner *r = NULL;
        tq_status st = tq_runner_new(ctx, &r);
        if (!st)
            st = tq_runner_dataset_folder(r, "liberation2025", "gdp.csv", dir, sizeof dir);
        tq_runner_free(r);
        if (st) {
            cli_print_error(ctx);
            tq_context_free(ctx);
            return CLI_FAIL;
        }
        data = dir;
    }
    int rc = CLI_FAIL;
    tq_liberation *m = NULL;
    double *t = NULL;
    unsigned char *mask = NULL;
    tq_liberation_result res;
    if (tq_liberation_new(ctx, data, &m) != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    const int N = tq_liberation_regions(m), usa = tq_liberation_find_region(m, "USA");
    const int chn = tq_liberation_find_region(m, "CHN");
    t = calloc((size_t)N * N, sizeof *t);
    mask = calloc(2 * (size_t)N, 1);
    if (!t || !mask) {
        fprintf(stderr, "tradeq liberation: out of memory\n");
        goto done;
    }
    tq_status st;
    if (custom) {
        if (tq_liberation_case_tariffs(m, k, t) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        for (int s = 0; s < nus; s++)
            if (apply(m, t, &us[s], 1, N, usa))
                goto done;
        for (int s = 0; s < nret; s++)
            if (apply(m, t, &ret[s], 0, N, usa))
                goto done;
        st = tq_liberation_solve(m, t, lump || k == 8, &res);
    } else {
        st = tq_liberation_solve_case(m, k, &res);
    }
    if (st != TQ_OK) {
        cli_print_error(ctx);
        goto done;
    }
    /* the summary rows: USA, CHN, EU (the paper's 25), non-US average */
    static const char *const eu25[] = {"AUT", "BEL", "BGR", "CYP", "DEU", "DNK", "ESP", "EST", "FIN",
                                       "FRA", "GRC", "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA",
                                       "MLT", "NLD", "POL", "PRT", "ROU", "SVN", "SWE"};
    unsigned char *nonus = mask, *eu = mask + N;
    for (int i = 0; i < N; i++)
        nonus[i] = i != usa;
    for (size_t e = 0; e < sizeof eu25 / sizeof eu25[0]; e++) {
        int n = tq_liberation_find_region(m, eu25[e]);
        if (n >= 0)
            eu[n] = 1;
    }
    const double *col[7] = {res.welfare,    res.deficit, res.exports_gdp, res.imports_gdp,
                            res.employment, res.cpi,     res.revenue};
    static const char *const names[7] = {"welfare",    "deficit", "exports_gdp", "imports_gdp",
                                         "employment", "cpi",     "revenue"};
    const char *label = custom ? "custom" : tq_liberation_case_name(k);
    const int json = !strcmp(format, "json"), csv = !strcmp(format, "csv");
    if (json)
        printf("{\"model\": \"liberation\", \"case\": \"%s\", \"residual\": %.3g, \"trade_gdp\": %.10g, "
               "\"employment_global\": %.10g,\n \"rows\": [\n",
               label, res.residual, res.trade_gdp, res.employment_global);
    else if (csv)
        printf("case,region,welfare,deficit,exports_gdp,imports_gdp,employment,cpi,revenue\n");
    else {
        printf("Liberation-Day model (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025), case %s\n"
               "percent changes; revenue in percent of baseline expenditure (data: %s)\n\n",
               label, data);
        printf("%-7s", "region");
        for (int c = 0; c < 7; c++)
            printf(" %12s", names[c]);
        printf("\n");
    }
    int regidx[MAX_SET];
    for (int r = 0; r < nreg; r++)
        if ((regidx[r] = tq_liberation_find_region(m, regs[r])) < 0) {
            fprintf(stderr, "tradeq liberation: --region %s: not a country of the data (ISO3 code)\n", regs[r]);
            goto done;
        }
    const int nrows = 4 + nreg + (all ? N : 0);
    for (int row = 0; row < nrows; row++) {
        const char *name;
        double v[7];
        if (row >= 4 && row < 4 + nreg) {
            name = tq_liberation_region_code(m, regidx[row - 4]);
            for (int c = 0; c < 7; c++)
                v[c] = col[c][regidx[row - 4]];
        } else if (row < 4) {
            static const char *const sum[4] = {"USA", "CHN", "EU25", "non-US"};
            name = sum[row];
            for (int c = 0; c < 7; c++)
                v[c] = row == 0   ? col[c][usa]
                       : row == 1 ? col[c][chn]
                                  : tq_liberation_average(m, col[c], row == 2 ? eu : nonus);
        } else {
            name = tq_liberation_region_code(m, row - 4 - nreg);
            for (int c = 0; c < 7; c++)
                v[c] = col[c][row - 4 - nreg];
        }
        v[6] *= 100;
        if (json) {
            printf("  {\"region\": \"%s\"", name);
            for (int c = 0; c < 7; c++)
                printf(", \"%s\": %.10g", names[c], v[c]);
            printf("}%s\n", row + 1 < nrows ? "," : "");
        } else if (csv) {
            printf("%s,%s", label, name);
            for (int c = 0; c < 7; c++)
                printf(",%.10g", v[c]);
            printf("\n");
        } else {
            printf("%-7s", name);
            for (int c = 0; c < 7; c++)
                printf(" %12.3f", v[c]);
            printf("\n");
        }
    }
    if (json)
        printf(" ]}\n");
    else if (!csv)
        printf("\nworld: trade/GDP %+.2f%%, employment %+.3f%% (solved in %d Newton steps, residual %.1e)\n",
               res.trade_gdp, res.employment_global, res.iterations, res.residual);
    rc = CLI_OK;
done:
    free(t);
    free(mask);
    tq_liberation_free(m);
    tq_context_free(ctx);
    return rc;
}
