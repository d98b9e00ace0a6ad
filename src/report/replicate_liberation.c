/* The Liberation-Day replication (tq_replicate "liberation2025"): Ignatenko, Macedoni,
 * Lashkaripour & Simonovska (2025), Tables 1, 2, 3, the one-sector rows of Table 9, Table 8
 * (the regional retaliation scenarios) and the "main" columns of Table 11, with the baseline checkpoints and the
 * closed-form tariffs of design/LIBERATION_DAY.md (§1.3, §1.4, §4), from the model of src/model/liberation.c on the
 * embedded dataset data/liberation2025. The published numbers are those of the note's §5.1 (the authors' printed
 * tables). */
#include "report.h"

#include "../model/liberation.h"
#include "../solve/fp.h"

#include <math.h>
#include <string.h>

enum { R_USA, R_NONUS, R_CHN, R_EU, R_COUNT };
enum { M_WEL, M_DEF, M_EXP, M_IMP, M_EMP, M_CPI, M_COUNT };

static const char *const reg_name[R_COUNT] = {"USA", "non-US", "CHN", "EU25"};
static const char *const meas_name[M_COUNT] = {"welfare",     "deficit",    "exports_gdp",
                                               "imports_gdp", "employment", "prices"};
static const int meas_dec[M_COUNT] = {2, 1, 1, 1, 2, 1};

/* Table 1 and the one-sector rows of Table 9: case k, then USA and non-US rows of the six
 * columns. */
typedef struct six_row {
    const char *case_name;
    int k;
    double usa[M_COUNT], nonus[M_COUNT];
} six_row;
static const six_row table1[] = {
    {"t1_ustr", 1, {1.13, -18.1, -52.7, -43.6, 0.32, 12.8}, {-0.58, 11.6, -3.2, -3.3, -0.14, -4.7}},
    {"t1_lump_sum", 8, {-0.01, -18.4, -52.5, -43.3, -0.41, 13.1}, {-0.57, 11.7, -3.3, -3.4, -0.14, -4.8}},
    {"t1_optimal", 4, {1.79, -19.1, -55.3, -45.6, 0.51, 12.6}, {-0.61, 17.1, -4.2, -3.7, -0.16, -4.6}},
    {"t9_baseline", 1, {1.13, -18.1, -52.7, -43.6, 0.32, 12.8}, {-0.58, 11.6, -3.2, -3.3, -0.14, -4.7}},
    {"t9_partial_pt", 2, {1.36, -11.8, -35.0, -28.8, 0.30, 7.9}, {-0.23, 7.1, -2.1, -2.2, -0.04, -2.9}},
    {"t9_eps8", 9, {0.33, -26.3, -71.6, -58.0, 0.10, 11.8}, {-0.44, 18.6, -5.3, -4.9, -0.11, -4.3}},
    {"t9_eaton_kortum", 3, {1.24, -0.4, -46.3, -33.3, 0.41, 10.9}, {-0.50, 0.1, -1.9, -2.9, -0.10, -4.0}},
};

/* Table 2: welfare / deficit / employment / prices for USA, CHN, EU (25), non-US. */
typedef struct four_row {
    const char *case_name;
    int k;
    double v[4][4]; /* [USA, CHN, EU, non-US][welfare, deficit, employment, prices] */
} four_row;
static const four_row table2[] = {
    {"t2_reciprocal",
     6,
     {{-0.36, -26.7, -0.18, 7.5}, {-0.82, 6.2, -0.16, -3.7}, {-0.22, 15.4, -0.09, -2.6}, {-0.46, 19.8, -0.13, -2.7}}},
    {"t2_opt_retal",
     5,
     {{-0.75, -29.0, -0.32, 6.0}, {-0.65, 6.3, -0.13, -3.3}, {-0.23, 16.6, -0.09, -2.1}, {-0.43, 22.4, -0.13, -2.2}}},
    {"t2_opt_both",
     7,
     {{-0.32, -28.4, -0.20, 4.2}, {-0.36, 4.2, -0.08, -2.1}, {-0.23, 16.9, -0.09, -1.5}, {-0.39, 25.1, -0.13, -1.5}}},
};
static const int t2_regions[4] = {R_USA, R_CHN, R_EU, R_NONUS};
static const int t2_meas[4] = {M_WEL, M_DEF, M_EMP, M_CPI};

/* Table 3: US tariff revenue, % of GDP (100 R'/E_US) and % of the federal budget (/0.23). */
static const struct {
    const char *case_name;
    int k;
    double gdp, budget;
} table3[] = {{"t3_ustr", 1, 1.14, 4.95},
              {"t3_optimal", 4, 1.35, 5.88},
              {"t3_opt_retal", 5, 0.74, 3.24},
              {"t3_reciprocal", 6, 0.82, 3.57}};

/* Table 8 (the authors' main_regional.m, note §6): 10% both ways between the US and every
 * partner, then the USTR rate both ways with CHN and the EU (case 1), with CHN only (case
 * 2), or 108% both ways with CHN (case 3); welfare / deficit / employment / prices. */
