/* Tariff cross-check of wiod2014 against Teti (wiod16, 2014) and USITC 2017 MFN rates.
 * See tariff_check_lib.h for what is computed; data/PROVENANCE.md for the findings. */
#include "tariff_check_lib.h"

#include "data/readers.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define TC_W16_MAX 64     /* WIOD-16 sectors we accept in wiod16/sectors.csv */
#define TC_USITC_COLS 112 /* columns of the USITC 2017 file */
#define TC_LINE_MAX 65536
#define TC_GOODS_MAX 64 /* goods sectors we handle */

struct tc_result {
    tq_context *ctx;
    tq_dataset *ds; /* wiod2014 as read: Z pre-tariff, TQ_TARIFF as labelled */
    int N, J, G;
    int row;             /* index of ROW in ds, -1 if absent */
    int *goods;          /* [G] sector index in ds (goods = tradable sectors, in ds order) */
    char (*w16)[16];     /* [G] WIOD-16 sector code */
    char (*w16name)[96]; /* [G] its name */
    int *group_size;     /* [G] goods sectors of wiod2014 that share g's WIOD-16 sector */
    double *teti;        /* [n,i,g] Teti 2014 rate importer n levies on exporter i */
    tc_cell *cell;       /* [n*G + g] */
    tc_usitc *us;        /* [G] */
    int us_lines, us_unmapped, us_dropped;
};

/* --------------------------------------------------------------- helpers --- */

static int err_msg(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
    if (err && n)
        snprintf(err, n, fmt, a ? a : "", b ? b : "");
    return -1;
}

static int err_ctx(tc_result *r, char *err, size_t n, const char *what)
{
    char buf[1200];
    tq_error_format(r->ctx, buf, sizeof buf);
    return err_msg(err, n, "%s: %s", what, buf);
}

static size_t nig(const tc_result *r, int n, int i, int g)
{
    return ((size_t)n * (size_t)r->N + (size_t)i) * (size_t)r->G + (size_t)g;
}

static int goods_index(const tc_result *r, const char *code)
{
    int j = tq_dataset_find_sector(r->ds, code);
    for (int g = 0; j >= 0 && g < r->G; g++)
        if (r->goods[g] == j)
            return g;
    return -1;
}

/* Rate of a table for importer n, exporter i, goods sector g. The reader stores
 * t[n,i,j] = file(origin=i, destination=n) - 1 (labelled); swapped reads t[i,n,j]. */
static double rate_at(const tc_result *r, int table, int n, int i, int g)
{
    const double *t = tq_dataset_array_const(r->ds, TQ_TARIFF, 0, NULL);
    int j = r->goods[g];
    if (table == TC_TETI)
        return r->teti[nig(r, n, i, g)];
    if (n == i)
        return 0.0;
    if (table == TC_SWAPPED)
        return t[TQ_NIJ(r->N, r->J, i, n, j)];
    return t[TQ_NIJ(r->N, r->J, n, i, j)];
}

/* ------------------------------------------------------------ concordance --- */

/* data/concordance/wiod2014_to_wiod16.csv: every goods sector exactly once. */
static int read_concordance(tc_result *r, const char *dir, char *err, size_t n)
{
    char *path = tq__path_join(r->ctx, dir, "wiod2014_to_wiod16.csv");
    if (!path)
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    tq__csv c;
    static const char *const want[] = {"sector", "wiod16_sector"};
    int col[2], rc = 0, k;
    if (tq__csv_open(r->ctx, &c, path, ',') || tq__csv_read_header(&c, want, 2, col)) {
        tq__csv_close(&c);
        tq__free(r->ctx, path);
        return err_ctx(r, err, n, "concordance");
    }
    while (rc == 0 && (k = tq__csv_next(&c)) != 0) {
        if (k < 0 || tq__csv_need(&c, 2)) {
            rc = err_ctx(r, err, n, "concordance");
            break;
        }
        const char *s = tq__csv_str(&c, col[0]), *w = tq__csv_str(&c, col[1]);
        int g = goods_index(r, s);
        if (g < 0)
            rc = err_msg(err, n, "%s: '%s' is not a goods sector of wiod2014", path, s);
        else if (r->w16[g][0])
            rc = err_msg(err, n, "%s: sector %s mapped twice", path, s);
        else if (!w[0] || strlen(w) >= sizeof r->w16[g])
            rc = err_msg(err, n, "%s: bad WIOD-16 code for %s", path, s);
        else
            snprintf(r->w16[g], sizeof r->w16[g], "%s", w);
    }
    tq__csv_close(&c);
    for (int g = 0; rc == 0 && g < r->G; g++)
        if (!r->w16[g][0])
            rc = err_msg(err, n, "%s: goods sector %s is not mapped", path, tq_dataset_sector_code(r->ds, r->goods[g]));
    for (int g = 0; g < r->G; g++) {
        r->group_size[g] = 0;
        for (int h = 0; h < r->G; h++)
            r->group_size[g] += strcmp(r->w16[g], r->w16[h]) == 0;
    }
    tq__free(r->ctx, path);
    return rc;
}

/* ------------------------------------------------------------------ Teti --- */

