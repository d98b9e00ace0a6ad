/* build_us_tariffs: build the 2025-2026 US tariff scenarios on wiod2014 from the trade-war tracker.
 *
 *   build_us_tariffs SHARED_DATA_DIR OUT_DIR [--force] [--source DIR]
 *
 * reads SHARED_DATA_DIR/us_tariffs_2025/ (tradewartracker.com, Michael Waugh, MIT):
 *   hs2/hs2-tariff-CCCC.csv   US imports 2024, the 2024 tariff and the 2025 increase by partner x HS chapter;
 *   country_by_time.csv       the effective US tariff on the 50 largest partners (and the EU) by date;
 *   daily_average.csv         the all-partner import-weighted average US tariff by day;
 * and from the source tree (DIR, default this file's parent directory):
 *   data/wiod2014                                 the dataset (regions, goods sectors, 2014 US imports, tariffs);
 *   data/concordance/hs2_to_wiod2014.csv          HS chapter -> goods sector (empty = excluded chapter);
 *   data/concordance/census_country_to_wiod2014.csv  Census partner code -> region (EU members one by one,
 *                                                 the rest ROW; the tracker's EU total is skipped).
 * It writes three scenarios into OUT_DIR (refusing to overwrite any of them without --force):
 *   us-tariffs-2025.yaml     per region and goods sector, the rise of the 2024-import-weighted tariff from
 *                            2024 to the tracker's HS-chapter state of September 2025, added in points;
 *   us-tariffs-2026-08.yaml  per region, the rise of the tracker's partner-level effective tariff from its
 *                            2024 level to its last date up to 2026-08-31, added to every goods sector;
 *   us-japan-2025-deal.yaml  the US-Japan deal of July 2025: 15% on Japanese goods, cars included.
 * Each file's header gives the US import-weighted average tariff it implies beside the tracker's
 * figure for the same date, and stdout repeats them (markdown). Deterministic: the same inputs give
 * the same bytes (tests/cli/test_us_tariffs.sh). Method and caveats: docs/us-tariffs-2025.md.
 * Uses only the public API (include/tradeq.h) and plain C. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tariff_check_lib.h"
#include "tradeq.h"

#define MAXP 512 /* partners (the files have 226) */
#define MAXR 64  /* regions */
#define MAXS 64  /* sectors */
#define MAXROW 4096
#define MAXDAY 2048
#define MAXF 16

static const char *const HS2_DATE = "2025-09-22"; /* the tracker's last update of the hs2 files */
static const char *const END_2026 = "2026-08-31"; /* the 2026 scenario: the last tracker date up to this */

/* ------------------------------------------------------------------ CSV --- */

typedef struct csvr {
    FILE *f;
    const char *path;
    long line;
    char buf[8192];
    char *fld[MAXF];
    int nf;
} csvr;

#define fail(...) tc_fail("build_us_tariffs", __VA_ARGS__)

static int csv_open(csvr *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->f = fopen(path, "rb");
    if (!c->f)
        return fail("cannot read %s: %s", path, strerror(errno));
    return 0;
}

static void csv_close(csvr *c)
{
    if (c->f)
        fclose(c->f);
    c->f = NULL;
}

/* Next record: 1, 0 at the end, -1 on an error (reported). Fields may be double-quoted ("" = "). */
static int csv_next(csvr *c)
{
    if (!fgets(c->buf, sizeof c->buf, c->f))
        return 0;
    c->line++;
    size_t len = strlen(c->buf);
    if (len && c->buf[len - 1] != '\n' && !feof(c->f)) {
        fail("%s:%ld: line longer than %zu bytes", c->path, c->line, sizeof c->buf - 2);
        return -1;
    }
    int why, field;
    c->nf = tc_csv_split(c->buf, c->fld, MAXF, &why, &field);
    if (c->nf >= 0)
        return 1;
    if (why == TC_CSV_TOO_MANY)
        fail("%s:%ld: more than %d fields", c->path, c->line, MAXF);
    else
        fail("%s:%ld: %s field %d", c->path, c->line,
             why == TC_CSV_UNTERMINATED ? "unterminated quoted" : "text after the closing quote of", field);
    return -1;
}

/* Read the header and find the wanted columns (col[k] = index). */
static int csv_header(csvr *c, const char *const *want, int n, int *col)
{
    if (csv_next(c) != 1)
        return fail("%s: no header", c->path);
    for (int k = 0; k < n; k++) {
        col[k] = -1;
        for (int q = 0; q < c->nf; q++)
            if (!strcmp(c->fld[q], want[k]))
                col[k] = q;
        if (col[k] < 0)
            return fail("%s:1: no column '%s'", c->path, want[k]);
    }
    return 0;
}

static const char *csv_str(const csvr *c, int col)
{
    return col < c->nf ? c->fld[col] : "";
}

/* A number in field col (empty allowed when *empty_ok, giving NAN). */
static int csv_num(const csvr *c, int col, const char *name, int empty_ok, double *v)
{
    const char *s = csv_str(c, col);
    if (!*s && empty_ok) {
        *v = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(*v))
        return fail("%s:%ld: field '%s': '%s' is not a number", c->path, c->line, name, s);
    return 0;
}

/* ------------------------------------------------------------------ data --- */

typedef struct partner {
    char code[8], name[96];
    int region; /* -1: the tracker's EU total (skipped) */
    int eu27;
    double w, duty; /* 2024 imports and duties, USD, all chapters */
} partner;

typedef struct cell {
    double w, s0, s1; /* weight (2024 imports, USD) and weighted sums of the 2024 and the new rate (%) */
} cell;

typedef struct tbt_row {
    char date[16];
    int partner; /* index into pt[], by name */
    double eff, imp, t24;
} tbt_row;

