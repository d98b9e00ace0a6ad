/* libFuzzer target for the WIOD wide-table reader (docs/formats/wiot.md): the input
 * becomes wiot_2009.csv in a temporary folder whose countries.csv, industries.csv and
 * final_demand.csv describe a valid 2-region x 2-industry table; the folder is then
 * read. Any crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang);
 * seeds in tests/fuzz/corpus/fuzz_wiot/. */
#include "data/readers.h"
#include "fuzz_common.h"

static const fz_file fixture[] = {
    {"countries.csv", "position,code,name\n1,AAA,Alpha\n2,ROM,Romania\n", 0},
    {"industries.csv", "code,nace_rev1_1,name\nc1,AtB,Agriculture\nc2,50,Trade\n", 0},
    {"final_demand.csv", "code,name\nc37,Households\nc42,Changes in inventories\n", 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup("wiot", fixture, sizeof fixture / sizeof fixture[0]);
    fz_put("wiot_2009.csv", data, size);
    fz_read(tq__read_wiot, NULL);
    return 0;
}
