/* build_us_china: build scenarios/us-china-2018-2019.yaml from the trade-war tariffs by NAICS.
 *
 *   build_us_china SHARED_DATA_DIR OUT.yaml [--force] [--dataset NAME] [--year Y] [--concordance CSV]
 *                  [--sectors CSV]
 *
 * reads SHARED_DATA_DIR/tariffs/{imports_by_naics,exports_by_naics,2017_imports_by_naics}.csv
 * (Waugh's tradewar-tracker, MIT) and the NAICS-3 concordance (default
 * data/concordance/naics3_to_wiod2014.csv of this source tree), and writes a scenario that adds,
 * per wiod2014 goods sector, the increase in the trade-weighted tariff from December 2017 to
 * December 2019 (--dataset icio with data/concordance/naics3_to_icio.csv gives the same for the
 * embedded icio dataset; --year Y runs it on year Y of the data, as the committed
 * scenarios/us-china-2018-2019-icio.yaml does with --dataset icio --year 2018):
 *   tariffs:     importer USA, exporter CHN: US MFN plus Section 301, sector rates weighted by
 *                2017 US imports from China (2017_imports_by_naics.csv);
 *   retaliation: importer CHN, exporter USA: China MFN plus retaliation, sector rates weighted by
 *                2017 US exports to China (exports_by_naics.csv, January to December 2017 summed).
 * A summary table (markdown) goes to stdout. The output is deterministic: the same inputs give
 * the same bytes (tests/cli/test_us_china_scenario.sh checks the committed file). The method
 * and caveats are in docs/scenarios-us-china.md. Refuses to overwrite OUT without --force. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"
#include "tariff_check_lib.h"

#define MAXN 64 /* NAICS codes (the files have 31) */
#define MAXS 64 /* sectors */

static const char *const T0 = "2017-12-01", *const T1 = "2019-12-01";

static tq_context *ctx;

typedef struct naics {
    char code[16];
    char name[128];
    int sector; /* index into sec[], -1 if not in the concordance */
    int in_conc;
    double w_imp; /* 2017 US imports from China, USD */
    double w_exp; /* 2017 US exports to China, USD (Jan-Dec summed) */
    int has_w_imp;
    double imp[2], exp[2]; /* tariff levels at T0, T1, percent; NAN if absent or empty */
} naics;

typedef struct sector {
    char code[16];
    char name[128];
    int goods;
    int used; /* some NAICS maps here */
} sector;

static naics nc[MAXN];
static int nn;
static sector sec[MAXS];
static int ns;

static int die(const char *what)
{
    char buf[2048];
    tq_error_format(ctx, buf, sizeof buf);
    fprintf(stderr, "build_us_china: %s: %s\n", what, buf);
    return 1;
}

#define fail(...) tc_fail("build_us_china", __VA_ARGS__)

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static int find_naics(const char *code)
{
    for (int k = 0; k < nn; k++)
        if (!strcmp(nc[k].code, code))
            return k;
    return -1;
}

static int add_naics(const char *code)
{
    int k = find_naics(code);
    if (k >= 0)
        return k;
    if (nn == MAXN || strlen(code) >= sizeof nc[0].code)
        return -1;
    k = nn++;
    memset(&nc[k], 0, sizeof nc[k]);
    copy(nc[k].code, sizeof nc[k].code, code);
    nc[k].sector = -1;
    nc[k].imp[0] = nc[k].imp[1] = nc[k].exp[0] = nc[k].exp[1] = NAN;
    return k;
}

static int find_sector(const char *code)
{
    for (int s = 0; s < ns; s++)
        if (!strcmp(sec[s].code, code))
            return s;
    return -1;
}

/* The dataset's sectors (code,name,tradable,...). */
static int read_sectors(const char *path)
{
    tq__csv c;
    static const char *const want[] = {"code", "name", "tradable"};
    int col[3];
    if (tq__csv_open(ctx, &c, path, ',') != TQ_OK || tq__csv_read_header(&c, want, 3, col) != TQ_OK)
        return die(path);
    int r;
    long tr;
    while ((r = tq__csv_next(&c)) == 1) {
        if (tq__csv_need(&c, 3) != TQ_OK || tq__csv_int(&c, col[2], &tr) != TQ_OK) {
            tq__csv_close(&c);
            return die(path);
        }
        if (ns == MAXS) {
            tq__csv_close(&c);
            return fail("%s: more than 64 sectors", path);
        }
        copy(sec[ns].code, sizeof sec[ns].code, tq__csv_str(&c, col[0]));
        copy(sec[ns].name, sizeof sec[ns].name, tq__csv_str(&c, col[1]));
        sec[ns].goods = tr != 0;
        ns++;
    }
    tq__csv_close(&c);
    return r < 0 ? die(path) : 0;
}

