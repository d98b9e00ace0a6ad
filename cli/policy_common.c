/* What tradeq optimal, nash and talks share (docs/strategic.md): their options, the
 * dataset and baseline of a model, the progress bar, Ctrl-C, and printing tariffs. */
#include "commands.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static tq_context *volatile sigint_ctx;

static void on_sigint(int sig)
{
    (void)sig;
    if (sigint_ctx)
        tq_context_cancel(sigint_ctx); /* async-signal-safe: an atomic store */
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct bar {
    int tty, shown;
    double start;
    const char *label;
} bar;
static bar the_bar;

static int on_progress(void *ud, const char *stage, double fraction)
{
    bar *p = ud;
    double el = now() - p->start;
    if (!p->tty || el < 1.0)
        return 0;
    fprintf(stderr, "\r%s: %s %3.0f%% %.1fs  ", p->label, stage, 100 * fmin(1.0, fmax(0.0, fraction)), el);
    p->shown++;
    return 0;
}

void cli_policy_progress_done(void)
{
    if (the_bar.shown)
        fprintf(stderr, "\r%70s\r", "");
    the_bar.shown = 0;
}

void cli_policy_init(cli_policy *p, const char *cmd)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->model = TQ_MODEL_CP;
    p->closure = TQ_CLOSURE_FIXED;
    p->format = "table";
    tq_policy_options_default(&p->opt);
}

int cli_policy_option(int argc, char **argv, int *i, cli_policy *p)
{
    const char *a = argv[*i];
    int r = cli_data_option(argc, argv, i, &p->data);
    if (r)
        return r;
    int has_val = *i + 1 < argc;
    if (!strcmp(a, "--uniform"))
        p->opt.form = TQ_FORM_UNIFORM;
    else if (!strcmp(a, "--per-partner"))
        p->opt.form = TQ_FORM_PER_PARTNER;
    else if (!strcmp(a, "--per-sector"))
        p->opt.form = TQ_FORM_SECTOR;
    else if (!strcmp(a, "--no-second-order"))
        p->opt.second_order = 0;
    else if (!strcmp(a, "--force"))
        p->force = 1;
    else if (!strcmp(a, "--finite-differences"))
        p->opt.finite_differences = 1;
    else if (!has_val &&
             (!strcmp(a, "--model") || !strcmp(a, "--sectors") || !strcmp(a, "--year") || !strcmp(a, "--closure") ||
              !strcmp(a, "--max-tariff") || !strcmp(a, "--threads") || !strcmp(a, "--format") || !strcmp(a, "--out"))) {
        cli_usage_error(p->cmd, "%s needs a value", a);
        return -1;
    } else if (!strcmp(a, "--model")) {
        if (tq_model_parse(argv[++*i], &p->model) != TQ_OK) {
            cli_usage_error(p->cmd, "--model is cp or ossa, not '%s'", argv[*i]);
            return -1;
        }
    } else if (!strcmp(a, "--sectors"))
        p->sectors = argv[++*i];
    else if (!strcmp(a, "--year"))
        p->year = atoi(argv[++*i]);
    else if (!strcmp(a, "--closure")) {
        const char *c = argv[++*i];
        if (!strcmp(c, "fixed"))
            p->closure = TQ_CLOSURE_FIXED;
        else if (!strcmp(c, "balanced"))
            p->closure = TQ_CLOSURE_BALANCED;
        else {
            cli_usage_error(p->cmd, "--closure is fixed or balanced, not '%s'", c);
            return -1;
        }
    } else if (!strcmp(a, "--max-tariff")) {
        char *end;
        double v = strtod(argv[++*i], &end);
        if (*end == '%')
            v /= 100, end++;
        if (*end || !(v > 0) || v > 1000) {
            cli_usage_error(p->cmd, "--max-tariff is a rate such as 3 or 300%%, not '%s'", argv[*i]);
            return -1;
        }
        p->opt.upper = v;
    } else if (!strcmp(a, "--threads"))
        p->opt.threads = atoi(argv[++*i]);
    else if (!strcmp(a, "--out"))
        p->out = argv[++*i];
    else if (!strcmp(a, "--format")) {
        p->format = argv[++*i];
        if (strcmp(p->format, "table") && strcmp(p->format, "csv")) {
            cli_usage_error(p->cmd, "--format is table or csv, not '%s'", p->format);
            return -1;
        }
    } else
        return 0;
    return 1;
}

