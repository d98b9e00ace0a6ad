/* Named elasticity sets (src/data/elasticities.c) on the embedded data and on small files. */
#include "tq_test.h"

#include <math.h>

#define EMBEDDED TQ_TEST_DATA "/../../data"
#define SETS_DIR EMBEDDED "/elasticities"

static const char *const all_sets[] = {"KITE", "IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL"};

static tq_dataset *load(tq_context *ctx, const char *name)
{
    tq_dataset *ds = NULL;
    char p[512];
    snprintf(p, sizeof p, "%s/%s", EMBEDDED, name);
    assert_int_equal(tq_dataset_load(ctx, p, &ds), TQ_OK);
    return ds;
}

static void test_wiod2014_sets(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_elasticities *e = NULL;
    assert_int_equal(tq_elasticities_load(ctx, SETS_DIR, "wiod2014", &e), TQ_OK);
    assert_int_equal(tq_elasticities_count(e), 9);
    for (int k = 0; k < 9; k++) {
        assert_string_equal(tq_elasticities_name(e, k), all_sets[k]);
        assert_true(strlen(tq_elasticities_citation(e, k)) > 20);
        assert_true(strlen(tq_elasticities_method(e, k)) > 5);
        assert_int_equal(tq_elasticities_is_default(e, k), k == 0); /* KITE: what wiod2014 ships */
    }
    assert_int_equal(tq_elasticities_find(e, "cp"), 3);
    assert_int_equal(tq_elasticities_find(e, "nope"), -1);

    tq_dataset *ds = load(ctx, "wiod2014");
    const int J = tq_dataset_sectors(ds);
    double shipped[64], got[9][64];
    memcpy(shipped, tq_dataset_array(ds, TQ_THETA, 0, NULL), sizeof(double) * (size_t)J);
    for (int k = 0; k < 9; k++) {
        assert_int_equal(tq_elasticities_apply(ctx, e, all_sets[k], ds), TQ_OK);
        memcpy(got[k], tq_dataset_array(ds, TQ_THETA, 0, NULL), sizeof(double) * (size_t)J);
    }
    /* KITE is the shipped theta bit for bit; U4 is 4 everywhere */
    assert_memory_equal(got[0], shipped, sizeof(double) * (size_t)J);
    for (int j = 0; j < J; j++)
        assert_true(got[2][j] == 4.0);
    /* every two sets differ somewhere */
    for (int a = 0; a < 9; a++)
        for (int b = a + 1; b < 9; b++)
            assert_true(memcmp(got[a], got[b], sizeof(double) * (size_t)J) != 0);
    /* the two transport sectors share the WIOD-16 group C29-C30; services share SERV */
    const int c20 = tq_dataset_find_sector(ds, "C20"), c21 = tq_dataset_find_sector(ds, "C21");
    const int c30 = tq_dataset_find_sector(ds, "C30"), c50 = tq_dataset_find_sector(ds, "C50");
    for (int k = 1; k < 9; k++) {
        assert_true(got[k][c20] == got[k][c21]);
        assert_true(got[k][c30] == got[k][c50]);
    }
    tq_dataset_free(ds);
    tq_elasticities_free(e);
    tq_context_free(ctx);
}

/* The concordance against the source table: each wiod2014 sector takes its WIOD-16 group's
 * value in ../shared/data/wiod16/elasticities.csv. */
static void test_wiod2014_against_source(void **state)
{
    (void)state;
    const char *src = tq_test_shared("wiod16/elasticities.csv");
    FILE *f = fopen(src, "r");
    assert_non_null(f);
    char line[1024], motor[64] = "", serv[64] = "";
    while (fgets(line, sizeof line, f)) {
        /* index,code,epsilon_IS,sigma_IS,epsilon_U4,sigma_U4,epsilon_CP,... */
        char *fld[20];
        int n = 0;
        for (char *p = line; p && n < 20;) {
            fld[n++] = p;
            char *c = strchr(p, ',');
            if (c)
                *c = 0;
            p = c ? c + 1 : NULL;
        }
        if (n > 6 && !strcmp(fld[1], "C29-C30"))
            snprintf(motor, sizeof motor, "%s", fld[6]);
        if (n > 6 && !strcmp(fld[1], "SERV"))
            snprintf(serv, sizeof serv, "%s", fld[6]);
    }
    fclose(f);
    assert_true(motor[0] && serv[0]);
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_elasticities *e = NULL;
    assert_int_equal(tq_elasticities_load(ctx, SETS_DIR, "wiod2014", &e), TQ_OK);
    const int cp = tq_elasticities_find(e, "CP");
    assert_true(tq_elasticities_theta(e, cp, "C20") == strtod(motor, NULL));
    assert_true(tq_elasticities_theta(e, cp, "C21") == strtod(motor, NULL));
    assert_true(tq_elasticities_theta(e, cp, "C47") == strtod(serv, NULL));
    assert_true(isnan(tq_elasticities_theta(e, cp, "C99")));
    tq_elasticities_free(e);
    tq_context_free(ctx);
}

