/* Readers for the Caliendo-Parro (2015) replication data (shared/data/cp2015):
 *
 * - tq__read_cp2015: the long-format folder (trade.csv.gz, intermediate_consumption.csv.gz,
 *   final_consumption.csv, value_added.csv, deficit.csv, theta.csv, regions.csv,
 *   sectors.csv). Money values are USD in the files and millions of USD in the dataset.
 *   `value` in trade.csv is the PRE-tariff flow Z[n,i,j]: with it, gross output from
 *   sales, sum_n value[n,i,j], equals value added plus intermediate costs of (i,j) to
 *   4e-7, and imports - exports equals deficit.csv exactly; read as tariff-inclusive,
 *   both identities fail by up to 15%. Final consumption sums to VA + R + D per region
 *   with R = sum t * value, which again takes value as pre-tariff.
 *   Gross output is taken from the cost side, GO = VA + sum_k IC, so that
 *   beta = VA/GO and gamma[n,k,j] = IC[n,k,j]/GO[n,j] add to one exactly;
 *   alpha = final consumption shares.
 * - tq__read_cp_base: the authors' base year with deficits (base1993_with_deficits):
 *   X[n,i,j] = pi * expenditure[n,j], Z = X / (1 + t), gamma = share_of_intermediates *
 *   (1 - value_added_share), beta = value_added_share, alpha = final_demand_share,
 *   D = -surplus. Units are the authors' scaled units (only ratios matter).
 *
 * Regions are coded by ISO3 (regions.csv of the long folder; a built-in table of the 31
 * CP names for the base folder), sectors by the short codes of cp_sectors below.
 */
#include "cp2015.h"
#include "readers.h"

#include "../core/longtable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* CP2015's 40 sectors in their order, with our short codes. */
static const struct {
    const char *name;
    const char *code;
} cp_sectors[] = {
    {"Agriculture", "AGR"},
    {"Mining", "MIN"},
    {"Food", "FOOD"},
    {"Textile", "TEX"},
    {"Wood", "WOOD"},
    {"Paper", "PAPER"},
    {"Petroleum", "PETRO"},
    {"Chemicals", "CHEM"},
    {"Plastic", "PLAST"},
    {"Minerals", "MINER"},
    {"Basic metals", "BMET"},
    {"Metal products", "METP"},
    {"Machinery n.e.c", "MACH"},
    {"Office", "OFFICE"},
    {"Electrical", "ELEC"},
    {"Communication", "COMM"},
    {"Medical", "MED"},
    {"Auto", "AUTO"},
    {"Other Transport", "OTRAN"},
    {"Other", "OTHER"},
    {"Electricity", "UTIL"},
    {"Construction", "CONS"},
    {"Retail", "RETAIL"},
    {"Hotels", "HOTEL"},
    {"Land Transport", "LTRAN"},
    {"Water Transport", "WTRAN"},
    {"Air Transport", "ATRAN"},
    {"Aux Transport", "AUXT"},
    {"Post", "POST"},
    {"Finance", "FIN"},
    {"Real State", "REAL"},
    {"Renting Mach", "RENT"},
    {"Computer", "COMP"},
    {"R&D", "RD"},
    {"Other Business", "OBUS"},
    {"Public", "PUBL"},
    {"Education", "EDU"},
    {"Health", "HEALTH"},
    {"Other services", "OSERV"},
    {"Private", "PRIV"},
};

/* CP2015's 31 region names and ISO3 codes (as regions.csv of the long folder). */
static const struct {
    const char *name;
    const char *iso3;
} cp_regions[] = {
    {"Argentina", "ARG"},   {"Australia", "AUS"},   {"Austria", "AUT"}, {"Brazil", "BRA"},   {"Canada", "CAN"},
    {"Chile", "CHL"},       {"China", "CHN"},       {"Denmark", "DNK"}, {"Finland", "FIN"},  {"France", "FRA"},
    {"Germany", "DEU"},     {"Greece", "GRC"},      {"Hungary", "HUN"}, {"India", "IND"},    {"Indonesia", "IDN"},
    {"Ireland", "IRL"},     {"Italy", "ITA"},       {"Japan", "JPN"},   {"Korea", "KOR"},    {"Mexico", "MEX"},
    {"Netherlands", "NLD"}, {"New Zealand", "NZL"}, {"Norway", "NOR"},  {"Portugal", "PRT"}, {"South Africa", "ZAF"},
    {"Spain", "ESP"},       {"Sweden", "SWE"},      {"Turkey", "TUR"},  {"UK", "GBR"},       {"USA", "USA"},
    {"Row", "ROW"},
};

