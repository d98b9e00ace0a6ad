/* build_data: build tradeq's embedded datasets from the reference data.
 *
 *   build_data SHARED_DATA_DIR OUT_DIR [--force]
 *
 * reads SHARED_DATA_DIR (the project's shared/data) and writes, in tradeq's own format:
 *   OUT_DIR/wiod2014  WIOD 2016 release, 2014, 44 regions, with input-output links
 *   OUT_DIR/icio      OECD ICIO Extended 2023, 81 regions x 28 sectors, 2011-2022, with the
 *                     input-output technology of wiod2014 carried over to every year
 *                     (tq_dataset_import_io; MAPS_DIR/../concordance/io_bridge_wiod2014_icio_*.csv)
 * The steps and why are in data/PROVENANCE.md. Output is deterministic: running it again
 * on the same input gives the same bytes (a test checks the committed files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"

static tq_context *ctx;

static int die(const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "build_data: %s: %s\n", what, buf);
    return 1;
}

/* Add a group by codes; unknown codes are a bug in this file. */
static int group(tq_dataset *ds, tq_group_kind kind, const char *name, const char *const *codes)
{
    int mem[256], n = 0;
    for (; codes[n]; n++) {
        int k = kind == TQ_GROUP_REGION ? tq_dataset_find_region(ds, codes[n]) : tq_dataset_find_sector(ds, codes[n]);
        if (k < 0) {
            fprintf(stderr, "build_data: group %s: unknown code %s\n", name, codes[n]);
            return 1;
        }
        mem[n] = k;
    }
    return tq_dataset_add_group(ds, kind, name, mem, n) != TQ_OK;
}

/* Sector groups by tradable flag: goods = tradable goods sectors, services = the rest,
 * all = every sector. */
static int tradable_groups(tq_dataset *ds, int (*is_goods)(const tq_dataset *, int))
{
    const int J = tq_dataset_sectors(ds);
    int g[512], s[512], a[512], ng = 0, ns = 0;
    for (int j = 0; j < J; j++) {
        a[j] = j;
        if (is_goods(ds, j))
            g[ng++] = j;
        else
            s[ns++] = j;
    }
    return tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "goods", g, ng) ||
           tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "services", s, ns) ||
           tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "all", a, J);
}

static int wiod_goods(const tq_dataset *ds, int j)
{
    return tq_dataset_sector_tradable(ds, j);
}
static int icio_goods(const tq_dataset *ds, int j)
{
    return strcmp(tq_dataset_sector_code(ds, j), "SERV") != 0;
}

static const char *const eu28[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN",
                                   "FRA", "GBR", "GRC", "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA",
                                   "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE", NULL};
static const char *const eu27[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN",
                                   "FRA", "GRC", "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA", "MLT",
                                   "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE", NULL};

static void report(const tq_dataset *ds, const char *stage)
{
    tq_consistency c;
    for (int y = 0; y < tq_dataset_years(ds); y++) {
        if (tq_dataset_check(ctx, ds, y, &c) != TQ_OK)
            continue;
        printf("%s %s %d: E0 max %.3g of spending (%.3g of VA); D vs flows %.3g of VA; VA vs beta*Y %.3g; "
               "sum D %.3g of world VA\n",
               tq_dataset_name(ds), stage, tq_dataset_year(ds, y), c.e0_max_rel, c.e0_max_share_va,
               c.deficit_flow_max_rel, c.va_max_rel, c.deficit_sum_rel);
    }
}

