/* tradeq estimate: PPML gravity estimation with high-dimensional fixed effects
 * (docs/estimation.md). */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: tradeq estimate DATA --y VAR [--x VAR[,VAR...]] [--fe A#B,C,...]\n"
           "                       [--cluster TERM[,TERM]] [--years Y1,Y2,...] [--year-var NAME]\n"
           "                       [--distinct A,B]\n"
           "                       [--se stata|fixest] [--out FILE.json|FILE.csv] [--fe-out FILE.csv]\n"
           "                       [--force] [--tol X] [--threads N]\n\n"
           "Poisson pseudo-maximum likelihood with high-dimensional fixed effects. DATA is a CSV\n"
           "(plain or .gz, with a header) or a Stata .dta file.\n"
           "  --y VAR         dependent variable (>= 0), e.g. trade\n"
           "  --x LIST        regressors; log(VAR) takes logs, e.g. rta or log(dist_km)\n"
           "  --fe LIST       fixed effects; A#B interacts columns: exporter#year,importer#year,pair_id\n"
           "                  (none: a constant is estimated)\n"
           "  --cluster LIST  cluster-robust SEs by one term, or two terms for two-way clustering\n"
           "                  (default: heteroskedasticity-robust)\n"
           "  --years LIST    keep rows whose year (column --year-var, default 'year') is listed\n"
           "  --distinct A,B  keep rows where columns A and B differ (exporter,importer: no domestic)\n"
           "  --se stata      small-sample convention of ppmlhdfe (default); fixest: fixest's\n"
           "  --out FILE      write the table as JSON (.json; a scenario can read it) or CSV\n"
           "  --fe-out FILE   write the fixed-effect estimates (fe,level,estimate)\n"
           "  --tol X         IRLS tolerance on the relative deviance change (default 1e-10)\n"
           "  --threads N     OpenMP threads of the demeaning (results do not depend on it)\n");
}

