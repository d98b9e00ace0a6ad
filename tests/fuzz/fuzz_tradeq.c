/* libFuzzer target for tradeq's own format: the first byte picks one of the files of
 * the tiny dataset, the rest replaces that file's content; the folder is then loaded.
 * Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradeq.h"

static const char *const files[] = {"flows.csv", "tariffs.csv", "io.csv",      "shares.csv",
                                    "accounts.csv", "meta.csv", "regions.csv", "sectors.csv", "groups.csv"};
#define NFILES (sizeof files / sizeof files[0])
static char dir[64];
static char *orig[NFILES];
static size_t orig_len[NFILES];

static void put(const char *name, const void *data, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

static void init(void)
{
    snprintf(dir, sizeof dir, "/tmp/tradeq-fuzz-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    for (size_t k = 0; k < NFILES; k++) {
        char p[512];
        snprintf(p, sizeof p, "%s/tiny/%s", TQ_TEST_DATA, files[k]);
        FILE *f = fopen(p, "rb");
        if (!f)
            abort();
        orig[k] = malloc(1 << 16);
        orig_len[k] = fread(orig[k], 1, 1 << 16, f);
        fclose(f);
        put(files[k], orig[k], orig_len[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        init();
    if (size < 1)
        return 0;
    size_t which = data[0] % NFILES;
    put(files[which], data + 1, size - 1);
    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) == TQ_OK) {
        tq_dataset *ds = NULL;
        if (tq_dataset_load(ctx, dir, &ds) == TQ_OK) {
            tq_consistency c;
            tq_dataset_check(ctx, ds, 0, &c);
        }
        tq_dataset_free(ds);
        char buf[1024];
        tq_error_format(ctx, buf, sizeof buf);
        tq_context_free(ctx);
    }
    put(files[which], orig[which], orig_len[which]);
    return 0;
}