const char *cli_policy_help =
    "  --data PATH        dataset (default wiod2014; --region-map / --sector-map aggregate it)\n"
    "  --model cp|ossa    equilibrium model (default cp; ossa: Ossa 2014, balanced closure)\n"
    "  --year Y           year (default the last)\n"
    "  --closure C        fixed (default) or balanced deficits\n"
    "  --sectors GROUP    choose only these sectors' tariffs: a sector group or a comma list of\n"
    "                     codes (default every sector)\n"
    "  --per-sector       one tariff per sector for all partners (default)\n"
    "  --uniform          one tariff for all partners and sectors\n"
    "  --per-partner      one tariff per partner and sector\n"
    "  --max-tariff R     upper bound on a tariff (default 3 = 300%)\n"
    "  --threads T        threads for the finite differences (default: OpenMP's)\n"
    "  --no-second-order  skip the second-order check\n"
    "  --finite-differences  gradients by finite differences instead of the exact\n"
    "                     (adjoint) gradient (a check; slower)\n"
    "  --format F         table (default) or csv (long rows)\n"
    "  --out FILE         also write the answer to FILE: .csv (long rows) or .json\n"
    "                     (docs/strategic.md, \"Result files\"); never replaced without --force\n"
    "  --force            replace FILE\n";

int cli_policy_setup(cli_policy *p, tq_context *ctx)
{
    p->ctx = ctx;
    if (p->out) { /* before any work: a name we cannot write is found now, not after the search */
        int rc = cli_moves_out_check(p->cmd, p->out, p->force);
        if (rc != CLI_OK)
            return rc;
    }
    p->runner = cli_runner(ctx);
    if (p->model == TQ_MODEL_OSSA && !p->data.data) {
        fprintf(stderr, "tradeq %s: --model ossa needs --data (e.g. ../shared/data/ossa2014)\n", p->cmd);
        return CLI_USAGE;
    }
    if (!(p->ds = cli_load(ctx, p->runner, &p->data)))
        return CLI_FAIL;
    p->y = tq_dataset_years(p->ds) - 1;
    if (p->year) {
        p->y = tq_dataset_find_year(p->ds, p->year);
        if (p->y < 0) {
            fprintf(stderr, "tradeq %s: year %d is not in dataset %s\n", p->cmd, p->year, tq_dataset_name(p->ds));
            return CLI_FAIL;
        }
    }
    const int J = tq_dataset_sectors(p->ds);
    if (p->sectors) {
        p->sector_list = calloc((size_t)J, sizeof(int));
        int n = tq_dataset_group(p->ds, TQ_GROUP_SECTOR, p->sectors, p->sector_list);
        if (n < 0) {
            n = 0;
            char *copy = strdup(p->sectors), *save = NULL;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                int j = tq_dataset_find_sector(p->ds, tok);
                if (j < 0) {
                    fprintf(stderr, "tradeq %s: '%s' is neither a sector group nor a sector code of %s\n", p->cmd, tok,
                            tq_dataset_name(p->ds));
                    free(copy);
                    return CLI_USAGE;
                }
                if (n < J)
                    p->sector_list[n++] = j;
            }
            free(copy);
        }
        p->opt.sectors = p->sector_list;
        p->opt.nsectors = n;
    }
    tq_status st;
    if (p->model == TQ_MODEL_CP) {
        const tq_baseline *b;
        st = tq_runner_baseline(p->runner, p->ds, p->y, p->closure, NULL, &b);
        p->b = b;
    } else {
        if (p->closure == TQ_CLOSURE_FIXED)
            p->closure = TQ_CLOSURE_BALANCED; /* Ossa purges imbalances (NX' = 0) */
        st = tq_baseline_new_model(ctx, p->ds, p->y, p->closure, p->model, NULL, &p->owned);
        p->b = p->owned;
    }
    if (st) {
        cli_print_error(ctx);
        return CLI_FAIL;
    }
    the_bar.tty = isatty(2);
    the_bar.start = now();
    the_bar.label = p->cmd;
    tq_context_set_progress(ctx, on_progress, &the_bar);
    sigint_ctx = ctx;
    signal(SIGINT, on_sigint);
    return CLI_OK;
}