static int build_wiod2014(const char *shared, const char *out, const char *maps, int force)
{
    char in[4200], map[4200], dst[4200];
    snprintf(in, sizeof in, "%s/wiod2014", shared);
    snprintf(map, sizeof map, "%s/wiod2014_sectors.csv", maps);
    snprintf(dst, sizeof dst, "%s/wiod2014", out);
    tq_dataset *raw = NULL, *ds = NULL;
    if (tq_dataset_load(ctx, in, &raw) != TQ_OK)
        return die(in);
    report(raw, "as read");
    /* 1. Tariffs the right way round (data/PROVENANCE.md): the file's row (origin=i,
     *    destination=n) is i's tariff on imports from n, so the reader's t[n,i,j] (read as
     *    labelled) holds the tariff that i levies on n. Transpose; no tariff on domestic
     *    purchases; the pre-tariff flows the reader recovered (as the file was built) stay. */
    const int N = raw->N, J = raw->J;
    double *t = tq_dataset_array(raw, TQ_TARIFF, 0, NULL);
    for (int n = 0; n < N; n++)
        for (int i = n; i < N; i++)
            for (int j = 0; j < J; j++) {
                size_t a = TQ_NIJ(N, J, n, i, j), b = TQ_NIJ(N, J, i, n, j);
                double x = t[a];
                t[a] = (n == i) ? 0.0 : t[b];
                t[b] = (n == i) ? 0.0 : x;
            }
    for (int j = 0; j < J; j++)
        if (!tq_dataset_sector_tradable(raw, j))
            for (int n = 0; n < N; n++)
                for (int i = 0; i < N; i++)
                    t[TQ_NIJ(N, J, n, i, j)] = 0.0;
    tq_dataset_derive(ctx, raw);
    /* 2. Service sectors of uncertain identity merged (C43-C46), names for all. */
    if (tq_dataset_aggregate(ctx, raw, NULL, map, &ds) != TQ_OK)
        return die(map);
    tq_dataset_free(raw);
    /* 3. Make the data contract hold exactly (docs/rebalancing.md). */
    double clipped = 0;
    report(ds, "tariffs swapped, before rebalancing");
    if (tq_dataset_rebalance(ctx, ds, -1, &clipped) != TQ_OK)
        return die("rebalance wiod2014");
    printf("wiod2014 rebalanced: final demand clipped %.3g of world final demand\n", clipped);
    report(ds, "rebalanced");
    tq_dataset_set_name(ds, "wiod2014",
                        "WIOD 2016 release (2014; Timmer et al. 2015) via KITE initial conditions; tariffs read "
                        "origin/destination swapped; see data/PROVENANCE.md");
    static const char *const agri[] = {"C01", "C02", "C03", "C05", NULL};
    static const char *const autos[] = {"C20", NULL};
    static const char *const energy[] = {"C04", "C10", "C23", NULL};
    if (tradable_groups(ds, wiod_goods) || group(ds, TQ_GROUP_SECTOR, "agriculture", agri) ||
        group(ds, TQ_GROUP_SECTOR, "autos", autos) || group(ds, TQ_GROUP_SECTOR, "energy", energy) ||
        group(ds, TQ_GROUP_REGION, "EU28", eu28) || group(ds, TQ_GROUP_REGION, "EU", eu28))
        return die("groups");
    if (tq_dataset_write(ctx, ds, dst, force) != TQ_OK)
        return die(dst);
    printf("wrote %s: %d regions x %d sectors\n", dst, ds->N, ds->J);
    tq_dataset_free(ds);
    return 0;
}

/* The food-and-tobacco rule (data/PROVENANCE.md, "icio: what was transformed"). Teti's rate
 * for C10T12 is the unweighted mean of food (ISIC 15) and tobacco (ISIC 16), so over-quota
 * tobacco lines of several hundred percent lift it to 90-120% for some importers, far above
 * any tariff of any other goods sector (at most 31% in every year). A C10T12 tariff above
 * 50% is replaced by the highest tariff the same importer levies on the same partner in the
 * other goods sectors that year; shares are then re-derived. Returns the cells changed. */
#define ICIO_FOOD_TOBACCO_CAP 0.5
static long icio_food_tobacco_rule(tq_dataset *ds, double *us_before, double *us_after)
{
    const int N = ds->N, J = ds->J, food = tq_dataset_find_sector(ds, "C10T12"),
              usa = tq_dataset_find_region(ds, "USA");
    long changed = 0;
    for (int y = 0; y < ds->Y; y++) {
        double *t = tq_dataset_array(ds, TQ_TARIFF, y, NULL);
        const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
        for (int n = 0; n < N; n++)
            for (int i = 0; i < N; i++) {
                if (i == n)
                    continue;
                const size_t c = ((size_t)n * N + i) * J;
                if (n == usa && tq_dataset_year(ds, y) == 2018)
                    for (int j = 0; j < J; j++)
                        *us_before += t[c + j] * Z[c + j];
                if (t[c + food] > ICIO_FOOD_TOBACCO_CAP) {
                    double mx = 0;
                    for (int j = 0; j < J; j++)
                        if (j != food && icio_goods(ds, j) && t[c + j] > mx)
                            mx = t[c + j];
                    t[c + food] = mx;
                    changed++;
                }
                if (n == usa && tq_dataset_year(ds, y) == 2018)
                    for (int j = 0; j < J; j++)
                        *us_after += t[c + j] * Z[c + j];
            }
    }
    return changed;
}

static int write_io_report(const char *out, const tq_io_import_row *rows, int n);

