/* libFuzzer target for the square-matrix reader (docs/formats/square.md): the input
 * becomes trade_cepii.csv in a temporary folder whose country_labels.csv, gdp.csv and
 * tariffs.csv are valid for 3 countries; the folder is read and the scenario tariffs
 * are filled. Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON
 * (clang); seeds in tests/fuzz/corpus/fuzz_square/. */
#include "data/readers_extra.h"
#include "fuzz_common.h"

static const fz_file fixture[] = {
    {"country_labels.csv", "iso3,iso_code,CountryName\nAAA,1,Alpha\nUSA,2,United States\nCCC,3,Gamma\n", 0},
    {"gdp.csv", "gdp\n100000000\n20000000\n9000000\n", 0},
    {"tariffs.csv", "applied_tariff\n.24\n0\n0.05\n", 0},
};

/* the scenario tariffs of a folder read */
static void us_tariffs(tq_context *ctx, tq_dataset *ds)
{
    double t[9];
    tq__square_us_tariffs(ctx, fz_dir, ds, 0.1, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup("square", fixture, sizeof fixture / sizeof fixture[0]);
    fz_put("trade_cepii.csv", data, size);
    fz_read(tq__read_square, us_tariffs);
    return 0;
}