static const struct {
    const char *case_name;
    int nregions;
    double v[4][4]; /* [USA, CHN, EU, RoW] */
} table8[] = {
    {"t8_chn_eu",
     4,
     {{-0.19, -22.3, -0.13, 4.5}, {-0.69, 6.1, -0.16, -2.4}, {-0.25, 17.8, -0.10, -1.6}, {-0.16, 19.8, -0.07, -1.3}}},
    {"t8_chn", 1, {{-0.09, -20.5, -0.10, 3.9}}},
    {"t8_chn_108", 1, {{-0.29, -20.8, -0.16, 4.1}}},
};

/* Table 11, "main" columns: global trade-to-GDP and global employment. */
static const struct {
    const char *case_name;
    int k;
    double trade, employment;
} table11[] = {{"t11_before", 1, -9.4, -0.02}, {"t11_after", 6, -11.6, -0.15}};

typedef struct acc {
    tq_replication_row *rows;
    int cap, count;
} acc;

static void add(acc *a, const char *case_name, const char *region, const char *measure, double paper, int dec,
                double value)
{
    if (a->count >= a->cap)
        return;
    tq_replication_row *r = &a->rows[a->count++];
    r->case_name = case_name;
    r->region = region;
    r->measure = measure;
    r->paper = paper;
    r->paper_decimals = dec;
    r->value = value;
    r->exact = 1;
}

