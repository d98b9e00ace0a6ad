/* tradeq balance: A's exports to B, imports from B and the balance, by sector and year. */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq balance A [B] [--by sector] [--years Y1,Y2,...] [--currency CODE --rate R]\n"
           "                      [--format table|csv] [--data PATH|NAME] [--region-map CSV]\n\n"
           "A's exports to B, imports from B and the balance (exports - imports), in millions of\n"
           "USD at the dataset's valuation (pre-tariff). B omitted = all partners. --by sector adds\n"
           "the sector table, sorted by contribution to the balance. With several years, changes\n"
           "year over year are shown (default: the last two years of a multi-year dataset).\n"
           "--currency CODE --rate R converts at R units of CODE per USD; --rate 2017=112.1,2018=110.4\n"
           "gives one rate per year (annual averages, e.g. 112.1 yen per USD in 2017), as a yen or euro\n"
           "figure of a year is converted at that year's rate. Rates run from 1e-9 to 1e9; --rate needs\n"
           "--currency, and --years takes years 1-9999.\n");
}

typedef struct row {
    int j;
    double key;
} row;

static int cmp_row(const void *a, const void *b)
{
    double x = ((const row *)a)->key, y = ((const row *)b)->key;
    return x < y ? 1 : x > y ? -1 : ((const row *)a)->j - ((const row *)b)->j;
}

static int find_region_ci(const tq_dataset *ds, const char *code)
{
    int n = tq_dataset_find_region(ds, code);
    if (n >= 0)
        return n;
    char up[64];
    size_t k = 0;
    for (; code[k] && k + 1 < sizeof up; k++)
        up[k] = (char)((code[k] >= 'a' && code[k] <= 'z') ? code[k] - 32 : code[k]);
    up[k] = 0;
    return tq_dataset_find_region(ds, up);
}

/* Exchange rates accepted by --rate, in units per USD: wide enough for any currency in
 * use, narrow enough that no converted figure overflows. */
#define RATE_MIN 1e-9
#define RATE_MAX 1e9

static int rate_ok(double r)
{
    return isfinite(r) && r >= RATE_MIN && r <= RATE_MAX;
}

/* 0 if s is a non-empty comma-separated list of years 1-9999 (checked before the data
 * are loaded: an empty list used to print from no year at all, a year that overflows an
 * int used to wrap around to another year). */
