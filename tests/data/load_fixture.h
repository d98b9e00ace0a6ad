/* The fixture of the dataset-format tests (test_binary.c, test_tradeq_format.c): one
 * context for the whole group, a load that must succeed, and the round-trip check. */
#ifndef TQ_LOAD_FIXTURE_H
#define TQ_LOAD_FIXTURE_H

#include "ctx_fixture.h"

/* tq_dataset_load of a folder or file; a failure fails the test with the error text. */
static tq_dataset *load_ok(const char *path)
{
    tq_dataset *ds = NULL;
    if (tq_dataset_load(ctx, path, &ds) != TQ_OK) {
        char b[2048];
        tq_error_format(ctx, b, sizeof b);
        fail_msg("load %s failed: %s", path, b);
    }
    return ds;
}

/* a and b have the same dimensions and every array of every year bit for bit; `what`
 * names the operation that made b (for the failure message). */
static void assert_same_arrays(const tq_dataset *a, const tq_dataset *b, const char *what)
{
    assert_int_equal(tq_dataset_regions(a), tq_dataset_regions(b));
    assert_int_equal(tq_dataset_sectors(a), tq_dataset_sectors(b));
    assert_int_equal(tq_dataset_years(a), tq_dataset_years(b));
    for (int y = 0; y < tq_dataset_years(a); y++)
        for (int k = 0; k < TQ_ARRAY_COUNT; k++) {
            size_t la, lb;
            const double *pa = tq_dataset_array_const(a, (tq_array)k, y, &la);
            const double *pb = tq_dataset_array_const(b, (tq_array)k, y, &lb);
            assert_int_equal(la, lb);
            if (memcmp(pa, pb, la * sizeof(double)) != 0)
                fail_msg("array %d year %d differs after the %s", k, y, what);
        }
}

#endif
