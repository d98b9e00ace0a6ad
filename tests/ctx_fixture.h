/* The group fixture of tests that share one library context: ctx, created by setup and
 * freed by teardown (cmocka_run_group_tests(tests, setup, teardown)). */
#ifndef TQ_CTX_FIXTURE_H
#define TQ_CTX_FIXTURE_H

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

#endif