static tq_dataset *ds;
static int N, J, usa;
static int goods[MAXS];
static int chap[100]; /* goods sector; -1 excluded; -2 not listed */
static char chap_note[100][160];
static partner pt[MAXP];
static int np;
static cell cs[MAXR][MAXS]; /* mapped chapters, by region and sector */
static cell cx[100];        /* excluded chapters */
static cell call_;          /* every chapter, every partner (the EU total skipped) */
static cell creg[MAXR];     /* every chapter, by region */
static cell cjpn_s[MAXS];   /* Japan alone, by sector (for the deal's header) */
static tbt_row rows[MAXROW];
static int nrows;
static char day_date[MAXDAY][16];
static double day_val[MAXDAY];
static int ndays;

static void copy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = 0;
}

/* Round to 2 decimals as printed, so the YAML comments add up; never "-0.00". */
static double r2(double x)
{
    char b[64];
    snprintf(b, sizeof b, "%.2f", x);
    double y = strtod(b, NULL);
    return y == 0.0 ? 0.0 : y;
}

static int read_chapters(const char *path)
{
    static const char *const want[] = {"hs2", "sector", "note"};
    int col[3], r, bad = 0;
    csvr c;
    for (int h = 0; h < 100; h++)
        chap[h] = -2;
    if (csv_open(&c, path) || csv_header(&c, want, 3, col)) {
        csv_close(&c);
        return 1;
    }
    while ((r = csv_next(&c)) == 1) {
        const char *h = csv_str(&c, col[0]), *s = csv_str(&c, col[1]);
        char *end;
        long k = strtol(h, &end, 10);
        if (strlen(h) != 2 || *end || k < 1 || k > 99 || chap[k] != -2) {
            fail("%s:%ld: field 'hs2': '%s' is not a new two-digit chapter", path, c.line, h);
            bad = 1;
            continue;
        }
        copy(chap_note[k], sizeof chap_note[k], csv_str(&c, col[2]));
        if (!*s) {
            chap[k] = -1;
            continue;
        }
        int j = tq_dataset_find_sector(ds, s);
        if (j < 0 || !tq_dataset_sector_tradable(ds, j)) {
            fail("%s:%ld: field 'sector': '%s' is not a goods sector of wiod2014", path, c.line, s);
            bad = 1;
            continue;
        }
        chap[k] = j;
    }
    csv_close(&c);
    return r < 0 || bad;
}

static int read_partners(const char *path)
{
    static const char *const want[] = {"cty_code", "cty_name", "region", "eu27"};
    int col[4], r, bad = 0;
    csvr c;
    if (csv_open(&c, path) || csv_header(&c, want, 4, col)) {
        csv_close(&c);
        return 1;
    }
    while ((r = csv_next(&c)) == 1) {
        const char *code = csv_str(&c, col[0]), *name = csv_str(&c, col[1]), *reg = csv_str(&c, col[2]);
        if (np == MAXP || strlen(code) != 4 || strlen(name) >= sizeof pt[0].name) {
            csv_close(&c);
            return fail("%s:%ld: too many partners, or a code that is not 4 digits, or a long name", path, c.line);
        }
        for (int p = 0; p < np; p++)
            if (!strcmp(pt[p].code, code) || !strcmp(pt[p].name, name)) {
                fail("%s:%ld: partner %s %s listed twice", path, c.line, code, name);
                bad = 1;
            }
        partner *x = &pt[np];
        memset(x, 0, sizeof *x);
        copy(x->code, sizeof x->code, code);
        copy(x->name, sizeof x->name, name);
        x->eu27 = !strcmp(csv_str(&c, col[3]), "1");
        x->region = -1;
        if (*reg) {
            x->region = tq_dataset_find_region(ds, reg);
            if (x->region < 0 || x->region == usa) {
                fail("%s:%ld: field 'region': '%s' is not a partner region of wiod2014", path, c.line, reg);
                bad = 1;
            }
        } else if (strcmp(name, "EUROPEAN UNION")) {
            fail("%s:%ld: field 'region': empty (only the tracker's EUROPEAN UNION total is skipped)", path, c.line);
            bad = 1;
        }
        np++;
    }
    csv_close(&c);
    return r < 0 || bad;
}

static int find_partner_name(const char *name)
{
    for (int p = 0; p < np; p++)
        if (!strcmp(pt[p].name, name))
            return p;
    return -1;
}

static void add_cell(cell *a, double w, double t0, double t1)
{
    a->w += w;
    a->s0 += w * t0;
    a->s1 += w * t1;
}

