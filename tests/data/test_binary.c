/* The binary dataset file (.tqb): write and read back bit for bit (the tiny fixture and
 * the embedded wiod2014 and icio), damaged files rejected with a one-line reason, and
 * the cached recalibrated baselines it carries: a hit equals the recalibrated baseline
 * bit for bit, and a changed dataset, year, closure or option misses. */
#include "tq_test.h"

#include "model/ge.h"

#include <math.h>

#include "load_fixture.h"

/* The content hash recomputed from the arrays (a writable pointer drops the stored one). */
static uint64_t fresh_hash(tq_dataset *ds)
{
    (void)tq_dataset_array(ds, TQ_Z, 0, NULL);
    assert_int_equal(ds->hash_valid, 0);
    return tq_dataset_hash(ds);
}

/* Everything a dataset holds is equal, bit for bit. */
static void assert_same(const tq_dataset *a, const tq_dataset *b)
{
    assert_same_arrays(a, b, "binary round trip");
    assert_int_equal(tq_dataset_has_io(a), tq_dataset_has_io(b));
    assert_string_equal(tq_dataset_name(a), tq_dataset_name(b));
    assert_string_equal(tq_dataset_source(a), tq_dataset_source(b));
    for (int n = 0; n < tq_dataset_regions(a); n++) {
        assert_string_equal(tq_dataset_region_code(a, n), tq_dataset_region_code(b, n));
        assert_string_equal(tq_dataset_region_name(a, n), tq_dataset_region_name(b, n));
    }
    for (int j = 0; j < tq_dataset_sectors(a); j++) {
        assert_string_equal(tq_dataset_sector_code(a, j), tq_dataset_sector_code(b, j));
        assert_string_equal(tq_dataset_sector_name(a, j), tq_dataset_sector_name(b, j));
        assert_int_equal(tq_dataset_sector_tradable(a, j), tq_dataset_sector_tradable(b, j));
    }
    for (int y = 0; y < tq_dataset_years(a); y++)
        assert_int_equal(tq_dataset_year(a, y), tq_dataset_year(b, y));
    for (int kind = 0; kind < 2; kind++) {
        int ng = tq_dataset_group_count(a, (tq_group_kind)kind);
        assert_int_equal(ng, tq_dataset_group_count(b, (tq_group_kind)kind));
        for (int g = 0; g < ng; g++) {
            const char *name = tq_dataset_group_name(a, (tq_group_kind)kind, g);
            assert_string_equal(name, tq_dataset_group_name(b, (tq_group_kind)kind, g));
            int ma[2048], mb[2048];
            int ca = tq_dataset_group(a, (tq_group_kind)kind, name, ma);
            assert_int_equal(ca, tq_dataset_group(b, (tq_group_kind)kind, name, mb));
            assert_memory_equal(ma, mb, sizeof(int) * (size_t)ca);
        }
    }
}

static char *tmpdir;

