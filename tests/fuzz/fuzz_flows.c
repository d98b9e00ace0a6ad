/* libFuzzer target for the yearly flows reader (docs/formats/flows.md): the input
 * becomes flows_2000.csv in a temporary folder whose countries.csv, sectors.csv and
 * elasticities.csv are valid for 2 regions x 2 sectors; the folder is then read. Any
 * crash, leak or sanitizer report is a bug. Build with -DTQ_FUZZ=ON (clang); seeds in
 * tests/fuzz/corpus/fuzz_flows/. */
#include "data/readers.h"
#include "fuzz_common.h"

static const fz_file fixture[] = {
    {"countries.csv", "index,matlab_index,iso3,name\n0,1,AAA,Alpha\n1,2,BBB,Beta\n", 0},
    {"sectors.csv", "index,matlab_index,code,name,tradable,goods\n0,1,S1,Goods,1,1\n1,2,S2,Services,0,0\n", 0},
    {"elasticities.csv", "index,code,epsilon_CP,sigma_CP\n0,S1,8,9\n1,S2,2,3\n", 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup("flows", fixture, sizeof fixture / sizeof fixture[0]);
    fz_put("flows_2000.csv", data, size);
    fz_read(tq__read_flows, NULL);
    return 0;
}