/* One partner's file hs2/hs2-tariff-CCCC.csv. */
static int read_hs2(const char *dir, int p)
{
    static const char *const want[] = {"HS2",      "2024_imports",         "2024_duty",  "CTY_NAME",
                                       "CTY_CODE", "2025_tariff_increase", "2024_tariff"};
    char path[4200];
    int plen = snprintf(path, sizeof path, "%s/hs2-tariff-%s.csv", dir, pt[p].code);
    if (plen < 0 || (size_t)plen >= sizeof path)
        return fail("%s: path too long", dir);
    int col[7], r, seen[100] = {0};
    csvr c;
    if (csv_open(&c, path) || csv_header(&c, want, 7, col)) {
        csv_close(&c);
        return 1;
    }
    partner *x = &pt[p];
    while ((r = csv_next(&c)) == 1) {
        double w, duty, inc, t24;
        if (csv_num(&c, col[1], "2024_imports", 0, &w) || csv_num(&c, col[2], "2024_duty", 0, &duty) ||
            csv_num(&c, col[5], "2025_tariff_increase", 1, &inc) || csv_num(&c, col[6], "2024_tariff", 1, &t24))
            goto bad;
        const char *h = csv_str(&c, col[0]);
        char *end;
        long k = strtol(h, &end, 10);
        if (strlen(h) != 2 || *end || k < 1 || k > 99 || seen[k]++) {
            fail("%s:%ld: field 'HS2': '%s' is not a new two-digit chapter", path, c.line, h);
            goto bad;
        }
        if (strcmp(csv_str(&c, col[4]), x->code) || strcmp(csv_str(&c, col[3]), x->name)) {
            fail("%s:%ld: partner %s %s, expected %s %s (the concordance)", path, c.line, csv_str(&c, col[4]),
                 csv_str(&c, col[3]), x->code, x->name);
            goto bad;
        }
        if (w < 0 || duty < 0) {
            fail("%s:%ld: negative imports or duties", path, c.line);
            goto bad;
        }
        if (isnan(inc) || isnan(t24)) { /* empty rates: only on rows without imports */
            if (w > 0) {
                fail("%s:%ld: imports of %.0f USD but no 2024 tariff or 2025 increase", path, c.line, w);
                goto bad;
            }
            continue;
        }
        x->w += w;
        x->duty += duty;
        if (x->region < 0)
            continue; /* the EU total */
        if (chap[k] == -2 && w > 0) {
            fail("%s:%ld: HS chapter %s has imports but is not in hs2_to_wiod2014.csv", path, c.line, h);
            goto bad;
        }
        add_cell(&call_, w, t24, t24 + inc);
        add_cell(&creg[x->region], w, t24, t24 + inc);
        if (chap[k] >= 0) {
            add_cell(&cs[x->region][chap[k]], w, t24, t24 + inc);
            if (!strcmp(x->name, "JAPAN"))
                add_cell(&cjpn_s[chap[k]], w, t24, t24 + inc);
        } else
            add_cell(&cx[k], w, t24, t24 + inc);
    }
    csv_close(&c);
    return r < 0;
bad:
    csv_close(&c);
    return 1;
}

/* Every file in hs2/ must be a partner of the concordance. */
static int check_hs2_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail("cannot list %s: %s", dir, strerror(errno));
    struct dirent *e;
    int bad = 0;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.')
            continue;
        int found = 0;
        for (int p = 0; p < np && !found; p++) {
            char want[64];
            snprintf(want, sizeof want, "hs2-tariff-%s.csv", pt[p].code);
            found = !strcmp(n, want);
        }
        if (!found) {
            fail("%s/%s: a partner not in census_country_to_wiod2014.csv", dir, n);
            bad = 1;
        }
    }
    closedir(d);
    return bad;
}

static int read_by_time(const char *path)
{
    static const char *const want[] = {"date", "country_name", "effective tariff", "total imports", "2024 tariff"};
    int col[5], r;
    csvr c;
    if (csv_open(&c, path) || csv_header(&c, want, 5, col)) {
        csv_close(&c);
        return 1;
    }
    while ((r = csv_next(&c)) == 1) {
        if (nrows == MAXROW) {
            csv_close(&c);
            return fail("%s: more than %d rows", path, MAXROW);
        }
        tbt_row *x = &rows[nrows];
        const char *d = csv_str(&c, col[0]), *name = csv_str(&c, col[1]);
        if (strlen(d) != 10) {
            csv_close(&c);
            return fail("%s:%ld: field 'date': '%s' is not YYYY-MM-DD", path, c.line, d);
        }
        copy(x->date, sizeof x->date, d);
        x->partner = find_partner_name(name);
        if (x->partner < 0) {
            csv_close(&c);
            return fail("%s:%ld: field 'country_name': '%s' is not in census_country_to_wiod2014.csv", path, c.line,
                        name);
        }
        if (csv_num(&c, col[2], "effective tariff", 0, &x->eff) || csv_num(&c, col[3], "total imports", 0, &x->imp) ||
            csv_num(&c, col[4], "2024 tariff", 0, &x->t24)) {
            csv_close(&c);
            return 1;
        }
        for (int q = 0; q < nrows; q++)
            if (rows[q].partner == x->partner && !strcmp(rows[q].date, x->date)) {
                csv_close(&c);
                return fail("%s:%ld: %s listed twice on %s", path, c.line, name, d);
            }
        nrows++;
    }
    csv_close(&c);
    return r < 0;
}

static int read_daily(const char *path)
{
    static const char *const want[] = {"date", "import_weighted_avg_tariff"};
    int col[2], r;
    csvr c;
    if (csv_open(&c, path) || csv_header(&c, want, 2, col)) {
        csv_close(&c);
        return 1;
    }
    while ((r = csv_next(&c)) == 1) {
        if (ndays == MAXDAY) {
            csv_close(&c);
            return fail("%s: more than %d days", path, MAXDAY);
        }
        copy(day_date[ndays], sizeof day_date[0], csv_str(&c, col[0]));
        if (csv_num(&c, col[1], "import_weighted_avg_tariff", 0, &day_val[ndays])) {
            csv_close(&c);
            return 1;
        }
        ndays++;
    }
    csv_close(&c);
    return r < 0;
}

static double daily(const char *date)
{
    for (int k = 0; k < ndays; k++)
        if (!strcmp(day_date[k], date))
            return day_val[k];
    return NAN;
}

/* The latest date of country_by_time.csv on or before `upto`. */
static void last_date(const char *upto, char *out, size_t n)
{
    out[0] = 0;
    for (int q = 0; q < nrows; q++)
        if (strcmp(rows[q].date, upto) <= 0 && strcmp(rows[q].date, out) > 0)
            copy(out, n, rows[q].date);
}

