/* libFuzzer target for scenario files: the bytes are parsed as a YAML scenario and,
 * when that succeeds, applied to a baseline of the tiny dataset. Any crash, leak or
 * sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdlib.h>

#include "tradeq.h"

static tq_context *ctx;
static tq_dataset *ds;
static tq_baseline *base;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) {
        if (tq_context_new(&ctx, NULL) || tq_dataset_load(ctx, TQ_TEST_DATA "/tiny", &ds) ||
            tq_baseline_new(ctx, ds, 0, TQ_CLOSURE_FIXED, NULL, &base))
            abort();
    }
    tq_spec *sp = NULL;
    if (tq_spec_parse(ctx, (const char *)data, size, "fuzz.yaml", &sp) == TQ_OK) {
        for (int k = 0; k < tq_spec_count(sp); k++) {
            tq_spec_info si;
            tq_spec_get(sp, k, &si);
            tq_scenario *sc = NULL;
            if (tq_scenario_new(ctx, base, &sc) == TQ_OK)
                tq_spec_apply(ctx, sp, k, ds, base, sc);
            tq_scenario_free(sc);
        }
    }
    tq_spec_free(sp);
    return 0;
}
