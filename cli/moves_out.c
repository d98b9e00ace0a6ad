/* Strategic moves on screen and in result files (docs/strategic.md, "Result files"):
 * the table of `tradeq run`'s strategy: moves, and the --out FILE.csv / FILE.json of
 * tradeq optimal, nash and talks (and of run's moves). */
#include "commands.h"

#include <jansson.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_tariff_median(const tq_baseline *b, const double *t, int n)
{
    const int N = tq_baseline_regions(b), J = tq_baseline_sectors(b);
    const double *pi = tq_baseline_array(b, TQ_PI, NULL);
    double *v = malloc(sizeof(double) * (size_t)N * (size_t)J);
    int c = 0;
    for (int i = 0; i < N && v; i++)
        for (int j = 0; j < J && i != n; j++) {
            size_t cell = ((size_t)n * N + i) * J + j;
            if (pi[cell] > 0)
                v[c++] = t[cell];
        }
    double m = NAN;
    if (c > 0) {
        qsort(v, (size_t)c, sizeof *v, cmp_double);
        m = c % 2 ? v[c / 2] : 0.5 * (v[c / 2 - 1] + v[c / 2]);
    }
    free(v);
    return m;
}

double cli_tariff_mean(const tq_baseline *b, const double *t, int n)
{
    /* import-weighted mean tariff of importer n at base trade */
    const int N = tq_baseline_regions(b), J = tq_baseline_sectors(b);
    const double *pi = tq_baseline_array(b, TQ_PI, NULL), *X = tq_baseline_array(b, TQ_XJ, NULL);
    double s = 0, w = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J && i != n; j++) {
            size_t cell = ((size_t)n * N + i) * J + j;
            double m = pi[cell] * X[(size_t)n * J + j];
            s += m * t[cell];
            w += m;
        }
    return w > 0 ? s / w : NAN;
}

static const char *kind_name(tq_move_kind k)
{
    return k == TQ_MOVE_OPTIMAL ? "optimal" : k == TQ_MOVE_NASH ? "nash" : "talks";
}

static const char *form_name(tq_tariff_form f)
{
    return f == TQ_FORM_UNIFORM ? "uniform" : f == TQ_FORM_PER_PARTNER ? "per-partner" : "sector";
}

/* "optimal USA", "nash USA CHN", ... into buf */
static const char *move_label(const tq_dataset *ds, const tq_move *mv, char *buf, size_t cap)
{
    size_t o = (size_t)snprintf(buf, cap, "%s", kind_name(mv->kind));
    for (int k = 0; k < mv->nplayers && o + 1 < cap; k++) {
        if (k == 6 && mv->nplayers > 7) {
            o += (size_t)snprintf(buf + o, cap - o, " +%d", mv->nplayers - 6);
            break;
        }
        o += (size_t)snprintf(buf + o, cap - o, " %s", tq_dataset_region_code(ds, mv->players[k]));
    }
    return buf;
}

static const char *status_word(const tq_move *mv)
{
    if (mv->info.partial || mv->status == TQ_ERR_CANCELLED)
        return "PARTIAL (cancelled)";
    if (mv->status == TQ_ERR_NOT_CONVERGED)
        return "limit reached";
    return mv->status == TQ_OK ? "converged" : tq_status_string(mv->status);
}