tq_status tq__replicate_liberation(tq_context *ctx, const char *dir, tq_replication_row *rows, int cap, int *count,
                                   double *seconds)
{
    *count = 0;
    *seconds = 0;
    tq__lib_data *d = NULL;
    tq__lib_base *b = NULL;
    tq__lib_ws *ws = NULL;
    unsigned char *mask = NULL;
    /* [case 1..9][region][measure], US revenue share, global trade and employment */
    double v[TQ__LIB_CASES + 1][R_COUNT][M_COUNT], rev[TQ__LIB_CASES + 1], glob[TQ__LIB_CASES + 1][2];
    double v8[3][4][4]; /* Table 8: [case][USA, CHN, EU, RoW][welfare, deficit, employment, prices] */
    double *t = NULL;
    tq_status st;
    if ((st = tq__lib_data_load(ctx, dir, &d)))
        return st;
    const double t0 = tq__fp_now();
    if ((st = tq__lib_base_new(ctx, d, &b)) || (st = tq__lib_ws_new(ctx, b, &ws)))
        goto done;
    const int N = b->N, u = b->usa;
    int chn = -1;
    for (int i = 0; i < N; i++)
        if (!strcmp(d->code[i], "CHN"))
            chn = i;
    mask = tq__calloc(ctx, 3 * (size_t)N, 1);
    t = tq__calloc(ctx, (size_t)N * N, sizeof *t);
    if (!mask || !t) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    if (chn < 0) {
        st = tq__error(ctx, TQ_ERR_NOT_FOUND, dir, 0, "region", "CHN is not in the data");
        goto done;
    }
    unsigned char *nonus = mask, *eu = mask + N, *row = mask + 2 * (size_t)N;
    tq__lib_mask_nonus(b, nonus);
    if ((st = tq__lib_mask_eu25(ctx, d, eu)))
        goto done;
    for (int i = 0; i < N; i++)
        row[i] = i != u && i != chn && !eu[i];
    for (int k = 1; k <= TQ__LIB_CASES; k++) {
        tq__lib_out o;
        if ((st = tq__lib_solve_case(ws, k, &o)))
            goto done;
        const double *col[M_COUNT] = {o.welfare, o.deficit, o.exports_gdp, o.imports_gdp, o.employment, o.cpi};
        for (int m = 0; m < M_COUNT; m++) {
            v[k][R_USA][m] = col[m][u];
            v[k][R_CHN][m] = col[m][chn];
            v[k][R_NONUS][m] = tq__lib_eavg(b, col[m], nonus);
            v[k][R_EU][m] = tq__lib_eavg(b, col[m], eu);
        }
        rev[k] = o.revenue[u];
        glob[k][0] = o.trade_gdp;
        glob[k][1] = o.employment_global;
    }
    for (int c = 0; c < 3; c++) {
        memset(t, 0, sizeof *t * (size_t)N * N);
        for (int i = 0; i < N; i++) {
            if (i == u)
                continue;
            double r = 0.10;
            if (i == chn)
                r = c == 2 ? 1.08 : b->tustr[i];
            else if (c == 0 && eu[i])
                r = b->tustr[i];
            t[(size_t)i * N + u] = t[(size_t)u * N + i] = r;
        }
        tq__lib_out o;
        if ((st = tq__lib_solve_tariffs(ws, t, 0, &o)))
            goto done;
        const double *col[4] = {o.welfare, o.deficit, o.employment, o.cpi};
        for (int m = 0; m < 4; m++) {
            v8[c][0][m] = col[m][u];
            v8[c][1][m] = col[m][chn];
            v8[c][2][m] = tq__lib_eavg(b, col[m], eu);
            v8[c][3][m] = tq__lib_eavg(b, col[m], row);
        }
    }
    *seconds = tq__fp_now() - t0;

    acc a = {rows, cap, 0};
    /* the baseline checkpoints (§1.3-1.4), money in billions of USD */
    double M = 0, Xo = 0, sumE = 0;
    for (int i = 0; i < N; i++) {
        sumE += b->E[i];
        if (i != u) {
            M += b->X[(size_t)i * N + u];
            Xo += b->X[(size_t)u * N + i];
        }
    }
    add(&a, "baseline", "-", "nu_a", 0.1143352128, 10, b->nu_a);
    add(&a, "baseline", "-", "nu_b", 0.2704709823, 10, b->nu_b);
    add(&a, "baseline", "USA", "E_bn", 28759.86505, 5, b->E[u] / 1e6);
    add(&a, "baseline", "USA", "Y_bn", 28288.53473, 5, b->Y[u] / 1e6);
    add(&a, "baseline", "USA", "T_bn", 471.330318, 6, b->T[u] / 1e6);
    add(&a, "baseline", "USA", "X_dom_bn", 25857.25524, 5, b->X[(size_t)u * N + u] / 1e6);
    add(&a, "baseline", "USA", "lambda_dom", 0.8990742895, 10, b->lambda[(size_t)u * N + u]);
    add(&a, "baseline", "USA", "deficit_bn", 1043.884264, 6, (M - Xo) / 1e6);
    add(&a, "baseline", "CHN", "E_bn", 17043.16229, 5, b->E[chn] / 1e6);
    add(&a, "baseline", "CHN", "Y_bn", 18125.49923, 5, b->Y[chn] / 1e6);
    add(&a, "baseline", "CHN", "T_bn", -1082.336942, 6, b->T[chn] / 1e6);
    add(&a, "baseline", "world", "E_bn", 107720.9361, 4, sumE / 1e6);
    tq__lib_optimal op;
    tq__lib_optimal_tariffs(b, &op);
    add(&a, "optimal_tariffs", "USA", "delta", 0.7248775836, 10, op.delta_us);
    add(&a, "optimal_tariffs", "USA", "t_star", 0.2179882150, 10, op.t_star);
    add(&a, "optimal_tariffs", "USA", "delta_case7", 0.8654030900, 10, op.delta7_us);
    add(&a, "optimal_tariffs", "USA", "t_star_case7", 0.1854320679, 10, op.t_star7);
    add(&a, "optimal_tariffs", "non-US", "delta", 0.9225525138, 10, op.delta_a);
    add(&a, "optimal_tariffs", "non-US", "t_retaliation", 0.2274219455, 10, op.t_retal);
    for (size_t r = 0; r < sizeof table1 / sizeof table1[0]; r++)
        for (int g = 0; g < 2; g++)
            for (int m = 0; m < M_COUNT; m++)
                add(&a, table1[r].case_name, reg_name[g ? R_NONUS : R_USA], meas_name[m],
                    g ? table1[r].nonus[m] : table1[r].usa[m], meas_dec[m], v[table1[r].k][g ? R_NONUS : R_USA][m]);
    for (size_t r = 0; r < sizeof table2 / sizeof table2[0]; r++)
        for (int g = 0; g < 4; g++)
            for (int m = 0; m < 4; m++)
                add(&a, table2[r].case_name, reg_name[t2_regions[g]], meas_name[t2_meas[m]], table2[r].v[g][m],
                    meas_dec[t2_meas[m]], v[table2[r].k][t2_regions[g]][t2_meas[m]]);
    for (size_t r = 0; r < sizeof table3 / sizeof table3[0]; r++) {
        add(&a, table3[r].case_name, "USA", "revenue_gdp", table3[r].gdp, 2, 100 * rev[table3[r].k]);
        add(&a, table3[r].case_name, "USA", "revenue_budget", table3[r].budget, 2, 100 * rev[table3[r].k] / 0.23);
    }
    static const char *const t8_regions[4] = {"USA", "CHN", "EU25", "RoW"};
    for (int c = 0; c < 3; c++)
        for (int g = 0; g < table8[c].nregions; g++)
            for (int m = 0; m < 4; m++)
                add(&a, table8[c].case_name, t8_regions[g], meas_name[t2_meas[m]], table8[c].v[g][m],
                    meas_dec[t2_meas[m]], v8[c][g][m]);
    for (size_t r = 0; r < sizeof table11 / sizeof table11[0]; r++) {
        add(&a, table11[r].case_name, "world", "trade_gdp", table11[r].trade, 1, glob[table11[r].k][0]);
        add(&a, table11[r].case_name, "world", "employment", table11[r].employment, 2, glob[table11[r].k][1]);
    }
    *count = a.count;
    if (a.count >= cap)
        st = tq__error(ctx, TQ_ERR_INVALID, NULL, 0, NULL, "too many replication rows (%d)", a.count);
done:
    tq__free(ctx, t);
    tq__free(ctx, mask);
    tq__lib_ws_free(ws);
    tq__lib_base_free(b);
    tq__lib_data_free(d);
    return st;
}
