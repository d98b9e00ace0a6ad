/* Placeholder until `tradeq replicate` lands (being written now); overwritten by it. */
#include "commands.h"
int tq_cmd_replicate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "tradeq replicate: not available in this build yet\n");
    return CLI_FAIL;
}