static int build_icio(const char *shared, const char *out, const char *maps, int force)
{
    char in[4200], dst[4200], ref[4200], smap[4200], rmap[4200];
    snprintf(in, sizeof in, "%s/icio", shared);
    snprintf(dst, sizeof dst, "%s/icio", out);
    tq_dataset *ds = NULL;
    if (tq_dataset_load(ctx, in, &ds) != TQ_OK)
        return die(in);
    tq_dataset_set_name(ds, "icio",
                        "OECD ICIO Extended 2023 edition (2011-2022) with Teti (2024) GTD tariffs. Observed each "
                        "year: trade, output, absorption, tariffs. Carried over: input-output technology "
                        "(value-added and input shares) of WIOD 2014 (wiod2014), the same in every year; final "
                        "demand and value added reconciled to it; see docs/io-bridge.md");
    double us0 = 0, us1 = 0;
    long changed = icio_food_tobacco_rule(ds, &us0, &us1);
    if (tq_dataset_derive(ctx, ds) != TQ_OK || tq_dataset_fill_no_io(ctx, ds) != TQ_OK ||
        tq_dataset_derive(ctx, ds) != TQ_OK)
        return die("icio after the food-and-tobacco rule");
    printf("icio: food-and-tobacco rule changed %ld tariffs (all years); US tariff revenue 2018 %.1f -> %.1f bn USD\n",
           changed, us0 / 1000, us1 / 1000);
    /* Input-output technology of wiod2014 (just written by build_wiod2014) carried over to
     * every year (docs/io-bridge.md); what the reconciliation moved goes beside the data. */
    snprintf(ref, sizeof ref, "%s/wiod2014", out);
    snprintf(smap, sizeof smap, "%s/../concordance/io_bridge_wiod2014_icio_sectors.csv", maps);
    snprintf(rmap, sizeof rmap, "%s/../concordance/io_bridge_wiod2014_icio_regions.csv", maps);
    tq_dataset *wiod = NULL;
    tq_io_import_row *rows = NULL;
    int nrows = 0;
    if (tq_dataset_load(ctx, ref, &wiod) != TQ_OK)
        return die(ref);
    if (tq_dataset_import_io(ctx, ds, wiod, -1, smap, rmap, &rows, &nrows) != TQ_OK)
        return die("icio: input-output technology from wiod2014");
    tq_dataset_free(wiod);
    report(ds, "with wiod2014 technology, rebalanced");
    static const char *const agri[] = {"A01", "A02", "A03", "C10T12", NULL};
    static const char *const autos[] = {"C29", NULL};
    static const char *const energy[] = {"B05", "B06", "C19", NULL};
    if (tradable_groups(ds, icio_goods) || group(ds, TQ_GROUP_SECTOR, "agriculture", agri) ||
        group(ds, TQ_GROUP_SECTOR, "autos", autos) || group(ds, TQ_GROUP_SECTOR, "energy", energy) ||
        group(ds, TQ_GROUP_REGION, "EU27", eu27) || group(ds, TQ_GROUP_REGION, "EU28", eu28))
        return die("groups");
    if (tq_dataset_write(ctx, ds, dst, force) != TQ_OK)
        return die(dst);
    if (write_io_report(out, rows, nrows))
        return 1;
    tq_io_import_free(ctx, rows);
    printf("wrote %s: %d regions x %d sectors x %d years\n", dst, ds->N, ds->J, ds->Y);
    tq_dataset_free(ds);
    return 0;
}

/* OUT_DIR/icio/io_reconciliation.csv: what the reconciliation moved, per region and year,
 * and a summary line per year on standard output. */
static int write_io_report(const char *out, const tq_io_import_row *rows, int n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/icio/io_reconciliation.csv", out);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "build_data: cannot write %s\n", path);
        return 1;
    }
    if (tq_io_import_write_csv(rows, n, f) | fclose(f)) {
        fprintf(stderr, "build_data: cannot write %s\n", path);
        return 1;
    }
    for (int k = 0; k < n;) {
        double share;
        int worst, cnt = tq_io_import_year(rows, n, k, &share, &worst);
        printf("icio %d: reconciliation moved %.4g%% of world final demand to value added; most in %s (%.3g%%)\n",
               rows[k].year, 100 * share, rows[worst].region, 100 * rows[worst].moved_share);
        k += cnt;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int force = 0;
    const char *pos[3] = {0};
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (np < 3)
            pos[np++] = argv[i];
    }
    if (np < 2) {
        fprintf(stderr, "usage: build_data SHARED_DATA_DIR OUT_DIR [MAPS_DIR] [--force]\n"
                        "  MAPS_DIR defaults to OUT_DIR/maps (the sector merge map for wiod2014); the concordances\n"
                        "  of icio's input-output bridge are read from MAPS_DIR/../concordance\n");
        return 2;
    }
    char maps[4096];
    if (np > 2)
        snprintf(maps, sizeof maps, "%s", pos[2]);
    else
        snprintf(maps, sizeof maps, "%s/maps", pos[1]);
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 1;
    int rc = build_wiod2014(pos[0], pos[1], maps, force) || build_icio(pos[0], pos[1], maps, force);
    tq_context_free(ctx);
    return rc;
}