#define CP_USD_TO_MUSD 1e-6

static const char *sector_code(const char *name, char *buf, size_t n, int j)
{
    for (size_t k = 0; k < sizeof cp_sectors / sizeof cp_sectors[0]; k++)
        if (strcmp(cp_sectors[k].name, name) == 0)
            return cp_sectors[k].code;
    snprintf(buf, n, "S%02d", j + 1);
    return buf;
}

static const char *region_iso3(const char *name)
{
    for (size_t k = 0; k < sizeof cp_regions / sizeof cp_regions[0]; k++)
        if (strcmp(cp_regions[k].name, name) == 0)
            return cp_regions[k].iso3;
    return name;
}

/* ------------------------------------------------------------- long tables --- */

/* Every file is a long table (core/longtable.h); these declare its columns. Region and
 * sector keys are the names of regions.csv / sectors.csv (region.csv / theta.csv in the
 * base folder). */
static tq__lt_col key_col(const char *name, const tq__index *ix, int count, int region)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_KEY;
    c.codes = ix;
    c.count = count;
    c.what = region ? "region" : "sector";
    return c;
}

/* The same with the names of the keys (ds's region or sector names) for the message
 * naming a missing row. */
static tq__lt_col named_key(const char *name, const tq__index *ix, const tq_dataset *ds, int region)
{
    tq__lt_col c = key_col(name, ix, region ? ds->N : ds->J, region);
    c.label = (const char *const *)(region ? ds->rname : ds->sname);
    return c;
}

static tq__lt_col val_col(const char *name)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_VALUE;
    return c;
}

static tq__lt_col text_col(const char *name)
{
    tq__lt_col c = {0};
    c.name = name;
    c.type = TQ__LT_TEXT;
    return c;
}

/* Open dir/name[.gz] of the cp2015 layouts. With complete, a key combination twice is a
 * TQ_ERR_PARSE naming both lines, and cp_finish makes one never seen a TQ_ERR_INVALID
 * naming it: the authors' tables list every cell (zeros included), so a missing row is a
 * damaged file, never a zero (issue 16, item 3). */
static tq_status cp_open(tq_context *ctx, tq__lt *t, const char *dir, const char *name, const tq__lt_col *cols, int n,
                         int complete)
{
    const tq__lt_spec spec = {NULL, complete, complete, TQ_ERR_PARSE};
    return tq__lt_open_in(ctx, t, dir, name, "cp2015", NULL, cols, n, &spec);
}

/* After the rows of a complete table: the first missing key combination, if any. */
static tq_status cp_finish(tq__lt *t, tq_status st)
{
    return st ? st : tq__lt_finish(t);
}

/* Value column k of the current row; with nonneg, a negative value is an error. */
static tq_status cp_value(tq__lt *t, int k, int nonneg, double *out)
{
    *out = tq__lt_value(t, k);
    if (nonneg && *out < 0)
        return tq__lt_error(t, k, TQ_ERR_PARSE, "negative value %g", *out);
    return TQ_OK;
}

/* theta.csv (sector and a value column `col`): one positive theta for every sector of
 * ds. */
static tq_status read_theta(tq_context *ctx, const char *dir, const char *col, const tq__index *six,
                            const tq_dataset *ds, double *theta)
{
    const int J = tq_dataset_sectors(ds);
    const tq__lt_col cols[] = {key_col("sector", six, J, 0), val_col(col)};
    tq__lt t;
    tq_status st = cp_open(ctx, &t, dir, "theta.csv", cols, 2, 1);
    while (!st && tq__lt_next(&t, &st)) {
        double v = tq__lt_value(&t, 1);
        if (!(v > 0)) {
            st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "theta must be positive, got %g", v);
            break;
        }
        theta[tq__lt_key(&t, 0)] = v;
    }
    for (int j = 0; j < J && !st; j++)
        if (!tq__lt_seen(&t, (size_t)j))
            st = tq__error(ctx, TQ_ERR_PARSE, tq__lt_path(&t), 0, col, "no theta for sector '%s'",
                           tq_dataset_sector_name(ds, j));
    tq__lt_close(&t);
    return st;
}