static const tbt_row *row_of(int p, const char *date)
{
    for (int q = 0; q < nrows; q++)
        if (rows[q].partner == p && !strcmp(rows[q].date, date))
            return &rows[q];
    return NULL;
}

/* -------------------------------------------------------------- results --- */

/* The US import-weighted average tariff on the dataset's own flows (Z, pre-tariff, last year),
 * goods sectors, every partner: before (the dataset's tariffs) and after `add` points (per region
 * and sector, NAN = set to `set` percent instead). */
static void dataset_average(double add[MAXR][MAXS], double *before, double *after)
{
    int y = tq_dataset_years(ds) - 1;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL), *T = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
    double w = 0, s0 = 0, s1 = 0;
    for (int i = 0; i < N; i++) {
        if (i == usa)
            continue;
        for (int j = 0; j < J; j++) {
            if (!goods[j])
                continue;
            size_t k = ((size_t)usa * (size_t)N + (size_t)i) * (size_t)J + (size_t)j;
            double t = 100 * T[k];
            w += Z[k];
            s0 += Z[k] * t;
            s1 += Z[k] * (t + add[i][j]);
        }
    }
    *before = s0 / w;
    *after = s1 / w;
}

/* The largest baseline US tariff on region i's goods sectors, percent (and the sector). */
static double max_base_tariff(int i, int *jmax)
{
    int y = tq_dataset_years(ds) - 1;
    const double *T = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
    double m = -1;
    for (int j = 0; j < J; j++)
        if (goods[j]) {
            double t = 100 * T[((size_t)usa * (size_t)N + (size_t)i) * (size_t)J + (size_t)j];
            if (t > m) {
                m = t;
                *jmax = j;
            }
        }
    return m;
}

static double dataset_tariff(int i, int j)
{
    int y = tq_dataset_years(ds) - 1;
    const double *T = tq_dataset_array_const(ds, TQ_TARIFF, y, NULL);
    return 100 * T[((size_t)usa * (size_t)N + (size_t)i) * (size_t)J + (size_t)j];
}

/* The dataset's US tariff on region i's goods, weighted by its 2014 US imports, percent. */
static double dataset_region_mean(int i)
{
    int y = tq_dataset_years(ds) - 1;
    const double *Z = tq_dataset_array_const(ds, TQ_Z, y, NULL);
    double w = 0, s = 0;
    for (int j = 0; j < J; j++)
        if (goods[j]) {
            size_t k = ((size_t)usa * (size_t)N + (size_t)i) * (size_t)J + (size_t)j;
            w += Z[k];
            s += Z[k] * dataset_tariff(i, j);
        }
    return s / w;
}

static double mean0(const cell *a)
{
    return a->s0 / a->w;
}
static double mean1(const cell *a)
{
    return a->s1 / a->w;
}

static int order_r[MAXR], nord_r; /* partner regions, by code */
static int order_s[MAXS], nord_s; /* goods sectors, by code */

static int cmp_region(const void *a, const void *b)
{
    return strcmp(tq_dataset_region_code(ds, *(const int *)a), tq_dataset_region_code(ds, *(const int *)b));
}
static int cmp_sector(const void *a, const void *b)
{
    return strcmp(tq_dataset_sector_code(ds, *(const int *)a), tq_dataset_sector_code(ds, *(const int *)b));
}

static FILE *open_tmp(const char *path, char *tmp, size_t n)
{
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        fail("cannot write %s: %s", tmp, strerror(errno));
    return f;
}

static int finish(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return fail("cannot write %s: %s", path, strerror(errno));
    }
    return 0;
}

static const char *const SOURCE_LINES =
    "# Source: the trade-war tracker (tradewartracker.com, Michael Waugh; repository\n"
    "#   tradewartracker/trade-war-redux-2025, MIT licence; snapshot of 2026-07-23) in\n"
    "#   ../shared/data/us_tariffs_2025/: US general imports 2024 (customs value) and duties by Census\n"
    "#   partner and HS chapter, the 2025 increase the tracker registers (IEEPA fentanyl and reciprocal\n"
    "#   tariffs, Section 232 steel/aluminium/copper/autos/timber, deal rates), and partner-level\n"
    "#   effective rates by date (the Feb 2026 court ruling, Section 122, Section 301 of Jul 2026).\n"
    "# Concordances: data/concordance/hs2_to_wiod2014.csv (HS chapter -> goods sector) and\n"
    "#   data/concordance/census_country_to_wiod2014.csv (Census partner -> region: wiod2014's\n"
    "#   countries one by one, EU members included, the rest ROW).\n"
    "# No partner's retaliation: the source has none (see docs/us-tariffs-2025.md).\n";

