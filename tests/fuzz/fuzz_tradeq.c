/* libFuzzer target for tradeq's own format: the first byte picks one of the files of
 * the tiny dataset, the rest replaces that file's content; the folder is then loaded.
 * Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang). */
#include "fuzz_common.h"

static const char *const files[] = {"flows.csv", "tariffs.csv", "io.csv",      "shares.csv", "accounts.csv",
                                    "meta.csv",  "regions.csv", "sectors.csv", "groups.csv"};
#define NFILES (sizeof files / sizeof files[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_setup_copy("tradeq", TQ_TEST_DATA "/tiny", files, NFILES))
        fz_write_seeds(0);
    if (size < 1)
        return 0;
    const char *name = files[data[0] % NFILES];
    fz_put(name, data + 1, size - 1);
    fz_read(tq_dataset_load, NULL);
    fz_restore(name);
    return 0;
}
