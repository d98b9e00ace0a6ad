/* build_ge_gravity_example: the EU-enlargement example of ge_gravity as a tradeq dataset
 * and a pairs file.
 *
 *   build_ge_gravity_example SHARED_DATA_DIR DATA_DIR SCENARIO_DIR
 *
 * reads SHARED_DATA_DIR/gravity/ge_gravity_example_data.dta (and the country names of
 * DATA_DIR/wiod2014, the same WIOD countries) (the example data of Stata's
 * ge_gravity and R's GEGravity: total trade, domestic sales included, of 44 WIOD countries,
 * 2000-2014, with EU-enlargement and FTA dummies; Baier, Yotov & Zylkin 2019) and writes
 *   DATA_DIR/ge_gravity_eu/      one sector, year 2000, tradeq's own format (no
 *                                input-output links; deficits from the flows; theta 4)
 *   SCENARIO_DIR/eu-enlargement-pairs.csv
 *                                exporter,importer,value: the pairs that join the EU
 *                                between 2000 and 2014 (eu_enlargement 0 in 2000 and 1 in
 *                                2014), value = the example's PPML partial effect 0.2242490
 * Output is deterministic; a test rebuilds it and compares the bytes. */
#include <math.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradeq.h"

#define MAXC 64
#define PARTIAL_EFFECT "0.2242490"

typedef struct obs {
    char exporter[8], importer[8];
    double year, trade, eu;
} obs;

typedef struct reader {
    int col_exp, col_imp, col_year, col_trade, col_eu;
    obs *o;
    long n, cap;
    int bad;
} reader;

static int on_var(int index, readstat_variable_t *v, const char *val_labels, void *ud)
{
    (void)val_labels;
    reader *r = ud;
    const char *name = readstat_variable_get_name(v);
    if (!strcmp(name, "exporter"))
        r->col_exp = index;
    else if (!strcmp(name, "importer"))
        r->col_imp = index;
    else if (!strcmp(name, "year"))
        r->col_year = index;
    else if (!strcmp(name, "trade"))
        r->col_trade = index;
    else if (!strcmp(name, "eu_enlargement"))
        r->col_eu = index;
    return READSTAT_HANDLER_OK;
}

static int on_value(int row, readstat_variable_t *v, readstat_value_t value, void *ud)
{
    reader *r = ud;
    if (row >= r->cap) {
        long nc = r->cap ? 2 * r->cap : 4096;
        obs *no = realloc(r->o, sizeof(obs) * (size_t)nc);
        if (!no)
            return READSTAT_HANDLER_ABORT;
        memset(no + r->cap, 0, sizeof(obs) * (size_t)(nc - r->cap));
        r->o = no;
        r->cap = nc;
    }
    if (row >= r->n)
        r->n = row + 1;
    obs *o = &r->o[row];
    const int c = readstat_variable_get_index(v);
    const int is_str = readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING;
    if (c == r->col_exp || c == r->col_imp) {
        const char *s = is_str ? readstat_string_value(value) : NULL;
        if (!s || strlen(s) >= sizeof o->exporter) {
            r->bad = 1;
            return READSTAT_HANDLER_ABORT;
        }
        snprintf(c == r->col_exp ? o->exporter : o->importer, sizeof o->exporter, "%s", s);
    } else if (c == r->col_year || c == r->col_trade || c == r->col_eu) {
        double d = is_str || readstat_value_is_missing(value, v) ? NAN : readstat_double_value(value);
        if (c == r->col_year)
            o->year = d;
        else if (c == r->col_trade)
            o->trade = d;
        else
            o->eu = d;
    }
    return READSTAT_HANDLER_OK;
}

static int find(char codes[][8], int n, const char *c)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(codes[k], c))
            return k;
    return -1;
}