static const char *tmp_path(const char *name)
{
    static char p[4300];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

/* Write ds as .tqb, read it back, compare; returns the read-back dataset. */
static tq_dataset *roundtrip(tq_dataset *ds, const char *name)
{
    char path[4300];
    snprintf(path, sizeof path, "%s", tmp_path(name));
    assert_int_equal(tq_dataset_write_binary(ctx, ds, path, 1), TQ_OK);
    tq_dataset *back = load_ok(path);
    assert_same(ds, back);
    /* the hash kept from the file is the content's */
    assert_int_equal(back->hash_valid, 1);
    uint64_t kept = tq_dataset_hash(back);
    tq_dataset *check;
    assert_int_equal(tq_dataset_clone(ctx, back, &check), TQ_OK);
    assert_true(kept == fresh_hash(check));
    assert_true(kept == tq_dataset_hash(ds));
    tq_dataset_free(check);
    return back;
}

static void test_tiny_roundtrip(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    /* values that need all 17 digits, a non-tradable sector and a negative deficit */
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    Z[0] = 100.0 / 3.0;
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    tq_dataset *back = roundtrip(ds, "tiny.tqb");
    tq_assert_close(tq_dataset_array_const(back, TQ_Z, 0, NULL)[0], 100.0 / 3.0, 0);
    assert_int_equal(tq_dataset_sector_tradable(back, 1), 0);
    assert_int_equal(tq_dataset_group(back, TQ_GROUP_REGION, "North", NULL), 2);
    /* any file name: the format is told by its signature */
    char from[4300], to[4300];
    snprintf(from, sizeof from, "%s", tmp_path("tiny.tqb"));
    snprintf(to, sizeof to, "%s", tmp_path("tiny.bin"));
    assert_int_equal(rename(from, to), 0);
    tq_dataset *again = load_ok(to);
    assert_same(ds, again);
    /* never overwrite without asking */
    assert_int_equal(tq_dataset_write_binary(ctx, ds, to, 0), TQ_ERR_EXISTS);
    tq_assert_error(ctx, "refusing to overwrite");
    tq_dataset_free(again);
    tq_dataset_free(back);
    tq_dataset_free(ds);
}

/* A multi-year dataset made here: 3 years, distinct values, groups of both kinds. */
static void test_multiyear_roundtrip(void **state)
{
    (void)state;
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, 4, 3, 3, &ds), TQ_OK);
    const char *codes[4] = {"AAA", "BBB", "CCC", "DDD"};
    for (int n = 0; n < 4; n++)
        assert_int_equal(tq_dataset_set_region(ds, n, codes[n], n == 2 ? "" : "Región ünicode"), TQ_OK);
    for (int j = 0; j < 3; j++)
        assert_int_equal(tq_dataset_set_sector(ds, j, j ? "S" : "G", j ? "services" : "goods", j == 0), TQ_OK);
    assert_int_equal(tq_dataset_set_sector(ds, 2, "X", "other", 1), TQ_OK);
    for (int y = 0; y < 3; y++) {
        assert_int_equal(tq_dataset_set_year(ds, y, 2000 + 5 * y), TQ_OK);
        for (int a = 0; a < TQ_THETA; a++) {
            size_t len;
            double *p = tq_dataset_array(ds, (tq_array)a, y, &len);
            for (size_t k = 0; k < len; k++)
                p[k] = 1.0 / (double)(k + 3 + 7 * y + 11 * a);
        }
    }
    tq_dataset_array(ds, TQ_THETA, 0, NULL)[1] = 8.25;
    assert_int_equal(tq_dataset_set_name(ds, "multi", "made in test_binary.c"), TQ_OK);
    int rg[2] = {3, 1}, sg[1] = {2};
    assert_int_equal(tq_dataset_add_group(ds, TQ_GROUP_REGION, "pair", rg, 2), TQ_OK);
    assert_int_equal(tq_dataset_add_group(ds, TQ_GROUP_SECTOR, "x", sg, 1), TQ_OK);
    tq_dataset_set_has_io(ds, 0);
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    tq_dataset *back = roundtrip(ds, "multi.tqb");
    assert_int_equal(tq_dataset_has_io(back), 0);
    assert_int_equal(tq_dataset_year(back, 2), 2010);
    assert_string_equal(tq_dataset_region_name(back, 2), "CCC");
    tq_dataset_free(back);
    tq_dataset_free(ds);
}

static void test_embedded_roundtrip(void **state)
{
    (void)state;
    const char *names[2] = {"wiod2014", "icio"};
    for (int k = 0; k < 2; k++) {
        char src[4300], out[64];
        snprintf(src, sizeof src, "%s/../../data/%s", TQ_TEST_DATA, names[k]);
        snprintf(out, sizeof out, "%s.tqb", names[k]);
        tq_dataset *ds = load_ok(src);
        tq_dataset *back = roundtrip(ds, out);
        tq_dataset_free(back);
        tq_dataset_free(ds);
    }
}

/* ------------------------------------------------------------ damage --- */

static long file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static void copy_file(const char *from, const char *to, long keep)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    int c;
    for (long k = 0; (keep < 0 || k < keep) && (c = fgetc(a)) != EOF; k++)
        fputc(c, b);
    fclose(a);
    fclose(b);
}

static void patch_byte(const char *p, long at, int xor_with)
{
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ xor_with, f);
    fclose(f);
}

static void expect_error(const char *path, tq_status want, const char *text)
{
    tq_dataset *ds = (tq_dataset *)1;
    assert_int_equal(tq_dataset_load(ctx, path, &ds), want);
    assert_null(ds);
    tq_assert_error(ctx, text);
    char line[2048];
    tq_error_format(ctx, line, sizeof line);
    assert_null(strchr(line, '\n'));
    assert_non_null(strstr(line, path)); /* names the file */
}