/* Read a region list (regions.csv of the long folder). */
static tq_status read_regions(tq_context *ctx, const char *dir, tq__index *names, int *N, char ***iso, char ***nm)
{
    const tq__lt_col cols[] = {text_col("region"), text_col("iso3")};
    tq__lt t;
    tq_status st = cp_open(ctx, &t, dir, "regions.csv", cols, 2, 0);
    int cap = 0;
    *N = 0;
    while (!st && tq__lt_next(&t, &st)) {
        const char *name = tq__lt_str(&t, 0), *code = tq__lt_str(&t, 1);
        if (!*name || !*code) {
            st = tq__lt_error(&t, *name ? 1 : 0, TQ_ERR_PARSE, "empty value");
            break;
        }
        if (tq__index_put(names, name, *N)) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "region '%s' listed twice", name);
            break;
        }
        if (*N == cap) {
            cap = cap ? 2 * cap : 32;
            char **a = tq__realloc(ctx, *iso, sizeof(char *) * (size_t)cap);
            if (a)
                *iso = a;
            char **b = a ? tq__realloc(ctx, *nm, sizeof(char *) * (size_t)cap) : NULL;
            if (b)
                *nm = b;
            if (!a || !b) {
                st = TQ_ERR_NOMEM;
                break;
            }
        }
        (*iso)[*N] = tq__strdup(ctx, code);
        (*nm)[*N] = tq__strdup(ctx, name);
        (*N)++;
        if (!(*iso)[*N - 1] || !(*nm)[*N - 1]) {
            st = TQ_ERR_NOMEM;
            break;
        }
    }
    if (!st && *N == 0)
        st = tq__error(ctx, TQ_ERR_PARSE, tq__lt_path(&t), 0, NULL, "no regions in the file");
    tq__lt_close(&t);
    return st;
}

static void free_strs(tq_context *ctx, char **s, int n)
{
    if (!s)
        return;
    for (int k = 0; k < n; k++)
        tq__free(ctx, s[k]);
    tq__free(ctx, s);
}

/* ---------------------------------------------------------------- long format --- */

