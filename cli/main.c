/* tradeq: the command-line interface over libtradeq. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"run", tq_cmd_run, "solve scenarios (files or --tariff flags) and report welfare, wages, trade"},
    {"sweep", tq_cmd_sweep, "solve a scenario over a grid of tariffs, closures, sets, years or theta draws"},
    {"info", tq_cmd_info, "describe a dataset: dimensions, years, totals, consistency"},
    {"balance", tq_cmd_balance, "bilateral exports, imports and balance, by sector and year"},
    {"convert", tq_cmd_convert, "write a dataset (optionally aggregated) in tradeq's own format"},
    {"serve", tq_cmd_serve, "serve the what-if page: move tariffs in a browser, see the results live"},
    {"replicate", tq_cmd_replicate, "reproduce a published result (cp2015, liberation2025) beside the paper's numbers"},
    {"liberation", tq_cmd_liberation, "the one-sector Liberation-Day model of the 2025 US tariffs (194 countries)"},
    {"estimate", tq_cmd_estimate, "PPML gravity estimation with high-dimensional fixed effects"},
    {"optimal", tq_cmd_optimal, "the tariffs that maximise one region's welfare, given everyone else's"},
    {"nash", tq_cmd_nash, "the Nash equilibrium of a tariff war (best-response iteration)"},
    {"talks", tq_cmd_talks, "cooperative tariffs: Nash bargaining against the war or a threatened tariff"},
};

static void usage(FILE *f)
{
    fprintf(f, "tradeq %s: a trade-policy simulator\n\nusage: tradeq COMMAND [OPTIONS]\n\ncommands:\n",
            TQ_VERSION_STRING);
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        fprintf(f, "  %-10s %s\n", commands[k].name, commands[k].summary);
    fprintf(f, "\n`tradeq COMMAND --help` lists a command's options.\n"
               "Datasets: --data PATH reads a folder (formats: docs/formats.md); without it the\n"
               "embedded default is used.\n");
}

/* OMP_WAIT_POLICY=passive, set before libgomp reads it: OpenMP threads spinning at
 * barriers take the CPU from the working thread when other processes share the cores
 * (docs/engine.md, "Threads"). The functions of an executable's .preinit_array run before
 * the libraries' own settings are read, so no second start of the process is needed (the
 * program used to exec itself again, ~13 ms). A user's own setting wins. */
static void early_settings(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    (void)envp;
    if (!getenv("OMP_WAIT_POLICY"))
        setenv("OMP_WAIT_POLICY", "passive", 1);
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_settings)(int, char **,
                                                                                       char **) = early_settings;

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tradeq %s\n", TQ_VERSION_STRING);
        return CLI_OK;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (!strcmp(argv[1], commands[k].name))
            return commands[k].fn(argc - 1, argv + 1);
    fprintf(stderr, "tradeq: unknown command '%s' (try tradeq --help)\n", argv[1]);
    return CLI_USAGE;
}