static void test_damaged(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    const char *good = tmp_path("good.tqb");
    char goodp[4300], bad[4300];
    snprintf(goodp, sizeof goodp, "%s", good);
    snprintf(bad, sizeof bad, "%s", tmp_path("bad.tqb"));
    assert_int_equal(tq_dataset_write_binary(ctx, ds, goodp, 1), TQ_OK);
    long size = file_size(goodp);
    assert_true(size > 96);

    copy_file(goodp, bad, size - 8); /* truncated */
    expect_error(bad, TQ_ERR_PARSE, "truncated");
    copy_file(goodp, bad, 50); /* inside the header */
    expect_error(bad, TQ_ERR_PARSE, "truncated");
    copy_file(goodp, bad, -1); /* one bit flipped in the arrays */
    patch_byte(bad, size - 20, 0x10);
    expect_error(bad, TQ_ERR_PARSE, "checksum mismatch");
    copy_file(goodp, bad, -1); /* ... in a label */
    patch_byte(bad, 100, 0x01);
    expect_error(bad, TQ_ERR_PARSE, "checksum mismatch");
    copy_file(goodp, bad, -1); /* a dimension in the header */
    patch_byte(bad, 16, 0x02);
    expect_error(bad, TQ_ERR_PARSE, "inconsistent sizes");
    copy_file(goodp, bad, -1); /* a newer format */
    patch_byte(bad, 8, 0x03);
    expect_error(bad, TQ_ERR_UNSUPPORTED, "version 2");
    copy_file(goodp, bad, -1); /* the other byte order */
    patch_byte(bad, 12, 0x05);
    expect_error(bad, TQ_ERR_UNSUPPORTED, "byte order");
    copy_file(goodp, bad, -1); /* no signature: not a dataset file at all */
    patch_byte(bad, 1, 0x20);
    expect_error(bad, TQ_ERR_IO, "not a folder");
    tq_dataset_free(ds);
}

/* Reading a .tqb under every allocation budget: NOMEM and no leak, then success. */
static tq_status read_op(tq_context *c, void *arg)
{
    tq_dataset *ds = NULL;
    tq_status st = tq_dataset_load(c, arg, &ds);
    if (st != TQ_OK)
        assert_null(ds);
    tq_dataset_free(ds);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    tq_baseline *b = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    assert_int_equal(tq_dataset_cache_baseline(ctx, ds, b, NULL), TQ_OK);
    char p[4300];
    snprintf(p, sizeof p, "%s", tmp_path("sweep.tqb"));
    assert_int_equal(tq_dataset_write_binary(ctx, ds, p, 1), TQ_OK);
    long n = tq_test_alloc_sweep(read_op, p, TQ_ERR_NOMEM, TQ_SWEEP_FRESH_CONTEXT);
    assert_true(n > 5);
    tq_baseline_free(b);
    tq_dataset_free(ds);
}

/* ------------------------------------------------------- baseline cache --- */

/* Two baselines are the same bit for bit: every array, the solve info (but its
 * seconds, a clock reading), how far the data moved, closure, year, labels. */
static void assert_same_baseline(const tq_baseline *a, const tq_baseline *b)
{
    static const tq_array arrs[] = {TQ_PI,    TQ_TARIFF, TQ_GAMMA,   TQ_BETA, TQ_ALPHA, TQ_XJ,
                                    TQ_THETA, TQ_VA,     TQ_DEFICIT, TQ_I,    TQ_R};
    for (size_t k = 0; k < sizeof arrs / sizeof arrs[0]; k++) {
        size_t la, lb;
        const double *pa = tq_baseline_array(a, arrs[k], &la), *pb = tq_baseline_array(b, arrs[k], &lb);
        assert_int_equal(la, lb);
        assert_true(la > 0);
        if (memcmp(pa, pb, la * sizeof(double)) != 0)
            fail_msg("baseline array %d differs", (int)arrs[k]);
    }
    double wa, pa, wb, pb;
    const tq_solve_info *ia = tq_baseline_info(a, &wa, &pa), *ib = tq_baseline_info(b, &wb, &pb);
    assert_true(wa == wb && pa == pb);
    assert_int_equal(ia->status, ib->status);
    assert_int_equal(ia->iterations, ib->iterations);
    assert_int_equal(ia->sweeps, ib->sweeps);
    assert_int_equal(ia->method, ib->method);
    assert_int_equal(ia->threads, ib->threads);
    assert_true(ia->residual == ib->residual && ia->res_e2 == ib->res_e2 && ia->res_e4 == ib->res_e4 &&
                ia->res_e5 == ib->res_e5);
    assert_int_equal(a->closure, b->closure);
    assert_int_equal(a->year, b->year);
    assert_true(tq_dataset_hash(a->labels) == tq_dataset_hash(b->labels));
}