/* naics3,naics_name,sector,note: one goods sector per NAICS code, no duplicates. */
static int read_concordance(const char *path)
{
    tq__csv c;
    static const char *const want[] = {"naics3", "naics_name", "sector"};
    int col[3];
    if (tq__csv_open(ctx, &c, path, ',') != TQ_OK || tq__csv_read_header(&c, want, 3, col) != TQ_OK)
        return die(path);
    int r, bad = 0;
    while ((r = tq__csv_next(&c)) == 1) {
        if (tq__csv_need(&c, 3) != TQ_OK) {
            tq__csv_close(&c);
            return die(path);
        }
        const char *code = tq__csv_str(&c, col[0]), *s = tq__csv_str(&c, col[2]);
        int j = find_sector(s);
        if (j < 0 || !sec[j].goods) {
            fprintf(stderr, "build_us_china: %s:%ld: NAICS %s maps to '%s', not a goods sector of the dataset\n", path,
                    c.line, code, s);
            bad = 1;
            continue;
        }
        if (find_naics(code) >= 0) {
            fprintf(stderr, "build_us_china: %s:%ld: NAICS %s listed twice\n", path, c.line, code);
            bad = 1;
            continue;
        }
        int k = add_naics(code);
        if (k < 0) {
            tq__csv_close(&c);
            return fail("%s: too many or too long NAICS codes", path);
        }
        nc[k].in_conc = 1;
        nc[k].sector = j;
        sec[j].used = 1;
        copy(nc[k].name, sizeof nc[k].name, tq__csv_str(&c, col[1]));
    }
    tq__csv_close(&c);
    return r < 0 ? die(path) : bad;
}

/* 2017_imports_by_naics.csv: naics3,2017_china_trade. */
static int read_weights(const char *path)
{
    tq__csv c;
    static const char *const want[] = {"naics3", "2017_china_trade"};
    int col[2];
    if (tq__csv_open(ctx, &c, path, ',') != TQ_OK || tq__csv_read_header(&c, want, 2, col) != TQ_OK)
        return die(path);
    int r;
    while ((r = tq__csv_next(&c)) == 1) {
        double w;
        if (tq__csv_need(&c, 2) != TQ_OK || tq__csv_double(&c, col[1], &w) != TQ_OK) {
            tq__csv_close(&c);
            return die(path);
        }
        int k = add_naics(tq__csv_str(&c, col[0]));
        if (k < 0) {
            tq__csv_close(&c);
            return fail("%s: too many or too long NAICS codes", path);
        }
        if (nc[k].has_w_imp) {
            tq__csv_close(&c);
            return fail("%s: NAICS %s listed twice", path, nc[k].code);
        }
        nc[k].w_imp = w;
        nc[k].has_w_imp = 1;
    }
    tq__csv_close(&c);
    return r < 0 ? die(path) : 0;
}

/* imports_by_naics.csv / exports_by_naics.csv: time,naics3,tariff_trd_w_avg,total_trade,china_trade.
 * Keeps the tariff at T0 and T1 (empty = NAN) and, for exports, sums china_trade over 2017. */