/* wiod16/sectors.csv (codes and names) and wiod16/flows_2014.csv.gz (tariff column). */
static int read_teti(tc_result *r, const char *shared, char *err, size_t n)
{
    char dir[4096], code[TC_W16_MAX][16];
    int S = 0, w16idx[TC_GOODS_MAX], rc = 0, k;
    snprintf(dir, sizeof dir, "%s/wiod16", shared);
    char *path = tq__path_join(r->ctx, dir, "sectors.csv");
    tq__csv c;
    static const char *const wsec[] = {"code", "name", "goods"};
    int col[5];
    if (!path)
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    if (tq__csv_open(r->ctx, &c, path, ',') || tq__csv_read_header(&c, wsec, 3, col)) {
        tq__csv_close(&c);
        tq__free(r->ctx, path);
        return err_ctx(r, err, n, "wiod16 sectors");
    }
    for (int g = 0; g < r->G; g++)
        w16idx[g] = -1;
    while (rc == 0 && (k = tq__csv_next(&c)) != 0) {
        if (k < 0 || tq__csv_need(&c, c.nheader) || S == TC_W16_MAX) {
            rc = err_ctx(r, err, n, "wiod16 sectors");
            break;
        }
        snprintf(code[S], sizeof code[S], "%s", tq__csv_str(&c, col[0]));
        for (int g = 0; g < r->G; g++)
            if (!strcmp(r->w16[g], code[S])) {
                if (strcmp(tq__csv_str(&c, col[2]), "1") != 0)
                    rc = err_msg(err, n, "concordance maps a goods sector to the non-goods WIOD-16 sector %s%s",
                                 code[S], NULL);
                w16idx[g] = S;
                snprintf(r->w16name[g], sizeof r->w16name[g], "%s", tq__csv_str(&c, col[1]));
            }
        S++;
    }
    tq__csv_close(&c);
    tq__free(r->ctx, path);
    for (int g = 0; rc == 0 && g < r->G; g++)
        if (w16idx[g] < 0)
            rc = err_msg(err, n, "concordance names WIOD-16 sector '%s', absent from wiod16/sectors.csv%s", r->w16[g],
                         NULL);
    if (rc)
        return rc;

    path = tq__path_join(r->ctx, dir, "flows_2014.csv.gz");
    static const char *const wflow[] = {"exporter", "importer", "sector", "tariff"};
    if (!path)
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    if (tq__csv_open(r->ctx, &c, path, ',') || tq__csv_read_header(&c, wflow, 4, col)) {
        tq__csv_close(&c);
        tq__free(r->ctx, path);
        return err_ctx(r, err, n, "wiod16 2014");
    }
    size_t rows = 0;
    unsigned char *seen = calloc((size_t)r->N * (size_t)r->N * (size_t)S, 1);
    if (!seen)
        rc = err_msg(err, n, "out of memory%s%s", NULL, NULL);
    while (rc == 0 && (k = tq__csv_next(&c)) != 0) {
        double t;
        if (k < 0 || tq__csv_need(&c, c.nheader) || tq__csv_double(&c, col[3], &t)) {
            rc = err_ctx(r, err, n, "wiod16 2014");
            break;
        }
        int e = tq_dataset_find_region(r->ds, tq__csv_str(&c, col[0]));
        int m = tq_dataset_find_region(r->ds, tq__csv_str(&c, col[1]));
        const char *sc = tq__csv_str(&c, col[2]);
        int s = 0;
        while (s < S && strcmp(code[s], sc) != 0)
            s++;
        if (e < 0 || m < 0 || s == S) {
            rc = err_msg(err, n, "wiod16 2014: region or sector of %s/%s not in wiod2014 / sectors.csv",
                         tq__csv_str(&c, col[0]), tq__csv_str(&c, col[1]));
            break;
        }
        size_t a = ((size_t)m * (size_t)r->N + (size_t)e) * (size_t)S + (size_t)s;
        if (seen[a]) {
            rc = err_msg(err, n, "wiod16 2014: duplicate row %s,%s", tq__csv_str(&c, col[0]), tq__csv_str(&c, col[1]));
            break;
        }
        seen[a] = 1;
        rows++;
        for (int g = 0; g < r->G; g++)
            if (w16idx[g] == s)
                r->teti[nig(r, m, e, g)] = t; /* importer m levies t on exporter e */
    }
    if (rc == 0 && rows != (size_t)r->N * (size_t)r->N * (size_t)S)
        rc = err_msg(err, n, "wiod16 2014: expected every exporter x importer x sector row%s%s", NULL, NULL);
    free(seen);
    tq__csv_close(&c);
    tq__free(r->ctx, path);
    return rc;
}

/* ----------------------------------------------------------------- USITC --- */

