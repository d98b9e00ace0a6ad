/* The base-year update tq_dataset_import_io (docs/io-bridge.md): a hand-computed case
 * (a split sector, a merged sector, a region stand-in, a sector the reference region does
 * not make, a clipped final demand), the map errors and allocation failures. The embedded
 * icio it builds is tested in test_icio_io.c. */
#include "tq_test.h"

#include <math.h>

#define assert_near(a, b, tol)                                                                                         \
    do {                                                                                                               \
        const double a_ = (a), b_ = (b);                                                                               \
        if (!(fabs(a_ - b_) <= (tol)))                                                                                 \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol));                          \
    } while (0)
#define TQ_NIJ_T(N, J, n, i, j) ((((size_t)(n)) * (size_t)(N) + (size_t)(i)) * (size_t)(J) + (size_t)(j))

/* Reference: regions A, B; sectors P, Q; domestic flows only except B's Q, all bought from
 * A (so B makes no Q). gamma[n,k,j] = share of input k in sector j's cost. */
static tq_dataset *reference(tq_context *ctx)
{
    tq_dataset *ds;
    assert_int_equal(tq_dataset_new(ctx, 2, 2, 1, &ds), TQ_OK);
    tq_dataset_set_region(ds, 0, "A", "A");
    tq_dataset_set_region(ds, 1, "B", "B");
    tq_dataset_set_sector(ds, 0, "P", "P", 1);
    tq_dataset_set_sector(ds, 1, "Q", "Q", 1);
    tq_dataset_set_year(ds, 0, 2014);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    Z[TQ_NIJ_T(2, 2, 0, 0, 0)] = 100; /* A buys P from A */
    Z[TQ_NIJ_T(2, 2, 0, 0, 1)] = 200; /* A buys Q from A */
    Z[TQ_NIJ_T(2, 2, 1, 1, 0)] = 50;  /* B buys P from B */
    Z[TQ_NIJ_T(2, 2, 1, 0, 1)] = 50;  /* B buys Q from A */
    double *g = tq_dataset_array(ds, TQ_GAMMA, 0, NULL), *b = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    /* A: P uses 0.2 P, 0.1 Q; Q uses 0.3 P, 0.2 Q */
    g[0] = 0.2, g[1] = 0.3, g[2] = 0.1, g[3] = 0.2, b[0] = 0.7, b[1] = 0.5;
    /* B: P uses 0.1 P, 0.1 Q; Q (not made) 0 P, 0.4 Q */
    g[4] = 0.1, g[5] = 0.0, g[6] = 0.1, g[7] = 0.4, b[2] = 0.8, b[3] = 0.6;
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL), *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    alpha[0] = alpha[1] = alpha[2] = alpha[3] = 0.5;
    VA[0] = VA[1] = 1;
    tq_dataset_set_has_io(ds, 1);
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    return ds;
}

/* Target: R0, R1, R2 x S0, S1, S2, flows only; 10 between every pair in every sector. */
static tq_dataset *target(tq_context *ctx)
{
    tq_dataset *ds = tq_test_dataset_new(ctx, 3, 3, 0);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL);
    static const double dom[3][3] = {{80, 280, 500}, {200, 200, 200}, {1000, 200, 20}};
    for (int n = 0; n < 3; n++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Z[TQ_NIJ_T(3, 3, n, i, j)] = n == i ? dom[n][j] : 10;
    tq_dataset_array(ds, TQ_TARIFF, 0, NULL)[TQ_NIJ_T(3, 3, 1, 2, 2)] = 0.1; /* kept */
    assert_int_equal(tq_dataset_fill_no_io(ctx, ds), TQ_OK);
    return ds;
}

static char *maps(const char *smap, const char *rmap)
{
    char *dir = tq_test_tmpdir();
    tq_test_write(dir, "s.csv", smap);
    tq_test_write(dir, "r.csv", rmap);
    return dir;
}

static const char *SMAP = "reference,target,note\nP,S0,split\nP,S1,split\nQ,S2,one to one\n";
static const char *RMAP = "region,reference\nR0,A\nR1,B\n*,A\n";

static double G(const tq_dataset *ds, int n, int k, int j)
{
    return tq_dataset_array_const(ds, TQ_GAMMA, 0, NULL)[(size_t)n * 9 + (size_t)k * 3 + (size_t)j];
}
static double B(const tq_dataset *ds, int n, int j)
{
    return tq_dataset_array_const(ds, TQ_BETA, 0, NULL)[(size_t)n * 3 + (size_t)j];
}