void cli_moves_print(const tq_dataset *ds, const tq_baseline *b, const tq_move *mv, int n)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    char lab[160];
    printf("\nstrategic moves (strategy:, docs/strategic.md), each from the tariffs the one before left\n");
    printf("%-4s %-22s %-11s %-58s %9s %10s %s\n", "step", "move", "form", "tariffs of each mover, % (before -> after)",
           "|grad|", "curvature", "status");
    for (int m = 0; m < n; m++) {
        const tq_move *v = &mv[m];
        for (int k = 0; k < v->nplayers; k++) {
            int r = v->players[k];
            char desc[400];
            size_t o = 0;
            /* the list of the chosen rates when a mover chose a few sector rates, else median and mean */
            int changed = 0, listable = v->form != TQ_FORM_PER_PARTNER;
            double rate_b[64], rate_a[64];
            int sec[64];
            const double *pi = tq_baseline_array(b, TQ_PI, NULL), *X = tq_baseline_array(b, TQ_XJ, NULL);
            for (int j = 0; j < J && listable; j++) {
                double ta = NAN, sb = 0, w = 0;
                int differs = 0, moved = 0;
                for (int i = 0; i < N; i++) {
                    size_t c = ((size_t)r * N + i) * J + j;
                    if (i == r)
                        continue;
                    double wt = pi[c] * X[(size_t)r * J + j]; /* before: import-weighted over partners */
                    sb += wt * v->tariffs_before[c];
                    w += wt;
                    if (v->tariffs_after[c] == v->tariffs_before[c])
                        continue;
                    if (moved && v->tariffs_after[c] != ta)
                        differs = 1;
                    ta = v->tariffs_after[c];
                    moved = 1;
                }
                if (!moved)
                    continue;
                double tb = w > 0 ? sb / w : NAN;
                if (differs || changed == 4)
                    listable = 0;
                else {
                    sec[changed] = j, rate_b[changed] = tb, rate_a[changed] = ta;
                    changed++;
                }
            }
            if (listable && changed > 0) {
                o += (size_t)snprintf(desc + o, sizeof desc - o, "%s:", tq_dataset_region_code(ds, r));
                for (int q = 0; q < changed && o + 1 < sizeof desc; q++)
                    o += (size_t)snprintf(desc + o, sizeof desc - o, " %s %.2f -> %.2f",
                                          tq_dataset_sector_code(ds, sec[q]), 100 * rate_b[q], 100 * rate_a[q]);
            } else {
                snprintf(desc, sizeof desc, "%s: median %.2f -> %.2f, mean %.2f -> %.2f", tq_dataset_region_code(ds, r),
                         100 * cli_tariff_median(b, v->tariffs_before, r),
                         100 * cli_tariff_median(b, v->tariffs_after, r),
                         100 * cli_tariff_mean(b, v->tariffs_before, r), 100 * cli_tariff_mean(b, v->tariffs_after, r));
            }
            if (k == 0) {
                char g[16], cu[16];
                snprintf(g, sizeof g, "%.1e", v->info.grad_norm);
                snprintf(cu, sizeof cu, "%.3g", v->info.max_curvature);
                printf("%-4d %-22s %-11s %-58s %9s %10s %s%s\n", m + 1, move_label(ds, v, lab, sizeof lab),
                       form_name(v->form), desc, g, v->info.second_order_ok < 0 ? "-" : cu, status_word(v),
                       v->info.second_order_ok == 0 ? ", NOT a local maximum" : "");
            } else {
                printf("%-4s %-22s %-11s %s\n", "", "", "", desc);
            }
        }
        if (v->kind == TQ_MOVE_NASH)
            printf("%-4s %-22s %-11s war: %d rounds, largest gain left from a deviation %.2e points\n", "", "", "",
                   v->nash.rounds, v->nash.max_gain);
    }
    /* welfare after each move: the movers (every region in a small economy) */
    unsigned char *show = calloc((size_t)N, 1);
    if (!show)
        return;
    for (int m = 0; m < n; m++)
        for (int k = 0; k < mv[m].nplayers; k++)
            show[mv[m].players[k]] = 1;
    printf("\nwelfare %% against the baseline, before the first move and after each\n%-8s %10s", "region", "start");
    for (int m = 0; m < n; m++)
        printf(" %9s%-2d", "after ", m + 1);
    printf("\n");
    for (int r = 0; r < N; r++) {
        if (!show[r] && N > 12)
            continue;
        printf("%-8s %+10.4f", tq_dataset_region_code(ds, r), n ? mv[0].welfare_before[r] : 0.0);
        for (int m = 0; m < n; m++) {
            int mover = 0;
            for (int k = 0; k < mv[m].nplayers; k++)
                mover |= mv[m].players[k] == r;
            printf(" %+10.4f%s", mv[m].welfare_after[r], mover ? "*" : " ");
        }
        printf("\n");
    }
    printf("(* the region moved in that step; |grad|: largest gradient norm over the movers' free tariffs, percent "
           "per unit of tariff; curvature < 0: a local maximum)\n");
    free(show);
}

