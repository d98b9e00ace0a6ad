/* A random small economy for the model tests (test_engine.c, test_solver.c): the
 * generator, the [n,i,j] index and the dataset builder they share. */
#ifndef TQ_TEST_ECONOMY_H
#define TQ_TEST_ECONOMY_H

#include "tq_test.h"

/* splitmix64: a fixed sequence for a seed, the same on every platform. */
static uint64_t rng;
static double urand(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* [n,i,j] with N and J taken from the caller's scope. */
#define IDX(n, i, j) (((size_t)(n)*N + (size_t)(i)) * J + (size_t)(j))

/* A random economy of N regions and J <= 64 sectors: io = 0 gives gamma = 0, beta = 1;
 * deficits = 1 gives non-zero D (summing to zero). The caller frees it. */
static tq_dataset *make_economy(tq_context *ctx, int N, int J, int io, int deficits, uint64_t seed)
{
    rng = seed;
    tq_dataset *ds = tq_test_dataset_new(ctx, N, J, 0);
    double *Z = tq_dataset_array(ds, TQ_Z, 0, NULL), *t = tq_dataset_array(ds, TQ_TARIFF, 0, NULL);
    double *gamma = tq_dataset_array(ds, TQ_GAMMA, 0, NULL), *beta = tq_dataset_array(ds, TQ_BETA, 0, NULL);
    double *alpha = tq_dataset_array(ds, TQ_ALPHA, 0, NULL), *VA = tq_dataset_array(ds, TQ_VA, 0, NULL);
    double *D = tq_dataset_array(ds, TQ_DEFICIT, 0, NULL), *theta = tq_dataset_array(ds, TQ_THETA, 0, NULL);
    for (int j = 0; j < J; j++)
        theta[j] = 2.0 + 6.0 * urand();
    double dsum = 0;
    for (int n = 0; n < N; n++) {
        VA[n] = 100.0 * (1.0 + 4.0 * urand());
        D[n] = deficits ? 10.0 * (urand() - 0.5) : 0.0;
        dsum += D[n];
    }
    for (int n = 0; n < N; n++)
        D[n] -= dsum / N;
    for (int n = 0; n < N; n++) {
        double as = 0;
        for (int j = 0; j < J; j++) {
            double b = io ? 0.4 + 0.3 * urand() : 1.0;
            beta[n * J + j] = b;
            double gs = 0, gw[64];
            for (int k = 0; k < J; k++)
                gs += (gw[k] = 0.1 + urand());
            for (int k = 0; k < J; k++)
                gamma[((size_t)n * J + k) * J + j] = (1.0 - b) * gw[k] / gs;
            as += (alpha[n * J + j] = 0.5 + urand());
        }
        for (int j = 0; j < J; j++)
            alpha[n * J + j] /= as;
        for (int j = 0; j < J; j++)
            for (int i = 0; i < N; i++) {
                double tr = i == n ? 0.0 : 0.2 * urand();
                t[IDX(n, i, j)] = tr;
                Z[IDX(n, i, j)] = VA[n] / J * (i == n ? 3.0 : urand()) / (1.0 + tr);
            }
    }
    tq_dataset_set_has_io(ds, io);
    assert_int_equal(tq_dataset_derive(ctx, ds), TQ_OK);
    return ds;
}

#endif