static int cmpcode(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: build_ge_gravity_example SHARED_DATA_DIR DATA_DIR SCENARIO_DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/gravity/ge_gravity_example_data.dta", argv[1]);
    reader r = {-1, -1, -1, -1, -1, NULL, 0, 0, 0};
    readstat_parser_t *p = readstat_parser_init();
    readstat_set_variable_handler(p, on_var);
    readstat_set_value_handler(p, on_value);
    readstat_error_t err = readstat_parse_dta(p, path, &r);
    readstat_parser_free(p);
    if (err != READSTAT_OK || r.bad || r.col_exp < 0 || r.col_imp < 0 || r.col_year < 0 || r.col_trade < 0 ||
        r.col_eu < 0) {
        fprintf(stderr, "build_ge_gravity_example: %s: %s\n", path,
                err != READSTAT_OK ? readstat_error_message(err)
                                   : "expected string exporter/importer and numeric year, trade, eu_enlargement");
        free(r.o);
        return 1;
    }
    /* the countries, sorted by code (the order of the example's expcode) */
    static char codes[MAXC][8];
    int N = 0;
    for (long k = 0; k < r.n; k++)
        if (find(codes, N, r.o[k].exporter) < 0) {
            if (N == MAXC) {
                fprintf(stderr, "build_ge_gravity_example: more than %d countries\n", MAXC);
                return 1;
            }
            snprintf(codes[N++], 8, "%s", r.o[k].exporter);
        }
    qsort(codes, (size_t)N, sizeof codes[0], cmpcode);

    tq_context *ctx = NULL;
    tq_dataset *ds = NULL;
    if (tq_context_new(&ctx, NULL) || tq_dataset_new(ctx, N, 1, 1, &ds))
        return 1;
    tq_dataset_set_name(ds, "ge_gravity_eu",
                        "ge_gravity example data (Baier; Yotov & Zylkin 2019; WIOD totals of 44 countries), year 2000; "
                        "see data/PROVENANCE.md");
    /* country names: those of the embedded wiod2014 (the same WIOD countries); the .dta
     * has codes only */
    tq_dataset *names = NULL;
    snprintf(path, sizeof path, "%s/wiod2014", argv[2]);
    if (tq_dataset_load(ctx, path, &names) != TQ_OK)
        names = NULL;
    for (int n = 0; n < N; n++) {
        int k = names ? tq_dataset_find_region(names, codes[n]) : -1;
        tq_dataset_set_region(ds, n, codes[n], k >= 0 ? tq_dataset_region_name(names, k) : codes[n]);
    }
    tq_dataset_free(names);
    tq_dataset_set_sector(ds, 0, "TOT", "All goods and services (WIOD total trade and domestic sales)", 1);
    tq_dataset_set_year(ds, 0, 2000);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[0] = 4.0;
    static double eu2000[MAXC][MAXC], eu2014[MAXC][MAXC];
    static int seen[MAXC][MAXC];
    for (int a = 0; a < MAXC; a++)
        for (int b = 0; b < MAXC; b++)
            eu2000[a][b] = eu2014[a][b] = NAN;
    for (long k = 0; k < r.n; k++) {
        const obs *o = &r.o[k];
        int i = find(codes, N, o->exporter), n = find(codes, N, o->importer);
        if (i < 0 || n < 0) {
            fprintf(stderr, "build_ge_gravity_example: importer %s is not an exporter\n", o->importer);
            return 1;
        }
        if (o->year == 2000) {
            if (!(o->trade >= 0) || seen[n][i]++) {
                fprintf(stderr, "build_ge_gravity_example: bad or repeated 2000 flow %s -> %s\n", o->exporter,
                        o->importer);
                return 1;
            }
            Z[(size_t)n * N + i] = o->trade; /* [importer, exporter] */
            eu2000[n][i] = o->eu;
        } else if (o->year == 2014) {
            eu2014[n][i] = o->eu;
        }
    }
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            if (!seen[n][i]) {
                fprintf(stderr, "build_ge_gravity_example: no 2000 flow %s -> %s\n", codes[i], codes[n]);
                return 1;
            }
    char out[4096];
    snprintf(out, sizeof out, "%s/ge_gravity_eu", argv[2]);
    if (tq_dataset_derive(ctx, ds) || tq_dataset_fill_no_io(ctx, ds) || tq_dataset_derive(ctx, ds) ||
        tq_dataset_write(ctx, ds, out, 1)) {
        char msg[1024];
        tq_error_format(ctx, msg, sizeof msg);
        fprintf(stderr, "build_ge_gravity_example: %s\n", msg);
        return 1;
    }
    snprintf(out, sizeof out, "%s/eu-enlargement-pairs.csv", argv[3]);
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "build_ge_gravity_example: cannot write %s\n", out);
        return 1;
    }
    fprintf(f, "exporter,importer,value\n");
    int pairs = 0;
    for (int i = 0; i < N; i++)
        for (int n = 0; n < N; n++)
            if (eu2014[n][i] - eu2000[n][i] == 1.0) {
                fprintf(f, "%s,%s,%s\n", codes[i], codes[n], PARTIAL_EFFECT);
                pairs++;
            }
    fclose(f);
    printf("ge_gravity_eu: %d countries, year 2000; %d new EU pairs\n", N, pairs);
    tq_dataset_free(ds);
    tq_context_free(ctx);
    free(r.o);
    return 0;
}
