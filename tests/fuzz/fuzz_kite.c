/* libFuzzer target for the KITE reader (docs/formats/kite.md). The folder holds the
 * minimal valid 2x2 KITE set of tests/data/kite_fixture.h; the first byte of the input
 * picks one of its eleven files (bit 7: write it gzip-named, so zlib sees the raw bytes),
 * the rest replaces that file's content, and tq__read_kite reads the folder. Any crash,
 * leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang). */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function" /* the folder helpers: fuzz_common.h's serve */
#include "../data/kite_fixture.h"
#pragma clang diagnostic pop
#include "data/readers.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_dir[0]) {
        fz_file fixture[KF_COUNT];
        for (int f = 0; f < KF_COUNT; f++)
            fixture[f] = (fz_file){kf_names[f], kf_content(f), 0};
        fz_setup("kite", fixture, KF_COUNT);
        fz_write_seeds(1);
    }
    if (size < 1)
        return 0;
    const char *name = kf_names[(data[0] & 0x7f) % KF_COUNT];
    int as_gz = (data[0] & 0x80) != 0;
    char gz[256];
    snprintf(gz, sizeof gz, "%s.gz", name);
    if (as_gz) /* the raw bytes under name.gz: plain gzip, corrupt gzip or plain text */
        fz_remove(name);
    fz_put(as_gz ? gz : name, data + 1, size - 1);
    fz_read(tq__read_kite, NULL);
    /* restore the valid file for the next input */
    if (as_gz)
        fz_remove(gz);
    fz_restore(name);
    return 0;
}