static void test_hand_case(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ref = reference(ctx), *tg = target(ctx);
    char *dir = maps(SMAP, RMAP), sp[4200], rp[4200];
    snprintf(sp, sizeof sp, "%s/s.csv", dir);
    snprintf(rp, sizeof rp, "%s/r.csv", dir);
    double Z0[27];
    memcpy(Z0, tq_dataset_array_const(tg, TQ_Z, 0, NULL), sizeof Z0);
    tq_io_import_row *rows = NULL;
    int count = 0;
    assert_int_equal(tq_dataset_import_io(ctx, tg, ref, -1, sp, rp, &rows, &count), TQ_OK);
    assert_int_equal(count, 3);
    assert_int_equal(tq_dataset_has_io(tg), 1);
    assert_memory_equal(tq_dataset_array_const(tg, TQ_Z, 0, NULL), Z0, sizeof Z0);
    assert_true(tq_dataset_array_const(tg, TQ_TARIFF, 0, NULL)[TQ_NIJ_T(3, 3, 1, 2, 2)] == 0.1);
    const double e = 1e-14;
    /* R0 takes A. Spending on S0, S1: 100, 300, so P as an input splits 1/4, 3/4. S0 and S1
     * each take P's column (0.2 P, 0.1 Q, VA 0.7), S2 Q's (0.3 P, 0.2 Q, VA 0.5). No
     * final demand is negative (uses 59, 177, 144 against spending 100, 300, 520). */
    for (int j = 0; j < 2; j++) {
        assert_near(G(tg, 0, 0, j), 0.05, e);
        assert_near(G(tg, 0, 1, j), 0.15, e);
        assert_near(G(tg, 0, 2, j), 0.1, e);
        assert_near(B(tg, 0, j), 0.7, e);
    }
    assert_near(G(tg, 0, 0, 2), 0.075, e);
    assert_near(G(tg, 0, 1, 2), 0.225, e);
    assert_near(G(tg, 0, 2, 2), 0.2, e);
    assert_near(B(tg, 0, 2), 0.5, e);
    assert_string_equal(rows[0].region, "R0");
    assert_string_equal(rows[0].reference, "A");
    assert_int_equal(rows[0].sectors_clipped, 0);
    assert_int_equal(rows[0].fallback_sectors, 0);
    assert_true(rows[0].moved == 0);
    /* VA = 0.7 (100 + 300) + 0.5 * 520 = 540 = income (no tariffs, balanced trade) */
    assert_near(tq_dataset_array_const(tg, TQ_VA, 0, NULL)[0], 540, 1e-10);
    assert_near(rows[0].final_demand, 540, 1e-10);
    assert_near(rows[0].va_share, 540.0 / 920.0, 1e-14);
    /* R1 takes B: S0, S1 B's P column (0.1, 0.1, VA 0.8), split 1/2 each; B makes no Q,
     * so S2 takes the reference world's Q column = A's (0.3, 0.2, VA 0.5). */
    assert_near(G(tg, 1, 0, 0), 0.05, e);
    assert_near(G(tg, 1, 1, 1), 0.05, e);
    assert_near(G(tg, 1, 2, 0), 0.1, e);
    assert_near(B(tg, 1, 0), 0.8, e);
    assert_near(G(tg, 1, 0, 2), 0.15, e);
    assert_near(G(tg, 1, 1, 2), 0.15, e);
    assert_near(G(tg, 1, 2, 2), 0.2, e);
    assert_near(B(tg, 1, 2), 0.5, e);
    assert_int_equal(rows[1].fallback_sectors, 1);
    assert_int_equal(rows[1].sectors_clipped, 0);
    /* R2 takes A through '*'. Output 1020, 220, 40: S2 is used 0.1*1020 + 0.1*220 +
     * 0.2*40 = 132 against spending 40, so 92 is moved: S2's input shares scaled by 40/132
     * and the users' value added raised by the same amount. */
    assert_string_equal(rows[2].reference, "A");
    assert_int_equal(rows[2].sectors_clipped, 1);
    assert_near(rows[2].moved, 92, 1e-10);
    const double s = 40.0 / 132.0;
    assert_near(G(tg, 2, 2, 0), 0.1 * s, e);
    assert_near(G(tg, 2, 2, 2), 0.2 * s, e);
    assert_near(B(tg, 2, 0), 0.7 + 0.1 * (1 - s), e);
    assert_near(G(tg, 2, 0, 0), 0.2 * 1020.0 / 1240.0, e);
    /* the contract holds exactly */
    tq_consistency c;
    assert_int_equal(tq_dataset_check(ctx, tg, 0, &c), TQ_OK);
    assert_true(c.e0_max_rel < 1e-13);
    assert_true(c.cost_share_max_dev < 1e-14);
    assert_true(c.deficit_flow_max_rel < 1e-14);
    assert_true(c.beta_range_violations == 0);
    tq_io_import_free(ctx, rows);
    tq_test_rmtree(dir);
    tq_dataset_free(tg);
    tq_dataset_free(ref);
    tq_context_free(ctx);
}