static int check_years(const char *s)
{
    if (!*s)
        return -1;
    for (const char *p = s;;) {
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        long v = strtol(p, &end, 10);
        if (v < 1 || v > 9999 || (*end && *end != ','))
            return -1;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

int tq_cmd_balance(int argc, char **argv)
{
    cli_data_opts dopt = {0};
    const char *ra = NULL, *rb = NULL, *years_arg = NULL, *currency = "USD", *fmt = "table";
    double rate = 1.0;
    int by_sector = 0, rate_given = 0, currency_given = 0;
    /* --rate YEAR=R,...: one rate per year */
    int rate_year[64];
    double rate_val[64];
    int nrates = 0;
    for (int i = 1; i < argc; i++) {
        int r = cli_data_option(argc, argv, &i, &dopt);
        if (r < 0)
            return CLI_USAGE;
        if (r)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--by")) {
            if (i + 1 >= argc || strcmp(argv[i + 1], "sector"))
                return cli_usage_error("balance", "--by takes 'sector'");
            by_sector = 1;
            i++;
        } else if (!strcmp(a, "--years") && i + 1 < argc) {
            years_arg = argv[++i];
            if (check_years(years_arg))
                return cli_usage_error("balance", "--years takes a comma-separated list of years (1-9999), not '%s'",
                                       years_arg);
        } else if (!strcmp(a, "--currency") && i + 1 < argc) {
            currency = argv[++i];
            currency_given = 1;
            if (!currency[0] || strlen(currency) > 8)
                return cli_usage_error("balance", "--currency takes a currency code such as JPY, not '%s'", currency);
        } else if (!strcmp(a, "--rate") && i + 1 < argc) {
            const char *arg = argv[++i];
            char *end;
            rate_given = 1;
            if (!strchr(arg, '=')) {
                rate = strtod(arg, &end);
                if (end == arg || *end || !rate_ok(rate))
                    return cli_usage_error("balance", "--rate must be a number from %g to %g or YEAR=R,..., not '%s'",
                                           RATE_MIN, RATE_MAX, arg);
                continue;
            }
            for (const char *p = arg; *p;) {
                long y = strtol(p, &end, 10);
                if (end == p || *end != '=' || nrates == 64 || y < 1 || y > 9999)
                    return cli_usage_error("balance", "--rate takes R or YEAR=R,YEAR=R,..., not '%s'", arg);
                const char *num = end + 1;
                double v = strtod(num, &end);
                if (end == num || !rate_ok(v) || (*end && *end != ','))
                    return cli_usage_error("balance", "--rate: the rate for %ld must be a number from %g to %g in '%s'",
                                           y, RATE_MIN, RATE_MAX, arg);
                for (int q = 0; q < nrates; q++)
                    if (rate_year[q] == (int)y)
                        return cli_usage_error("balance", "--rate names year %ld twice", y);
                rate_year[nrates] = (int)y;
                rate_val[nrates++] = v;
                p = *end ? end + 1 : end;
            }
        } else if (!strcmp(a, "--format") && i + 1 < argc) {
            fmt = argv[++i];
            if (strcmp(fmt, "table") && strcmp(fmt, "csv"))
                return cli_usage_error("balance", "--format is table or csv, not '%s'", fmt);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("balance", "unknown option '%s'", a);
        } else if (!ra) {
            ra = a;
        } else if (!rb) {
            rb = a;
        } else {
            return cli_usage_error("balance", "too many regions: '%s'", a);
        }
    }
    if (!ra)
        return cli_usage_error("balance", "name a region, e.g. tradeq balance USA JPN");
    if (strcmp(currency, "USD") && !rate_given)
        return cli_usage_error("balance", "--currency %s needs --rate (units of %s per USD)", currency, currency);
    if (rate_given && !currency_given)
        return cli_usage_error("balance", "--rate needs --currency CODE (the currency the rate converts USD into)");

    tq_context *ctx = cli_context();
    tq_runner *runner = cli_runner(ctx);
    const tq_dataset *ds = cli_load(ctx, runner, &dopt);
    int rc = CLI_FAIL;
    int *ys = NULL;
    double *ex = NULL, *im = NULL;
    row *rows = NULL;
    if (!ds)
        goto done;
    const int J = tq_dataset_sectors(ds), Y = tq_dataset_years(ds);
    int a = find_region_ci(ds, ra), b = rb ? find_region_ci(ds, rb) : -1;
    if (a < 0 || (rb && b < 0)) {
        fprintf(stderr, "tradeq balance: unknown region '%s' in dataset %s (tradeq info --regions lists them)\n",
                a < 0 ? ra : rb, tq_dataset_name(ds));
        goto done;
    }
    if (a == b) {
        fprintf(stderr, "tradeq balance: A and B are the same region\n");
        goto done;
    }
    ys = calloc((size_t)Y + 1, sizeof(int));
    int ny = 0;
    if (years_arg) {
        const char *p = years_arg;
        while (*p) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || (*end && *end != ',')) {
                fprintf(stderr, "tradeq balance: --years takes a comma-separated list of years, not '%s'\n", years_arg);
                goto done;
            }
            int yi = tq_dataset_find_year(ds, (int)v);
            if (yi < 0) {
                fprintf(stderr, "tradeq balance: year %ld is not in dataset %s (it has %d-%d)\n", v,
                        tq_dataset_name(ds), tq_dataset_year(ds, 0), tq_dataset_year(ds, Y - 1));
                goto done;
            }
            if (ny >= Y) {
                fprintf(stderr, "tradeq balance: too many years in --years\n");
                goto done;
            }
            ys[ny++] = yi;
            p = *end ? end + 1 : end;
        }
    } else {
        if (Y > 1)
            ys[ny++] = Y - 2;
        ys[ny++] = Y - 1;
    }
    ex = calloc((size_t)J * (size_t)ny, sizeof(double));
    im = calloc((size_t)J * (size_t)ny, sizeof(double));
    rows = calloc((size_t)J, sizeof(row));
    if (!ys || !ex || !im || !rows) {
        fprintf(stderr, "tradeq: out of memory\n");
        goto done;
    }
    double yrate[64];
    for (int k = 0; k < ny; k++) {
        if (tq_balance(ctx, ds, ys[k], a, b, ex + (size_t)k * J, im + (size_t)k * J) != TQ_OK) {
            cli_print_error(ctx);
            goto done;
        }
        double r = rate;
        if (nrates) {
            int q = 0;
            while (q < nrates && rate_year[q] != tq_dataset_year(ds, ys[k]))
                q++;
            if (q == nrates) {
                fprintf(stderr, "tradeq balance: --rate gives no rate for %d (give YEAR=R for every year shown)\n",
                        tq_dataset_year(ds, ys[k]));
                goto done;
            }
            r = rate_val[q];
        }
        if (k < 64)
            yrate[k] = r;
        for (int j = 0; j < J; j++) {
            ex[(size_t)k * J + j] *= r;
            im[(size_t)k * J + j] *= r;
        }
    }
    const char *pa = tq_dataset_region_code(ds, a);
    const char *pb = b >= 0 ? tq_dataset_region_code(ds, b) : "world";
    const int last = ny - 1;
    for (int j = 0; j < J; j++) {
        rows[j].j = j;
        rows[j].key = -fabs(ex[(size_t)last * J + j] - im[(size_t)last * J + j]);
        rows[j].key = -rows[j].key;
    }
    qsort(rows, (size_t)J, sizeof(row), cmp_row);

    if (!strcmp(fmt, "csv")) {
        printf("year,reporter,partner,sector,sector_name,exports,imports,balance,currency\n");
        for (int k = 0; k < ny; k++) {
            double tx = 0, tm = 0;
            for (int j = 0; j < J; j++) {
                double x = ex[(size_t)k * J + j], m = im[(size_t)k * J + j];
                tx += x;
                tm += m;
                if (by_sector)
                    printf("%d,%s,%s,%s,\"%s\",%.6f,%.6f,%.6f,%s\n", tq_dataset_year(ds, ys[k]), pa, pb,
                           tq_dataset_sector_code(ds, j), tq_dataset_sector_name(ds, j), x, m, x - m, currency);
            }
            printf("%d,%s,%s,ALL,\"All sectors\",%.6f,%.6f,%.6f,%s\n", tq_dataset_year(ds, ys[k]), pa, pb, tx, tm,
                   tx - tm, currency);
        }
        rc = CLI_OK;
        goto done;
    }

    printf("%s trade with %s, %s (millions of %s, %s)\n", tq_dataset_region_name(ds, a),
           b >= 0 ? tq_dataset_region_name(ds, b) : "all partners", tq_dataset_name(ds), currency,
           "values before tariffs");
    if (rate_given && !nrates)
        printf("converted at %g %s per USD\n", rate, currency);
    if (nrates) {
        printf("converted at");
        for (int k = 0; k < ny && k < 64; k++)
            printf("%s %g %s per USD in %d", k ? "," : "", yrate[k], currency, tq_dataset_year(ds, ys[k]));
        printf("\n");
    }
    char b1[48], b2[48], b3[48], b4[48];
    printf("\n%-6s %16s %16s %16s %12s\n", "year", "exports", "imports", "balance", "change");
    double prev = 0;
    for (int k = 0; k < ny; k++) {
        double tx = 0, tm = 0;
        for (int j = 0; j < J; j++) {
            tx += ex[(size_t)k * J + j];
            tm += im[(size_t)k * J + j];
        }
        double bal = tx - tm;
        char ch[48] = "";
        if (k > 0)
            snprintf(ch, sizeof ch, "%s", cli_num(b4, sizeof b4, bal - prev, 0));
        printf("%-6d %16s %16s %16s %12s\n", tq_dataset_year(ds, ys[k]), cli_num(b1, sizeof b1, tx, 0),
               cli_num(b2, sizeof b2, tm, 0), cli_num(b3, sizeof b3, bal, 0), ch);
        prev = bal;
    }
    /* the same for the dataset's goods and services groups, when it names them */
    static const char *const parts[] = {"goods", "services"};
    for (int g = 0; g < 2; g++) {
        int mem[4096];
        int cnt = J <= 4096 ? tq_dataset_group(ds, TQ_GROUP_SECTOR, parts[g], mem) : -1;
        if (cnt <= 0)
            continue;
        printf("%s:\n", parts[g]);
        double gprev = 0;
        for (int k = 0; k < ny; k++) {
            double tx = 0, tm = 0;
            for (int q = 0; q < cnt; q++) {
                tx += ex[(size_t)k * J + mem[q]];
                tm += im[(size_t)k * J + mem[q]];
            }
            char ch[48] = "";
            if (k > 0)
                snprintf(ch, sizeof ch, "%s", cli_num(b4, sizeof b4, tx - tm - gprev, 0));
            printf("%-6d %16s %16s %16s %12s\n", tq_dataset_year(ds, ys[k]), cli_num(b1, sizeof b1, tx, 0),
                   cli_num(b2, sizeof b2, tm, 0), cli_num(b3, sizeof b3, tx - tm, 0), ch);
            gprev = tx - tm;
        }
    }
    if (by_sector) {
        printf("\nby sector, sorted by size of the %d balance\n", tq_dataset_year(ds, ys[last]));
        printf("%-50s", "sector");
        for (int k = 0; k < ny; k++) {
            char h[32];
            snprintf(h, sizeof h, "balance %d", tq_dataset_year(ds, ys[k]));
            printf(" %16s", h);
        }
        if (ny > 1)
            printf(" %12s %8s", "change", "change%");
        printf(" %12s %12s\n", "exports", "imports");
        for (int r = 0; r < J; r++) {
            int j = rows[r].j;
            double xl = ex[(size_t)last * J + j], ml = im[(size_t)last * J + j];
            if (xl == 0 && ml == 0 && (ny < 2 || (ex[j] == 0 && im[j] == 0)))
                continue;
            char name[51];
            snprintf(name, sizeof name, "%s", tq_dataset_sector_name(ds, j));
            printf("%-50s", name);
            for (int k = 0; k < ny; k++)
                printf(" %16s", cli_num(b1, sizeof b1, ex[(size_t)k * J + j] - im[(size_t)k * J + j], 0));
            if (ny > 1) {
                double b0 = ex[(size_t)(last - 1) * J + j] - im[(size_t)(last - 1) * J + j];
                double bl = xl - ml;
                if (fabs(b0) > 0)
                    printf(" %12s %7.1f%%", cli_num(b2, sizeof b2, bl - b0, 0), 100 * (bl - b0) / fabs(b0));
                else
                    printf(" %12s %8s", cli_num(b2, sizeof b2, bl - b0, 0), "n/a");
            }
            printf(" %12s %12s\n", cli_num(b3, sizeof b3, xl, 0), cli_num(b4, sizeof b4, ml, 0));
        }
        if (ny > 1)
            printf("(change and change%%: %d on %d; change%% is relative to |balance %d|)\n",
                   tq_dataset_year(ds, ys[last]), tq_dataset_year(ds, ys[last - 1]), tq_dataset_year(ds, ys[last - 1]));
    }
    rc = CLI_OK;
done:
    free(ys);
    free(ex);
    free(im);
    free(rows);
    tq_runner_free(runner);
    tq_context_free(ctx);
    return rc;
}