/* us-tariffs-2025.yaml */
static int write_2025(const char *path, double add[MAXR][MAXS], double *avg_cov0, double *avg_cov1, double *avg_all1)
{
    char tmp[4300];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (!f)
        return 1;
    cell cov = {0, 0, 0};
    int nent = 0;
    for (int q = 0; q < nord_r; q++)
        for (int u = 0; u < nord_s; u++) {
            const cell *a = &cs[order_r[q]][order_s[u]];
            add[order_r[q]][order_s[u]] = 0;
            if (!(a->w > 0))
                continue;
            double l0 = r2(mean0(a)), l1 = r2(mean1(a)), d = r2(l1 - l0);
            add[order_r[q]][order_s[u]] = d;
            cov.w += a->w;
            cov.s0 += a->w * l0;
            cov.s1 += a->w * (l0 + d);
            nent += d != 0;
        }
    double excl_w = 0, excl_s0 = 0;
    for (int h = 1; h < 100; h++) {
        excl_w += cx[h].w;
        excl_s0 += cx[h].s0;
    }
    *avg_cov0 = cov.s0 / cov.w;
    *avg_cov1 = cov.s1 / cov.w;
    *avg_all1 = (cov.s1 + excl_s0) / (cov.w + excl_w);
    double before, after;
    dataset_average(add, &before, &after);
    fprintf(f,
            "# us-tariffs-2025: the US tariffs of 2025 (the tracker's HS-chapter state of %s) on wiod2014.\n"
            "# Generated by tools/build_us_tariffs.c; do not edit by hand. Regenerate from the repository root:\n"
            "#   ninja -C build build_us_tariffs\n"
            "#   build/build_us_tariffs ../shared/data scenarios --force\n"
            "# Method, tables and caveats: docs/us-tariffs-2025.md.\n#\n%s#\n",
            HS2_DATE, SOURCE_LINES);
    fprintf(f,
            "# Each entry adds, for one exporter region and one goods sector, the rise of the US tariff from\n"
            "# 2024 to the %s state: the 2024 tariff (duties / imports) and the new rate (2024 tariff + the\n"
            "# tracker's 2025 increase) averaged over the HS chapters and partners mapped to the cell with 2024\n"
            "# US imports as weights, each rounded to 2 decimals; the entry adds the difference of the rounded\n"
            "# levels to the dataset's own 2014 tariff. Services are untouched. Cells whose rate did not change\n"
            "# have no entry. The comment after an entry: 2024 US imports, bn USD; 2024 level -> new level, %%.\n#\n",
            HS2_DATE);
    fprintf(f, "# US import-weighted average tariff, %%, 2024 US imports as weights:\n");
    fprintf(f, "#   tracker files, every partner and chapter:       2024 %.2f, %s %.2f (%.2f bn USD)\n", mean0(&call_),
            HS2_DATE, mean1(&call_), call_.w / 1e9);
    fprintf(f, "#   this scenario, mapped chapters (%.2f bn USD):  2024 %.2f, %s %.2f\n", cov.w / 1e9, *avg_cov0,
            HS2_DATE, *avg_cov1);
    fprintf(f, "#   this scenario over every chapter (the excluded ones at their 2024 rates): %.2f\n", *avg_all1);
    fprintf(f, "#   the tracker's own daily average on %s: %.2f\n", HS2_DATE, daily(HS2_DATE));
    fprintf(f,
            "# On the dataset's own 2014 US goods imports (pre-tariff flows, every partner): %.2f before,\n"
            "#   %.2f after the entries below.\n",
            before, after);
    fprintf(f, "# HS chapters with no goods sector (no entry; 2024 imports bn USD, 2024 -> new rate %%):\n");
    for (int h = 1; h < 100; h++)
        if (cx[h].w > 0)
            fprintf(f, "#   %02d %.2f bn, %.2f -> %.2f: %s\n", h, cx[h].w / 1e9, mean0(&cx[h]), mean1(&cx[h]),
                    chap_note[h]);
    fprintf(f,
            "\nname: us-tariffs-2025\n"
            "title: The US tariffs of 2025 by partner and sector (the tracker's state of %s)\n"
            "description: >\n"
            "  The rise of the US tariff on each partner's goods from 2024 to September 2025 (IEEPA fentanyl\n"
            "  and reciprocal tariffs, Section 232 on steel, aluminium, copper, autos and parts, the deal\n"
            "  rates for Japan, the EU and Korea), by HS chapter from the trade-war tracker, weighted by 2024\n"
            "  US imports into wiod2014 goods sectors and added in points to the dataset's own tariffs.\n"
            "  No retaliation. %d entries.\n"
            "data:\n"
            "  dataset: wiod2014\n"
            "closure: fixed\n"
            "tariffs:\n",
            HS2_DATE, nent);
    for (int q = 0; q < nord_r; q++) {
        int i = order_r[q];
        const cell *g = &creg[i];
        fprintf(f, "  # %s %s: 2024 US imports %.2f bn USD, 2024 %.2f%% -> %.2f%% (every chapter)\n",
                tq_dataset_region_code(ds, i), tq_dataset_region_name(ds, i), g->w / 1e9, g->w > 0 ? mean0(g) : 0,
                g->w > 0 ? mean1(g) : 0);
        for (int u = 0; u < nord_s; u++) {
            int j = order_s[u];
            const cell *a = &cs[i][j];
            if (!(a->w > 0) || add[i][j] == 0)
                continue;
            fprintf(f, "  - {importer: USA, exporter: %s, sectors: %s, add: %.2fpp}  # %.2f bn; %.2f -> %.2f\n",
                    tq_dataset_region_code(ds, i), tq_dataset_sector_code(ds, j), add[i][j], a->w / 1e9, r2(mean0(a)),
                    r2(mean1(a)));
        }
    }
    return finish(f, tmp, path);
}

