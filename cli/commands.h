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
int tq_cmd_optimal(int argc, char **argv);
int tq_cmd_nash(int argc, char **argv);
int tq_cmd_talks(int argc, char **argv);

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
/* Write path whole: write(f, ud) fills a temporary file beside it (returns non-zero on
 * failure, having printed why), which is then renamed into place; without force an
 * existing file is never replaced, even one that appeared meanwhile. Returns an exit
 * code (a message printed on failure). */
int cli_write_file(const char *cmd, const char *path, int force, int (*write)(FILE *f, void *ud), void *ud);
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
/* --draw-params LIST (theta, partial_effects, or both, comma-separated): what the draws
 * vary, as tq_sweep_options.draw_theta / draw_partial (1 drawn, -1 held central).
 * Returns 0, or -1 for an unknown name. */
int cli_draw_params(const char *list, int *theta, int *partial);
/* Plot the headline numbers of a sweep with one numeric axis against it, as SVG or PNG
 * (by path's extension) with cairo. Returns an exit code (message printed). */
int cli_sweep_plot(tq_context *ctx, const tq_sweep *sw, const char *path);

/* ---- the strategic commands (cli/policy_common.c) ---- */
typedef struct cli_policy {
    const char *cmd;
    cli_data_opts data;
    tq_model model;
    tq_closure closure;
    int year, y;
    const char *sectors, *format;
    int *sector_list;
    tq_policy_options opt;
    tq_context *ctx;
    tq_runner *runner;
    const tq_dataset *ds;
    const tq_baseline *b;
    tq_baseline *owned; /* an Ossa baseline (not cached by the runner) */
    const char *out;    /* --out FILE (.csv or .json) */
    int force;          /* --force: replace it */
} cli_policy;
extern const char *cli_policy_help;
void cli_policy_init(cli_policy *p, const char *cmd);
/* 1 if argv[*i] was a strategic option (advancing *i), 0 if not, -1 on a usage error
 * (printed). */
int cli_policy_option(int argc, char **argv, int *i, cli_policy *p);
/* Load the data, resolve --sectors, make the baseline, install the progress bar and
 * the Ctrl-C handler. Returns a CLI exit code (message printed). */
int cli_policy_setup(cli_policy *p, tq_context *ctx);
void cli_policy_free(cli_policy *p);
void cli_policy_progress_done(void);
/* Region codes (or region groups) to indices into regions[]; -1 on an unknown one. */
int cli_policy_regions(cli_policy *p, int argc, char **argv, int *regions);
void cli_policy_print_info(const cli_policy *p, const tq_optimum_info *oi);
/* A move record of a command's answer for cli_moves_write: tariffs and welfare borrowed. */
tq_move cli_policy_move(tq_move_kind kind, const int *players, int np, tq_tariff_form form, const double *t_before,
                        const double *t_after, const double *w_before, const double *w_after, tq_status st,
                        const tq_optimum_info *oi);
/* Write the moves to p->out (if given). Returns an exit code (message printed). */
int cli_policy_write(const cli_policy *p, const tq_move *mv, int n, const char *const *labels);

/* ---- strategic moves on screen and in files (cli/moves_out.c) ---- */
/* Median over traded cells / import-weighted mean of importer n's tariffs t [n,i,j]. */
double cli_tariff_median(const tq_baseline *b, const double *t, int n);
double cli_tariff_mean(const tq_baseline *b, const double *t, int n);
/* The table of moves mv[0..n-1] (tradeq run's strategy:). */
void cli_moves_print(const tq_dataset *ds, const tq_baseline *b, const tq_move *mv, int n);
typedef struct cli_moves_meta {
    const char *command;  /* "optimal", "nash", "talks", "run" */
    const char *scenario; /* run: the scenario's name; NULL otherwise */
    int year;
    const char *model, *closure;
} cli_moves_meta;
/* --out FILE: a .csv or .json name, and not an existing file unless force. Returns an
 * exit code (message printed). Call before any work. */
int cli_moves_out_check(const char *cmd, const char *path, int force);
/* Write the moves (labels[m] may be NULL: "optimal USA", ...) as CSV or JSON by path's
 * extension (docs/strategic.md, "Result files"); never replaces a file without force.
 * Returns an exit code (message printed). */
int cli_moves_write(const char *cmd, const char *path, int force, const cli_moves_meta *meta, const tq_dataset *ds,
                    const tq_move *mv, int n, const char *const *labels);

#endif
