/* Tariff cross-check of the wiod2014 data (tools/tariff_check.c, tests/data/test_tariff_check.c).
 *
 * For every importer n and goods sector j of shared/data/wiod2014 it computes the average
 * tariff over exporters i != n, weighted by the pre-tariff flows Z[n,i,j] (recovered by
 * the KITE reader exactly as the file was built, i.e. dividing by the tariffs as
 * labelled), for three tariff tables:
 *   labelled  t[n,i,j] = file(origin=i, destination=n) - 1   (the reader's reading)
 *   swapped   t[n,i,j] = file(origin=n, destination=i) - 1   (the embedded data's reading)
 *   teti      Teti (2024) 2014 applied rate of shared/data/wiod16 (importer n, exporter i)
 *             for the WIOD-16 sector that j maps to (data/concordance/wiod2014_to_wiod16.csv).
 * Teti's rates are simple averages over tariff lines (and WIOD-16 groups are simple
 * averages of ISIC Rev.3 divisions); only the weights over partners are trade weights.
 *
 * For the US it also averages the USITC 2017 MFN rates (shared/data/tariffs/
 * tariff_database_2017.txt.gz) over the HTS-8 lines of each goods sector, lines mapped by
 * HS chapter (data/concordance/hs2_to_wiod2014.csv): a simple average over lines whose
 * rate is free or ad valorem; specific and compound rates without an ad valorem
 * equivalent are counted and left out.
 *
 * All functions are plain C17 over libtradeq; nothing here prints except the writers.
 * Symbols start with tc_ (this file is compiled into every tool).
 */
#ifndef TARIFF_CHECK_LIB_H
#define TARIFF_CHECK_LIB_H

#include "tradeq.h"

#include <stdio.h>

/* One importer x goods sector. Rates are fractions (0.025 = 2.5%); NAN when weight == 0. */
typedef struct tc_cell {
    double weight;          /* sum over exporters i != n of pre-tariff Z[n,i,j], M USD */
    double labelled;        /* weighted average of the table read as labelled */
    double swapped;         /* weighted average of the table read origin/destination swapped */
    double teti;            /* weighted average of Teti's 2014 rate for the mapped WIOD-16 sector */
    double row_share;       /* share of the weight bought from ROW (Teti has no ROW rates) */
    double teti_zero_share; /* share of the weight from non-ROW partners with Teti rate 0
                               where the swapped rate is > 0 (missing data or preferences) */
    double labelled_ex_row; /* the three averages over exporters other than ROW */
    double swapped_ex_row;
    double teti_ex_row;
} tc_cell;

/* USITC 2017 MFN lines of one goods sector (US as importer). */
typedef struct tc_usitc {
    int lines;      /* HTS-8 lines mapped to the sector (latest version of each line) */
    int averaged;   /* lines in the average: free or ad valorem */
    int free_lines; /* of which free */
    int not_adval;  /* specific / compound / other rates without an ad valorem equivalent */
    int from_ave;   /* averaged lines whose rate is the file's mfn_ave */
    int rounded;    /* averaged lines where only the 2-decimal mfn_ad_val_rate was usable */
    double mean;    /* simple average over the averaged lines; NAN if none */
    double min, max;
} tc_usitc;

typedef struct tc_result tc_result;

/* Which tariff table tc_rate() reads. */
enum { TC_LABELLED = 0, TC_SWAPPED = 1, TC_TETI = 2 };

/* Run the cross-check. shared = the shared data folder (holding wiod2014/, wiod16/,
 * tariffs/); concordance = the folder holding wiod2014_to_wiod16.csv and
 * hs2_to_wiod2014.csv. On success *out is owned by the caller (tc_free) and 0 is
 * returned; on failure -1 and a one-line reason in err (n bytes). Deterministic. */
int tc_compute(const char *shared, const char *concordance, tc_result **out, char *err, size_t n);
void tc_free(tc_result *r);

/* Dimensions and labels. */
int tc_regions(const tc_result *r);
int tc_goods(const tc_result *r);
const char *tc_region_code(const tc_result *r, int n);
const char *tc_goods_code(const tc_result *r, int g);
const char *tc_goods_name(const tc_result *r, int g);
const char *tc_goods_wiod16(const tc_result *r, int g);

/* Cell of importer n, goods sector g (indices), or by codes (NULL if unknown). */
const tc_cell *tc_cell_at(const tc_result *r, int n, int g);
const tc_cell *tc_cell_get(const tc_result *r, const char *importer, const char *sector);
/* USITC summary of a goods sector code (NULL if unknown). */
const tc_usitc *tc_usitc_get(const tc_result *r, const char *sector);
/* USITC line counts: lines read (latest versions), lines of unmapped chapters. */
void tc_usitc_counts(const tc_result *r, int *lines, int *unmapped, int *versions_dropped);

/* Bilateral rate importer -> exporter in a goods sector from one table (TC_*); NAN if a
 * code is unknown. */
double tc_rate(const tc_result *r, int table, const char *importer, const char *exporter, const char *sector);

/* Mean absolute deviation from Teti over importer x goods cells with weight > 0, in
 * percentage points, of the labelled and swapped tables. flags: TC_DEV_NO_ROW_IMPORTER
 * leaves out ROW as importer; TC_DEV_EX_ROW also uses the averages over partners other
 * than ROW (Teti has no ROW rates); TC_DEV_WEIGHTED weights cells by their imports.
 * Output pointers may be NULL. */
enum { TC_DEV_NO_ROW_IMPORTER = 1, TC_DEV_EX_ROW = 2, TC_DEV_WEIGHTED = 4 };
void tc_deviation(const tc_result *r, int flags, double *mad_labelled, double *mad_swapped, int *cells);

/* Write the cross-check CSV (one row per importer x goods sector, fixed decimals). */
int tc_write_csv(const tc_result *r, FILE *f);
/* Write a Markdown summary: importer goods averages, deviations, every cell where
 * |swapped - Teti| > threshold points with a reason, and the US side against USITC. */
int tc_write_summary(const tc_result *r, FILE *f, double threshold_pts);
/* Number of cells where |swapped - Teti| > threshold points. */
int tc_count_above(const tc_result *r, double threshold_pts);

/* Helpers the data tools share (this file is compiled into every tool). */
/* The source tree the tool was built from: the parent of the directory of `file` (pass
 * __FILE__; CMake compiles with absolute paths), or "." if it has no directory. */
void tc_source_dir(const char *file, char *buf, size_t n);
/* Whether path exists (anything stat() finds). */
int tc_file_exists(const char *path);
/* Split one line of a quoted CSV in place ("" is a quote inside a quoted field; a
 * trailing \n or \r\n is dropped) into f[max]. Returns the number of fields, or -1 with
 * *why one of TC_CSV_* and *field the number (from 1) of the field that failed. */
enum { TC_CSV_TOO_MANY = 1, TC_CSV_UNTERMINATED = 2, TC_CSV_AFTER_QUOTE = 3 };
int tc_csv_split(char *s, char **f, int max, int *why, int *field);
/* "prog: <message>\n" on stderr; returns 1 (the tools' exit code for bad input). */
int tc_fail(const char *prog, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