/* us-tariffs-2026-08.yaml */
static int write_2026(const char *path, const char *date, double add[MAXR][MAXS], double *avg_rows, double *avg_scen)
{
    int eu = find_partner_name("EUROPEAN UNION");
    const tbt_row *eurow = eu >= 0 ? row_of(eu, date) : NULL;
    double inc[MAXR], lvl0[MAXR], lvl1[MAXR], covw[MAXR], totw[MAXR];
    int nlisted[MAXR], viaeu[MAXR];
    for (int i = 0; i < N; i++) {
        double w = 0, s0 = 0, s1 = 0, tw = 0;
        nlisted[i] = viaeu[i] = 0;
        int all_eu = 1, any = 0;
        for (int p = 0; p < np; p++) {
            if (pt[p].region != i)
                continue;
            any = 1;
            all_eu &= pt[p].eu27;
            tw += pt[p].w;
            const tbt_row *x = row_of(p, date);
            if (!x)
                continue;
            w += x->imp;
            s0 += x->imp * x->t24;
            s1 += x->imp * x->eff;
            nlisted[i]++;
        }
        totw[i] = tw;
        if (!any) {
            inc[i] = NAN;
            continue;
        }
        if (w > 0) {
            lvl0[i] = s0 / w;
            lvl1[i] = s1 / w;
            covw[i] = w;
        } else if (all_eu && eurow) {
            lvl0[i] = eurow->t24;
            lvl1[i] = eurow->eff;
            covw[i] = 0;
            viaeu[i] = 1;
        } else {
            return fail("%s: region %s has no partner in country_by_time.csv on %s", path,
                        tq_dataset_region_code(ds, i), date);
        }
        inc[i] = r2(r2(lvl1[i]) - r2(lvl0[i]));
    }
    /* the tracker's own rows on that date (the EU total counts its members; Slovakia, listed too, is
     * inside it) */
    double rw = 0, rs = 0;
    for (int q = 0; q < nrows; q++)
        if (!strcmp(rows[q].date, date) && (pt[rows[q].partner].region < 0 || !pt[rows[q].partner].eu27)) {
            rw += rows[q].imp;
            rs += rows[q].imp * rows[q].eff;
        }
    *avg_rows = rs / rw;
    /* the scenario with 2024 imports by region from the hs2 files */
    double sw = 0, ss = 0;
    for (int i = 0; i < N; i++)
        if (!isnan(inc[i]) && creg[i].w > 0) {
            sw += creg[i].w;
            ss += creg[i].s0 + creg[i].w * inc[i];
        }
    *avg_scen = ss / sw;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J; j++)
            add[i][j] = (!isnan(inc[i]) && goods[j]) ? inc[i] : 0;
    double before, after;
    dataset_average(add, &before, &after);

    char tmp[4300];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (!f)
        return 1;
    fprintf(f,
            "# us-tariffs-2026-08: the US tariffs of August 2026 (the tracker's partner rates on %s) on wiod2014.\n"
            "# Generated by tools/build_us_tariffs.c; do not edit by hand. Regenerate from the repository root:\n"
            "#   ninja -C build build_us_tariffs\n"
            "#   build/build_us_tariffs ../shared/data scenarios --force\n"
            "# Method, tables and caveats: docs/us-tariffs-2025.md.\n#\n%s#\n",
            date, SOURCE_LINES);
    fprintf(
        f,
        "# An approximation: the tracker gives the 2026 changes (IEEPA tariffs revoked by the court in\n"
        "# February 2026, the Section 122 surcharge, Section 232 kept, the Section 301 actions of July 2026)\n"
        "# only as one effective rate per partner, for its 50 largest partners and the EU. Each entry adds\n"
        "# the rise of that rate from its 2024 level to %s, in points, to EVERY goods sector of the\n"
        "# region alike (the sector pattern of the 2025 scenario is not kept); services are untouched.\n"
        "# A region's rate is the mean over its partners with a row, weighted by their 2024 imports; an EU\n"
        "# member without a row of its own takes the EU's rate; ROW's partners without a row are assumed\n"
        "# to move as ROW's listed partners do. Levels rounded to 2 decimals; the entry adds their difference.\n#\n",
        date);
    fprintf(f, "# US import-weighted average tariff on %s, %%:\n", date);
    fprintf(f, "#   the tracker's daily average:                                  %.2f\n", daily(date));
    fprintf(f, "#   the tracker's partner rows (EU as one), their 2024 imports:   %.2f (%.2f bn USD)\n", *avg_rows,
            rw / 1e9);
    fprintf(f, "#   this scenario, 2024 imports by region (every chapter):        %.2f (2024: %.2f)\n", *avg_scen,
            mean0(&call_));
    fprintf(f, "# The daily average is the tracker's own series; it is not the import-weighted mean of its partner\n"
               "# rows, which the entries below follow.\n");
    fprintf(f,
            "# On the dataset's own 2014 US goods imports (pre-tariff flows, every partner): %.2f before,\n"
            "#   %.2f after the entries below.\n",
            before, after);
    fprintf(f,
            "\nname: us-tariffs-2026-08\n"
            "title: The US tariffs of August 2026 by partner (the tracker's partner rates on %s)\n"
            "description: >\n"
            "  The rise of the effective US tariff on each partner from 2024 to %s (after the court struck\n"
            "  down the IEEPA tariffs in February 2026 and they were partly replaced), from the trade-war\n"
            "  tracker's partner-level rates, added in points to every goods sector of the partner alike (an\n"
            "  approximation: the tracker has no sector detail for 2026). No retaliation.\n"
            "data:\n"
            "  dataset: wiod2014\n"
            "closure: fixed\n"
            "tariffs:\n",
            date, date);
    for (int q = 0; q < nord_r; q++) {
        int i = order_r[q];
        if (isnan(inc[i]))
            continue;
        const char *code = tq_dataset_region_code(ds, i);
        if (viaeu[i])
            fprintf(f, "  # %s %s: no row of its own; the EUROPEAN UNION row: %.2f%% -> %.2f%%\n", code,
                    tq_dataset_region_name(ds, i), lvl0[i], lvl1[i]);
        else
            fprintf(f, "  # %s %s: %d partner row%s, %.2f of %.2f bn USD of 2024 imports: %.2f%% -> %.2f%%\n", code,
                    tq_dataset_region_name(ds, i), nlisted[i], nlisted[i] == 1 ? "" : "s", covw[i] / 1e9, totw[i] / 1e9,
                    lvl0[i], lvl1[i]);
        if (inc[i] != 0)
            fprintf(f, "  - {importer: USA, exporter: %s, sectors: goods, add: %.2fpp}\n", code, inc[i]);
    }
    return finish(f, tmp, path);
}