static int read_monthly(const char *path, int exports)
{
    tq__csv c;
    static const char *const want[] = {"time", "naics3", "tariff_trd_w_avg", "china_trade"};
    int col[4];
    if (tq__csv_open(ctx, &c, path, ',') != TQ_OK || tq__csv_read_header(&c, want, 4, col) != TQ_OK)
        return die(path);
    int r, months2017 = 0;
    while ((r = tq__csv_next(&c)) == 1) {
        if (tq__csv_need(&c, 4) != TQ_OK) {
            tq__csv_close(&c);
            return die(path);
        }
        const char *t = tq__csv_str(&c, col[0]);
        int at = !strcmp(t, T0) ? 0 : !strcmp(t, T1) ? 1 : -1;
        int y2017 = !strncmp(t, "2017-", 5);
        if (at < 0 && !(exports && y2017))
            continue;
        int k = add_naics(tq__csv_str(&c, col[1]));
        if (k < 0) {
            tq__csv_close(&c);
            return fail("%s: too many or too long NAICS codes", path);
        }
        if (at >= 0) {
            double v = NAN; /* an empty tariff (NAICS 980 in exports) stays NAN */
            if (tq__csv_str(&c, col[2])[0] && tq__csv_double(&c, col[2], &v) != TQ_OK) {
                tq__csv_close(&c);
                return die(path);
            }
            double *slot = exports ? &nc[k].exp[at] : &nc[k].imp[at];
            if (!isnan(*slot)) {
                tq__csv_close(&c);
                return fail("%s: NAICS %s: two rows for one month", path, nc[k].code);
            }
            *slot = v;
        }
        if (exports && y2017) {
            double w;
            if (tq__csv_double(&c, col[3], &w) != TQ_OK) {
                tq__csv_close(&c);
                return die(path);
            }
            nc[k].w_exp += w;
            if (!strcmp(nc[k].code, "111"))
                months2017++;
        }
    }
    tq__csv_close(&c);
    if (r < 0)
        return die(path);
    if (exports && months2017 != 12)
        return fail("%s: expected 12 months of 2017 for NAICS 111", path);
    return 0;
}

/* Round to 2 decimals as printed, so the YAML comments add up; never "-0.00". */
static double r2(double x)
{
    char b[64];
    snprintf(b, sizeof b, "%.2f", x);
    double y = strtod(b, NULL);
    return y == 0.0 ? 0.0 : y;
}

typedef struct agg {
    double w, l0, l1; /* weight (USD) and trade-weighted levels (percent) */
    int ok;
} agg;

/* side 0 = US on China (imports), 1 = China on US (exports). sector -2 = every code in the
 * files (overall), -1 = every code in the concordance. */
static agg aggregate(int side, int s)
{
    agg a = {0, 0, 0, 0};
    double s0 = 0, s1 = 0;
    for (int k = 0; k < nn; k++) {
        const naics *x = &nc[k];
        if (s >= 0 && x->sector != s)
            continue;
        if (s == -1 && !x->in_conc)
            continue;
        double w = side ? x->w_exp : x->w_imp;
        const double *l = side ? x->exp : x->imp;
        if (!(w > 0) || isnan(l[0]) || isnan(l[1]))
            continue;
        a.w += w;
        s0 += w * l[0];
        s1 += w * l[1];
    }
    if (a.w > 0) {
        a.l0 = s0 / a.w;
        a.l1 = s1 / a.w;
        a.ok = 1;
    }
    return a;
}

/* Every concordance code needs its weights and both levels (when it has trade); every code
 * in the files below 900 (the goods chapters) must be in the concordance. */
static int check(void)
{
    int bad = 0;
    for (int k = 0; k < nn; k++) {
        const naics *x = &nc[k];
        long code = strtol(x->code, NULL, 10);
        if (!x->in_conc) {
            if (code < 900) {
                fprintf(stderr, "build_us_china: NAICS %s is in the tariff files but not in the concordance\n",
                        x->code);
                bad = 1;
            }
            continue;
        }
        if (!x->has_w_imp) {
            fprintf(stderr, "build_us_china: NAICS %s has no 2017 import weight\n", x->code);
            bad = 1;
        }
        if ((x->w_imp > 0 && (isnan(x->imp[0]) || isnan(x->imp[1]))) ||
            (x->w_exp > 0 && (isnan(x->exp[0]) || isnan(x->exp[1])))) {
            fprintf(stderr, "build_us_china: NAICS %s has trade in 2017 but no tariff in %s or %s\n", x->code, T0, T1);
            bad = 1;
        }
    }
    return bad;
}

/* The NAICS codes of sector s, as "311+312". */
static void naics_of(int s, char *buf, size_t n)
{
    buf[0] = 0;
    size_t len = 0;
    for (int k = 0; k < nn; k++)
        if (nc[k].sector == s) {
            int w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", nc[k].code);
            if (w < 0 || (size_t)w >= n - len)
                return;
            len += (size_t)w;
        }
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(sec[*(const int *)a].code, sec[*(const int *)b].code);
}