int tc_csv_split(char *s, char **f, int max, int *why, int *field)
{
    size_t L = strlen(s);
    while (L && (s[L - 1] == '\n' || s[L - 1] == '\r'))
        s[--L] = '\0';
    int k = 0;
    char *p = s;
    for (;;) {
        *field = k + 1;
        if (k == max) {
            *why = TC_CSV_TOO_MANY;
            return -1;
        }
        if (*p == '"') {
            char *w = ++p;
            f[k++] = w;
            for (;;) {
                if (*p == '\0') {
                    *why = TC_CSV_UNTERMINATED;
                    return -1;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            *w = '\0';
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\0')
                return k;
            *why = TC_CSV_AFTER_QUOTE;
            return -1;
        }
        f[k++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            return k;
        *comma = '\0';
        p = comma + 1;
    }
}

int tc_fail(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/* "2.5%" (whole = 1: nothing after) or "6.5% on the entire set" (whole = 0). */
static int parse_percent(const char *s, int whole, double *out)
{
    while (*s == ' ')
        s++;
    if (!isdigit((unsigned char)*s) && *s != '.')
        return -1;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end != '%')
        return -1;
    end++;
    while (*end == ' ')
        end++;
    if (whole && *end)
        return -1;
    *out = v / 100.0;
    return 0;
}

static int parse_fraction(const char *s, double *out)
{
    double v;
    while (*s == ' ')
        s++;
    if (!*s || tq__parse_double(s, &v) || !(v >= 0.0) || v >= 9999.0) /* 9999.99 = n/a */
        return -1;
    *out = v;
    return 0;
}

/* "1/1/2017 0:00:00" -> 20170101; 0 if unreadable. */
static long parse_date(const char *s)
{
    int m, d, y;
    if (sscanf(s, "%d/%d/%d", &m, &d, &y) != 3)
        return 0;
    return (long)y * 10000L + m * 100L + d;
}

enum { LINE_FREE, LINE_ADVAL, LINE_AVE, LINE_ROUNDED, LINE_OTHER };

/* Classify an MFN rate: free, ad valorem from the text (exact), the file's ad valorem
 * equivalent, the 2-decimal mfn_ad_val_rate of an ad valorem line whose text is not a
 * plain percentage, or other (specific, compound, ... without an equivalent). */
static int classify(const char *text, const char *type, const char *ave, const char *adval, double *rate)
{
    while (*text == ' ')
        text++;
    *rate = 0.0;
    if (!strncmp(text, "Free", 4) || !strncmp(text, "free", 4))
        return LINE_FREE;
    if (parse_percent(text, 1, rate) == 0)
        return LINE_ADVAL;
    if (parse_fraction(ave, rate) == 0)
        return LINE_AVE;
    if (!strcmp(type, "7")) {
        if (parse_percent(text, 0, rate) == 0)
            return LINE_ADVAL;
        if (parse_fraction(adval, rate) == 0)
            return LINE_ROUNDED;
    }
    return LINE_OTHER;
}

typedef struct us_line {
    char hts[12];
    long begin;
    long order;
    int kind;
    double rate;
} us_line;

static int cmp_line(const void *a, const void *b)
{
    const us_line *x = a, *y = b;
    int c = strcmp(x->hts, y->hts);
    if (c)
        return c;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

/* hs2_to_wiod2014.csv: chap[0..99] = goods index, -1 = excluded, -2 = not listed. */
static int read_hs2(tc_result *r, const char *dir, int *chap, char *err, size_t n)
{
    for (int h = 0; h < 100; h++)
        chap[h] = -2;
    char *path = tq__path_join(r->ctx, dir, "hs2_to_wiod2014.csv");
    if (!path)
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    tq__csv c;
    static const char *const want[] = {"hs2", "sector"};
    int col[2], rc = 0, k;
    if (tq__csv_open(r->ctx, &c, path, ',') || tq__csv_read_header(&c, want, 2, col)) {
        tq__csv_close(&c);
        tq__free(r->ctx, path);
        return err_ctx(r, err, n, "HS chapter map");
    }
    while (rc == 0 && (k = tq__csv_next(&c)) != 0) {
        long h;
        if (k < 0 || tq__csv_need(&c, 2) || tq__csv_int(&c, col[0], &h) || h < 1 || h > 99) {
            rc = err_msg(err, n, "%s: bad row (hs2 must be 01..99)%s", path, NULL);
            break;
        }
        const char *s = tq__csv_str(&c, col[1]);
        int g = s[0] ? goods_index(r, s) : -1;
        if (s[0] && g < 0)
            rc = err_msg(err, n, "%s: '%s' is not a goods sector of wiod2014", path, s);
        else if (chap[h] != -2)
            rc = err_msg(err, n, "%s: chapter %s listed twice", path, tq__csv_str(&c, col[0]));
        else
            chap[h] = g;
    }
    tq__csv_close(&c);
    tq__free(r->ctx, path);
    return rc;
}

static int read_usitc(tc_result *r, const char *shared, const char *concordance, char *err, size_t n)
{
    int chap[100];
    if (read_hs2(r, concordance, chap, err, n))
        return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/tariffs/tariff_database_2017.txt.gz", shared);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return err_msg(err, n, "cannot open %s%s", path, NULL);
    char *buf = malloc(TC_LINE_MAX);
    char *f[TC_USITC_COLS + 1];
    us_line *lines = NULL;
    size_t count = 0, cap = 0;
    int rc = buf ? 0 : err_msg(err, n, "out of memory%s%s", NULL, NULL);
    int c_hts = -1, c_text = -1, c_type = -1, c_ave = -1, c_adval = -1, c_begin = -1, nf = 0;
    long lineno = 0;
    while (rc == 0 && gzgets(gz, buf, TC_LINE_MAX)) {
        lineno++;
        size_t L = strlen(buf);
        if (L == TC_LINE_MAX - 1 && buf[L - 1] != '\n') {
            rc = err_msg(err, n, "%s: line too long%s", path, NULL);
            break;
        }
        int why, at;
        int k = tc_csv_split(buf, f, TC_USITC_COLS + 1, &why, &at);
        if (lineno == 1) {
            nf = k;
            for (int q = 0; q < k; q++) {
                if (!strcmp(f[q], "hts8"))
                    c_hts = q;
                if (!strcmp(f[q], "mfn_text_rate"))
                    c_text = q;
                if (!strcmp(f[q], "mfn_rate_type_code"))
                    c_type = q;
                if (!strcmp(f[q], "mfn_ave"))
                    c_ave = q;
                if (!strcmp(f[q], "mfn_ad_val_rate"))
                    c_adval = q;
                if (!strcmp(f[q], "begin_effect_date"))
                    c_begin = q;
            }
            if (k != TC_USITC_COLS || c_hts < 0 || c_text < 0 || c_type < 0 || c_ave < 0 || c_adval < 0 || c_begin < 0)
                rc = err_msg(err, n, "%s: unexpected header (want the 112 USITC columns)%s", path, NULL);
            continue;
        }
        if (k != nf) {
            char ln[32];
            snprintf(ln, sizeof ln, "%ld", lineno);
            rc = err_msg(err, n, "%s:%s: wrong number of fields", path, ln);
            break;
        }
        if (count == cap) {
            cap = cap ? 2 * cap : 16384;
            us_line *nl = realloc(lines, cap * sizeof *nl);
            if (!nl) {
                rc = err_msg(err, n, "out of memory%s%s", NULL, NULL);
                break;
            }
            lines = nl;
        }
        us_line *u = &lines[count];
        const char *h = f[c_hts];
        if (strlen(h) != 8 || !isdigit((unsigned char)h[0]) || !isdigit((unsigned char)h[1])) {
            rc = err_msg(err, n, "%s: bad hts8 '%s'", path, h);
            break;
        }
        snprintf(u->hts, sizeof u->hts, "%s", h);
        u->begin = parse_date(f[c_begin]);
        u->order = (long)count;
        u->kind = classify(f[c_text], f[c_type], f[c_ave], f[c_adval], &u->rate);
        count++;
    }
    gzclose(gz);
    free(buf);
    if (rc == 0 && count == 0)
        rc = err_msg(err, n, "%s: no lines%s", path, NULL);
    if (rc) {
        free(lines);
        return rc;
    }
    /* One version per HTS-8 line: the latest begin_effect_date (127 lines changed on
     * 1 July 2017 and appear twice). */
    qsort(lines, count, sizeof *lines, cmp_line);
    for (int g = 0; g < r->G; g++) {
        tc_usitc *s = &r->us[g];
        memset(s, 0, sizeof *s);
        s->mean = NAN;
        s->min = INFINITY;
        s->max = -INFINITY;
    }
    double *sum = calloc((size_t)r->G, sizeof *sum);
    if (!sum) {
        free(lines);
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    }
    for (size_t a = 0; a < count; a++) {
        if (a + 1 < count && !strcmp(lines[a].hts, lines[a + 1].hts)) {
            r->us_dropped++;
            continue;
        }
        const us_line *u = &lines[a];
        int h = (u->hts[0] - '0') * 10 + (u->hts[1] - '0');
        r->us_lines++;
        if (chap[h] == -2) {
            rc = err_msg(err, n, "HS chapter of line %s is not listed in hs2_to_wiod2014.csv%s", u->hts, NULL);
            break;
        }
        if (chap[h] < 0) {
            r->us_unmapped++;
            continue;
        }
        tc_usitc *s = &r->us[chap[h]];
        s->lines++;
        if (u->kind == LINE_OTHER) {
            s->not_adval++;
            continue;
        }
        s->averaged++;
        s->free_lines += u->kind == LINE_FREE;
        s->from_ave += u->kind == LINE_AVE;
        s->rounded += u->kind == LINE_ROUNDED;
        sum[chap[h]] += u->rate;
        if (u->rate < s->min)
            s->min = u->rate;
        if (u->rate > s->max)
            s->max = u->rate;
    }
    for (int g = 0; g < r->G; g++) {
        tc_usitc *s = &r->us[g];
        if (s->averaged)
            s->mean = sum[g] / s->averaged;
        else
            s->min = s->max = NAN;
    }
    free(sum);
    free(lines);
    return rc;
}

/* ---------------------------------------------------------------- averages --- */

static void compute_cells(tc_result *r)
{
    const double *Z = tq_dataset_array_const(r->ds, TQ_Z, 0, NULL);
    for (int n = 0; n < r->N; n++)
        for (int g = 0; g < r->G; g++) {
            int j = r->goods[g];
            double W = 0, sl = 0, ss = 0, st = 0, wr = 0, wz = 0, srl = 0, srs = 0, srt = 0;
            for (int i = 0; i < r->N; i++) {
                double w = Z[TQ_NIJ(r->N, r->J, n, i, j)];
                if (i == n || !(w > 0))
                    continue;
                double tl = rate_at(r, TC_LABELLED, n, i, g);
                double ts = rate_at(r, TC_SWAPPED, n, i, g), tt = rate_at(r, TC_TETI, n, i, g);
                W += w;
                sl += w * tl;
                ss += w * ts;
                st += w * tt;
                if (i == r->row) {
                    wr += w;
                    srl += w * tl;
                    srs += w * ts;
                    srt += w * tt;
                } else if (tt == 0.0 && ts > 0.0)
                    wz += w;
            }
            tc_cell *c = &r->cell[(size_t)n * (size_t)r->G + (size_t)g];
            c->weight = W;
            c->labelled = W > 0 ? sl / W : NAN;
            c->swapped = W > 0 ? ss / W : NAN;
            c->teti = W > 0 ? st / W : NAN;
            c->row_share = W > 0 ? wr / W : NAN;
            c->teti_zero_share = W > 0 ? wz / W : NAN;
            c->labelled_ex_row = W - wr > 0 ? (sl - srl) / (W - wr) : NAN;
            c->swapped_ex_row = W - wr > 0 ? (ss - srs) / (W - wr) : NAN;
            c->teti_ex_row = W - wr > 0 ? (st - srt) / (W - wr) : NAN;
        }
}

int tc_compute(const char *shared, const char *concordance, tc_result **out, char *err, size_t n)
{
    *out = NULL;
    tc_result *r = calloc(1, sizeof *r);
    if (!r || tq_context_new(&r->ctx, NULL) != TQ_OK) {
        free(r);
        return err_msg(err, n, "out of memory%s%s", NULL, NULL);
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/wiod2014", shared);
    int rc = 0;
    if (tq__read_kite(r->ctx, dir, &r->ds) != TQ_OK)
        rc = err_ctx(r, err, n, "wiod2014");
    if (rc == 0) {
        r->N = tq_dataset_regions(r->ds);
        r->J = tq_dataset_sectors(r->ds);
        r->row = tq_dataset_find_region(r->ds, "ROW");
        r->goods = calloc((size_t)r->J, sizeof *r->goods);
        for (int j = 0; r->goods && j < r->J; j++)
            if (tq_dataset_sector_tradable(r->ds, j))
                r->goods[r->G++] = j;
        r->w16 = calloc((size_t)r->J, sizeof *r->w16);
        r->w16name = calloc((size_t)r->J, sizeof *r->w16name);
        r->group_size = calloc((size_t)r->J, sizeof *r->group_size);
        r->teti = calloc((size_t)r->N * (size_t)r->N * (size_t)(r->G ? r->G : 1), sizeof *r->teti);
        r->cell = calloc((size_t)r->N * (size_t)(r->G ? r->G : 1), sizeof *r->cell);
        r->us = calloc((size_t)(r->G ? r->G : 1), sizeof *r->us);
        if (!r->goods || !r->w16 || !r->w16name || !r->group_size || !r->teti || !r->cell || !r->us)
            rc = err_msg(err, n, "out of memory%s%s", NULL, NULL);
        else if (r->G == 0 || r->G > TC_GOODS_MAX)
            rc = err_msg(err, n, "%s: no goods (tradable) sectors, or too many%s", dir, NULL);
    }
    if (rc == 0)
        rc = read_concordance(r, concordance, err, n);
    if (rc == 0)
        rc = read_teti(r, shared, err, n);
    if (rc == 0)
        rc = read_usitc(r, shared, concordance, err, n);
    if (rc) {
        tc_free(r);
        return -1;
    }
    compute_cells(r);
    *out = r;
    return 0;
}

void tc_free(tc_result *r)
{
    if (!r)
        return;
    tq_dataset_free(r->ds);
    tq_context_free(r->ctx);
    free(r->goods);
    free(r->w16);
    free(r->w16name);
    free(r->group_size);
    free(r->teti);
    free(r->cell);
    free(r->us);
    free(r);
}

/* --------------------------------------------------------------- getters --- */

int tc_regions(const tc_result *r)
{
    return r->N;
}
int tc_goods(const tc_result *r)
{
    return r->G;
}
const char *tc_region_code(const tc_result *r, int n)
{
    return tq_dataset_region_code(r->ds, n);
}
const char *tc_goods_code(const tc_result *r, int g)
{
    return tq_dataset_sector_code(r->ds, r->goods[g]);
}
const char *tc_goods_name(const tc_result *r, int g)
{
    return tq_dataset_sector_name(r->ds, r->goods[g]);
}
const char *tc_goods_wiod16(const tc_result *r, int g)
{
    return r->w16[g];
}

const tc_cell *tc_cell_at(const tc_result *r, int n, int g)
{
    if (n < 0 || n >= r->N || g < 0 || g >= r->G)
        return NULL;
    return &r->cell[(size_t)n * (size_t)r->G + (size_t)g];
}

const tc_cell *tc_cell_get(const tc_result *r, const char *importer, const char *sector)
{
    return tc_cell_at(r, tq_dataset_find_region(r->ds, importer), goods_index(r, sector));
}

const tc_usitc *tc_usitc_get(const tc_result *r, const char *sector)
{
    int g = goods_index(r, sector);
    return g < 0 ? NULL : &r->us[g];
}

void tc_usitc_counts(const tc_result *r, int *lines, int *unmapped, int *versions_dropped)
{
    if (lines)
        *lines = r->us_lines;
    if (unmapped)
        *unmapped = r->us_unmapped;
    if (versions_dropped)
        *versions_dropped = r->us_dropped;
}

double tc_rate(const tc_result *r, int table, const char *importer, const char *exporter, const char *sector)
{
    int n = tq_dataset_find_region(r->ds, importer), i = tq_dataset_find_region(r->ds, exporter);
    int g = goods_index(r, sector);
    if (n < 0 || i < 0 || g < 0 || table < TC_LABELLED || table > TC_TETI)
        return NAN;
    return rate_at(r, table, n, i, g);
}

void tc_deviation(const tc_result *r, int flags, double *mad_labelled, double *mad_swapped, int *cells)
{
    double sl = 0, ss = 0, sw = 0;
    int k = 0;
    for (int n = 0; n < r->N; n++) {
        if ((flags & (TC_DEV_NO_ROW_IMPORTER | TC_DEV_EX_ROW)) && n == r->row)
            continue;
        for (int g = 0; g < r->G; g++) {
            const tc_cell *c = tc_cell_at(r, n, g);
            int ex = flags & TC_DEV_EX_ROW;
            double w = ex ? c->weight * (1.0 - c->row_share) : c->weight;
            if (!(w > 0))
                continue;
            double l = ex ? c->labelled_ex_row : c->labelled, s = ex ? c->swapped_ex_row : c->swapped;
            double t = ex ? c->teti_ex_row : c->teti;
            if (!(flags & TC_DEV_WEIGHTED))
                w = 1.0;
            sl += w * fabs(l - t) * 100.0;
            ss += w * fabs(s - t) * 100.0;
            sw += w;
            k++;
        }
    }
    if (mad_labelled)
        *mad_labelled = sw > 0 ? sl / sw : NAN;
    if (mad_swapped)
        *mad_swapped = sw > 0 ? ss / sw : NAN;
    if (cells)
        *cells = k;
}

int tc_count_above(const tc_result *r, double threshold_pts)
{
    int k = 0;
    for (size_t a = 0; a < (size_t)r->N * (size_t)r->G; a++)
        if (r->cell[a].weight > 0 && fabs(r->cell[a].swapped - r->cell[a].teti) * 100.0 > threshold_pts)
            k++;
    return k;
}

/* ---------------------------------------------------------------- writers --- */

/* Fixed decimals; -0.0000 is written as 0.0000 so that the bytes do not depend on the
 * sign of a rounding residue. Empty for NaN. */
static void put_num(FILE *f, double x, int decimals)
{
    if (isnan(x))
        return;
    double lim = 0.5 * pow(10.0, -decimals);
    if (fabs(x) < lim)
        x = 0.0;
    fprintf(f, "%.*f", decimals, x);
}

static void put_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int tc_write_csv(const tc_result *r, FILE *f)
{
    int usa = tq_dataset_find_region(r->ds, "USA");
    fputs("importer,sector,sector_name,wiod16_sector,import_weight_musd,labelled_pct,swapped_pct,"
          "teti_simple_avg_pct,swapped_minus_teti_pts,labelled_minus_teti_pts,row_weight_share,"
          "teti_zero_weight_share,swapped_ex_row_pct,teti_ex_row_pct,usitc_mfn_simple_avg_pct,usitc_lines,usitc_lines_"
          "averaged,"
          "usitc_lines_not_adval\n",
          f);
    for (int n = 0; n < r->N; n++)
        for (int g = 0; g < r->G; g++) {
            const tc_cell *c = tc_cell_at(r, n, g);
            put_text(f, tc_region_code(r, n));
            fputc(',', f);
            put_text(f, tc_goods_code(r, g));
            fputc(',', f);
            put_text(f, tc_goods_name(r, g));
            fputc(',', f);
            put_text(f, r->w16[g]);
            fputc(',', f);
            put_num(f, c->weight, 3);
            fputc(',', f);
            put_num(f, 100.0 * c->labelled, 4);
            fputc(',', f);
            put_num(f, 100.0 * c->swapped, 4);
            fputc(',', f);
            put_num(f, 100.0 * c->teti, 4);
            fputc(',', f);
            put_num(f, 100.0 * (c->swapped - c->teti), 4);
            fputc(',', f);
            put_num(f, 100.0 * (c->labelled - c->teti), 4);
            fputc(',', f);
            put_num(f, c->row_share, 4);
            fputc(',', f);
            put_num(f, c->teti_zero_share, 4);
            fputc(',', f);
            put_num(f, 100.0 * c->swapped_ex_row, 4);
            fputc(',', f);
            put_num(f, 100.0 * c->teti_ex_row, 4);
            if (n == usa) {
                const tc_usitc *u = &r->us[g];
                fputc(',', f);
                put_num(f, 100.0 * u->mean, 4);
                fprintf(f, ",%d,%d,%d\n", u->lines, u->averaged, u->not_adval);
            } else {
                fputs(",,,,\n", f);
            }
        }
    return ferror(f) ? -1 : 0;
}

/* Percent with 2 decimals, "-" for NaN, in one of 16 rotating static buffers (enough for
 * one fprintf; the tools are single-threaded). */
static const char *PCT(double x)
{
    static char ring[16][32];
    static int k;
    char *b = ring[k = (k + 1) % 16];
    size_t n = sizeof ring[0];
    if (isnan(x))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.2f", fabs(100.0 * x) < 0.005 ? 0.0 : 100.0 * x);
    return b;
}

static void append(char *buf, size_t len, const char *text)
{
    size_t L = strlen(buf);
    if (L + 2 < len)
        snprintf(buf + L, len - L, "%s%s", L ? "; " : "", text);
}

/* The reason given for a cell where swapped and Teti differ: mechanical rules, stated in
 * data/PROVENANCE.md, followed by the partner that contributes most to the gap. */
static void reason(const tc_result *r, int n, int g, char *buf, size_t len)
{
    const tc_cell *c = tc_cell_at(r, n, g);
    char t[512];
    buf[0] = '\0';
    if (n == r->row) {
        append(buf, len, "ROW as importer: Teti has no rates for ROW (0)");
        return;
    }
    int up = c->swapped > c->teti;
    if (up && c->row_share >= 0.2) {
        snprintf(t, sizeof t, "ROW supplies %.0f%% and is untariffed in Teti", 100.0 * c->row_share);
        append(buf, len, t);
    }
    if (up && c->teti_zero_share >= 0.2) {
        snprintf(t, sizeof t, "wiod2014 taxes %.0f%% of imports that Teti has at 0 (preferential partners or no data)",
                 100.0 * c->teti_zero_share);
        append(buf, len, t);
    }
    int row_noted = up && c->row_share >= 0.2;
    if (row_noted) {
        double dx = (c->swapped_ex_row - c->teti_ex_row) * 100.0;
        if (fabs(dx) <= 2.0) {
            append(buf, len, "without ROW within 2 points");
            return;
        }
        snprintf(t, sizeof t, "without ROW still %+.1f points", dx);
        append(buf, len, t);
    }
    if (!strcmp(r->w16[g], "C10-C12") && !up)
        append(buf, len, "Teti C10-C12 is the unweighted mean of food (ISIC 15) and tobacco (ISIC 16) line averages");
    else if (r->group_size[g] > 1) {
        snprintf(t, sizeof t, "Teti rate is for WIOD-16 %s (%s), wider than this sector", r->w16[g], r->w16name[g]);
        append(buf, len, t);
    }
    /* largest contribution to the gap among partners */
    const double *Z = tq_dataset_array_const(r->ds, TQ_Z, 0, NULL);
    int best = -1;
    double bc = 0;
    for (int i = 0; i < r->N; i++) {
        if (i == n || (row_noted && i == r->row))
            continue;
        double w = Z[TQ_NIJ(r->N, r->J, n, i, r->goods[g])] / c->weight;
        double x = fabs(w * (rate_at(r, TC_SWAPPED, n, i, g) - rate_at(r, TC_TETI, n, i, g)));
        if (x > bc) {
            bc = x;
            best = i;
        }
    }
    if (!buf[0] || (row_noted && r->group_size[g] == 1))
        append(buf, len,
               up ? "wiod2014 higher than Teti on the main partners (source of wiod2014 unknown)"
                  : "Teti higher on the main partners (simple average over lines)");
    if (best >= 0) {
        double w = Z[TQ_NIJ(r->N, r->J, n, best, r->goods[g])] / c->weight;
        snprintf(t, sizeof t, "largest gap: %s (%.0f%% of imports) %.1f vs %.1f", tc_region_code(r, best), 100.0 * w,
                 100.0 * rate_at(r, TC_SWAPPED, n, best, g), 100.0 * rate_at(r, TC_TETI, n, best, g));
        append(buf, len, t);
    }
}

typedef struct gap {
    int n, g;
    double d;
} gap;

static int cmp_gap(const void *a, const void *b)
{
    const gap *x = a, *y = b;
    if (fabs(x->d) != fabs(y->d))
        return fabs(x->d) > fabs(y->d) ? -1 : 1;
    if (x->n != y->n)
        return x->n - y->n;
    return x->g - y->g;
}

int tc_write_summary(const tc_result *r, FILE *f, double threshold_pts)
{
    int cells, above_l = 0, above_s = tc_count_above(r, threshold_pts);
    static const struct {
        int flags;
        const char *what;
    } dev[] = {
        {0, "mean absolute deviation from Teti, all cells"},
        {TC_DEV_NO_ROW_IMPORTER, "same, without ROW as importer"},
        {TC_DEV_EX_ROW, "same, without ROW as importer or partner (averages over the other 42 partners)"},
        {TC_DEV_WEIGHTED, "mean absolute deviation, cells weighted by imports"},
        {TC_DEV_WEIGHTED | TC_DEV_EX_ROW, "same, without ROW as importer or partner"},
    };
    tc_deviation(r, 0, NULL, NULL, &cells);
    for (int n = 0; n < r->N; n++)
        for (int g = 0; g < r->G; g++) {
            const tc_cell *c = tc_cell_at(r, n, g);
            if (c->weight > 0 && fabs(c->labelled - c->teti) * 100.0 > threshold_pts)
                above_l++;
        }
    fprintf(f,
            "Importer x goods-sector cells with imports: %d of %d. Rates in percent, differences in "
            "percentage points.\n\n",
            cells, r->N * r->G);
    fprintf(f, "| measure | as labelled | swapped |\n|---|---|---|\n");
    for (size_t d = 0; d < sizeof dev / sizeof dev[0]; d++) {
        double ml, ms;
        tc_deviation(r, dev[d].flags, &ml, &ms, NULL);
        fprintf(f, "| %s | %.2f | %.2f |\n", dev[d].what, ml, ms);
    }
    fprintf(f, "| cells more than %.0f points from Teti | %d | %d |\n\n", threshold_pts, above_l, above_s);

    fprintf(f, "Goods average by importer (22 goods sectors, weighted by pre-tariff imports):\n\n");
    fprintf(f, "| importer | imports $bn | as labelled | swapped | Teti | swapped ex ROW | Teti ex ROW |\n");
    fprintf(f, "|---|---:|---:|---:|---:|---:|---:|\n");
    for (int n = 0; n < r->N; n++) {
        double W = 0, l = 0, s = 0, t = 0, Wx = 0, sx = 0, tx = 0;
        for (int g = 0; g < r->G; g++) {
            const tc_cell *c = tc_cell_at(r, n, g);
            if (!(c->weight > 0))
                continue;
            W += c->weight;
            l += c->weight * c->labelled;
            s += c->weight * c->swapped;
            t += c->weight * c->teti;
            double wx = c->weight * (1.0 - c->row_share);
            if (wx > 0) {
                Wx += wx;
                sx += wx * c->swapped_ex_row;
                tx += wx * c->teti_ex_row;
            }
        }
        fprintf(f, "| %s | %.1f | %s | %s | %s | %s | %s |\n", tc_region_code(r, n), W / 1000.0,
                PCT(W > 0 ? l / W : NAN), PCT(W > 0 ? s / W : NAN), PCT(W > 0 ? t / W : NAN),
                PCT(Wx > 0 ? sx / Wx : NAN), PCT(Wx > 0 ? tx / Wx : NAN));
    }

    gap *gaps = malloc(sizeof *gaps * (size_t)(above_s ? above_s : 1));
    if (!gaps)
        return -1;
    int k = 0;
    for (int n = 0; n < r->N; n++)
        for (int g = 0; g < r->G; g++) {
            const tc_cell *c = tc_cell_at(r, n, g);
            double d = (c->swapped - c->teti) * 100.0;
            if (c->weight > 0 && fabs(d) > threshold_pts)
                gaps[k++] = (gap){n, g, d};
        }
    qsort(gaps, (size_t)k, sizeof *gaps, cmp_gap);
    fprintf(f,
            "\nCells where the swapped table and Teti differ by more than %.0f points (%d), largest "
            "first:\n\n",
            threshold_pts, k);
    fprintf(f, "| importer | sector | imports $bn | as labelled | swapped | Teti | swapped - Teti | swapped ex "
               "ROW | Teti ex ROW | reason |\n");
    fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (int a = 0; a < k; a++) {
        const tc_cell *c = tc_cell_at(r, gaps[a].n, gaps[a].g);
        char why[1024];
        reason(r, gaps[a].n, gaps[a].g, why, sizeof why);
        fprintf(f, "| %s | %s %s | %.2f | %s | %s | %s | %+.2f | %s | %s | %s |\n", tc_region_code(r, gaps[a].n),
                tc_goods_code(r, gaps[a].g), tc_goods_name(r, gaps[a].g), c->weight / 1000.0, PCT(c->labelled),
                PCT(c->swapped), PCT(c->teti), gaps[a].d, PCT(c->swapped_ex_row), PCT(c->teti_ex_row), why);
    }
    free(gaps);

    int usa = tq_dataset_find_region(r->ds, "USA"), jpn = tq_dataset_find_region(r->ds, "JPN");
    if (usa >= 0 && jpn >= 0) {
        int lines, unmapped, dropped;
        tc_usitc_counts(r, &lines, &unmapped, &dropped);
        fprintf(f,
                "\nUS side against the USITC 2017 MFN schedule (%d HTS-8 lines after keeping the latest of "
                "%d duplicated versions; %d lines in chapters 97-99 left out). USITC = simple average over "
                "free and ad valorem lines; lines with specific or compound rates have no ad valorem "
                "equivalent in the file and are left out (counted). Japan pays MFN rates in the US (no "
                "preference), so US on JPN is the like-for-like comparison; the all-partner average "
                "includes NAFTA and other preferences.\n\n",
                lines, dropped, unmapped);
        fprintf(f, "| sector | lines | averaged | not ad valorem | USITC MFN | min-max | US on JPN: as labelled "
                   "| swapped | Teti | US all partners: swapped | Teti |\n");
        fprintf(f, "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
        for (int g = 0; g < r->G; g++) {
            const tc_usitc *u = &r->us[g];
            const tc_cell *c = tc_cell_at(r, usa, g);
            char range[64];
            if (u->averaged)
                snprintf(range, sizeof range, "%.1f-%.1f", 100.0 * u->min, 100.0 * u->max);
            else
                snprintf(range, sizeof range, "-");
            fprintf(f, "| %s %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", tc_goods_code(r, g),
                    tc_goods_name(r, g), u->lines, u->averaged, u->not_adval, PCT(u->mean), range,
                    PCT(rate_at(r, TC_LABELLED, usa, jpn, g)), PCT(rate_at(r, TC_SWAPPED, usa, jpn, g)),
                    PCT(rate_at(r, TC_TETI, usa, jpn, g)), PCT(c->swapped), PCT(c->teti));
        }
    }
    return ferror(f) ? -1 : 0;
}

void tc_source_dir(const char *file, char *buf, size_t n)
{
    snprintf(buf, n, "%s", file);
    char *p = strrchr(buf, '/');
    if (p) {
        *p = 0;
        p = strrchr(buf, '/');
    }
    if (p)
        *p = 0;
    else
        snprintf(buf, n, ".");
}

int tc_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