/* Map errors name the file and the code; a reference without input-output data is refused. */
static void test_errors(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ref = reference(ctx), *tg = target(ctx);
    static const struct {
        const char *smap, *rmap;
        tq_status st;
        const char *msg;
    } cases[] = {
        {"reference,target\nP,S0\nP,S1\nX,S2\n", "region,reference\n*,A\n", TQ_ERR_NOT_FOUND, "'X'"},
        {"reference,target\nP,S0\nP,S1\nQ,S9\n", "region,reference\n*,A\n", TQ_ERR_NOT_FOUND, "'S9'"},
        {"reference,target\nP,S0\nQ,S2\n", "region,reference\n*,A\n", TQ_ERR_INVALID, "'S1'"},
        {"reference,target\nP,S0\nP,S1\nQ,S2\n", "region,reference\nR0,A\nR1,B\n", TQ_ERR_INVALID, "'R2'"},
        {"reference,target\nP,S0\nP,S1\nQ,S2\n", "region,reference\nR0,A\nR0,B\n*,A\n", TQ_ERR_INVALID, "twice"},
        {"reference,target\nP,S0\nP,S1\nQ,S2\n", "region,reference\nR0,C\n*,A\n", TQ_ERR_NOT_FOUND, "'C'"},
        {"ref,target\nP,S0\n", "region,reference\n*,A\n", TQ_ERR_PARSE, "reference"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *dir = maps(cases[k].smap, cases[k].rmap), sp[4200], rp[4200], msg[1024];
        snprintf(sp, sizeof sp, "%s/s.csv", dir);
        snprintf(rp, sizeof rp, "%s/r.csv", dir);
        tq_io_import_row *rows = (tq_io_import_row *)1;
        int count = -1;
        assert_int_equal(tq_dataset_import_io(ctx, tg, ref, -1, sp, rp, &rows, &count), cases[k].st);
        assert_null(rows);
        assert_int_equal(count, 0);
        tq_error_format(ctx, msg, sizeof msg);
        if (!strstr(msg, cases[k].msg))
            fail_msg("case %zu: '%s' lacks %s", k, msg, cases[k].msg);
        tq_test_rmtree(dir);
    }
    char *dir = maps(SMAP, RMAP), sp[4200], rp[4200];
    snprintf(sp, sizeof sp, "%s/s.csv", dir);
    snprintf(rp, sizeof rp, "%s/r.csv", dir);
    tq_dataset_set_has_io(ref, 0);
    assert_int_equal(tq_dataset_import_io(ctx, tg, ref, -1, sp, rp, NULL, NULL), TQ_ERR_INVALID);
    tq_test_rmtree(dir);
    tq_dataset_free(tg);
    tq_dataset_free(ref);
    tq_context_free(ctx);
}

/* Allocation failures: every failure is TQ_ERR_NOMEM with no output and nothing leaked. */
typedef struct sweep_arg {
    tq_dataset *tg, *ref;
    const char *sp, *rp;
} sweep_arg;

static tq_status sweep_op(tq_context *ctx, void *argp)
{
    sweep_arg *a = argp;
    tq_io_import_row *rows = (tq_io_import_row *)1;
    int count = -1;
    tq_status st = tq_dataset_import_io(ctx, a->tg, a->ref, -1, a->sp, a->rp, &rows, &count);
    if (st != TQ_OK) {
        assert_null(rows);
        assert_int_equal(count, 0);
        return st;
    }
    assert_int_equal(count, 3);
    assert_near(rows[2].moved, 92, 1e-10);
    tq_io_import_free(ctx, rows);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq_dataset *ref = reference(ctx), *tg = target(ctx);
    char *dir = maps(SMAP, RMAP), sp[4200], rp[4200];
    snprintf(sp, sizeof sp, "%s/s.csv", dir);
    snprintf(rp, sizeof rp, "%s/r.csv", dir);
    sweep_arg a = {tg, ref, sp, rp};
    long n = tq_test_alloc_sweep(sweep_op, &a, TQ_ERR_NOMEM, TQ_SWEEP_ONE_CONTEXT);
    assert_true(n > 10);
    tq_test_rmtree(dir);
    tq_dataset_free(tg);
    tq_dataset_free(ref);
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_case),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