tq_status tq__read_cp2015(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    tq__index rix = {0}, six = {0};
    char **riso = NULL, **rname = NULL;
    int N = 0, J = 0;
    tq_dataset *ds = NULL;
    double *IC = NULL, *VAj = NULL, *F = NULL;
    tq__lt t = {0};
    tq_status st;
    char buf[16];

    if ((st = tq__index_init(ctx, &rix, 64)) || (st = tq__index_init(ctx, &six, 64)))
        goto done;
    if ((st = read_regions(ctx, dir, &rix, &N, &riso, &rname)))
        goto done;

    /* sectors.csv: order, names, tradable flags */
    {
        const tq__lt_col cols[] = {text_col("sector"), text_col("tradable")};
        int cap = 64, *trad = NULL;
        char **snames = tq__calloc(ctx, (size_t)cap, sizeof(char *));
        trad = tq__calloc(ctx, (size_t)cap, sizeof(int));
        if (!snames || !trad) {
            tq__free(ctx, snames);
            tq__free(ctx, trad);
            st = TQ_ERR_NOMEM;
            goto done;
        }
        st = cp_open(ctx, &t, dir, "sectors.csv", cols, 2, 0);
        while (!st && tq__lt_next(&t, &st)) {
            long tr;
            if ((st = tq__lt_int(&t, 1, &tr)))
                break;
            if (tr != 0 && tr != 1) {
                st = tq__lt_error(&t, 1, TQ_ERR_PARSE, "tradable must be 0 or 1");
                break;
            }
            const char *name = tq__lt_str(&t, 0);
            if (!*name) {
                st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "empty sector name");
                break;
            }
            if (tq__index_put(&six, name, J)) {
                st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "sector '%s' listed twice", name);
                break;
            }
            if (J == cap) {
                st = tq__lt_error(&t, -1, TQ_ERR_PARSE, "more than %d sectors", cap);
                break;
            }
            snames[J] = tq__strdup(ctx, name);
            trad[J] = (int)tr;
            if (!snames[J++]) {
                st = TQ_ERR_NOMEM;
                break;
            }
        }
        if (!st && J == 0)
            st = tq__error(ctx, TQ_ERR_PARSE, tq__lt_path(&t), 0, NULL, "no sectors in the file");
        tq__lt_close(&t);
        if (!st)
            st = tq_dataset_new(ctx, N, J, 1, &ds);
        for (int j = 0; !st && j < J; j++)
            st = tq_dataset_set_sector(ds, j, sector_code(snames[j], buf, sizeof buf, j), snames[j], trad[j]);
        free_strs(ctx, snames, J);
        tq__free(ctx, trad);
        if (st)
            goto done;
    }
    for (int n = 0; n < N; n++)
        if ((st = tq_dataset_set_region(ds, n, riso[n], rname[n])))
            goto done;
    if ((st = tq_dataset_set_name(ds, "cp2015",
                                  "Caliendo & Parro (2015) NAFTA data, 1993, 31 regions x 40 "
                                  "sectors (long format); money in millions of USD")))
        goto done;
    tq_dataset_set_has_io(ds, 1);

    const size_t NN = (size_t)N, JJ = (size_t)J;
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *tar = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL), *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL), *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL), *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    IC = tq__calloc(ctx, NN * JJ * JJ, sizeof(double));
    VAj = tq__calloc(ctx, NN * JJ, sizeof(double));
    F = tq__calloc(ctx, NN * JJ, sizeof(double));
    if (!IC || !VAj || !F) {
        st = TQ_ERR_NOMEM;
        goto done;
    }

    /* trade.csv: sector,exporter,importer,value,tariff (value pre-tariff, see above) */
    {
        const tq__lt_col cols[] = {named_key("sector", &six, ds, 0), named_key("exporter", &rix, ds, 1),
                                   named_key("importer", &rix, ds, 1), val_col("value"), val_col("tariff")};
        st = cp_open(ctx, &t, dir, "trade.csv", cols, 5, 1);
        while (!st && tq__lt_next(&t, &st)) {
            int j = tq__lt_key(&t, 0), i = tq__lt_key(&t, 1), n = tq__lt_key(&t, 2);
            double v, tr = tq__lt_value(&t, 4);
            if ((st = cp_value(&t, 3, 1, &v)))
                break;
            if (tr <= -1.0) {
                st = tq__lt_error(&t, 4, TQ_ERR_PARSE, "tariff %g is not above -1", tr);
                break;
            }
            if (n == i && tr != 0) {
                st = tq__lt_error(&t, 4, TQ_ERR_PARSE, "non-zero tariff on domestic trade");
                break;
            }
            size_t cell = TQ_NIJ(N, J, n, i, j);
            Z[cell] = v * CP_USD_TO_MUSD;
            tar[cell] = tr;
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* intermediate_consumption.csv: input,sector,region,value */
    {
        const tq__lt_col cols[] = {named_key("input", &six, ds, 0), named_key("sector", &six, ds, 0),
                                   named_key("region", &rix, ds, 1), val_col("value")};
        st = cp_open(ctx, &t, dir, "intermediate_consumption.csv", cols, 4, 1);
        while (!st && tq__lt_next(&t, &st)) {
            int k = tq__lt_key(&t, 0), j = tq__lt_key(&t, 1), n = tq__lt_key(&t, 2);
            double v = tq__lt_value(&t, 3);
            /* The authors' data has one small negative cell (Canada, input Other into
             * Basic metals); it is kept, as in their code, and logged. */
            if (v < 0)
                tq__log(ctx, TQ_LOG_WARN, "%s:%ld: negative intermediate consumption %g kept", tq__lt_path(&t),
                        tq__lt_line(&t), v);
            IC[TQ_NKJ(J, n, k, j)] = v * CP_USD_TO_MUSD;
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* value_added.csv and final_consumption.csv: sector,region,value */
    for (int pass = 0; pass < 2; pass++) {
        const tq__lt_col cols[] = {named_key("sector", &six, ds, 0), named_key("region", &rix, ds, 1),
                                   val_col("value")};
        double *dst = pass == 0 ? VAj : F;
        st = cp_open(ctx, &t, dir, pass == 0 ? "value_added.csv" : "final_consumption.csv", cols, 3, 1);
        while (!st && tq__lt_next(&t, &st)) {
            double v;
            if ((st = cp_value(&t, 2, 1, &v)))
                break;
            dst[TQ_NJ(J, tq__lt_key(&t, 1), tq__lt_key(&t, 0))] = v * CP_USD_TO_MUSD;
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* deficit.csv: region,D (imports - exports) */
    {
        const tq__lt_col cols[] = {named_key("region", &rix, ds, 1), val_col("D")};
        st = cp_open(ctx, &t, dir, "deficit.csv", cols, 2, 1);
        while (!st && tq__lt_next(&t, &st))
            D[tq__lt_key(&t, 0)] = tq__lt_value(&t, 1) * CP_USD_TO_MUSD;
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* theta.csv: sector,value */
    if ((st = read_theta(ctx, dir, "value", &six, ds, theta)))
        goto done;

    /* Shares: gross output from the cost side (see the file comment). */
    for (int n = 0; n < N; n++) {
        double va = 0, fsum = 0;
        for (int j = 0; j < J; j++) {
            double go = VAj[TQ_NJ(J, n, j)];
            for (int k = 0; k < J; k++)
                go += IC[TQ_NKJ(J, n, k, j)];
            va += VAj[TQ_NJ(J, n, j)];
            fsum += F[TQ_NJ(J, n, j)];
            if (go > 0) {
                beta[TQ_NJ(J, n, j)] = VAj[TQ_NJ(J, n, j)] / go;
                for (int k = 0; k < J; k++)
                    gamma[TQ_NKJ(J, n, k, j)] = IC[TQ_NKJ(J, n, k, j)] / go;
            } else {
                beta[TQ_NJ(J, n, j)] = 1.0;
            }
        }
        if (!(fsum > 0)) {
            st = tq__error(ctx, TQ_ERR_INVALID, dir, 0, "final_consumption", "region '%s' has no final consumption",
                           rname[n]);
            goto done;
        }
        for (int j = 0; j < J; j++)
            alpha[TQ_NJ(J, n, j)] = F[TQ_NJ(J, n, j)] / fsum;
        VA[n] = va;
    }
    st = tq_dataset_derive(ctx, ds);

done:
    tq__lt_close(&t);
    tq__index_free(&rix);
    tq__index_free(&six);
    free_strs(ctx, riso, N);
    free_strs(ctx, rname, N);
    tq__free(ctx, IC);
    tq__free(ctx, VAj);
    tq__free(ctx, F);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}

/* ------------------------------------------------------ base with deficits --- */

/* Collect distinct names of column k of a table in order of appearance. */
static tq_status collect_names(tq_context *ctx, const char *dir, const char *file, const char *colname, tq__index *ix,
                               char ***names, int *count)
{
    const tq__lt_col cols[] = {text_col(colname)};
    tq__lt t;
    tq_status st = cp_open(ctx, &t, dir, file, cols, 1, 0);
    int cap = 0;
    while (!st && tq__lt_next(&t, &st)) {
        const char *s = tq__lt_str(&t, 0);
        if (!*s) {
            st = tq__lt_error(&t, 0, TQ_ERR_PARSE, "empty name");
            break;
        }
        if (tq__index_get(ix, s) >= 0)
            continue;
        if (*count == cap) {
            cap = cap ? 2 * cap : 64;
            char **a = tq__realloc(ctx, *names, sizeof(char *) * (size_t)cap);
            if (!a) {
                st = TQ_ERR_NOMEM;
                break;
            }
            *names = a;
        }
        (*names)[*count] = tq__strdup(ctx, s);
        if (!(*names)[*count] || (st = tq__index_put(ix, s, *count))) {
            st = st ? st : TQ_ERR_NOMEM;
            break;
        }
        (*count)++;
    }
    if (!st && *count == 0)
        st = tq__error(ctx, TQ_ERR_PARSE, tq__lt_path(&t), 0, colname, "no rows");
    tq__lt_close(&t);
    return st;
}

tq_status tq__read_cp_base(tq_context *ctx, const char *dir, tq_dataset **out)
{
    *out = NULL;
    tq__index rix = {0}, six = {0};
    char **rn = NULL, **sn = NULL;
    int N = 0, J = 0;
    tq_dataset *ds = NULL;
    double *XJ = NULL, *share = NULL;
    tq__lt t = {0};
    tq_status st;
    char buf[16];

    if ((st = tq__index_init(ctx, &rix, 64)) || (st = tq__index_init(ctx, &six, 64)))
        goto done;
    if ((st = collect_names(ctx, dir, "region.csv", "region", &rix, &rn, &N)) ||
        (st = collect_names(ctx, dir, "theta.csv", "sector", &six, &sn, &J)))
        goto done;
    if ((st = tq_dataset_new(ctx, N, J, 1, &ds)))
        goto done;
    for (int n = 0; n < N && !st; n++)
        st = tq_dataset_set_region(ds, n, region_iso3(rn[n]), rn[n]);
    /* names now, for the messages of the tables; tradable flags once the flows are read */
    for (int j = 0; j < J && !st; j++)
        st = tq_dataset_set_sector(ds, j, sector_code(sn[j], buf, sizeof buf, j), sn[j], 0);
    if (st)
        goto done;
    if ((st = tq_dataset_set_name(ds, "cp2015_base_deficits",
                                  "Caliendo & Parro (2015) 1993 base year with deficits "
                                  "(their Equilibrium_with_deficit); money in the authors' scaled units")))
        goto done;
    tq_dataset_set_has_io(ds, 1);

    const size_t NN = (size_t)N, JJ = (size_t)J;
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *tar = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL), *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL), *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL), *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    XJ = tq__calloc(ctx, NN * JJ, sizeof(double));
    share = tq__calloc(ctx, NN * JJ * JJ, sizeof(double));
    if (!XJ || !share) {
        st = TQ_ERR_NOMEM;
        goto done;
    }

    /* theta.csv: sector,theta */
    if ((st = read_theta(ctx, dir, "theta", &six, ds, theta)))
        goto done;

    /* region.csv: region,value_added,surplus (surplus = exports - imports = -D) */
    {
        const tq__lt_col cols[] = {named_key("region", &rix, ds, 1), val_col("value_added"), val_col("surplus")};
        st = cp_open(ctx, &t, dir, "region.csv", cols, 3, 1);
        while (!st && tq__lt_next(&t, &st)) {
            int n = tq__lt_key(&t, 0);
            double va;
            if ((st = cp_value(&t, 1, 1, &va)))
                break;
            VA[n] = va;
            D[n] = -tq__lt_value(&t, 2);
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* sector_region.csv: sector,region,value_added_share,final_demand_share,expenditure */
    {
        const tq__lt_col cols[] = {named_key("sector", &six, ds, 0), named_key("region", &rix, ds, 1),
                                   val_col("value_added_share"), val_col("final_demand_share"), val_col("expenditure")};
        st = cp_open(ctx, &t, dir, "sector_region.csv", cols, 5, 1);
        while (!st && tq__lt_next(&t, &st)) {
            int j = tq__lt_key(&t, 0), n = tq__lt_key(&t, 1);
            double b, a, x;
            if ((st = cp_value(&t, 2, 1, &b)) || (st = cp_value(&t, 3, 1, &a)) || (st = cp_value(&t, 4, 1, &x)))
                break;
            if (b > 1) {
                st = tq__lt_error(&t, 2, TQ_ERR_PARSE, "value-added share %g above 1", b);
                break;
            }
            beta[TQ_NJ(J, n, j)] = b;
            alpha[TQ_NJ(J, n, j)] = a;
            XJ[TQ_NJ(J, n, j)] = x;
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* io_shares.csv: region,input,sector,share_of_intermediates */
    {
        const tq__lt_col cols[] = {named_key("region", &rix, ds, 1), named_key("input", &six, ds, 0),
                                   named_key("sector", &six, ds, 0), val_col("share_of_intermediates")};
        st = cp_open(ctx, &t, dir, "io_shares.csv", cols, 4, 1);
        while (!st && tq__lt_next(&t, &st))
            share[TQ_NKJ(J, tq__lt_key(&t, 0), tq__lt_key(&t, 1), tq__lt_key(&t, 2))] = tq__lt_value(&t, 3);
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    /* shares_tariffs.csv: sector,importer,exporter,pi,tariff */
    {
        const tq__lt_col cols[] = {named_key("sector", &six, ds, 0), named_key("importer", &rix, ds, 1),
                                   named_key("exporter", &rix, ds, 1), val_col("pi"), val_col("tariff")};
        st = cp_open(ctx, &t, dir, "shares_tariffs.csv", cols, 5, 1);
        while (!st && tq__lt_next(&t, &st)) {
            int j = tq__lt_key(&t, 0), n = tq__lt_key(&t, 1), i = tq__lt_key(&t, 2);
            double p, tr = tq__lt_value(&t, 4);
            if ((st = cp_value(&t, 3, 1, &p)))
                break;
            if (p > 1 + 1e-9) {
                st = tq__lt_error(&t, 3, TQ_ERR_PARSE, "share %g above 1", p);
                break;
            }
            if (tr <= -1.0) {
                st = tq__lt_error(&t, 4, TQ_ERR_PARSE, "tariff %g is not above -1", tr);
                break;
            }
            size_t cell = TQ_NIJ(N, J, n, i, j);
            tar[cell] = n == i ? 0.0 : tr;
            Z[cell] = p * XJ[TQ_NJ(J, n, j)] / (1.0 + tar[cell]);
        }
        st = cp_finish(&t, st);
        tq__lt_close(&t);
        if (st)
            goto done;
    }

    for (int n = 0; n < N; n++)
        for (int j = 0; j < J; j++) {
            double b = beta[TQ_NJ(J, n, j)];
            for (int k = 0; k < J; k++)
                gamma[TQ_NKJ(J, n, k, j)] = share[TQ_NKJ(J, n, k, j)] * (1.0 - b);
        }
    /* Tradable: any off-diagonal flow in the sector. */
    for (int j = 0; j < J; j++) {
        int tr = 0;
        for (int n = 0; n < N && !tr; n++)
            for (int i = 0; i < N; i++)
                if (i != n && Z[TQ_NIJ(N, J, n, i, j)] > 0) {
                    tr = 1;
                    break;
                }
        if ((st = tq_dataset_set_sector(ds, j, sector_code(sn[j], buf, sizeof buf, j), sn[j], tr)))
            goto done;
    }
    st = tq_dataset_derive(ctx, ds);

done:
    tq__lt_close(&t);
    tq__index_free(&rix);
    tq__index_free(&six);
    free_strs(ctx, rn, N);
    free_strs(ctx, sn, J);
    tq__free(ctx, XJ);
    tq__free(ctx, share);
    if (st) {
        tq_dataset_free(ds);
        return st;
    }
    *out = ds;
    return TQ_OK;
}

/* ------------------------------------------------------ counterfactual tariffs --- */

static int is_nafta(const char *iso)
{
    return strcmp(iso, "CAN") == 0 || strcmp(iso, "MEX") == 0 || strcmp(iso, "USA") == 0;
}

tq_status tq__cp2015_cfl_tariffs(tq_context *ctx, const char *dir, const tq_dataset *ds, int nafta_only, double *tariff)
{
    const int N = ds->N, J = ds->J;
    const double *t0 = tq_dataset_array_const(ds, TQ_TARIFF, 0, NULL);
    memcpy(tariff, t0, sizeof(double) * (size_t)N * (size_t)N * (size_t)J);

    tq__index names = {0};
    char **iso = NULL, **nm = NULL;
    int RN = 0;
    tq__lt t = {0};
    int *rmap = NULL;
    tq_status st = tq__index_init(ctx, &names, 64);
    if (!st)
        st = read_regions(ctx, dir, &names, &RN, &iso, &nm);
    if (st)
        goto done;
    rmap = tq__calloc(ctx, (size_t)RN, sizeof(int));
    if (!rmap) {
        st = TQ_ERR_NOMEM;
        goto done;
    }
    for (int r = 0; r < RN; r++)
        rmap[r] = tq_dataset_find_region(ds, iso[r]);

    const tq__lt_col cols[] = {text_col("sector"), key_col("exporter", &names, RN, 1),
                               key_col("importer", &names, RN, 1), val_col("tariff_cfl")};
    st = cp_open(ctx, &t, dir, "trade.csv", cols, 4, 0);
    char buf[16];
    while (!st && tq__lt_next(&t, &st)) {
        int ri = tq__lt_key(&t, 1), rn = tq__lt_key(&t, 2);
        double v = tq__lt_value(&t, 3);
        if (v <= -1.0) {
            st = tq__lt_error(&t, 3, TQ_ERR_PARSE, "tariff %g is not above -1", v);
            break;
        }
        int n = rmap[rn], i = rmap[ri];
        int j = tq_dataset_find_sector(ds, sector_code(tq__lt_str(&t, 0), buf, sizeof buf, -1));
        if (n < 0 || i < 0 || j < 0 || n == i)
            continue;
        if (nafta_only && !(is_nafta(iso[rn]) && is_nafta(iso[ri])))
            continue;
        tariff[TQ_NIJ(N, J, n, i, j)] = v;
    }
done:
    tq__lt_close(&t);
    tq__index_free(&names);
    free_strs(ctx, iso, RN);
    free_strs(ctx, nm, RN);
    tq__free(ctx, rmap);
    return st;
}
