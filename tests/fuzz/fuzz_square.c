/* libFuzzer target for the square-matrix reader (docs/formats/square.md): the input
 * becomes trade_cepii.csv in a temporary folder whose country_labels.csv, gdp.csv and
 * tariffs.csv are valid for 3 countries; the folder is read and the scenario tariffs
 * are filled. Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON
 * (clang); seeds in tests/fuzz/corpus/fuzz_square/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/readers_extra.h"

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
        snprintf(dir, sizeof dir, "/tmp/tradeq-fuzz-square-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        puts_file("country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,Alpha\nUSA,2,United States\nCCC,3,Gamma\n");
        puts_file("gdp.csv", "gdp\n100000000\n20000000\n9000000\n");
        puts_file("tariffs.csv", "applied_tariff\n.24\n0\n0.05\n");
    }
    put("trade_cepii.csv", data, size);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return 0;
    tq_dataset *ds = NULL;
    if (tq__read_square(ctx, dir, &ds) == TQ_OK) {
        double t[9];
        tq__square_us_tariffs(ctx, dir, ds, 0.1, t);
        tq_consistency c;
        tq_dataset_check(ctx, ds, 0, &c);
    }
    tq_dataset_free(ds);
    char buf[1024];
    tq_error_format(ctx, buf, sizeof buf);
    tq_context_free(ctx);
    return 0;
}
