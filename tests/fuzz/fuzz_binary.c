/* libFuzzer target for the binary dataset file (.tqb, docs/formats/binary.md): the input
 * becomes a .tqb file, with its size and checksum fields set to match when it is long
 * enough to have a header (so that mutations reach the labels, arrays and baseline
 * records instead of stopping at the checksum); the file is loaded, and on success the
 * baseline cache is looked up for every year and both closures. Any crash, leak or
 * sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang); seeds in
 * tests/fuzz/corpus/fuzz_binary/ (the tiny dataset with a cached baseline). */
#include "data/readers.h"
#include "fuzz_common.h"
#include "model/ge.h"

static void lookups(tq_context *ctx, tq_dataset *ds)
{
    for (int y = 0; y < tq_dataset_years(ds); y++)
        for (int cl = 0; cl < 2; cl++) {
            tq_baseline *b = NULL;
            if (tq__baseline_cache_lookup(ctx, ds, y, (tq_closure)cl, NULL, &b)) {
                if (!b)
                    abort();
                size_t len;
                (void)tq_baseline_array(b, TQ_PI, &len);
            }
            tq_baseline_free(b);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const fz_file none[] = {{"placeholder", "", 0}};
    fz_setup("binary", none, 1);
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    if (size >= 96) {
        uint64_t len = size, ck;
        memcpy(copy + 80, &len, 8);
        ck = tq__binary_checksum(copy, size);
        memcpy(copy + 88, &ck, 8);
    }
    fz_put("data.tqb", copy, size);
    free(copy);
    char path[600];
    snprintf(path, sizeof path, "%s/data.tqb", fz_dir);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 0;
    tq_dataset *ds = NULL;
    if (tq_dataset_load(ctx, path, &ds) == TQ_OK) {
        if (!ds)
            abort();
        lookups(ctx, ds);
        tq_consistency c;
        (void)tq_dataset_check(ctx, ds, 0, &c);
    } else if (ds) {
        abort();
    }
    tq_dataset_free(ds);
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    tq_context_free(ctx);
    return 0;
}
