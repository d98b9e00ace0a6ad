/* libFuzzer target for the KITE reader (docs/formats/kite.md). The folder holds the
 * minimal valid 2x2 KITE set of tests/data/kite_fixture.h; the first byte of the input
 * picks one of its eleven files (bit 7: write it gzip-named, so zlib sees the raw bytes),
 * the rest replaces that file's content, and tq__read_kite reads the folder. Any crash,
 * leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../data/kite_fixture.h"
#include "data/readers.h"

static char fuzz_dir[512];

static void fuzz_cleanup(void)
{
    if (fuzz_dir[0])
        kf_cleanup(fuzz_dir);
}

static void fuzz_init(void)
{
    const char *d = kf_mkdtemp();
    if (!d)
        abort();
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s", d);
    if (kf_write_set(fuzz_dir, -1, NULL, 0, 0))
        abort();
    atexit(fuzz_cleanup);
}

static void remove_file(int f, int gz)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s%s", fuzz_dir, kf_names[f], gz ? ".gz" : "");
    unlink(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_dir[0])
        fuzz_init();
    if (size < 1)
        return 0;
    int f = (data[0] & 0x7f) % KF_COUNT;
    int as_gz = (data[0] & 0x80) != 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    if (as_gz) { /* the raw bytes under name.gz: plain gzip, corrupt gzip or plain text */
        remove_file(f, 0);
        char p[1024];
        snprintf(p, sizeof p, "%s/%s.gz", fuzz_dir, kf_names[f]);
        FILE *fp = fopen(p, "wb");
        if (!fp)
            abort();
        if (len && fwrite(body, 1, len, fp) != len)
            abort();
        fclose(fp);
    } else if (kf_write(fuzz_dir, kf_names[f], body, len, 0)) {
        abort();
    }

    tq_context *ctx = NULL;
    if (tq_context_new(&ctx, NULL) == TQ_OK) {
        tq_dataset *ds = NULL;
        tq_status st = tq__read_kite(ctx, fuzz_dir, &ds);
        if (st == TQ_OK) {
            if (!ds)
                abort();
            tq_consistency cc;
            (void)tq_dataset_check(ctx, ds, 0, &cc);
        } else if (ds) {
            abort(); /* failure must leave *out NULL */
        }
        tq_dataset_free(ds);
        tq_context_free(ctx);
    }

    /* restore the valid file for the next input */
    if (as_gz)
        remove_file(f, 1);
    const char *orig = kf_content(f);
    if (kf_write(fuzz_dir, kf_names[f], orig, strlen(orig), 0))
        abort();
    return 0;
}