static int hits(const tq_dataset *ds, int y, tq_closure cl, const tq_solver_options *o)
{
    tq_baseline *b = NULL;
    int hit = tq__baseline_cache_lookup(ctx, ds, y, cl, o, &b);
    assert_true(hit ? b != NULL : b == NULL);
    tq_baseline_free(b);
    return hit;
}

static void cache_case(const char *src, const char *file)
{
    tq_dataset *ds = load_ok(src);
    const int y = tq_dataset_years(ds) - 1;
    /* recalibrated (nothing attached yet) */
    tq_baseline *fixed = NULL, *bal = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, y, TQ_CLOSURE_FIXED, NULL, &fixed), TQ_OK);
    assert_int_equal(tq_baseline_new(ctx, ds, y, TQ_CLOSURE_BALANCED, NULL, &bal), TQ_OK);
    assert_true(tq_baseline_info(fixed, NULL, NULL)->iterations > 0);
    assert_int_equal(tq_dataset_cache_baseline(ctx, ds, fixed, NULL), TQ_OK);
    assert_int_equal(tq_dataset_cache_baseline(ctx, ds, bal, NULL), TQ_OK);
    char path[4300];
    snprintf(path, sizeof path, "%s", tmp_path(file));
    assert_int_equal(tq_dataset_write_binary(ctx, ds, path, 1), TQ_OK);
    tq_dataset *back = load_ok(path);

    /* a hit is an exact copy of the recalibrated baseline */
    assert_true(hits(back, y, TQ_CLOSURE_FIXED, NULL));
    tq_baseline *c1 = NULL, *c2 = NULL;
    assert_int_equal(tq_baseline_new(ctx, back, y, TQ_CLOSURE_FIXED, NULL, &c1), TQ_OK);
    assert_int_equal(tq_baseline_new(ctx, back, y, TQ_CLOSURE_BALANCED, NULL, &c2), TQ_OK);
    assert_same_baseline(fixed, c1);
    assert_same_baseline(bal, c2);
    /* and equals the recalibration of the data read back from the file (cache set aside) */
    {
        tq__bcache *kept = back->bcache;
        back->bcache = NULL;
        tq_baseline *re = NULL;
        assert_int_equal(tq_baseline_new(ctx, back, y, TQ_CLOSURE_FIXED, NULL, &re), TQ_OK);
        back->bcache = kept;
        assert_same_baseline(re, c1);
        tq_baseline_free(re);
    }
    /* recorded solve time comes along too: the same tq_solve_info */
    assert_true(tq_baseline_info(c1, NULL, NULL)->seconds == tq_baseline_info(fixed, NULL, NULL)->seconds);
    /* and a counterfactual from it is the same */
    tq_scenario *s1, *s2;
    tq_result *r1, *r2;
    assert_int_equal(tq_scenario_new(ctx, fixed, &s1), TQ_OK);
    assert_int_equal(tq_scenario_new(ctx, c1, &s2), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(s1, 0, 1, 0, 0.3), TQ_OK);
    assert_int_equal(tq_scenario_set_tariff(s2, 0, 1, 0, 0.3), TQ_OK);
    assert_int_equal(tq_solve(ctx, fixed, s1, NULL, &r1), TQ_OK);
    assert_int_equal(tq_solve(ctx, c1, s2, NULL, &r2), TQ_OK);
    size_t len;
    const double *w1 = tq_result_array(r1, TQ_RES_WELFARE, &len), *w2 = tq_result_array(r2, TQ_RES_WELFARE, NULL);
    assert_memory_equal(w1, w2, len * sizeof(double));
    tq_result_free(r1);
    tq_result_free(r2);
    tq_scenario_free(s1);
    tq_scenario_free(s2);

    /* a clone shares the cache */
    tq_dataset *copy;
    assert_int_equal(tq_dataset_clone(ctx, back, &copy), TQ_OK);
    assert_true(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    /* theta changed in place (as scenario elasticity overrides do): miss; restored: hit */
    const double theta0 = copy->theta[0];
    copy->theta[0] = theta0 * 1.5;
    assert_false(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    tq_baseline *changed = NULL;
    assert_int_equal(tq_baseline_new(ctx, copy, y, TQ_CLOSURE_FIXED, NULL, &changed), TQ_OK);
    assert_true(tq_baseline_array(changed, TQ_THETA, NULL)[0] == theta0 * 1.5);
    tq_baseline_free(changed);
    copy->theta[0] = theta0;
    assert_true(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    /* theta changed through the writable pointer: miss */
    tq_dataset_array(copy, TQ_THETA, 0, NULL)[0] = theta0 * 2;
    assert_false(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    tq_dataset_array(copy, TQ_THETA, 0, NULL)[0] = theta0;
    assert_true(hits(copy, y, TQ_CLOSURE_FIXED, NULL)); /* same content again */
    tq_dataset_free(copy);
    /* theta changed in place on the loaded dataset, then copied: the copy misses too */
    back->theta[0] = theta0 * 3;
    assert_int_equal(tq_dataset_clone(ctx, back, &copy), TQ_OK);
    assert_false(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, NULL));
    back->theta[0] = theta0;
    assert_true(hits(back, y, TQ_CLOSURE_FIXED, NULL));
    /* a flow changed: miss */
    tq_dataset_array(copy, TQ_Z, y, NULL)[1] += 1.0;
    assert_false(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    tq_dataset_free(copy);
    /* a label changed: miss */
    assert_int_equal(tq_dataset_clone(ctx, back, &copy), TQ_OK);
    assert_int_equal(tq_dataset_set_region(copy, 0, "ZZZ", "renamed"), TQ_OK);
    assert_false(hits(copy, y, TQ_CLOSURE_FIXED, NULL));
    tq_dataset_free(copy);
    /* other options, another year or raw mode: miss */
    tq_solver_options o;
    tq_solver_options_default(&o);
    assert_true(hits(back, y, TQ_CLOSURE_FIXED, &o));
    o.threads = 1; /* does not change the numbers: still a hit */
    assert_true(hits(back, y, TQ_CLOSURE_FIXED, &o));
    o.tol = 1e-9;
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, &o));
    tq_solver_options_default(&o);
    o.numeraire_region = 0;
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, &o));
    tq_solver_options_default(&o);
    o.baseline_mode = TQ_BASELINE_RAW;
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, &o));
    tq_solver_options_default(&o);
    o.method = TQ_METHOD_FIXED_POINT;
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, &o));
    tq_solver_options_default(&o);
    o.anderson_m = 5;
    assert_false(hits(back, y, TQ_CLOSURE_FIXED, &o));
    if (y > 0)
        assert_false(hits(back, y - 1, TQ_CLOSURE_FIXED, NULL));

    tq_baseline_free(c1);
    tq_baseline_free(c2);
    tq_baseline_free(fixed);
    tq_baseline_free(bal);
    tq_dataset_free(back);
    tq_dataset_free(ds);
}

