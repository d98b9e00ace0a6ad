/* libFuzzer target for the yearly flows reader (docs/formats/flows.md): the input
 * becomes flows_2000.csv in a temporary folder whose countries.csv, sectors.csv and
 * elasticities.csv are valid for 2 regions x 2 sectors; the folder is then read. Any
 * crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang); seeds in
 * tests/fuzz/corpus/fuzz_flows/. */
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
        snprintf(dir, sizeof dir, "/tmp/tradeq-fuzz-flows-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        puts_file("countries.csv", "index,matlab_index,iso3,name\n0,1,AAA,Alpha\n1,2,BBB,Beta\n");
        puts_file("sectors.csv", "index,matlab_index,code,name,tradable,goods\n0,1,S1,Goods,1,1\n"
                                 "1,2,S2,Services,0,0\n");
        puts_file("elasticities.csv", "index,code,epsilon_CP,sigma_CP\n0,S1,8,9\n1,S2,2,3\n");
    }
    put("flows_2000.csv", data, size);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 0;
    tq_dataset *ds = NULL;
    if (tq__read_flows(ctx, dir, &ds) == TQ_OK) {
        tq_consistency c;
        tq_dataset_check(ctx, ds, 0, &c);
    }
    tq_dataset_free(ds);
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    tq_context_free(ctx);
    return 0;
}
