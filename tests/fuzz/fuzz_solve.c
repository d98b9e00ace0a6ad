/* libFuzzer target that reaches the solver: the bytes are parsed as a YAML scenario and,
 * when that succeeds, each scenario's elasticity overrides go on a copy of the tiny
 * dataset, its baseline is made and the counterfactual solved under a small iteration and
 * time budget. A solve may fail with an error; what must never happen is a crash, a hang
 * past the budget, or a result handed back (TQ_OK) that holds NaN, inf or a non-positive
 * income or price (tq_result_validate). Build with -DTQ_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdlib.h>

#include "tradeq.h"

static tq_context *ctx;
static tq_dataset *ds;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) {
        if (tq_context_new(&ctx, NULL) || tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds))
            abort();
    }
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, (const char *)data, size, "fuzz.yaml", &sp) != TQ_OK)
        return 0;
    tq_solver_options o;
    tq_solver_options_default(&o);
    o.max_iter = 200;
    o.max_seconds = 0.5;
    for (int k = 0; k < tq_spec_count(sp) && k < 4; k++) {
        tq_spec_info si;
        tq_spec_get(sp, k, &si);
        tq_dataset *copy = NULL;
        tq_baseline *b = NULL;
        tq_scenario *sc = NULL;
        tq_result *r = NULL;
        if (tq_dataset_clone(ctx, ds, &copy) == TQ_OK && tq_spec_apply_data(ctx, sp, k, copy) == TQ_OK &&
            tq_baseline_new(ctx, copy, 0, si.closure == TQ_CLOSURE_BALANCED ? TQ_CLOSURE_BALANCED : TQ_CLOSURE_FIXED,
                            &o, &b) == TQ_OK &&
            tq_scenario_new(ctx, b, &sc) == TQ_OK && tq_spec_apply(ctx, sp, k, copy, b, sc) == TQ_OK) {
            tq_status st = tq_solve(ctx, b, sc, &o, &r);
            if (st == TQ_OK && tq_result_validate(ctx, r) != TQ_OK)
                abort(); /* a result passed off as one that is not */
        }
        tq_result_free(r);
        tq_scenario_free(sc);
        tq_baseline_free(b);
        tq_dataset_free(copy);
    }
    tq_spec_free(sp);
    return 0;
}
