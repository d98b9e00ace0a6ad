/* Tests of the generic fixed-point core (src/solve/fp.h) on standard problems with known
 * answers: a linear contraction (both methods reach the exact fixed point; Anderson in
 * far fewer iterations), a map that cannot improve (stalled), a non-finite map
 * (diverged), the iteration budget, cancellation through the context, and the best
 * iterate returned when a run does not converge. */
#include "tq_test.h"

#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>

#include "solve/fp.h"

/* Every call of the core into LAPACK passes through here (this definition in the program
 * takes precedence over the shared library's, which is opened by name for the rest): count the calls, count those that
 * would hand LAPACK a non-finite matrix or right-hand side (LAPACK's SVD can loop forever on inf), and forward the rest
 * to the library. */
static int lapack_calls, lapack_bad_calls;
lapack_int LAPACKE_dgelss(int layout, lapack_int m, lapack_int n, lapack_int nrhs, double *a, lapack_int lda, double *b,
                          lapack_int ldb, double *s, double rcond, lapack_int *rank)
{
    typedef lapack_int (*dgelss_fn)(int, lapack_int, lapack_int, lapack_int, double *, lapack_int, double *, lapack_int,
                                    double *, double, lapack_int *);
    static dgelss_fn real;
    lapack_calls++;
    int bad = 0;
    for (lapack_int c = 0; c < n; c++)
        for (lapack_int r = 0; r < m; r++)
            bad |= !isfinite(a[(size_t)c * lda + r]);
    for (lapack_int r = 0; r < m; r++)
        bad |= !isfinite(b[r]);
    if (bad) {
        lapack_bad_calls++;
        return -1; /* never forwarded: the test fails on the count */
    }
    if (!real) {
        /* the library itself: with this definition the link may have dropped it */
        void *lib = dlopen("liblapacke.so.3", RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            lib = dlopen("liblapacke.so", RTLD_NOW | RTLD_LOCAL);
        assert_non_null(lib);
        void *sym = dlsym(lib, "LAPACKE_dgelss");
        assert_non_null(sym);
        memcpy(&real, &sym, sizeof real);
    }
    return real(layout, m, n, nrhs, a, lda, b, ldb, s, rcond, rank);
}

enum { NX = 20 };

/* T(x) = a .* x + c with a in [0.5, 0.95], plus a weak coupling to the next element:
 * a contraction whose fixed point solves (I - M) x = c. */
typedef struct lin {
    double a[NX], c[NX], eps;
    int calls;
} lin;

static double lin_map(void *ud, const double *x, double *g)
{
    lin *L = ud;
    double r = 0;
    for (int k = 0; k < NX; k++) {
        g[k] = L->a[k] * x[k] + L->eps * x[(k + 1) % NX] + L->c[k];
        r = fmax(r, fabs(g[k] - x[k]));
    }
    L->calls++;
    return r;
}

static void lin_init(lin *L, double eps)
{
    memset(L, 0, sizeof *L);
    L->eps = eps;
    for (int k = 0; k < NX; k++) {
        L->a[k] = 0.5 + 0.45 * k / (NX - 1);
        L->c[k] = 1.0 + 0.1 * k;
    }
}

/* The exact fixed point without coupling: x = c / (1 - a). */
static void lin_exact(const lin *L, double *x)
{
    for (int k = 0; k < NX; k++)
        x[k] = L->c[k] / (1.0 - L->a[k]);
}

static int run_lin(tq_context *ctx, tq__fp_method method, int memory, double *x, int *used, tq__fp_state *st)
{
    lin L;
    lin_init(&L, 0.0);
    tq__fp *fp;
    assert_int_equal(tq__fp_alloc(ctx, method, NX, memory, &fp), TQ_OK);
    memset(x, 0, NX * sizeof(double));
    tq__fp_set(fp, lin_map, &L, x, 1e-11, 1000, 1.0);
    tq__fp_progress_reset(fp, 1e-11);
    *st = tq__fp_run(fp, 5000, used);
    assert_true(tq__fp_residual(fp) < 1e-11);
    tq__fp_free(fp);
    return L.calls;
}

static void test_linear(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    lin L;
    lin_init(&L, 0.0);
    double want[NX], x[NX];
    lin_exact(&L, want);
    int used_a, used_d;
    tq__fp_state st;
    run_lin(ctx, TQ__FP_ANDERSON, 8, x, &used_a, &st);
    assert_int_equal(st, TQ__FP_CONVERGED);
    for (int k = 0; k < NX; k++)
        assert_true(fabs(x[k] - want[k]) < 1e-9 * want[k]);
    run_lin(ctx, TQ__FP_DAMPED, 0, x, &used_d, &st);
    assert_int_equal(st, TQ__FP_CONVERGED);
    for (int k = 0; k < NX; k++)
        assert_true(fabs(x[k] - want[k]) < 1e-9 * want[k]);
    /* plain iteration contracts by 0.95 a step: about log(1e-12)/log(0.95) = 540 steps;
     * Anderson (memory 8) on a linear map needs a few dozen at most */
    if (!(used_d > 400 && used_a < 60))
        fail_msg("iterations: Anderson %d, damped %d", used_a, used_d);
    tq_context_free(ctx);
}

/* With coupling there is no closed form: check the fixed point equation itself and that
 * damping 0.5 still converges to the same point. */
static void test_coupled_damped(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    lin L;
    lin_init(&L, 0.02);
    double xa[NX] = {0}, xd[NX] = {0}, g[NX];
    tq__fp *fa, *fd;
    assert_int_equal(tq__fp_alloc(ctx, TQ__FP_ANDERSON, NX, 5, &fa), TQ_OK);
    assert_int_equal(tq__fp_alloc(ctx, TQ__FP_DAMPED, NX, 5, &fd), TQ_OK);
    assert_int_equal(tq__fp_memory(fd), 0);
    assert_int_equal(tq__fp_memory(fa), 5);
    tq__fp_set(fa, lin_map, &L, xa, 1e-12, 1000, 1.0);
    tq__fp_set(fd, lin_map, &L, xd, 1e-12, 1000, 0.5);
    int ua, ud;
    assert_int_equal(tq__fp_run(fa, 5000, &ua), TQ__FP_CONVERGED);
    assert_int_equal(tq__fp_run(fd, 20000, &ud), TQ__FP_CONVERGED);
    lin_map(&L, xa, g);
    for (int k = 0; k < NX; k++) {
        assert_true(fabs(g[k] - xa[k]) < 1e-12);
        assert_true(fabs(xa[k] - xd[k]) < 1e-9 * fabs(xa[k]));
    }
    /* on convergence T(x) is kept: the last map value is at x */
    const double *gl = tq__fp_g(fa);
    for (int k = 0; k < NX; k++)
        assert_true(fabs(gl[k] - xa[k]) < 1e-12);
    assert_true(ud > ua);
    tq__fp_free(fa);
    tq__fp_free(fd);
    tq__fp_free(NULL);
    tq_context_free(ctx);
}

/* T(x) = x + 1 everywhere: the residual is 1 forever. */
static double shift_map(void *ud, const double *x, double *g)
{
    (void)ud;
    for (int k = 0; k < NX; k++)
        g[k] = x[k] + 1.0;
    return 1.0;
}

static double nan_map(void *ud, const double *x, double *g)
{
    (void)ud;
    for (int k = 0; k < NX; k++)
        g[k] = x[k];
    return NAN;
}

/* Residual |x - 3| / (1 + |x - 3|) for a scalar walk away from 3: worse every step. */
static double away_map(void *ud, const double *x, double *g)
{
    int *calls = ud;
    (*calls)++;
    for (int k = 0; k < NX; k++)
        g[k] = 3.0 + 2.0 * (x[k] - 3.0);
    return fabs(x[0] - 3.0);
}

static void test_stall_diverge_budget(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    double x[NX] = {0};
    int used;
    for (int m = 0; m < 2; m++) {
        tq__fp *fp;
        assert_int_equal(tq__fp_alloc(ctx, m ? TQ__FP_DAMPED : TQ__FP_ANDERSON, NX, 4, &fp), TQ_OK);
        /* stalled: no tenfold progress in 10 iterations */
        tq__fp_set(fp, shift_map, NULL, x, 1e-10, 10, 1.0);
        assert_int_equal(tq__fp_run(fp, 1000, &used), TQ__FP_STALLED);
        assert_int_equal(used, 11);
        /* the best iterate is given back: the first one (all residuals equal) */
        for (int k = 0; k < NX; k++)
            assert_true(x[k] == 0.0);
        /* diverged at once: nothing finite to restart from */
        tq__fp_set(fp, nan_map, NULL, x, 1e-10, 10, 1.0);
        assert_int_equal(tq__fp_run(fp, 1000, &used), TQ__FP_DIVERGED);
        assert_int_equal(used, 0);
        assert_true(isnan(tq__fp_residual(fp)));
        /* the budget */
        tq__fp_set(fp, shift_map, NULL, x, 1e-10, 1000, 1.0);
        assert_int_equal(tq__fp_run(fp, 7, &used), TQ__FP_LIMIT);
        assert_int_equal(used, 7);
        tq__fp_free(fp);
    }
    /* an expanding map: the residual only grows, the run stalls and x is the best
     * iterate (the start) */
    tq__fp *fp;
    assert_int_equal(tq__fp_alloc(ctx, TQ__FP_DAMPED, NX, 1, &fp), TQ_OK);
    int calls = 0;
    for (int k = 0; k < NX; k++)
        x[k] = 3.5;
    tq__fp_set(fp, away_map, &calls, x, 1e-10, 5, 1.0);
    assert_int_equal(tq__fp_run(fp, 100, &used), TQ__FP_STALLED);
    assert_true(x[0] == 3.5);
    assert_true(tq__fp_best(fp) == 0.5);
    tq__fp_free(fp);
    tq_context_free(ctx);
}

static int cancel_at(void *ud, const char *stage, double fraction)
{
    (void)fraction;
    assert_string_equal(stage, "solve");
    int *left = ud;
    return --*left < 0;
}

static void test_cancel(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    int left = 3;
    tq_context_set_progress(ctx, cancel_at, &left);
    lin L;
    lin_init(&L, 0.0);
    double x[NX] = {0};
    tq__fp *fp;
    assert_int_equal(tq__fp_alloc(ctx, TQ__FP_DAMPED, NX, 0, &fp), TQ_OK);
    tq__fp_set(fp, lin_map, &L, x, 1e-12, 1000, 1.0);
    tq__fp_progress_reset(fp, 1e-12);
    int used;
    assert_int_equal(tq__fp_run(fp, 1000, &used), TQ__FP_CANCELLED);
    /* three reports went through; the fourth cancelled, its step not counted */
    assert_int_equal(used, 3);
    assert_int_equal(L.calls, 4);
    assert_int_equal(tq_last_error(ctx)->status, TQ_ERR_CANCELLED);
    tq__fp_free(fp);
    tq_context_free(ctx);
}

/* T(x) = 2 x + 1e160: finite values whose squares overflow, so the normal equations of
 * the Anderson step hold inf although every residual the map returns is finite. */
static double huge_map(void *ud, const double *x, double *g)
{
    int *calls = ud;
    (*calls)++;
    double r = 0;
    for (int k = 0; k < NX; k++) {
        g[k] = 2.0 * x[k] + 1e160 * (1.0 + 0.01 * k);
        r = fmax(r, fabs(g[k] - x[k]));
    }
    return r;
}

/* A contraction whose map value turns to inf (odd elements) and NaN (element 0) from the
 * 2nd call on, while the residual it returns stays finite (fmax skips NaN). */
static double poison_map(void *ud, const double *x, double *g)
{
    int *calls = ud;
    (*calls)++;
    double r = 0;
    for (int k = 0; k < NX; k++) {
        g[k] = 0.5 * x[k] + 1.0;
        if (*calls >= 2 && k % 2 == 1)
            g[k] = INFINITY;
        if (*calls >= 2 && k == 0)
            g[k] = NAN;
        r = fmax(r, fabs(g[k] - x[k]));
    }
    return isinf(r) ? 1.0 : r;
}

/* Non-finite values never reach LAPACK: the step falls back to the plain iteration, and
 * the run ends without converging (diverged or out of budget), without hanging. */
static void test_nonfinite_never_reaches_lapack(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    tq__fp *fp;
    assert_int_equal(tq__fp_alloc(ctx, TQ__FP_ANDERSON, NX, 8, &fp), TQ_OK);
    double x[NX] = {0};
    int used, calls = 0;
    /* the linear contraction does call LAPACK, with finite values */
    lapack_calls = lapack_bad_calls = 0;
    lin L;
    lin_init(&L, 0.0);
    tq__fp_set(fp, lin_map, &L, x, 1e-11, 1000, 1.0);
    assert_int_equal(tq__fp_run(fp, 5000, &used), TQ__FP_CONVERGED);
    assert_true(lapack_calls > 0);
    assert_int_equal(lapack_bad_calls, 0);

    /* overflowing normal equations: the run diverges (no restart helps) or spends its
     * budget; LAPACK never sees inf */
    memset(x, 0, sizeof x);
    lapack_calls = lapack_bad_calls = 0;
    tq__fp_set(fp, huge_map, &calls, x, 1e-10, 100000, 1.0);
    tq__fp_state st = tq__fp_run(fp, 2000, &used);
    if (st != TQ__FP_DIVERGED && st != TQ__FP_LIMIT)
        fail_msg("huge map: state %d", (int)st);
    assert_int_equal(lapack_bad_calls, 0);
    assert_true(calls > 3);
    for (int k = 0; k < NX; k++) /* the best iterate given back is finite */
        assert_true(isfinite(x[k]));

    /* inf and NaN inside the map value: the same */
    memset(x, 0, sizeof x);
    calls = 0;
    lapack_calls = lapack_bad_calls = 0;
    tq__fp_set(fp, poison_map, &calls, x, 1e-10, 100000, 1.0);
    st = tq__fp_run(fp, 500, &used);
    if (st == TQ__FP_CONVERGED || st == TQ__FP_RUNNING)
        fail_msg("poisoned map: state %d", (int)st);
    assert_int_equal(lapack_bad_calls, 0);
    assert_true(calls >= 2);
    tq__fp_free(fp);
    tq_context_free(ctx);
}

/* The wall-clock deadline ends a run that would otherwise go on: a deadline already
 * passed stops it after exactly one iteration; none (0) lets the budget decide. */
static void test_deadline(void **state)
{
    (void)state;
    tq_context *ctx;
    assert_int_equal(tq_context_new(&ctx, NULL), TQ_OK);
    double x[NX] = {0};
    int used;
    for (int m = 0; m < 2; m++) {
        tq__fp *fp;
        assert_int_equal(tq__fp_alloc(ctx, m ? TQ__FP_DAMPED : TQ__FP_ANDERSON, NX, 4, &fp), TQ_OK);
        tq__fp_set(fp, shift_map, NULL, x, 1e-10, 1 << 30, 1.0);
        tq__fp_set_deadline(fp, tq__fp_now() - 1.0);
        assert_int_equal(tq__fp_run(fp, 1 << 30, &used), TQ__FP_TIMEOUT);
        assert_int_equal(used, 1);
        /* the deadline survives tq__fp_set; a later one lets a short budget run out first */
        tq__fp_set(fp, shift_map, NULL, x, 1e-10, 1 << 30, 1.0);
        tq__fp_set_deadline(fp, tq__fp_now() + 3600.0);
        assert_int_equal(tq__fp_run(fp, 5, &used), TQ__FP_LIMIT);
        assert_int_equal(used, 5);
        tq__fp_set_deadline(fp, 0);
        assert_int_equal(tq__fp_run(fp, 5, &used), TQ__FP_LIMIT);
        tq__fp_free(fp);
    }
    tq_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_coupled_damped),
        cmocka_unit_test(test_stall_diverge_budget),
        cmocka_unit_test(test_nonfinite_never_reaches_lapack),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
