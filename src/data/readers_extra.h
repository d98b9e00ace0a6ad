/* Helpers shared by the WIOT, square-matrix and yearly-flows readers, and the
 * reader variants that take an option (not part of the public API).
 * See docs/formats/wiot.md, docs/formats/square.md and docs/formats/flows.md. */
#ifndef TQ_READERS_EXTRA_H
#define TQ_READERS_EXTRA_H

#include "readers.h"

/* The trade elasticity the WIOT and square readers set for every sector, because
 * their files carry none: theta = 4, Simonovska & Waugh (2014, JIE 92(1)), also the
 * baseline trade elasticity of Ignatenko et al. (2025) for the liberation2025 data.
 * Users override it through tq_dataset_array(ds, TQ_THETA, 0, NULL). */
#define TQ__THETA_DEFAULT 4.0

/* The elasticity source column the flows reader uses by default: "CP" reads the
 * column epsilon_CP (Caliendo & Parro 2015, Table 1) of elasticities.csv. */
#define TQ__FLOWS_THETA_SOURCE "CP"

/* One file per year in a folder, named <prefix>YYYY.csv or <prefix>YYYY.csv.gz. */
typedef struct tq__year_files {
    int count;
    int *year;   /* [count], ascending */
    char **path; /* [count], owned */
} tq__year_files;

/* List dir's files <prefix>YYYY.csv[.gz], sorted by year. No file at all is
 * TQ_ERR_IO naming dir; the same year twice (.csv and .csv.gz) is TQ_ERR_INVALID.
 * Free with tq__year_files_free (accepts a zeroed struct). */
tq_status tq__list_year_files(tq_context *ctx, const char *dir, const char *prefix, tq__year_files *out);
void tq__year_files_free(tq_context *ctx, tq__year_files *yf);

/* Last path component of dir (trailing slashes ignored) copied into buf. */
void tq__dir_basename(const char *dir, char *buf, size_t n);

/* The flows reader with an explicit elasticity source: theta[j] is read from the
 * column epsilon_<theta_source> of elasticities.csv (e.g. "IS", "U4", "CP", "BSY",
 * "GYY", "Shap", "FGO", "LL"); NULL means TQ__FLOWS_THETA_SOURCE. A source that is
 * not in the file is TQ_ERR_NOT_FOUND naming the column. */
tq_status tq__read_flows_ex(tq_context *ctx, const char *dir, const char *theta_source, tq_dataset **out);

/* The scenario of the liberation2025 folder: fill tariff[n,i,0] (length N*N, MODEL.md
 * order, J = 1) with zeros except the row of the USA, t[USA,i] = max(floor,
 * applied_tariff[i]) from dir/tariffs.csv (one row per country, country_labels.csv
 * order), and t[USA,USA] = 0. The paper's code uses floor = 0.1 (the 10% baseline
 * tariff); pass 0 for the file as it is. ds must be the dataset tq__read_square made
 * from the same folder (it needs the region code USA). Errors name file, line, field. */
tq_status tq__square_us_tariffs(tq_context *ctx, const char *dir, const tq_dataset *ds, double floor, double *tariff);

#endif