/* ------------------------------------------------------------ files --- */

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

int cli_moves_out_check(const char *cmd, const char *path, int force)
{
    if (!ends_with(path, ".csv") && !ends_with(path, ".json"))
        return cli_usage_error(cmd, "--out FILE takes a .csv or .json file name, not '%s'", path);
    struct stat sb;
    if (!force && lstat(path, &sb) == 0) {
        fprintf(stderr, "tradeq %s: %s exists (add --force to replace it)\n", cmd, path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* a JSON number, or null when it is not finite (JSON has no NaN) */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static void write_csv(FILE *f, const tq_dataset *ds, const tq_move *mv, int n, const char *const *labels)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    char lab[160];
    fprintf(f, "step,move,kind,importer,exporter,sector,before,after\n");
    for (int m = 0; m < n; m++) {
        const tq_move *v = &mv[m];
        const char *l = labels && labels[m] ? labels[m] : move_label(ds, v, lab, sizeof lab);
        for (int a = 0; a < N; a++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J && i != a; j++) {
                    size_t c = ((size_t)a * N + i) * J + j;
                    if (v->tariffs_after[c] != v->tariffs_before[c])
                        fprintf(f, "%d,%s,tariff,%s,%s,%s,%.17g,%.17g\n", m + 1, l, tq_dataset_region_code(ds, a),
                                tq_dataset_region_code(ds, i), tq_dataset_sector_code(ds, j), v->tariffs_before[c],
                                v->tariffs_after[c]);
                }
        for (int r = 0; r < N; r++)
            fprintf(f, "%d,%s,welfare_pct,%s,,,%.17g,%.17g\n", m + 1, l, tq_dataset_region_code(ds, r),
                    v->welfare_before[r], v->welfare_after[r]);
        const char *who = v->nplayers ? tq_dataset_region_code(ds, v->players[0]) : "";
        fprintf(f, "%d,%s,grad_norm,%s,,,,%.17g\n", m + 1, l, who, v->info.grad_norm);
        fprintf(f, "%d,%s,max_curvature,%s,,,,%.17g\n", m + 1, l, who, v->info.max_curvature);
        fprintf(f, "%d,%s,second_order_ok,%s,,,,%d\n", m + 1, l, who, v->info.second_order_ok);
        fprintf(f, "%d,%s,partial,%s,,,,%d\n", m + 1, l, who, v->info.partial || v->status == TQ_ERR_CANCELLED);
        fprintf(f, "%d,%s,converged,%s,,,,%d\n", m + 1, l, who, v->status == TQ_OK);
        if (v->kind == TQ_MOVE_NASH) {
            fprintf(f, "%d,%s,rounds,%s,,,,%d\n", m + 1, l, who, v->nash.rounds);
            fprintf(f, "%d,%s,max_gain,%s,,,,%.17g\n", m + 1, l, who, v->nash.max_gain);
        }
    }
}

/* The moves as the JSON document of docs/strategic.schema.json (built with jansson). */
static int write_json(FILE *f, const cli_moves_meta *meta, const tq_dataset *ds, const tq_move *mv, int n,
                      const char *const *labels)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    char lab[160];
    json_t *moves = json_array();
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "format", "tradeq-strategic-1", "command", meta->command,
                  "scenario", meta->scenario ? meta->scenario : "", "dataset", tq_dataset_name(ds), "year", meta->year,
                  "model", meta->model, "closure", meta->closure, "moves", moves);
    for (int m = 0; m < n && doc; m++) {
        const tq_move *v = &mv[m];
        json_t *players = json_array(), *welfare = json_array(), *tariffs = json_array();
        int lost = 0; /* an element that could not be made (out of memory) */
        for (int k = 0; k < v->nplayers; k++)
            lost |= json_array_append_new(players, json_string(tq_dataset_region_code(ds, v->players[k])));
        for (int r = 0; r < N; r++)
            lost |= json_array_append_new(welfare, json_pack("{s:s, s:o, s:o}", "region", tq_dataset_region_code(ds, r),
                                                             "before_pct", jnum(v->welfare_before[r]), "after_pct",
                                                             jnum(v->welfare_after[r])));
        for (int a = 0; a < N; a++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < J && i != a; j++) {
                    size_t c = ((size_t)a * N + i) * J + j;
                    if (v->tariffs_after[c] != v->tariffs_before[c])
                        lost |= json_array_append_new(
                            tariffs, json_pack("{s:s, s:s, s:s, s:o, s:o}", "importer", tq_dataset_region_code(ds, a),
                                               "exporter", tq_dataset_region_code(ds, i), "sector",
                                               tq_dataset_sector_code(ds, j), "before", jnum(v->tariffs_before[c]),
                                               "after", jnum(v->tariffs_after[c])));
                }
        json_t *optimum =
            json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:I, s:o}", "grad_norm", jnum(v->info.grad_norm), "max_curvature",
                      jnum(v->info.max_curvature), "second_order_ok",
                      v->info.second_order_ok < 0 ? json_null() : json_boolean(v->info.second_order_ok), "variables",
                      v->info.variables, "at_bounds", v->info.at_bounds, "evaluations", v->info.evaluations, "solves",
                      (json_int_t)v->info.solves, "seconds", jnum(v->info.seconds));
        json_t *one = json_pack("{s:i, s:s, s:s, s:s, s:o, s:b, s:b, s:s, s:o}", "step", m + 1, "label",
                                labels && labels[m] ? labels[m] : move_label(ds, v, lab, sizeof lab), "kind",
                                kind_name(v->kind), "form", form_name(v->form), "players", players, "converged",
                                v->status == TQ_OK, "partial", v->info.partial || v->status == TQ_ERR_CANCELLED,
                                "status", tq_status_string(v->status), "optimum", optimum);
        if (one && v->kind == TQ_MOVE_NASH)
            json_object_set_new(one, "nash",
                                json_pack("{s:i, s:o, s:o, s:o}", "rounds", v->nash.rounds, "max_change",
                                          jnum(v->nash.max_change), "max_gain", jnum(v->nash.max_gain),
                                          "max_gain_region",
                                          v->nash.max_gain_region >= 0
                                              ? json_string(tq_dataset_region_code(ds, v->nash.max_gain_region))
                                              : json_null()));
        if (one) {
            json_object_set_new(one, "welfare", welfare);
            json_object_set_new(one, "tariffs", tariffs);
        } else {
            json_decref(welfare);
            json_decref(tariffs);
        }
        if (one && lost) {
            json_decref(one);
            one = NULL;
        }
        if (!one || json_array_append_new(moves, one)) {
            json_decref(doc);
            doc = NULL;
        }
    }
    int bad = !doc || json_dumpf(doc, f, JSON_COMPACT | JSON_REAL_PRECISION(17)) != 0 || fputc('\n', f) == EOF;
    if (bad)
        fprintf(stderr, "tradeq: cannot make the JSON of the moves (out of memory?)\n");
    json_decref(doc);
    return bad;
}

typedef struct moves_file {
    const char *path;
    const cli_moves_meta *meta;
    const tq_dataset *ds;
    const tq_move *mv;
    int n;
    const char *const *labels;
} moves_file;

static int write_moves(FILE *f, void *ud)
{
    const moves_file *m = ud;
    if (ends_with(m->path, ".json"))
        return write_json(f, m->meta, m->ds, m->mv, m->n, m->labels);
    write_csv(f, m->ds, m->mv, m->n, m->labels);
    return 0;
}

int cli_moves_write(const char *cmd, const char *path, int force, const cli_moves_meta *meta, const tq_dataset *ds,
                    const tq_move *mv, int n, const char *const *labels)
{
    moves_file m = {path, meta, ds, mv, n, labels};
    return cli_write_file(cmd, path, force, write_moves, &m);
}
