/* libFuzzer target for the WIOD wide-table reader (docs/formats/wiot.md): the input
 * becomes wiot_2009.csv in a temporary folder whose countries.csv, industries.csv and
 * final_demand.csv describe a valid 2-region x 2-industry table; the folder is then
 * read. Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang);
 * seeds in tests/fuzz/corpus/fuzz_wiot/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/readers.h"

static char dir[64];

static void put(const char *name, const void *data, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    fclose(f);
}

static void puts_file(const char *name, const char *text)
{
    size_t n = 0;
    while (text[n]) n++;
    put(name, text, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/tradeq-fuzz-wiot-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        puts_file("countries.csv", "position,code,name\n1,AAA,Alpha\n2,ROM,Romania\n");
        puts_file("industries.csv", "code,nace_rev1_1,name\nc1,AtB,Agriculture\nc2,50,Trade\n");
        puts_file("final_demand.csv", "code,name\nc37,Households\nc42,Changes in inventories\n");
    }
    put("wiot_2009.csv", data, size);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 0;
    tq_dataset *ds = NULL;
    if (tq__read_wiot(ctx, dir, &ds) == TQ_OK) {
        tq_consistency c;
        tq_dataset_check(ctx, ds, 0, &c);
    }
    tq_dataset_free(ds);
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    tq_context_free(ctx);
    return 0;
}