static int cmp_naics(const void *a, const void *b)
{
    return strcmp(nc[*(const int *)a].code, nc[*(const int *)b].code);
}

static void entries(FILE *f, int side, const int *order, int nord)
{
    const char *imp = side ? "CHN" : "USA", *exp = side ? "USA" : "CHN";
    const char *wname = side ? "2017 US exports to China" : "2017 US imports from China";
    for (int q = 0; q < nord; q++) {
        int s = order[q];
        char codes[256];
        naics_of(s, codes, sizeof codes);
        agg a = aggregate(side, s);
        if (!a.ok) {
            fprintf(f, "  # %s %s (NAICS %s): no %s, no entry\n", sec[s].code, sec[s].name, codes, wname);
            continue;
        }
        double l0 = r2(a.l0), l1 = r2(a.l1), d = r2(l1 - l0);
        fprintf(f, "  # %s %s (NAICS %s); weight: %s %.2f bn USD\n", sec[s].code, sec[s].name, codes, wname, a.w / 1e9);
        fprintf(f, "  # Dec 2017 %.2f%% -> Dec 2019 %.2f%%: increase %+.2f points\n", l0, l1, d);
        fprintf(f, "  - importer: %s\n    exporter: %s\n    sectors: %s\n    add: %.2fpp\n", imp, exp, sec[s].code, d);
    }
}