/* icio ships CP's theta (data/PROVENANCE.md): applying CP changes nothing. */
static void test_icio_default_is_cp(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_elasticities *e = NULL;
    assert_int_equal(tq_elasticities_load(ctx, SETS_DIR, "icio", &e), TQ_OK);
    assert_int_equal(tq_elasticities_count(e), 8);
    assert_int_equal(tq_elasticities_find(e, "KITE"), -1);
    const int cp = tq_elasticities_find(e, "CP");
    assert_true(tq_elasticities_is_default(e, cp));
    tq_dataset *ds = load(ctx, "icio");
    const int J = tq_dataset_sectors(ds);
    double shipped[64];
    memcpy(shipped, tq_dataset_array(ds, TQ_THETA, 0, NULL), sizeof(double) * (size_t)J);
    assert_int_equal(tq_elasticities_apply(ctx, e, "CP", ds), TQ_OK);
    assert_memory_equal(tq_dataset_array(ds, TQ_THETA, 0, NULL), shipped, sizeof(double) * (size_t)J);
    assert_int_equal(tq_elasticities_apply(ctx, e, "IS", ds), TQ_OK);
    assert_true(memcmp(tq_dataset_array(ds, TQ_THETA, 0, NULL), shipped, sizeof(double) * (size_t)J) != 0);
    tq_dataset_free(ds);
    tq_elasticities_free(e);
    tq_context_free(ctx);
}

static void test_errors(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "sets.csv",
                  "name,label,method,citation,default_for\nA,Set A,m,Author (2000). Title.,toy\nB,Set B,m,Other "
                  "(2001). Title.,\n");
    tq_test_write(dir, "toy.csv", "sector,A,B\ns1,2,3\ns2,4.5,6\n");
    tq_test_write(dir, "bad.csv", "sector,A,C\ns1,2,3\n");
    tq_test_write(dir, "neg.csv", "sector,A\ns1,2\ns2,-1\n");
    tq_elasticities *e = NULL;
    assert_int_equal(tq_elasticities_load(ctx, dir, "toy", &e), TQ_OK);
    assert_int_equal(tq_elasticities_count(e), 2);
    assert_true(tq_elasticities_is_default(e, 0) && !tq_elasticities_is_default(e, 1));

    /* a two-sector dataset: apply B, then a set that does not exist, then a missing sector */
    tq_dataset *ds = NULL;
    assert_int_equal(tq_dataset_new(ctx, 2, 2, 1, &ds), TQ_OK);
    tq_dataset_set_sector(ds, 0, "s1", "one", 1);
    tq_dataset_set_sector(ds, 1, "s2", "two", 1);
    assert_int_equal(tq_elasticities_apply(ctx, e, "b", ds), TQ_OK);
    const double *th = tq_dataset_array_const(ds, TQ_THETA, 0, NULL);
    assert_true(th[0] == 3.0 && th[1] == 6.0);
    assert_int_equal(tq_elasticities_apply(ctx, e, "Z", ds), TQ_ERR_NOT_FOUND);
    char msg[1024];
    tq_error_format(ctx, msg, sizeof msg);
    assert_non_null(strstr(msg, "no elasticity set 'Z'"));
    assert_non_null(strstr(msg, "A, B"));
    tq_dataset_set_sector(ds, 1, "s3", "three", 1);
    assert_int_equal(tq_elasticities_apply(ctx, e, "A", ds), TQ_ERR_NOT_FOUND);
    tq_error_format(ctx, msg, sizeof msg);
    assert_non_null(strstr(msg, "no value for sector s3"));
    assert_true(th[0] == 3.0 && th[1] == 6.0); /* unchanged */
    tq_dataset_free(ds);
    tq_elasticities_free(e);

    e = NULL;
    assert_int_equal(tq_elasticities_load(ctx, dir, "bad", &e), TQ_ERR_PARSE);
    assert_null(e);
    tq_error_format(ctx, msg, sizeof msg);
    assert_non_null(strstr(msg, "column 'C'"));
    assert_int_equal(tq_elasticities_load(ctx, dir, "neg", &e), TQ_ERR_PARSE);
    tq_error_format(ctx, msg, sizeof msg);
    assert_non_null(strstr(msg, "neg.csv:3"));
    assert_non_null(strstr(msg, "positive"));
    assert_int_equal(tq_elasticities_load(ctx, dir, "none", &e), TQ_ERR_IO);
    tq_error_format(ctx, msg, sizeof msg);
    assert_non_null(strstr(msg, "none.csv"));
    tq_test_rmtree(dir);
    tq_context_free(ctx);
}

static tq_status load_op(tq_context *ctx, void *arg)
{
    (void)arg;
    tq_elasticities *e = NULL;
    tq_status st = tq_elasticities_load(ctx, SETS_DIR, "wiod2014", &e);
    if (st == TQ_OK)
        assert_int_equal(tq_elasticities_count(e), 9);
    else
        assert_null(e);
    tq_elasticities_free(e);
    return st;
}

static void test_alloc_sweep(void **state)
{
    (void)state;
    assert_true(tq_test_alloc_sweep(load_op, NULL, TQ_ERR_NOMEM, 0) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wiod2014_sets),
        cmocka_unit_test(test_icio_default_is_cp),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_sweep),
        cmocka_unit_test(test_wiod2014_against_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