int tq_cmd_estimate(int argc, char **argv)
{
    const char *data = NULL, *y = NULL, *x = NULL, *fe = NULL, *cl = NULL, *years = NULL, *yvar = "year";
    const char *out = NULL, *feout = NULL, *distinct = NULL;
    int force = 0, threads = 0;
    double tol = 0;
    tq_se_convention se = TQ_SE_STATA;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return CLI_OK;
        } else if (!strcmp(a, "--y") && has) {
            y = argv[++i];
        } else if (!strcmp(a, "--x") && has) {
            x = argv[++i];
        } else if (!strcmp(a, "--fe") && has) {
            fe = argv[++i];
        } else if (!strcmp(a, "--cluster") && has) {
            cl = argv[++i];
        } else if (!strcmp(a, "--years") && has) {
            years = argv[++i];
        } else if (!strcmp(a, "--distinct") && has) {
            distinct = argv[++i];
        } else if (!strcmp(a, "--year-var") && has) {
            yvar = argv[++i];
        } else if (!strcmp(a, "--se") && has) {
            const char *v = argv[++i];
            if (!strcmp(v, "stata"))
                se = TQ_SE_STATA;
            else if (!strcmp(v, "fixest"))
                se = TQ_SE_FIXEST;
            else
                return cli_usage_error("estimate", "--se takes stata or fixest, not '%s'", v);
        } else if (!strcmp(a, "--out") && has) {
            out = argv[++i];
        } else if (!strcmp(a, "--fe-out") && has) {
            feout = argv[++i];
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--tol") && has) {
            char *end;
            tol = strtod(argv[++i], &end);
            if (*end || !(tol > 0 && tol < 1))
                return cli_usage_error("estimate", "--tol takes a number in (0, 1), not '%s'", argv[i]);
        } else if (!strcmp(a, "--threads") && has) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 1024)
                return cli_usage_error("estimate", "--threads takes a count from 1 to 1024, not '%s'", argv[i]);
            threads = (int)t;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("estimate", "unknown option '%s' (or it lacks its value)", a);
        } else if (!data) {
            data = a;
        } else {
            return cli_usage_error("estimate", "one data file, not also '%s'", a);
        }
    }
    if (!data)
        return cli_usage_error("estimate", "give the data file");
    if (!y)
        return cli_usage_error("estimate", "--y VAR is required");
    double yv[512];
    int ny = 0;
    if (years) {
        const char *s = years;
        while (*s) {
            char *end;
            double v = strtod(s, &end);
            if (end == s || (*end && *end != ',') || ny == 512 || !isfinite(v))
                return cli_usage_error("estimate", "--years takes a comma list of numbers, not '%s'", years);
            yv[ny++] = v;
            s = *end ? end + 1 : end;
        }
    }
    tq_context *ctx = cli_context();
    tq_ppml *p = NULL;
    int rc = CLI_FAIL;
    tq_status st = tq_ppml_new(ctx, &p);
    if (!st)
        st = tq_ppml_set_file(p, data);
    if (!st)
        st = tq_ppml_set_model(p, y, x, fe, cl);
    if (!st && ny)
        st = tq_ppml_set_filter(p, yvar, yv, ny);
    if (!st && distinct) {
        char a[64], b[64];
        const char *comma = strchr(distinct, ',');
        if (!comma || comma == distinct || !comma[1] || (size_t)(comma - distinct) >= sizeof a ||
            strlen(comma + 1) >= sizeof b) {
            rc = cli_usage_error("estimate", "--distinct takes two column names A,B, not '%s'", distinct);
            goto done;
        }
        snprintf(a, sizeof a, "%.*s", (int)(comma - distinct), distinct);
        snprintf(b, sizeof b, "%s", comma + 1);
        st = tq_ppml_set_distinct(p, a, b);
    }
    if (st) {
        cli_print_error(ctx);
        rc = st == TQ_ERR_INVALID ? CLI_USAGE : CLI_FAIL;
        goto done;
    }
    tq_ppml_set_se(p, se);
    tq_ppml_set_tolerance(p, tol, 0, 0);
    tq_ppml_set_threads(p, threads);
    st = tq_ppml_run(p);
    if (st && st != TQ_ERR_NOT_CONVERGED) {
        cli_print_error(ctx);
        goto done;
    }
    const tq_ppml_info *in = tq_ppml_info_get(p);
    char b1[64];
    printf("PPML: %s on %s%s%s, fixed effects %s\n", y, x && *x ? x : "(none)", "", "", fe && *fe ? fe : "(none)");
    printf("Observations %s", cli_num(b1, sizeof b1, (double)in->n_obs, 0));
    printf(" (of %s read", cli_num(b1, sizeof b1, (double)in->n_read, 0));
    if (in->n_missing)
        printf("; %zu with missing values", in->n_missing);
    if (in->n_zero_group)
        printf("; %zu in all-zero fixed-effect groups", in->n_zero_group);
    if (in->n_singleton)
        printf("; %zu singletons", in->n_singleton);
    if (in->n_separated)
        printf("; %zu separated", in->n_separated);
    printf(")\n");
    if (in->n_separated) {
        printf("Separated observations (data rows):");
        for (size_t j = 0; j < in->n_separated && j < 20; j++)
            printf(" %zu", tq_ppml_separated_row(p, j));
        printf("%s\n", in->n_separated > 20 ? " ..." : "");
    }
    for (int j = 0; j < in->k_dropped; j++)
        printf("Regressor %s dropped: collinear after the drops\n", tq_ppml_dropped(p, j));
    printf("Log pseudo-likelihood %.3f   deviance %.6g   IRLS iterations %d%s   CG steps %ld\n", in->loglik,
           in->deviance, in->iterations, in->converged ? "" : " (NOT CONVERGED)", in->cg_steps);
    if (se == TQ_SE_FIXEST)
        printf("Fixed-effect parameters counted in K: %.0f\n", in->k_fe);
    if (in->cluster_ways == 0)
        printf("Standard errors: robust (%s convention)\n", se == TQ_SE_FIXEST ? "fixest" : "Stata");
    else if (in->cluster_ways == 1)
        printf("Standard errors: clustered by %s, %d clusters (%s convention)\n", cl, in->n_clusters[0],
               se == TQ_SE_FIXEST ? "fixest" : "Stata");
    else
        printf("Standard errors: two-way clustered by %s, %d and %d clusters (%s convention)\n", cl, in->n_clusters[0],
               in->n_clusters[1], se == TQ_SE_FIXEST ? "fixest" : "Stata");
    printf("\n%-24s %14s %14s %10s %8s\n", "", "coef", "std. err.", "z", "P>|z|");
    for (int j = 0; j < in->k; j++) {
        const char *name;
        double b, s, z, pv;
        tq_ppml_coef(p, j, &name, &b, &s, &z, &pv);
        printf("%-24s %14.7f %14.7f %10.2f %8.3f\n", name, b, s, z, pv);
    }
    if (st == TQ_ERR_NOT_CONVERGED)
        cli_print_error(ctx);
    if (out && tq_ppml_write(p, out, force)) {
        cli_print_error(ctx);
        goto done;
    }
    if (feout && tq_ppml_write_fe(p, feout, force)) {
        cli_print_error(ctx);
        goto done;
    }
    rc = st ? CLI_FAIL : CLI_OK;
done:
    tq_ppml_free(p);
    tq_context_free(ctx);
    return rc;
}