int main(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *conc_arg = NULL, *sect_arg = NULL, *dsname = "wiod2014";
    int year = 0;
    int npos = 0, force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!strcmp(argv[i], "--concordance") && i + 1 < argc)
            conc_arg = argv[++i];
        else if (!strcmp(argv[i], "--sectors") && i + 1 < argc)
            sect_arg = argv[++i];
        else if (!strcmp(argv[i], "--dataset") && i + 1 < argc)
            dsname = argv[++i];
        else if (!strcmp(argv[i], "--year") && i + 1 < argc)
            year = atoi(argv[++i]);
        else if (argv[i][0] != '-' && npos < 2)
            pos[npos++] = argv[i];
        else
            npos = 3;
    }
    if (npos != 2) {
        fprintf(stderr, "usage: build_us_china SHARED_DATA_DIR OUT.yaml [--force] [--dataset NAME] "
                        "[--concordance CSV] [--sectors CSV]\n"
                        "  writes the us-china-2018-2019 scenario (docs/scenarios-us-china.md); NAME is an\n"
                        "  embedded dataset (default wiod2014); the concordance defaults to\n"
                        "  data/concordance/naics3_to_NAME.csv and the sectors to data/NAME/sectors.csv\n");
        return 2;
    }
    for (const char *q = dsname; *q; q++)
        if (!(isalnum((unsigned char)*q) || *q == '_' || *q == '-')) {
            fprintf(stderr, "build_us_china: --dataset takes an embedded dataset name (letters, digits, - _)\n");
            return 2;
        }
    const int dflt = !strcmp(dsname, "wiod2014");
    char src[4096], conc[4200], sect[4200], p_imp[4200], p_exp[4200], p_w[4200], conc_label[4200];
    tc_source_dir(__FILE__, src, sizeof src);
    if (conc_arg) {
        copy(conc, sizeof conc, conc_arg);
        copy(conc_label, sizeof conc_label, conc_arg);
    } else {
        snprintf(conc, sizeof conc, "%s/data/concordance/naics3_to_%s.csv", src, dsname);
        snprintf(conc_label, sizeof conc_label, "data/concordance/naics3_to_%s.csv", dsname);
    }
    if (sect_arg)
        copy(sect, sizeof sect, sect_arg);
    else
        snprintf(sect, sizeof sect, "%s/data/%s/sectors.csv", src, dsname);
    snprintf(p_imp, sizeof p_imp, "%s/tariffs/imports_by_naics.csv", pos[0]);
    snprintf(p_exp, sizeof p_exp, "%s/tariffs/exports_by_naics.csv", pos[0]);
    snprintf(p_w, sizeof p_w, "%s/tariffs/2017_imports_by_naics.csv", pos[0]);
    if (!force && tc_file_exists(pos[1])) {
        fprintf(stderr, "build_us_china: %s exists; pass --force to overwrite\n", pos[1]);
        return 1;
    }
    if (tq_context_new(&ctx, NULL) != TQ_OK) {
        fprintf(stderr, "build_us_china: out of memory\n");
        return 1;
    }
    int rc = read_sectors(sect) || read_concordance(conc) || read_weights(p_w) || read_monthly(p_imp, 0) ||
             read_monthly(p_exp, 1) || check();
    tq_context_free(ctx);
    if (rc)
        return 1;

    int order[MAXS], nord = 0, unused[MAXS], nun = 0;
    for (int s = 0; s < ns; s++) {
        if (sec[s].used)
            order[nord++] = s;
        else if (sec[s].goods)
            unused[nun++] = s;
    }
    qsort(order, (size_t)nord, sizeof order[0], cmp_code);
    qsort(unused, (size_t)nun, sizeof unused[0], cmp_code);

    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", pos[1]);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "build_us_china: cannot write %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    agg ov[2] = {aggregate(0, -2), aggregate(1, -2)}, cv[2] = {aggregate(0, -1), aggregate(1, -1)};
    char name[256], opt[300];
    snprintf(name, sizeof name, dflt ? "us-china-2018-2019" : "us-china-2018-2019-%s", dsname);
    opt[0] = 0;
    if (!dflt && year)
        snprintf(opt, sizeof opt, " --dataset %s --year %d", dsname, year);
    else if (!dflt)
        snprintf(opt, sizeof opt, " --dataset %s", dsname);
    fprintf(f,
            "# %s: the US-China tariff rounds of 2018-2019 at sector level (%s).\n"
            "# Generated by tools/build_us_china.c; do not edit by hand. Regenerate from the repository root:\n"
            "#   ninja -C build build_us_china\n"
            "#   build/build_us_china ../shared/data scenarios/%s.yaml%s --force\n",
            name, dsname, name, opt);
    fprintf(f,
            "# Method, sector table and caveats: docs/scenarios-us-china.md.\n"
            "#\n"
            "# Sources:\n"
            "#   Trade-weighted tariffs by NAICS-3 industry, monthly (tariffs/imports_by_naics.csv,\n"
            "#   tariffs/exports_by_naics.csv, tariffs/2017_imports_by_naics.csv in ../shared/data) from\n"
            "#   Mike Waugh's tradewar-tracker (github.com/mwaugh0328/tradewar-tracker, MIT; tradewartracker.com),\n"
            "#   built from the USITC Tariff Database 2017 (US MFN rates), the USTR Section 301 notices\n"
            "#   (US additional tariffs on China) and China's Ministry of Finance (MOF) retaliation lists.\n"
            "# Concordance: %s (NAICS-3 -> %s goods sector).\n"
            "#\n"
            "# Each entry adds the increase in the trade-weighted tariff from December 2017 (before the\n"
            "# trade war) to December 2019 to the dataset's own baseline tariff, which already holds\n"
            "# the MFN rates. Sector rate = NAICS rates weighted by 2017 trade:\n"
            "#   tariffs (USA on CHN, MFN + Section 301): 2017 US imports from China\n"
            "#     (2017_imports_by_naics.csv);\n"
            "#   retaliation (CHN on USA, MFN + retaliation): 2017 US exports to China\n"
            "#     (exports_by_naics.csv, china_trade summed over January-December 2017).\n"
            "# Levels are percent, rounded to 2 decimals; the increase is the difference of the rounded levels.\n"
            "#\n",
            conc_label, dsname);
    fprintf(f, "# Overall, every NAICS code in the files, 2017 weights:\n");
    fprintf(f, "#   USA on CHN: Dec 2017 %.2f%%, Dec 2019 %.2f%% (weight %.2f bn USD)\n", ov[0].l0, ov[0].l1,
            ov[0].w / 1e9);
    fprintf(f, "#   CHN on USA: Dec 2017 %.2f%%, Dec 2019 %.2f%% (weight %.2f bn USD)\n", ov[1].l0, ov[1].l1,
            ov[1].w / 1e9);
    fprintf(f, "# Overall, the concordance's goods codes only (what the entries below cover):\n");
    fprintf(f, "#   USA on CHN: Dec 2017 %.2f%%, Dec 2019 %.2f%% (weight %.2f bn USD)\n", cv[0].l0, cv[0].l1,
            cv[0].w / 1e9);
    fprintf(f, "#   CHN on USA: Dec 2017 %.2f%%, Dec 2019 %.2f%% (weight %.2f bn USD)\n", cv[1].l0, cv[1].l1,
            cv[1].w / 1e9);
    fprintf(f, "# Codes in the files outside the concordance (Census special codes, no goods sector; no entry):\n");
    int out[MAXN], nout = 0;
    for (int k = 0; k < nn; k++)
        if (!nc[k].in_conc)
            out[nout++] = k;
    qsort(out, (size_t)nout, sizeof out[0], cmp_naics);
    for (int q = 0; q < nout; q++) {
        const naics *x = &nc[out[q]];
        fprintf(f, "#   NAICS %s: 2017 US imports from China %.2f bn USD, US exports to China %.2f bn USD\n", x->code,
                x->w_imp / 1e9, x->w_exp / 1e9);
    }
    if (year)
        fprintf(f,
                "# Base year %d: the dataset's tariffs of that year are applied MFN and preferential rates\n"
                "# (Teti's Global Tariff Database for icio) without the Section 301 tariffs or China's\n"
                "# retaliation (icio's trade-weighted US tariff on Chinese goods: 3.25%% in 2017, 3.27%% in\n"
                "# 2018), so the war's increase is added on top of them (docs/io-bridge.md).\n",
                year);
    if (nun) {
        fprintf(f, "# Tradable sectors with no NAICS-3 industry of their own (no entry; baseline tariffs kept):\n");
        for (int q = 0; q < nun; q++)
            fprintf(f, "#   %s %s\n", sec[unused[q]].code, sec[unused[q]].name);
    }
    fprintf(f,
            "\nname: %s\n"
            "title: US-China tariff war 2018-2019 (US Section 301 tariffs and China's retaliation) by sector\n"
            "description: >\n"
            "  The increase in the trade-weighted US tariff on Chinese goods (MFN plus Section 301) and in\n"
            "  China's tariff on US goods (MFN plus retaliation) from December 2017 to December 2019, by\n"
            "  NAICS-3 industry (Waugh's tradewar-tracker), mapped to %s goods sectors with 2017\n"
            "  trade weights and added in points to the dataset's own baseline tariffs.\n"
            "data:\n"
            "  dataset: %s\n",
            name, dsname, dsname);
    if (year)
        fprintf(f, "  year: %d\n", year);
    fprintf(f, "closure: fixed\n"
               "tariffs:\n");
    entries(f, 0, order, nord);
    fprintf(f, "retaliation:\n");
    entries(f, 1, order, nord);
    if (fclose(f) != 0 || rename(tmp, pos[1]) != 0) {
        fprintf(stderr, "build_us_china: cannot write %s: %s\n", pos[1], strerror(errno));
        remove(tmp);
        return 1;
    }

    /* Summary for docs/scenarios-us-china.md. */
    printf("| sector | NAICS | US on CHN Dec 2017 | Dec 2019 | increase | weight bn | CHN on US Dec 2017 | Dec 2019 "
           "| increase | weight bn |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (int q = 0; q < nord; q++) {
        int s = order[q];
        char codes[256];
        naics_of(s, codes, sizeof codes);
        printf("| %s %s | %s", sec[s].code, sec[s].name, codes);
        for (int side = 0; side < 2; side++) {
            agg a = aggregate(side, s);
            if (a.ok)
                printf(" | %.2f | %.2f | %+.2f | %.2f", r2(a.l0), r2(a.l1), r2(r2(a.l1) - r2(a.l0)), a.w / 1e9);
            else
                printf(" | - | - | - | 0.00");
        }
        printf(" |\n");
    }
    for (int side = 0; side < 2; side++)
        printf("%s overall (all codes): Dec 2017 %.2f%%, Dec 2019 %.2f%%, %.2f bn; goods codes: %.2f%%, %.2f%%, "
               "%.2f bn\n",
               side ? "CHN on USA" : "USA on CHN", ov[side].l0, ov[side].l1, ov[side].w / 1e9, cv[side].l0, cv[side].l1,
               cv[side].w / 1e9);
    fprintf(stderr, "build_us_china: wrote %s\n", pos[1]);
    return 0;
}
