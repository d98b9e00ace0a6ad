/* embed_data: turn an embedded dataset folder into its binary form with cached baselines.
 *
 *   embed_data DATASET_DIR OUT.tqb
 *
 * reads DATASET_DIR (any layout tq_dataset_load knows; the build passes data/wiod2014 and
 * data/icio), solves the recalibrated baseline of its last year for the fixed and the
 * balanced closure with the default solver options, attaches both to the dataset and
 * writes OUT.tqb (docs/formats/binary.md). `tradeq run` then starts from the file in a
 * few milliseconds instead of parsing gzipped CSV and solving the baseline again. A
 * baseline that cannot be made (the data rejects a closure, or it does not converge) is
 * left out with a note: tq_baseline_new then solves it at run time as before. Uses the
 * public API only. */
#include <stdio.h>
#include <stdlib.h>

#include "tradeq.h"

static void print_error(tq_context *ctx, const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "embed_data: %s: %s\n", what, buf);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed_data DATASET_DIR OUT.tqb\n");
        return 2;
    }
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK) {
        fprintf(stderr, "embed_data: out of memory\n");
        return 1;
    }
    int rc = 1;
    tq_dataset *ds = NULL;
    if (tq_dataset_load(ctx, argv[1], &ds) != TQ_OK) {
        print_error(ctx, argv[1]);
        goto done;
    }
    const int y = tq_dataset_years(ds) - 1;
    const tq_closure closures[2] = {TQ_CLOSURE_FIXED, TQ_CLOSURE_BALANCED};
    const char *names[2] = {"fixed", "balanced"};
    int cached = 0;
    for (int k = 0; k < 2; k++) {
        tq_baseline *b = NULL;
        tq_status st = tq_baseline_new(ctx, ds, y, closures[k], NULL, &b);
        if (st == TQ_ERR_NOMEM) {
            print_error(ctx, argv[1]);
            goto done;
        }
        if (st != TQ_OK) {
            char buf[2048];
            tq_error_format(ctx, buf, sizeof buf);
            fprintf(stderr, "embed_data: note: %s %d, %s deficits: no cached baseline (%s)\n", tq_dataset_name(ds),
                    tq_dataset_year(ds, y), names[k], buf);
            continue;
        }
        st = tq_dataset_cache_baseline(ctx, ds, b, NULL);
        tq_baseline_free(b);
        if (st != TQ_OK) {
            print_error(ctx, "caching a baseline");
            goto done;
        }
        cached++;
    }
    if (tq_dataset_write_binary(ctx, ds, argv[2], 1) != TQ_OK) {
        print_error(ctx, argv[2]);
        goto done;
    }
    printf("embed_data: %s -> %s (%d x %d, %d years, %d cached baselines)\n", argv[1], argv[2], tq_dataset_regions(ds),
           tq_dataset_sectors(ds), tq_dataset_years(ds), cached);
    rc = 0;
done:
    tq_dataset_free(ds);
    tq_context_free(ctx);
    return rc;
}