/* us-japan-2025-deal.yaml */
static int write_deal(const char *path, const char *date_row, double add[MAXR][MAXS], double *jp_avg)
{
    int jpn = tq_dataset_find_region(ds, "JPN"), pj = find_partner_name("JAPAN");
    if (jpn < 0 || pj < 0)
        return fail("no JPN region or JAPAN partner");
    int jmax = 0;
    double tmax = max_base_tariff(jpn, &jmax);
    if (tmax >= 15)
        return fail("the dataset's US tariff on Japanese %s is %.2f%%, not below 15%%: 'set: 15%%' would lower it",
                    tq_dataset_sector_code(ds, jmax), tmax);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < J; j++)
            add[i][j] = (i == jpn && goods[j]) ? 15 - dataset_tariff(i, j) : 0;
    double before, after;
    dataset_average(add, &before, &after);
    const tbt_row *x = row_of(pj, date_row);
    const cell *g = &creg[jpn];
    *jp_avg = mean1(g);
    char tmp[4300];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    if (!f)
        return 1;
    fprintf(f,
            "# us-japan-2025-deal: the US-Japan deal of July 2025 (15%% on Japanese goods, cars included) on\n"
            "# wiod2014, beside the story's threat (scenarios/us-japan-autos.yaml: +25 points on Japanese cars).\n"
            "# Generated by tools/build_us_tariffs.c; do not edit by hand. Regenerate from the repository root:\n"
            "#   ninja -C build build_us_tariffs\n"
            "#   build/build_us_tariffs ../shared/data scenarios --force\n"
            "# Method and caveats: docs/us-tariffs-2025.md.\n#\n"
            "# The deal (announced 22 July 2025, in force for cars from 16 September 2025): a 15%% US tariff on\n"
            "# Japanese goods, inclusive of the MFN rate where that is below 15%% (goods with a higher MFN rate keep\n"
            "# it), and 15%% on cars and parts instead of the Section 232 rate of 25%% on top of MFN. The entry\n"
            "# SETS 15%% on every goods sector of Japan; the dataset's 2014 US tariffs on Japanese goods sectors\n"
            "# are all below that (highest %.2f%%, %s), so no sector is lowered. Left out: Section 232 on steel,\n"
            "# aluminium and copper (50%%), the exemptions (aircraft and parts, generic pharmaceuticals, some\n"
            "# resources), Japan's purchase and investment pledges. No retaliation.\n#\n",
            tmax, tq_dataset_sector_code(ds, jmax));
    fprintf(f, "# US tariff on Japanese goods, %%, 2024 US imports as weights:\n");
    fprintf(f, "#   this scenario: 15.00 on every goods sector (2014 in the dataset: %.2f on average)\n",
            dataset_region_mean(jpn));
    fprintf(f,
            "#   the tracker's HS-chapter state of %s: 2024 %.2f -> %.2f (it adds 15 points on top of\n"
            "#   MFN, without the deal's netting, and the Section 232 rates on steel, aluminium and copper)\n",
            HS2_DATE, mean0(g), mean1(g));
    if (x)
        fprintf(f, "#   the tracker's partner rate on %s (in force on %s): %.2f\n", date_row, HS2_DATE, x->eff);
    fprintf(f, "# The tracker's state for Japan by sector (2024 imports bn USD; 2024 -> new rate, %%):\n");
    for (int u = 0; u < nord_s; u++) {
        const cell *a = &cjpn_s[order_s[u]];
        if (a->w > 0)
            fprintf(f, "#   %s %.2f bn; %.2f -> %.2f\n", tq_dataset_sector_code(ds, order_s[u]), a->w / 1e9, mean0(a),
                    mean1(a));
    }
    fprintf(f,
            "# US import-weighted average tariff on the dataset's own 2014 US goods imports (pre-tariff flows,\n"
            "# every partner): %.2f before, %.2f after.\n",
            before, after);
    fputs("\nname: us-japan-2025-deal\n"
          "title: US-Japan deal of July 2025 - 15% on Japanese goods, cars included\n"
          "description: >\n"
          "  The US sets its tariff on every Japanese goods sector to 15% (the deal's all-in rate, MFN\n"
          "  included), cars and parts included, instead of the threatened Section 232 tariff on top of MFN\n"
          "  on cars alone (us-japan-autos). Japan does not retaliate; deficits are held fixed.\n"
          "data:\n"
          "  dataset: wiod2014\n"
          "closure: fixed\n"
          "tariffs:\n"
          "  - importer: USA\n"
          "    exporter: JPN\n"
          "    sectors: goods\n"
          "    set: 15%\n",
          f);
    return finish(f, tmp, path);
}

static double add_buf[MAXR][MAXS];

