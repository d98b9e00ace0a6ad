/* The result table model and its writers, shared by the files of src/report/ (not
 * public; the public face is the "results" section of include/tradeq.h).
 *
 *   table.c        columns, building the tables from runs, the tq_tables getters
 *   sink.c         buffered output to a tq_sink, number formatting, progress
 *   write_csv.c    CSV of one table
 *   write_json.c   the JSON document (summary or full), streamed
 *   write_xlsx.c   the xlsx workbook (libxlsxwriter; TQ_WITH_XLSX)
 *   write_dta.c    Stata .dta of one table (ReadStat; TQ_WITH_DTA)
 *   results.c      the folder writer: a staging folder beside the target, published
 *                  as a set (renameat2 RENAME_EXCHANGE)
 */
#ifndef TQ_REPORT_H
#define TQ_REPORT_H

#include "../core/internal.h"

/* ------------------------------------------------------------ table model --- */

typedef struct tq__col {
    const char *name; /* CSV header, xlsx header, .dta variable (<= 32 chars) */
    tq_coltype type;
    const char *json;  /* key in JSON rows; NULL: left out (the trace columns) */
    const char *sub;   /* "before" / "after": folded into JSON as key: {before, after} */
    const char *unit;  /* "M USD", "%", "points", "0/1", "s" or "" */
    const char *label; /* .dta variable label (<= 80 chars) */
} tq__col;

typedef union tq__cell {
    double d;
    long i;
    const char *s; /* into the tables' string pool, or a static string */
} tq__cell;

/* Every kind of table, in the order they are written. */
enum {
    TQ__TB_REGIONS,
    TQ__TB_REGION_SECTOR,
    TQ__TB_PAIR_SECTOR,
    TQ__TB_BILATERAL,
    TQ__TB_DECOMPOSITION,
    TQ__TB_RUN,
    TQ__TB_COUNT
};

typedef struct tq__table {
    const char *name; /* "regions": files results_regions.csv / .dta, xlsx sheet, JSON key */
    int kind;         /* TQ__TB_* */
    const tq__col *cols;
    int ncols;
    tq__cell *cells; /* row-major nrows x ncols */
    size_t nrows, cap;
    size_t *first; /* rows of run r are first[r] .. first[r+1]-1 */
} tq__table;

/* What the run table and the JSON solver object say about one run. */
typedef struct tq__run_info {
    const char *name, *file, *desc, *dataset, *closure, *method, *status, *elasticities;
    const char *importer, *exporter; /* codes of the named pair, NULL when none */
    char hash[17];
    int year, converged, iterations;
    double residual, seconds;
} tq__run_info;

typedef struct tq__pool tq__pool;

struct tq_tables {
    tq_context *ctx;
    tq_detail detail;
    int nruns;
    tq__run_info *ri; /* [nruns] */
    int count;        /* tables present, in TQ__TB_* order */
    tq__table tb[TQ__TB_COUNT];
    tq__pool *pool; /* copies of every text the cells point to */
    int bands;      /* some run has uncertainty bands: the band columns are present */
};

/* The table of a kind, or NULL when t does not hold it (a detail level or no pair). */
const tq__table *tq__tables_kind(const tq_tables *t, int kind);

/* The name of a kind of table ("regions", ...). */
const char *tq__table_kind_name(int kind);

/* Check runs[0..n-1] (names, matching baseline / scenario / result). */
tq_status tq__runs_check(tq_context *ctx, const tq_run *runs, int n);

/* ------------------------------------------------------------ progress --- */

/* Inside a file, report every TQ__PROGRESS_ROWS rows, so that a progress bar moves and
 * a cancellation is honoured while a large table (bilateral) is written. */
#define TQ__PROGRESS_ROWS 32768

typedef struct tq__prog {
    tq_context *ctx;
    int file, nfiles;   /* the file being written, of nfiles */
    size_t done, total; /* rows of that file */
    tq_status st;       /* TQ_ERR_CANCELLED once asked to stop */
} tq__prog;

void tq__prog_file(tq__prog *p, size_t total);
/* Count one row; non-zero when the caller asked to stop (p->st says so). */
int tq__prog_row(tq__prog *p);

/* ------------------------------------------------------------- output --- */

/* Buffered output to a sink: bytes collect in buf and go to the sink in chunks of at
 * most TQ__OUT_CHUNK bytes, so memory stays flat however long the document. */
#define TQ__OUT_CHUNK 65536

typedef struct tq__out {
    const tq_sink *sink;
    char *buf;
    size_t len;
    int failed; /* the sink refused a chunk: later writes are dropped */
} tq__out;

/* Start (allocates the buffer: TQ_ERR_NOMEM) and finish (flushes what is left and frees
 * the buffer; returns non-zero when the sink failed at any point). */
tq_status tq__out_open(tq_context *ctx, tq__out *o, const tq_sink *sink);
int tq__out_close(tq_context *ctx, tq__out *o);
void tq__out_bytes(tq__out *o, const char *p, size_t n);
void tq__out_str(tq__out *o, const char *s);
void tq__out_char(tq__out *o, char c);

/* Shortest decimal that reads back as the same double (at most 17 significant digits);
 * "" for a value that is not finite. */
void tq__fmt_num(char buf[40], double v);

/* The error of a failed sink (TQ_ERR_IO), naming what was written. */
tq_status tq__sink_error(tq_context *ctx, const char *what);

/* --------------------------------------------------------------- writers --- */

/* Each writes through a sink or to a file and reports progress through pg; `what`
 * names the output in errors (the final file name, or NULL for a caller's sink). */
tq_status tq__write_csv(tq_context *ctx, const tq__table *t, const tq_sink *sink, const char *what, tq__prog *pg);
tq_status tq__write_json(tq_context *ctx, const tq_tables *t, const tq_sink *sink, const char *what, tq__prog *pg);
/* xlsx: every table of t as a sheet of the workbook at path. Without TQ_WITH_XLSX:
 * TQ_ERR_UNSUPPORTED. Rows over Excel's limit: TQ_ERR_UNSUPPORTED before anything is
 * written. */
tq_status tq__write_xlsx(tq_context *ctx, const tq_tables *t, const char *path, const char *what, tq__prog *pg);
/* .dta of one table (Stata 118) with the given file label. Without TQ_WITH_DTA:
 * TQ_ERR_UNSUPPORTED. */
tq_status tq__write_dta(tq_context *ctx, const tq__table *t, const char *file_label, const tq_sink *sink,
                        const char *what, tq__prog *pg);
#define TQ__DTA_MAX_LABEL 80

/* ------------------------------------------------------------ replication --- */

/* The Liberation-Day replication (replicate_liberation.c): rows (at most cap) of the
 * published tables and checkpoints, from the dataset folder dir (data/liberation2025);
 * *seconds the time of the calibration and the solves. */
tq_status tq__replicate_liberation(tq_context *ctx, const char *dir, tq_replication_row *rows, int cap, int *count,
                                   double *seconds);

#endif
