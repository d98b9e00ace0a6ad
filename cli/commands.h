/* The CLI's commands: each takes the argv after the command name (argv[0] is the
 * command) and returns the process exit code. */
#ifndef TQ_CLI_COMMANDS_H
#define TQ_CLI_COMMANDS_H

#include "tradeq.h"

#include <stdio.h>

int tq_cmd_info(int argc, char **argv);
int tq_cmd_convert(int argc, char **argv);
int tq_cmd_balance(int argc, char **argv);
int tq_cmd_replicate(int argc, char **argv);
int tq_cmd_run(int argc, char **argv);
int tq_cmd_serve(int argc, char **argv);
int tq_cmd_liberation(int argc, char **argv);
int tq_cmd_sweep(int argc, char **argv);
int tq_cmd_estimate(int argc, char **argv);

/* ---- shared helpers (cli/common.c) ---- */

/* Dataset options every command accepts. */
typedef struct cli_data_opts {
    const char *data;       /* --data PATH or embedded name; NULL = default */
    const char *region_map; /* --region-map CSV or preset */
    const char *sector_map; /* --sector-map CSV or preset */
} cli_data_opts;

/* Exit codes. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

tq_context *cli_context(void);
/* Print "tradeq: <one-line error>" from ctx to stderr. */
void cli_print_error(tq_context *ctx);
/* A runner on ctx (exits with the message if it cannot be made). */
tq_runner *cli_runner(tq_context *ctx);
/* The dataset of opts (a folder path or an embedded dataset name; region and sector
 * maps as files or presets), through the runner: owned by r. Prints the error and
 * returns NULL on failure. */
const tq_dataset *cli_load(tq_context *ctx, tq_runner *r, const cli_data_opts *opts);
/* Handle a dataset option at argv[*i]; returns 1 if consumed (advancing *i), 0 if not
 * a dataset option, -1 on a missing value (message printed). */
int cli_data_option(int argc, char **argv, int *i, cli_data_opts *opts);
/* Print a usage error and return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);
/* Format a number with thousands separators and `decimals` places. */
const char *cli_num(char *buf, size_t cap, double v, int decimals);

/* ---- sweeps and draws (cli/cmd_sweep.c, cli/plot.c) ---- */

/* A progress bar on standard error (points done, rate, ETA), on a terminal only. */
typedef struct cli_progress {
    int tty, shown, points;
    double start, last;
    const char *label;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label, int points);
/* The context's progress callback (ud: a cli_progress). */
int cli_sweep_progress(void *ud, const char *stage, double fraction);
void cli_progress_done(cli_progress *p);
/* Plot the headline numbers of a sweep with one numeric axis against it, as SVG or PNG
 * (by path's extension) with cairo. Returns an exit code (message printed). */
int cli_sweep_plot(tq_context *ctx, const tq_sweep *sw, const char *path);

#endif