int main(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *src_arg = NULL;
    int npos = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!strcmp(argv[i], "--source") && i + 1 < argc)
            src_arg = argv[++i];
        else if (argv[i][0] != '-' && npos < 2)
            pos[npos++] = argv[i];
        else
            npos = 3;
    }
    if (npos != 2) {
        fprintf(stderr, "usage: build_us_tariffs SHARED_DATA_DIR OUT_DIR [--force] [--source DIR]\n"
                        "  writes us-tariffs-2025.yaml, us-tariffs-2026-08.yaml and us-japan-2025-deal.yaml into\n"
                        "  OUT_DIR (docs/us-tariffs-2025.md); DIR is the source tree (data/wiod2014 and\n"
                        "  data/concordance), by default the one this program was built from\n");
        return 2;
    }
    char src[4096], p_ds[4200], p_chap[4200], p_cty[4200], p_hs2[4200], p_tbt[4200], p_day[4200];
    char out[3][4200];
    if (src_arg)
        copy(src, sizeof src, src_arg);
    else
        tc_source_dir(__FILE__, src, sizeof src);
    snprintf(p_ds, sizeof p_ds, "%s/data/wiod2014", src);
    snprintf(p_chap, sizeof p_chap, "%s/data/concordance/hs2_to_wiod2014.csv", src);
    snprintf(p_cty, sizeof p_cty, "%s/data/concordance/census_country_to_wiod2014.csv", src);
    snprintf(p_hs2, sizeof p_hs2, "%s/us_tariffs_2025/hs2", pos[0]);
    snprintf(p_tbt, sizeof p_tbt, "%s/us_tariffs_2025/country_by_time.csv", pos[0]);
    snprintf(p_day, sizeof p_day, "%s/us_tariffs_2025/daily_average.csv", pos[0]);
    static const char *const names[3] = {"us-tariffs-2025", "us-tariffs-2026-08", "us-japan-2025-deal"};
    for (int k = 0; k < 3; k++) {
        snprintf(out[k], sizeof out[k], "%s/%s.yaml", pos[1], names[k]);
        if (!force && tc_file_exists(out[k])) {
            fprintf(stderr, "build_us_tariffs: %s exists; pass --force to overwrite\n", out[k]);
            return 1;
        }
    }
    tq_context *ctx;
    if (tq_context_new(&ctx, NULL) != TQ_OK)
        return fail("out of memory");
    if (tq_dataset_load(ctx, p_ds, &ds) != TQ_OK) {
        char buf[2048];
        tq_error_format(ctx, buf, sizeof buf);
        tq_context_free(ctx);
        return fail("%s: %s", p_ds, buf);
    }
    N = tq_dataset_regions(ds);
    J = tq_dataset_sectors(ds);
    usa = tq_dataset_find_region(ds, "USA");
    int rc = 0;
    if (N > MAXR || J > MAXS || usa < 0)
        rc = fail("%s: more than %d regions or %d sectors, or no USA", p_ds, MAXR, MAXS);
    if (!rc) {
        for (int j = 0; j < J; j++)
            if ((goods[j] = tq_dataset_sector_tradable(ds, j)) != 0)
                order_s[nord_s++] = j;
        for (int i = 0; i < N; i++)
            if (i != usa)
                order_r[nord_r++] = i;
        qsort(order_r, (size_t)nord_r, sizeof order_r[0], cmp_region);
        qsort(order_s, (size_t)nord_s, sizeof order_s[0], cmp_sector);
        rc = read_chapters(p_chap) || read_partners(p_cty) || check_hs2_dir(p_hs2);
        for (int p = 0; p < np && !rc; p++)
            rc = read_hs2(p_hs2, p);
        rc = rc || read_by_time(p_tbt) || read_daily(p_day);
    }
    char d26[16], d25[16];
    double a25c0 = 0, a25c1 = 0, a25all = 0, a26rows = 0, a26scen = 0, ajp = 0;
    if (!rc) {
        last_date(END_2026, d26, sizeof d26);
        last_date(HS2_DATE, d25, sizeof d25);
        if (!d26[0] || !d25[0])
            rc = fail("%s: no date on or before %s", p_tbt, HS2_DATE);
    }
    double before = 0, after25 = 0, after26 = 0, afterjp = 0;
    if (!rc) {
        rc = write_2025(out[0], add_buf, &a25c0, &a25c1, &a25all);
        dataset_average(add_buf, &before, &after25);
    }
    if (!rc) {
        rc = write_2026(out[1], d26, add_buf, &a26rows, &a26scen);
        dataset_average(add_buf, &before, &after26);
    }
    if (!rc) {
        rc = write_deal(out[2], d25, add_buf, &ajp);
        dataset_average(add_buf, &before, &afterjp);
    }
    if (!rc) {
        int pj = find_partner_name("JAPAN");
        const tbt_row *xj = row_of(pj, d25);
        printf("US import-weighted average tariff, percent (2024 US imports as weights unless said)\n\n");
        printf("| scenario | date | tracker: daily average | tracker: its files | this scenario | dataset's 2014 "
               "flows: before -> after |\n|---|---|--:|--:|--:|--:|\n");
        printf("| us-tariffs-2025 | %s | %.2f | %.2f (HS-chapter state, every chapter) | %.2f (mapped chapters; "
               "%.2f over every chapter) | %.2f -> %.2f |\n",
               HS2_DATE, daily(HS2_DATE), mean1(&call_), a25c1, a25all, before, after25);
        printf("| us-tariffs-2026-08 | %s | %.2f | %.2f (partner rows) | %.2f | %.2f -> %.2f |\n", d26, daily(d26),
               a26rows, a26scen, before, after26);
        printf("| us-japan-2025-deal (Japan only) | %s | - | %.2f (HS-chapter state); %.2f (partner row of %s) | "
               "15.00 | %.2f -> %.2f (every partner) |\n",
               HS2_DATE, ajp, xj ? xj->eff : NAN, d25, before, afterjp);
        printf("\n2024 level of the tracker files: %.2f (every partner and chapter, %.2f bn USD); mapped chapters "
               "%.2f\n",
               mean0(&call_), call_.w / 1e9, a25c0);
        fprintf(stderr, "build_us_tariffs: wrote %s, %s, %s\n", out[0], out[1], out[2]);
    }
    tq_dataset_free(ds);
    tq_context_free(ctx);
    return rc;
}