void cli_policy_free(cli_policy *p)
{
    signal(SIGINT, SIG_DFL);
    sigint_ctx = NULL;
    tq_baseline_free(p->owned);
    tq_runner_free(p->runner);
    free(p->sector_list);
}

int cli_policy_regions(cli_policy *p, int argc, char **argv, int *regions)
{
    int n = 0;
    for (int k = 0; k < argc; k++) {
        int r = tq_dataset_find_region(p->ds, argv[k]);
        if (r < 0) {
            int members[4096];
            int m = tq_dataset_group(p->ds, TQ_GROUP_REGION, argv[k], NULL);
            if (m > 0 && m <= 4096) {
                tq_dataset_group(p->ds, TQ_GROUP_REGION, argv[k], members);
                for (int q = 0; q < m; q++)
                    regions[n++] = members[q];
                continue;
            }
            fprintf(stderr, "tradeq %s: unknown region '%s' in %s\n", p->cmd, argv[k], tq_dataset_name(p->ds));
            return -1;
        }
        regions[n++] = r;
    }
    return n;
}

void cli_policy_print_info(const cli_policy *p, const tq_optimum_info *oi)
{
    (void)p;
    printf("%d tariffs chosen (%d at a bound); %d evaluations, %ld equilibrium solves, %.2f s\n", oi->variables,
           oi->at_bounds, oi->evaluations, oi->solves, oi->seconds);
    printf("optimality: gradient norm %.2e (percent per unit of tariff, free tariffs); ", oi->grad_norm);
    if (oi->second_order_ok < 0)
        printf("second-order check not run\n");
    else
        printf("largest curvature %.3g: %s\n", oi->max_curvature,
               oi->second_order_ok ? "a local maximum" : "NOT a local maximum");
}

tq_move cli_policy_move(tq_move_kind kind, const int *players, int np, tq_tariff_form form, const double *t_before,
                        const double *t_after, const double *w_before, const double *w_after, tq_status st,
                        const tq_optimum_info *oi)
{
    tq_move mv;
    memset(&mv, 0, sizeof mv);
    mv.kind = kind;
    mv.where = "";
    mv.players = players;
    mv.nplayers = np;
    mv.form = form;
    mv.tariffs_before = t_before;
    mv.tariffs_after = t_after;
    mv.welfare_before = w_before;
    mv.welfare_after = w_after;
    mv.status = st;
    if (oi)
        mv.info = *oi;
    else {
        mv.info.second_order_ok = -1;
        mv.info.grad_norm = NAN;
        mv.info.max_curvature = NAN;
    }
    mv.nash.max_gain_region = -1;
    return mv;
}

int cli_policy_write(const cli_policy *p, const tq_move *mv, int n, const char *const *labels)
{
    if (!p->out)
        return CLI_OK;
    cli_moves_meta meta = {p->cmd, NULL, tq_dataset_year(p->ds, p->y), tq_model_name(p->model),
                           p->closure == TQ_CLOSURE_BALANCED ? "balanced" : "fixed"};
    int rc = cli_moves_write(p->cmd, p->out, p->force, &meta, p->ds, mv, n, labels);
    if (rc == CLI_OK)
        fprintf(stderr, "tradeq %s: written to %s\n", p->cmd, p->out);
    return rc;
}
