/* Tests of tq_dataset_aggregate (src/data/aggregate.c): hand-checked sums on the tiny
 * 3x2 dataset, malformed mapping files, and EU28 / majors aggregation of wiod2014
 * (skipped when the shared data are absent). */
#include <math.h>

#include "readers_testutil.h"

#include "data/dataset.h"
#include "data/readers.h"

#define TINY TQ_TEST_DATA "/tiny"
#define MAPS TQ_TEST_DATA "/../../data/maps"

static tq_dataset *load_tiny(tq_context *ctx)
{
    tq_dataset *ds = NULL;
    tq_status st = tq_dataset_load(ctx, TINY, &ds);
    if (st) {
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        fail_msg("loading %s: %s", TINY, buf);
    }
    return ds;
}

static tq_dataset *aggregate_ok(tq_context *ctx, const tq_dataset *ds, const char *rmap, const char *smap)
{
    tq_dataset *out = NULL;
    tq_status st = tq_dataset_aggregate(ctx, ds, rmap, smap, &out);
    if (st) {
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        fail_msg("aggregate: %s", buf);
    }
    return out;
}

/* AAA and BBB into AB; CCC stays. Every number below is worked out in the comments
 * from tests/data/tiny/README.md. */
static void test_tiny_regions(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load_tiny(ctx);
    char *dir = tq_test_tmpdir();
    char map[4200];
    snprintf(map, sizeof map, "%s/regions.csv", dir);
    tq_test_write(dir, "regions.csv", "code,group,group_name\nAAA,AB,Aland-Borduria\nBBB,AB,\nCCC,CCC,\n");
    tq_dataset *ag = aggregate_ok(ctx, ds, map, NULL);

    const int N = 2, J = 2, G = 0, S = 1, AB = 0, C = 1;
    assert_int_equal(tq_dataset_regions(ag), N);
    assert_int_equal(tq_dataset_sectors(ag), J);
    assert_int_equal(tq_dataset_year(ag, 0), 2020);
    assert_int_equal(tq_dataset_has_io(ag), 1);
    assert_string_equal(tq_dataset_region_code(ag, AB), "AB");
    assert_string_equal(tq_dataset_region_name(ag, AB), "Aland-Borduria");
    assert_string_equal(tq_dataset_region_code(ag, C), "CCC");
    assert_string_equal(tq_dataset_region_name(ag, C), "Carpania"); /* kept from the member */

    const double *Z = tq_dataset_array_const(ag, TQ_Z, 0, NULL);
    const double *t = tq_dataset_array_const(ag, TQ_TARIFF, 0, NULL);
    const double *Y = tq_dataset_array_const(ag, TQ_Y, 0, NULL);
    const double *gamma = tq_dataset_array_const(ag, TQ_GAMMA, 0, NULL);
    const double *beta = tq_dataset_array_const(ag, TQ_BETA, 0, NULL);
    const double *alpha = tq_dataset_array_const(ag, TQ_ALPHA, 0, NULL);
    const double *VA = tq_dataset_array_const(ag, TQ_VA, 0, NULL);
    const double *D = tq_dataset_array_const(ag, TQ_DEFICIT, 0, NULL);
    const double *R = tq_dataset_array_const(ag, TQ_R, 0, NULL);
    const double *I = tq_dataset_array_const(ag, TQ_I, 0, NULL);
    /* goods: AB buys from AB 100 + 20 + 30 + 80 = 230 (was 50 of it imports), from CCC 10 + 10;
     * the 8 of tariffs AAA and BBB paid each other (0.1*20 + 0.2*30) stay in the value of
     * AB's now domestic flow, which bears no tariff: 238 */
    tq_assert_close(Z[TQ_NIJ(N, J, AB, AB, G)], 238.0, 1e-15);
    tq_assert_close(Z[TQ_NIJ(N, J, AB, C, G)], 20.0, 1e-15);
    tq_assert_close(Z[TQ_NIJ(N, J, C, AB, G)], 20.0, 1e-15);
    tq_assert_close(Z[TQ_NIJ(N, J, C, C, G)], 60.0, 1e-15);
    tq_assert_close(Z[TQ_NIJ(N, J, AB, AB, S)], 270.0, 1e-15);
    /* tariffs, trade weighted: none inside AB (a region cannot levy a tariff on itself);
     * CCC on AB (0.05*10 + 0*10)/20 */
    tq_assert_close(t[TQ_NIJ(N, J, AB, AB, G)], 0.0, 0);
    tq_assert_close(t[TQ_NIJ(N, J, AB, AB, S)], 0.0, 0);
    tq_assert_close(t[TQ_NIJ(N, J, C, AB, G)], 0.025, 1e-15);
    tq_assert_close(t[TQ_NIJ(N, J, AB, C, G)], 0.0, 1e-15);
    /* no trade in services between groups: the simple mean of the members' zero rates */
    tq_assert_close(t[TQ_NIJ(N, J, AB, C, S)], 0.0, 0);
    /* output, value added, tariff revenue, deficits, income are sums, but for the 8 of
     * tariffs inside AB: output and value added of AB's goods, not tariff revenue, so that
     * income I = VA + R + D is the members' sum 372 */
    tq_assert_close(Y[TQ_NJ(J, AB, G)], 258.0, 1e-15);
    tq_assert_close(Y[TQ_NJ(J, AB, S)], 270.0, 1e-15);
    tq_assert_close(VA[AB], 372.0, 1e-15);
    tq_assert_close(R[AB], 0.0, 0);
    tq_assert_close(D[AB], 0.0, 1e-15); /* -10 + 10: AB imports 20 from CCC and exports 20 */
    tq_assert_close(D[C], 0.0, 1e-15);
    tq_assert_close(I[AB], 372.0, 1e-14);
    /* shares from values: intermediate purchases 0.2*250 and 0.1*250 of goods output 258,
     * value added 0.7*250 + 8; services keep the members' structure; alpha = (89 + 92) / 372 */
    tq_assert_close(gamma[TQ_NKJ(J, AB, G, G)], 50.0 / 258.0, 1e-15);
    tq_assert_close(gamma[TQ_NKJ(J, AB, S, G)], 25.0 / 258.0, 1e-15);
    tq_assert_close(beta[TQ_NJ(J, AB, G)], 183.0 / 258.0, 1e-15);
    tq_assert_close(beta[TQ_NJ(J, AB, S)], 0.7, 1e-15);
    tq_assert_close(alpha[TQ_NJ(J, AB, G)], 181.0 / 372.0, 1e-14);
    tq_assert_close(alpha[TQ_NJ(J, AB, G)] + alpha[TQ_NJ(J, AB, S)], 1.0, 1e-15);

    /* tiny is an exact equilibrium, and so is its aggregate */
    tq_consistency cc;
    assert_int_equal(tq_dataset_check(ctx, ag, 0, &cc), TQ_OK);
    assert_true(cc.e0_max_rel < 1e-12);
    assert_true(cc.deficit_flow_max_rel < 1e-12);
    assert_true(cc.va_max_rel < 1e-12);

    tq_dataset_free(ag);
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

/* Sectors G and S into one; theta weighted by the trade that stays international. */
static void test_tiny_sectors(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load_tiny(ctx);
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[1] = 8.0; /* services theta 8 for the weighting */
    char *dir = tq_test_tmpdir();
    char smap[4200], wmap[4200];
    snprintf(smap, sizeof smap, "%s/sectors.csv", dir);
    snprintf(wmap, sizeof wmap, "%s/world.csv", dir);
    tq_test_write(dir, "sectors.csv", "code,group,group_name,tradable\nG,ALL,Everything,\nS,ALL,,\n");
    tq_test_write(dir, "world.csv", "code,group\nAAA,W\nBBB,W\nCCC,W\n");

    tq_dataset *ag = aggregate_ok(ctx, ds, NULL, smap);
    const int N = 3, J = 1;
    assert_int_equal(tq_dataset_regions(ag), N);
    assert_int_equal(tq_dataset_sectors(ag), J);
    assert_string_equal(tq_dataset_sector_name(ag, 0), "Everything");
    assert_int_equal(tq_dataset_sector_tradable(ag, 0), 1); /* a tradable member */
    assert_string_equal(tq_dataset_region_name(ag, 1), "Borduria");
    const double *Z = tq_dataset_array_const(ag, TQ_Z, 0, NULL);
    const double *t = tq_dataset_array_const(ag, TQ_TARIFF, 0, NULL);
    const double *gamma = tq_dataset_array_const(ag, TQ_GAMMA, 0, NULL);
    const double *beta = tq_dataset_array_const(ag, TQ_BETA, 0, NULL);
    const double *alpha = tq_dataset_array_const(ag, TQ_ALPHA, 0, NULL);
    const double *theta = tq_dataset_array_const(ag, TQ_THETA, 0, NULL);
    tq_assert_close(Z[TQ_NIJ(N, J, 0, 0, 0)], 250.0, 1e-15); /* 100 goods + 150 services */
    tq_assert_close(t[TQ_NIJ(N, J, 0, 1, 0)], 0.1, 1e-15);
    tq_assert_close(gamma[TQ_NKJ(J, 0, 0, 0)], 0.3, 1e-15);
    tq_assert_close(beta[0], 0.7, 1e-15);
    tq_assert_close(alpha[0], 1.0, 1e-15);
    tq_assert_close(theta[0], 4.0, 1e-15); /* services are not traded: goods' theta */
    tq_dataset_free(ag);

    /* one world region: no international trade left, so theta is output weighted:
     * goods 330, services 360 */
    ag = aggregate_ok(ctx, ds, wmap, smap);
    assert_int_equal(tq_dataset_regions(ag), 1);
    theta = tq_dataset_array_const(ag, TQ_THETA, 0, NULL);
    tq_assert_close(theta[0], (4.0 * 330 + 8.0 * 360) / 690.0, 1e-15);
    tq_assert_close(tq_dataset_array_const(ag, TQ_DEFICIT, 0, NULL)[0], 0.0, 1e-15);
    /* all 8.5 of tariff revenue was paid inside the one region: output and value added now */
    tq_assert_close(tq_dataset_array_const(ag, TQ_Y, 0, NULL)[0], 698.5, 1e-15);
    tq_assert_close(tq_dataset_array_const(ag, TQ_R, 0, NULL)[0], 0.0, 0);
    tq_assert_close(tq_dataset_array_const(ag, TQ_TARIFF, 0, NULL)[0], 0.0, 0);
    tq_dataset_free(ag);

    /* no maps at all: a copy with the same numbers */
    ag = aggregate_ok(ctx, ds, NULL, NULL);
    size_t len = 0;
    const double *z0 = tq_dataset_array_const(ds, TQ_Z, 0, &len);
    const double *z1 = tq_dataset_array_const(ag, TQ_Z, 0, NULL);
    for (size_t a = 0; a < len; a++)
        tq_assert_close(z1[a], z0[a], 0);
    tq_dataset_free(ag);

    tq_dataset_free(ds);
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

/* Several years: each year is aggregated with the same maps; year labels are kept. */
static void test_tiny_years(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *one = load_tiny(ctx);
    tq_dataset *two = NULL;
    assert_int_equal(tq_dataset_new(ctx, 3, 2, 2, &two), TQ_OK);
    for (int n = 0; n < 3; n++)
        assert_int_equal(tq_dataset_set_region(two, n, tq_dataset_region_code(one, n), tq_dataset_region_name(one, n)),
                         TQ_OK);
    for (int j = 0; j < 2; j++)
        assert_int_equal(tq_dataset_set_sector(two, j, tq_dataset_sector_code(one, j), tq_dataset_sector_name(one, j),
                                               tq_dataset_sector_tradable(one, j)),
                         TQ_OK);
    assert_int_equal(tq_dataset_set_year(two, 0, 2020), TQ_OK);
    assert_int_equal(tq_dataset_set_year(two, 1, 2021), TQ_OK);
    static const tq_array inputs[] = {TQ_Z, TQ_TARIFF, TQ_GAMMA, TQ_BETA, TQ_ALPHA, TQ_VA, TQ_DEFICIT};
    for (int y = 0; y < 2; y++)
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
            size_t len;
            const double *src = tq_dataset_array_const(one, inputs[k], 0, &len);
            double *dst = tq_dataset_array(two, inputs[k], y, NULL);
            /* year 2021: every value doubles (shares and tariffs stay) */
            int money = inputs[k] == TQ_Z || inputs[k] == TQ_VA || inputs[k] == TQ_DEFICIT;
            for (size_t a = 0; a < len; a++)
                dst[a] = src[a] * (y == 1 && money ? 2.0 : 1.0);
        }
    memcpy(tq_dataset_array(two, TQ_THETA, 0, NULL), tq_dataset_array_const(one, TQ_THETA, 0, NULL),
           2 * sizeof(double));
    assert_int_equal(tq_dataset_derive(ctx, two), TQ_OK);

    char *dir = tq_test_tmpdir();
    char map[4200];
    snprintf(map, sizeof map, "%s/regions.csv", dir);
    tq_test_write(dir, "regions.csv", "code,group\nAAA,AB\nBBB,AB\nCCC,CCC\n");
    tq_dataset *ag = aggregate_ok(ctx, two, map, NULL);
    assert_int_equal(tq_dataset_years(ag), 2);
    assert_int_equal(tq_dataset_year(ag, 0), 2020);
    assert_int_equal(tq_dataset_year(ag, 1), 2021);
    assert_string_equal(tq_dataset_region_name(ag, 0), "AB"); /* no group_name: the code */
    size_t len;
    const double *z0 = tq_dataset_array_const(ag, TQ_Z, 0, &len);
    const double *z1 = tq_dataset_array_const(ag, TQ_Z, 1, NULL);
    const double *t0 = tq_dataset_array_const(ag, TQ_TARIFF, 0, NULL);
    const double *t1 = tq_dataset_array_const(ag, TQ_TARIFF, 1, NULL);
    for (size_t a = 0; a < len; a++) {
        tq_assert_close(z1[a], 2.0 * z0[a], 1e-15);
        tq_assert_close(t1[a], t0[a], 1e-15);
    }
    tq_assert_close(z0[TQ_NIJ(2, 2, 0, 0, 0)], 238.0, 1e-15); /* 230 + 8 of tariffs inside AB */
    const double *a0 = tq_dataset_array_const(ag, TQ_ALPHA, 0, NULL);
    const double *a1 = tq_dataset_array_const(ag, TQ_ALPHA, 1, NULL);
    tq_assert_close(a1[0], a0[0], 1e-14);
    tq_assert_close(tq_dataset_array_const(ag, TQ_VA, 1, NULL)[0], 744.0, 1e-15); /* 2 x (364 + 8) */
    tq_dataset_free(ag);
    tq_dataset_free(two);
    tq_dataset_free(one);
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

typedef struct bad_map {
    const char *label;
    int sectors;
    const char *content; /* NULL = the file does not exist */
    tq_status status;
    long line;
    const char *field;
    const char *message;
} bad_map;

static const bad_map bad_maps[] = {
    {"unknown code", 0, "code,group\nAAA,AB\nXXX,AB\nBBB,AB\nCCC,C\n", TQ_ERR_NOT_FOUND, 3, "code",
     "unknown region code 'XXX'"},
    {"duplicate code", 0, "code,group\nAAA,AB\nBBB,AB\nAAA,C\nCCC,C\n", TQ_ERR_INVALID, 4, "code", "mapped twice"},
    {"missing code", 0, "code,group\nAAA,AB\nBBB,AB\n", TQ_ERR_INVALID, 3, "code", "'CCC' is not mapped"},
    {"empty group", 0, "code,group\nAAA,\nBBB,AB\nCCC,C\n", TQ_ERR_PARSE, 2, "group", NULL},
    {"missing column", 0, "code,grp\nAAA,AB\n", TQ_ERR_PARSE, 1, "group", "missing column"},
    {"truncated row", 0, "code,group\nAAA,AB\nBBB\n", TQ_ERR_PARSE, 3, "group", "truncated"},
    {"two names for a group", 0, "code,group,group_name\nAAA,AB,x\nBBB,AB,y\nCCC,C,\n", TQ_ERR_INVALID, 3, "group_name",
     NULL},
    {"unknown sector", 1, "code,group\nG,T\nQ,T\n", TQ_ERR_NOT_FOUND, 3, "code", "unknown sector"},
    {"bad tradable", 1, "code,group,group_name,tradable\nG,T,,3\nS,T,,0\n", TQ_ERR_INVALID, 2, "tradable", NULL},
    {"non-numeric tradable", 1, "code,group,group_name,tradable\nG,T,,yes\nS,T,,0\n", TQ_ERR_PARSE, 2, "tradable",
     NULL},
    {"two tradable flags for a group", 1, "code,group,group_name,tradable\nG,T,,1\nS,T,,0\n", TQ_ERR_INVALID, 3,
     "tradable", NULL},
    {"missing file", 0, NULL, TQ_ERR_IO, 0, NULL, NULL},
};

static void test_bad_maps(void **state)
{
    (void)state;
    tq_context *ctx = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ds = load_tiny(ctx);
    char *dir = tq_test_tmpdir();
    char map[4200];
    snprintf(map, sizeof map, "%s/map.csv", dir);
    for (size_t k = 0; k < sizeof bad_maps / sizeof bad_maps[0]; k++) {
        const bad_map *b = &bad_maps[k];
        unlink(map);
        if (b->content)
            tq_test_write(dir, "map.csv", b->content);
        tq_dataset *out = (tq_dataset *)(uintptr_t)1;
        tq_status st = tq_dataset_aggregate(ctx, ds, b->sectors ? NULL : map, b->sectors ? map : NULL, &out);
        rd_check_case(b->label, ctx, st, b->status, "map.csv", b->line, b->field, b->message);
        assert_null(out);
    }
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

/* ------------------------------------------------------ allocation faults --- */

typedef struct aggregate_arg {
    const tq_dataset *ds;
    const char *rmap, *smap;
} aggregate_arg;

static tq_status aggregate_op(tq_context *ctx, void *arg)
{
    const aggregate_arg *aa = arg;
    tq_dataset *out = (tq_dataset *)(uintptr_t)1;
    tq_status st = tq_dataset_aggregate(ctx, aa->ds, aa->rmap, aa->smap, &out);
    if (st == TQ_OK) {
        assert_int_equal(tq_dataset_regions(out), 2);
        assert_int_equal(tq_dataset_sectors(out), 1);
        tq_dataset_free(out);
    } else {
        assert_null(out);
    }
    return st;
}

/* Every allocation of the aggregator may fail: TQ_ERR_NOMEM, no leak, then success. */
static void test_allocation_failures(void **state)
{
    (void)state;
    tq_context *base = NULL;
    assert_int_equal(tq_context_new(&base, NULL), TQ_OK);
    tq_dataset *ds = load_tiny(base);
    char *dir = tq_test_tmpdir();
    char rmap[4200], smap[4200];
    snprintf(rmap, sizeof rmap, "%s/r.csv", dir);
    snprintf(smap, sizeof smap, "%s/s.csv", dir);
    tq_test_write(dir, "r.csv", "code,group,group_name\nAAA,AB,Aland-Borduria\nBBB,AB,\nCCC,CCC,\n");
    tq_test_write(dir, "s.csv", "code,group,group_name,tradable\nG,ALL,All,1\nS,ALL,,\n");
    aggregate_arg aa = {ds, rmap, smap};
    long k = tq_test_alloc_sweep(aggregate_op, &aa, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
    print_message("aggregate succeeded with %ld allocations allowed\n", k);
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
    tq_context_free(base);
}

/* ------------------------------------------------------- wiod2014: EU28 --- */

static double sum_arr(const double *a, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += a[k];
    return s;
}

/* The tariffs paid on trade inside one group of the region map file `map` (code,group,...
 * lines): between two members, and a member's own (the raw WIOD's ROW taxes its own
 * imports from the rest of the world), in sector j (j < 0: all sectors): what
 * aggregation turns from tariff revenue into output and value added. Read from the map
 * file and the original data, independently of the aggregation. */
static double intra_group_revenue(const tq_dataset *ds, const char *map, int j)
{
    const int N = tq_dataset_regions(ds), J = tq_dataset_sectors(ds);
    char grp[64][16];
    int gi[64];
    assert_true(N <= 64);
    for (int n = 0; n < N; n++)
        gi[n] = -1;
    FILE *f = fopen(map, "r");
    assert_non_null(f);
    char line[512];
    int ng = 0;
    while (fgets(line, sizeof line, f)) {
        char code[16] = "", g[16] = "";
        if (sscanf(line, "%15[^,],%15[^,\n]", code, g) != 2)
            continue;
        int n = tq_dataset_find_region(ds, code);
        if (n < 0)
            continue;
        int k = 0;
        while (k < ng && strcmp(grp[k], g))
            k++;
        if (k == ng)
            snprintf(grp[ng++], sizeof grp[0], "%s", g);
        gi[n] = k;
    }
    fclose(f);
    const double *Z = tq_dataset_array_const(ds, TQ_Z, 0, NULL);
    const double *t = tq_dataset_array_const(ds, TQ_TARIFF, 0, NULL);
    double r = 0;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            if (gi[n] >= 0 && gi[n] == gi[i])
                for (int s = 0; s < J; s++)
                    if (j < 0 || s == j)
                        r += t[TQ_NIJ(N, J, n, i, s)] * Z[TQ_NIJ(N, J, n, i, s)];
    return r;
}

static int is_eu(const char *c)
{
    static const char *const eu[] = {"AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN",
                                     "FRA", "GBR", "GRC", "HRV", "HUN", "IRL", "ITA", "LTU", "LUX", "LVA",
                                     "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE"};
    for (size_t k = 0; k < sizeof eu / sizeof eu[0]; k++)
        if (strcmp(eu[k], c) == 0)
            return 1;
    return 0;
}

/* Aggregating the EU members into EU28 leaves world output unchanged and moves exactly the
 * intra-EU trade from imports to domestic trade. */
static void test_wiod_eu28(void **state)
{
    (void)state;
    const char *wiod = tq_test_shared("wiod2014");
    tq_context *ctx = NULL;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, wiod, &ds), TQ_OK);
    tq_dataset *ag = aggregate_ok(ctx, ds, MAPS "/wiod2014_eu28.csv", NULL);

    const int N = 44, J = 50, N2 = 17;
    assert_int_equal(tq_dataset_regions(ag), N2);
    assert_int_equal(tq_dataset_sectors(ag), J);
    int eu = tq_dataset_find_region(ag, "EU28");
    assert_true(eu >= 0);
    assert_string_equal(tq_dataset_region_name(ag, eu), "European Union (28)");
    assert_string_equal(tq_dataset_region_name(ag, tq_dataset_find_region(ag, "USA")), "United States");

    const double *Z = tq_dataset_array_const(ds, TQ_Z, 0, NULL);
    const double *Z2 = tq_dataset_array_const(ag, TQ_Z, 0, NULL);
    const double *t = tq_dataset_array_const(ds, TQ_TARIFF, 0, NULL);
    const double *t2 = tq_dataset_array_const(ag, TQ_TARIFF, 0, NULL);
    const double *Y = tq_dataset_array_const(ds, TQ_Y, 0, NULL);
    const double *Y2 = tq_dataset_array_const(ag, TQ_Y, 0, NULL);

    /* world output, by sector and in total */
    double yw = 0, yw2 = 0;
    for (int j = 0; j < J; j++) {
        double a = 0, b = 0;
        for (int n = 0; n < N; n++)
            a += Y[TQ_NJ(J, n, j)];
        for (int n = 0; n < N2; n++)
            b += Y2[TQ_NJ(J, n, j)];
        /* plus the tariffs paid on trade inside a group on this sector's goods */
        tq_assert_close(b, a + intra_group_revenue(ds, MAPS "/wiod2014_eu28.csv", j), 1e-9);
        yw += a;
        yw2 += b;
    }
    const double r_in = intra_group_revenue(ds, MAPS "/wiod2014_eu28.csv", -1);
    assert_true(r_in > 0); /* ROW's own tariffs */
    tq_assert_close(yw2 / (yw + r_in), 1.0, 1e-12);

    /* per sector: EU28 domestic = members' domestic + intra-EU imports; EU28 imports =
     * members' imports - intra-EU imports */
    double intra_total = 0, eu_imports_before = 0, eu_imports_after = 0;
    for (int j = 0; j < J; j++) {
        double dom = 0, intra = 0, imp = 0;
        for (int n = 0; n < N; n++) {
            if (!is_eu(tq_dataset_region_code(ds, n)))
                continue;
            for (int i = 0; i < N; i++) {
                double z = Z[TQ_NIJ(N, J, n, i, j)];
                if (i == n)
                    dom += z;
                else if (is_eu(tq_dataset_region_code(ds, i)))
                    intra += z;
                else
                    imp += z;
            }
        }
        double imp2 = 0;
        for (int i = 0; i < N2; i++)
            if (i != eu)
                imp2 += Z2[TQ_NIJ(N2, J, eu, i, j)];
        tq_assert_close(Z2[TQ_NIJ(N2, J, eu, eu, j)], dom + intra, 1e-9);
        tq_assert_close(imp2, imp, 1e-9);
        intra_total += intra;
        eu_imports_before += imp + intra;
        eu_imports_after += imp2;
    }
    tq_assert_close(eu_imports_before - eu_imports_after, intra_total, 1e-9 * intra_total);
    print_message("EU28: intra-EU trade moved from imports to domestic: %.1f bn (members' imports "
                  "%.1f bn -> EU28 imports %.1f bn)\n",
                  intra_total / 1e3, eu_imports_before / 1e3, eu_imports_after / 1e3);

    /* world international trade falls by exactly the intra-EU trade */
    double intl = 0, intl2 = 0;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < N; i++)
            if (i != n)
                for (int j = 0; j < J; j++)
                    intl += Z[TQ_NIJ(N, J, n, i, j)];
    for (int n = 0; n < N2; n++)
        for (int i = 0; i < N2; i++)
            if (i != n)
                for (int j = 0; j < J; j++)
                    intl2 += Z2[TQ_NIJ(N2, J, n, i, j)];
    tq_assert_close((intl - intl2) / intra_total, 1.0, 1e-9);

    /* pairs outside the EU are untouched, flows and tariffs */
    int usa = tq_dataset_find_region(ds, "USA"), jpn = tq_dataset_find_region(ds, "JPN");
    int usa2 = tq_dataset_find_region(ag, "USA"), jpn2 = tq_dataset_find_region(ag, "JPN");
    for (int j = 0; j < J; j++) {
        tq_assert_close(Z2[TQ_NIJ(N2, J, usa2, jpn2, j)], Z[TQ_NIJ(N, J, usa, jpn, j)], 1e-15);
        tq_assert_close(t2[TQ_NIJ(N2, J, usa2, jpn2, j)], t[TQ_NIJ(N, J, usa, jpn, j)], 1e-15);
    }
    /* the US tariff on EU28 motor vehicles is the members' trade-weighted mean */
    int c20 = tq_dataset_find_sector(ds, "C20");
    double tz = 0, z = 0;
    for (int i = 0; i < N; i++)
        if (is_eu(tq_dataset_region_code(ds, i))) {
            tz += t[TQ_NIJ(N, J, usa, i, c20)] * Z[TQ_NIJ(N, J, usa, i, c20)];
            z += Z[TQ_NIJ(N, J, usa, i, c20)];
        }
    tq_assert_close(t2[TQ_NIJ(N2, J, usa2, eu, c20)], tz / z, 1e-12);
    /* intra-EU tariffs are 0 in the data, so EU28's own tariffs are too */
    for (int j = 0; j < J; j++)
        tq_assert_close(t2[TQ_NIJ(N2, J, eu, eu, j)], 0.0, 1e-15);

    /* income is preserved; value added gains, and tariff revenue loses, the tariffs paid on
     * domestic trade (ROW's own), which the aggregate may not carry as tariffs */
    static const tq_array sums[] = {TQ_VA, TQ_R, TQ_I};
    static const double moved[] = {1, -1, 0};
    for (size_t k = 0; k < 3; k++) {
        size_t l1, l2;
        const double *a = tq_dataset_array_const(ds, sums[k], 0, &l1);
        const double *b = tq_dataset_array_const(ag, sums[k], 0, &l2);
        tq_assert_close(sum_arr(b, l2) / (sum_arr(a, l1) + moved[k] * r_in), 1.0, 1e-12);
    }
    /* and no region of the aggregate levies a tariff on itself */
    for (int n = 0; n < N2; n++)
        for (int j = 0; j < J; j++)
            assert_true(t2[TQ_NIJ(N2, J, n, n, j)] == 0.0);
    /* EU28's deficit: the sum of the members', equal to its extra-EU imports - exports */
    const double *D = tq_dataset_array_const(ds, TQ_DEFICIT, 0, NULL);
    const double *D2 = tq_dataset_array_const(ag, TQ_DEFICIT, 0, NULL);
    double deu = 0;
    for (int n = 0; n < N; n++)
        if (is_eu(tq_dataset_region_code(ds, n)))
            deu += D[n];
    tq_assert_close(D2[eu], deu, 1e-12);
    double ex2 = 0;
    for (int n = 0; n < N2; n++)
        if (n != eu)
            for (int j = 0; j < J; j++)
                ex2 += Z2[TQ_NIJ(N2, J, n, eu, j)];
    tq_assert_close(D2[eu] / (eu_imports_after - ex2), 1.0, 1e-9);

    tq_consistency c1, c2;
    assert_int_equal(tq_dataset_check(ctx, ds, 0, &c1), TQ_OK);
    assert_int_equal(tq_dataset_check(ctx, ag, 0, &c2), TQ_OK);
    print_message("check before/after: e0_max_share_va %.4g / %.4g, deficit_flow_max_rel %.3g / %.3g, "
                  "cost_share_max_dev %.3g / %.3g, alpha_sum_max_dev %.3g / %.3g\n",
                  c1.e0_max_share_va, c2.e0_max_share_va, c1.deficit_flow_max_rel, c2.deficit_flow_max_rel,
                  c1.cost_share_max_dev, c2.cost_share_max_dev, c1.alpha_sum_max_dev, c2.alpha_sum_max_dev);
    assert_true(c2.deficit_flow_max_rel < 1e-9);
    assert_true(c2.cost_share_max_dev < 1e-12);
    assert_true(c2.alpha_sum_max_dev < 1e-12);
    assert_true(c2.pi_sum_max_dev < 1e-12);

    tq_dataset_free(ag);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* The majors map (9 regions) and the 10-sector map together. */
static void test_wiod_majors_sectors10(void **state)
{
    (void)state;
    const char *wiod = tq_test_shared("wiod2014");
    tq_context *ctx = NULL;
    tq_dataset *ds = NULL;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    assert_int_equal(tq_dataset_load(ctx, wiod, &ds), TQ_OK);
    tq_dataset *ag = aggregate_ok(ctx, ds, MAPS "/wiod2014_majors.csv", MAPS "/wiod2014-raw_sectors10.csv");
    assert_int_equal(tq_dataset_regions(ag), 9);
    assert_int_equal(tq_dataset_sectors(ag), 10);
    static const char *const order[] = {"USA", "JPN", "CHN", "EU28", "CAN", "MEX", "KOR", "IND", "ROW"};
    for (int n = 0; n < 9; n++)
        assert_string_equal(tq_dataset_region_code(ag, n), order[n]);
    /* spending and income are sums; output, flows and value added gain, and tariff revenue
     * loses, the tariffs paid inside a group (which become domestic trade, untaxed) */
    const double r_in = intra_group_revenue(ds, MAPS "/wiod2014_majors.csv", -1);
    assert_true(r_in > 0);
    static const tq_array sums[] = {TQ_Y, TQ_Z, TQ_X, TQ_VA, TQ_R, TQ_I};
    static const double moved[] = {1, 1, 0, 1, -1, 0};
    for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++) {
        size_t l1, l2;
        const double *a = tq_dataset_array_const(ds, sums[k], 0, &l1);
        const double *b = tq_dataset_array_const(ag, sums[k], 0, &l2);
        tq_assert_close(sum_arr(b, l2) / (sum_arr(a, l1) + moved[k] * r_in), 1.0, 1e-12);
    }
    /* theta stays inside the members' range; services stay 4.96 */
    const double *th = tq_dataset_array_const(ag, TQ_THETA, 0, NULL);
    for (int s = 0; s < 10; s++)
        assert_true(th[s] >= 0.99 && th[s] <= 16.0);
    int srv = tq_dataset_find_sector(ag, "SRV");
    assert_true(srv >= 0);
    tq_assert_close(th[srv], 1.0 / 0.20165, 1e-4);
    assert_int_equal(tq_dataset_sector_tradable(ag, srv), 0);

    tq_consistency c2;
    assert_int_equal(tq_dataset_check(ctx, ag, 0, &c2), TQ_OK);
    assert_true(c2.cost_share_max_dev < 1e-12);
    assert_true(c2.deficit_flow_max_rel < 1e-9);
    tq_dataset_free(ag);
    tq_dataset_free(ds);
    tq_context_free(ctx);
}

/* Named groups survive aggregation when they are unions of whole new regions/sectors. */
static void test_groups_carried(void **state)
{
    (void)state;
    tq_context *c = NULL;
    tq_context_new(&c, NULL);
    tq_dataset *ds = NULL, *ag = NULL;
    assert_int_equal(tq_dataset_load(c, TQ_TEST_DATA "/tiny", &ds), TQ_OK);
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "r.csv", "code,group\nAAA,NB\nBBB,NB\nCCC,CCC\n");
    tq_test_write(dir, "r2.csv", "code,group\nAAA,AC\nBBB,BBB\nCCC,AC\n");
    char p1[4200], p2[4200];
    snprintf(p1, sizeof p1, "%s/r.csv", dir);
    snprintf(p2, sizeof p2, "%s/r2.csv", dir);
    assert_int_equal(tq_dataset_aggregate(c, ds, p1, NULL, &ag), TQ_OK);
    int mem[4];
    assert_int_equal(tq_dataset_group(ag, TQ_GROUP_REGION, "North", mem), 1); /* AAA+BBB = NB */
    assert_int_equal(mem[0], tq_dataset_find_region(ag, "NB"));
    assert_int_equal(tq_dataset_group(ag, TQ_GROUP_SECTOR, "goods", mem), 1); /* sectors untouched */
    tq_dataset_free(ag);
    assert_int_equal(tq_dataset_aggregate(c, ds, p2, NULL, &ag), TQ_OK);
    assert_int_equal(tq_dataset_group(ag, TQ_GROUP_REGION, "North", mem), -1); /* AAA's group holds CCC */
    tq_dataset_free(ag);
    tq_dataset_free(ds);
    tq_test_rmtree(dir);
    tq_context_free(c);
}

int main(void)
{
    const struct CMUnitTest tiny[] = {
        cmocka_unit_test(test_tiny_regions),        cmocka_unit_test(test_tiny_sectors),
        cmocka_unit_test(test_tiny_years),          cmocka_unit_test(test_bad_maps),
        cmocka_unit_test(test_allocation_failures),
    };
    const struct CMUnitTest wiod[] = {
        cmocka_unit_test(test_wiod_eu28),
        cmocka_unit_test(test_wiod_majors_sectors10),
        cmocka_unit_test(test_groups_carried),
    };
    if (cmocka_run_group_tests_name("aggregate_tiny", tiny, NULL, NULL))
        return 1;
    tq_test_shared("wiod2014"); /* exits 77 (skipped) when the shared data are absent */
    return cmocka_run_group_tests_name("aggregate_wiod2014", wiod, NULL, NULL) ? 1 : 0;
}
