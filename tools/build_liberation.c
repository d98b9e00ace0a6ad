/* build_liberation: the one-sector world of 194 countries of the Liberation-Day study
 * (Ignatenko, Macedoni, Lashkaripour & Simonovska 2025) as a tradeq dataset.
 *
 *   build_liberation SHARED_DATA_DIR OUT_DIR
 *
 * reads SHARED_DATA_DIR/liberation2025/ (country_labels.csv, trade_cepii.csv, gdp.csv,
 * tariffs.csv: BACI HS22 2023 goods trade in thousands of USD, WDI GDP in USD, the April
 * 2025 US "reciprocal" rates) and writes OUT_DIR/liberation2025/:
 *   meta.csv, regions.csv, sectors.csv  one sector GOODS (theta 4), year 2023, no IO
 *   flows.csv.gz          year,exporter,importer,sector,value: the non-empty off-diagonal
 *                         cells, millions of USD (the file's thousands / 1000)
 *   gdp.csv               region,gdp: WDI GDP, millions of USD
 *   us_tariffs_2025.csv   exporter,tariff: the published US rate on each partner (USA 0)
 * Regions keep the source's order (alphabetical by ISO3), which is the model's order.
 * Numbers are written in the shortest form that reads back to the same double. Output is
 * deterministic; a test rebuilds it and compares the bytes. Uses the C library and zlib
 * only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define NMAX 256
#define LINE 65536

static char iso[NMAX][8], cname[NMAX][128];
static double X[NMAX][NMAX], gdp[NMAX], tariff[NMAX];
static int N;

static int fail(const char *file, long line, const char *msg)
{
    fprintf(stderr, "build_liberation: %s:%ld: %s\n", file, line, msg);
    return 1;
}

/* the shortest %.Ng (N = 1..17) that reads back to v */
static const char *num(double v, char *buf, size_t cap)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

/* one number per line after a header (gdp.csv, tariffs.csv) */
static int read_column(const char *dir, const char *name, double *out)
{
    char path[4400], line[LINE];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(path, 0, strerror(errno));
    int n = 0;
    long ln = 1;
    int rc = fgets(line, sizeof line, f) ? 0 : fail(path, 1, "empty file");
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        chomp(line);
        char *end;
        double v = strtod(line, &end);
        if (end == line || *end || n >= N)
            rc = fail(path, ln, "not a number, or more rows than country_labels.csv");
        else
            out[n++] = v;
    }
    fclose(f);
    if (!rc && n != N)
        rc = fail(path, ln, "fewer rows than country_labels.csv");
    return rc;
}

static int read_labels(const char *dir)
{
    char path[4400], line[LINE];
    snprintf(path, sizeof path, "%s/country_labels.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(path, 0, strerror(errno));
    long ln = 1;
    int rc = fgets(line, sizeof line, f) ? 0 : fail(path, 1, "empty file");
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        chomp(line);
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2 || N >= NMAX || c1 - line > 7) {
            rc = fail(path, ln, "expected iso3,iso_code,CountryName");
            break;
        }
        *c1 = *c2 = 0;
        if (atoi(c1 + 1) != N + 1) {
            rc = fail(path, ln, "iso_code is not the row number");
            break;
        }
        snprintf(iso[N], sizeof iso[N], "%.7s", line);
        snprintf(cname[N], sizeof cname[N], "%.127s", c2 + 1);
        for (char *p = cname[N]; *p; p++)
            if (*p == ',' || *p == '"')
                *p = ' ';
        N++;
    }
    fclose(f);
    return rc;
}

static int read_trade(const char *dir)
{
    char path[4400];
    static char line[LINE];
    snprintf(path, sizeof path, "%s/trade_cepii.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(path, 0, strerror(errno));
    long ln = 1;
    int rc = fgets(line, sizeof line, f) ? 0 : fail(path, 1, "empty file");
    int i = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        chomp(line);
        if (i >= N) {
            rc = fail(path, ln, "more rows than countries");
            break;
        }
        char *p = line;
        for (int j = 0; j < N && !rc; j++) {
            char *e = strchr(p, ',');
            if (!e && j < N - 1) {
                rc = fail(path, ln, "fewer columns than countries");
                break;
            }
            if (e)
                *e = 0;
            double v = 0;
            if (*p) {
                char *end;
                v = strtod(p, &end);
                if (*end || v < 0)
                    rc = fail(path, ln, "not a non-negative number");
            }
            X[i][j] = i == j ? 0.0 : v; /* the diagonal is empty in the source */
            p = e ? e + 1 : p + strlen(p);
        }
        i++;
    }
    fclose(f);
    if (!rc && i != N)
        rc = fail(path, ln, "fewer rows than countries");
    return rc;
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        return fail(path, 0, "cannot write");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: build_liberation SHARED_DATA_DIR OUT_DIR\n");
        return 2;
    }
    char in[4096], out[4096], path[4400], a[64], b[64];
    snprintf(in, sizeof in, "%.4000s/liberation2025", argv[1]);
    snprintf(out, sizeof out, "%.4000s/liberation2025", argv[2]);
    if (read_labels(in) || read_trade(in) || read_column(in, "gdp.csv", gdp) || read_column(in, "tariffs.csv", tariff))
        return 1;
    mkdir(argv[2], 0777);
    mkdir(out, 0777);
    if (write_text(out, "meta.csv",
                   "key,value\nformat,tradeq\nversion,1\nname,liberation2025\n"
                   "source,CEPII BACI HS22 2023 goods trade and World Bank WDI GDP as used by Ignatenko Macedoni "
                   "Lashkaripour & Simonovska (2025); see data/liberation2025/PROVENANCE.md\n"
                   "has_io,0\nyears,2023\n") ||
        write_text(out, "sectors.csv", "code,name,tradable,theta\nGOODS,All goods (BACI HS22 2023),1,4\n"))
        return 1;
    snprintf(path, sizeof path, "%s/regions.csv", out);
    FILE *r = fopen(path, "w"), *g = NULL, *t = NULL;
    snprintf(path, sizeof path, "%s/gdp.csv", out);
    g = r ? fopen(path, "w") : NULL;
    snprintf(path, sizeof path, "%s/us_tariffs_2025.csv", out);
    t = g ? fopen(path, "w") : NULL;
    if (!t)
        return fail(path, 0, "cannot write");
    fprintf(r, "code,name\n");
    fprintf(g, "region,gdp\n");
    fprintf(t, "exporter,tariff\n");
    for (int i = 0; i < N; i++) {
        fprintf(r, "%s,%s\n", iso[i], cname[i]);
        fprintf(g, "%s,%s\n", iso[i], num(gdp[i] / 1e6, a, sizeof a));
        fprintf(t, "%s,%s\n", iso[i], num(tariff[i], b, sizeof b));
    }
    if (fclose(r) || fclose(g) || fclose(t))
        return fail(out, 0, "cannot write");
    snprintf(path, sizeof path, "%s/flows.csv.gz", out);
    /* zlib's gzip header carries no time stamp: the bytes depend on the content only */
    gzFile z = gzopen(path, "wb9");
    if (!z)
        return fail(path, 0, "cannot write");
    gzprintf(z, "year,exporter,importer,sector,value\n");
    long cells = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (i != j && X[i][j] > 0) {
                gzprintf(z, "2023,%s,%s,GOODS,%s\n", iso[i], iso[j], num(X[i][j] / 1000.0, a, sizeof a));
                cells++;
            }
    if (gzclose(z) != Z_OK)
        return fail(path, 0, "cannot write");
    printf("build_liberation: %s -> %s (%d countries, %ld flows)\n", in, out, N, cells);
    return 0;
}
