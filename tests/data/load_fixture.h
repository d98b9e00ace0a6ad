/* The fixture of the dataset-format tests (test_binary.c, test_tradeq_format.c): one
 * context for the whole group, and a load that must succeed. */
#ifndef TQ_LOAD_FIXTURE_H
#define TQ_LOAD_FIXTURE_H

#include "tq_test.h"

static tq_context *ctx;

static int setup(void **state)
{
    (void)state;
    return tq_context_new(&ctx, NULL);
}
static int teardown(void **state)
{
    (void)state;
    tq_context_free(ctx);
    return 0;
}

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

#endif