static void test_cache_tiny(void **state)
{
    (void)state;
    cache_case(TQ_TEST_DATA "/tiny", "tiny-cache.tqb");
}

static void test_cache_wiod2014(void **state)
{
    (void)state;
    cache_case(TQ_TEST_DATA "/../../data/wiod2014", "wiod-cache.tqb");
}

/* A dataset without a cache never hits, and attaching a baseline of another shape fails. */
static void test_cache_misuse(void **state)
{
    (void)state;
    tq_dataset *ds = load_ok(TQ_TEST_DATA "/tiny");
    assert_false(hits(ds, 0, TQ_CLOSURE_FIXED, NULL));
    tq_dataset *other;
    assert_int_equal(tq_dataset_new(ctx, 2, 2, 1, &other), TQ_OK);
    tq_baseline *b = NULL;
    assert_int_equal(tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &b), TQ_OK);
    assert_int_equal(tq_dataset_cache_baseline(ctx, other, b, NULL), TQ_ERR_INVALID);
    /* attached to a dataset of other content: kept, but keyed by b's own data, so no hit */
    tq_dataset *shifted;
    assert_int_equal(tq_dataset_clone(ctx, ds, &shifted), TQ_OK);
    tq_dataset_array(shifted, TQ_VA, 0, NULL)[0] *= 2;
    assert_int_equal(tq_dataset_cache_baseline(ctx, shifted, b, NULL), TQ_OK);
    assert_false(hits(shifted, 0, TQ_CLOSURE_FIXED, NULL));
    tq_baseline_free(b);
    tq_dataset_free(shifted);
    tq_dataset_free(other);
    tq_dataset_free(ds);
}

int main(void)
{
    tmpdir = tq_test_tmpdir();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_roundtrip),     cmocka_unit_test(test_multiyear_roundtrip),
        cmocka_unit_test(test_embedded_roundtrip), cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_alloc_failures),     cmocka_unit_test(test_cache_tiny),
        cmocka_unit_test(test_cache_wiod2014),     cmocka_unit_test(test_cache_misuse),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    tq_test_rmtree(tmpdir);
    return rc;
}
