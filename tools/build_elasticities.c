/* build_elasticities: the trade-elasticity sets of the embedded datasets.
 *
 *   build_elasticities SHARED_DATA_DIR DATA_DIR
 *
 * writes DATA_DIR/elasticities/wiod2014.csv and DATA_DIR/elasticities/icio.csv: one row per
 * sector of the embedded dataset (in its order), one column per named set (the sets and
 * their citations are in DATA_DIR/elasticities/sets.csv, written by hand):
 *   - wiod2014: KITE (the theta the dataset ships with: DATA_DIR/wiod2014/sectors.csv), then
 *     the eight tariffwar sets of SHARED_DATA_DIR/wiod16/elasticities.csv (WIOD-16 groups),
 *     each sector taking the value of its group in DATA_DIR/elasticities/concordance_wiod2014.csv;
 *   - icio: the eight sets of SHARED_DATA_DIR/icio/elasticities.csv, by sector code.
 * Values are copied as text (they are already the shortest decimals that read back as the
 * same doubles), so the output is deterministic; a test rebuilds it and compares bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXROWS 128
#define MAXCOLS 40
#define MAXLINE 4096

/* A small CSV table without quoting (these files have none). */
typedef struct table {
    int rows, cols;
    char *cell[MAXROWS + 1][MAXCOLS]; /* row 0 is the header */
} table;

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "build_elasticities: %s: %s\n", path, what);
    return 1;
}

static int read_table(const char *path, table *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(path, "cannot open");
    memset(t, 0, sizeof *t);
    char line[MAXLINE];
    int r = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        if (r > MAXROWS) {
            fclose(f);
            return fail(path, "too many rows");
        }
        int c = 0;
        for (char *p = line; p;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = 0;
            if (c == MAXCOLS) {
                fclose(f);
                return fail(path, "too many columns");
            }
            t->cell[r][c++] = strdup(p);
            p = comma ? comma + 1 : NULL;
        }
        if (r == 0)
            t->cols = c;
        else if (c != t->cols) {
            fclose(f);
            return fail(path, "a row has another number of fields than the header");
        }
        r++;
    }
    fclose(f);
    t->rows = r - 1;
    return t->rows > 0 ? 0 : fail(path, "no rows");
}

static void free_table(table *t)
{
    for (int r = 0; r <= t->rows; r++)
        for (int c = 0; c < t->cols; c++)
            free(t->cell[r][c]);
}

static int col(const table *t, const char *name)
{
    for (int c = 0; c < t->cols; c++)
        if (!strcmp(t->cell[0][c], name))
            return c;
    return -1;
}

static int row(const table *t, int c, const char *key)
{
    for (int r = 1; r <= t->rows; r++)
        if (!strcmp(t->cell[r][c], key))
            return r;
    return -1;
}

static const char *const sets[] = {"IS", "U4", "CP", "BSY", "GYY", "Shap", "FGO", "LL"};
#define NSETS 8

/* One output file: for each sector code of `sectors` (column "code"), the group key in
 * `conc` (NULL: the code itself) looked up in the source table `src` (column "code"). */
static int write_sets(const char *out, const table *sectors, const table *conc, const table *src, int with_kite)
{
    int sc = col(sectors, "code"), st = col(sectors, "theta"), srcc = col(src, "code");
    if (sc < 0 || (with_kite && st < 0) || srcc < 0)
        return fail(out, "an input lacks the column code (or theta)");
    int setcol[NSETS];
    for (int s = 0; s < NSETS; s++) {
        char name[32];
        snprintf(name, sizeof name, "epsilon_%s", sets[s]);
        if ((setcol[s] = col(src, name)) < 0)
            return fail(out, "the source lacks an epsilon_ column");
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.part", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return fail(tmp, "cannot write");
    fprintf(f, "sector%s", with_kite ? ",KITE" : "");
    for (int s = 0; s < NSETS; s++)
        fprintf(f, ",%s", sets[s]);
    fprintf(f, "\n");
    for (int r = 1; r <= sectors->rows; r++) {
        const char *code = sectors->cell[r][sc], *key = code;
        if (conc) {
            int cr = row(conc, 0, code);
            if (cr < 0) {
                fclose(f);
                remove(tmp);
                fprintf(stderr, "build_elasticities: sector %s is not in the concordance\n", code);
                return 1;
            }
            key = conc->cell[cr][1];
        }
        int sr = row(src, srcc, key);
        if (sr < 0) {
            fclose(f);
            remove(tmp);
            fprintf(stderr, "build_elasticities: %s (sector %s) is not in the source table\n", key, code);
            return 1;
        }
        fprintf(f, "%s", code);
        if (with_kite)
            fprintf(f, ",%s", sectors->cell[r][st]);
        for (int s = 0; s < NSETS; s++)
            fprintf(f, ",%s", src->cell[sr][setcol[s]]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0 || rename(tmp, out) != 0)
        return fail(out, "cannot write");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: build_elasticities SHARED_DATA_DIR DATA_DIR\n");
        return 2;
    }
    const char *shared = argv[1], *data = argv[2];
    char p[4096];
    static table wsec, conc, wsrc, isec, isrc;
    int rc = 0;
    snprintf(p, sizeof p, "%s/wiod2014/sectors.csv", data);
    rc |= read_table(p, &wsec);
    snprintf(p, sizeof p, "%s/elasticities/concordance_wiod2014.csv", data);
    rc |= read_table(p, &conc);
    snprintf(p, sizeof p, "%s/wiod16/elasticities.csv", shared);
    rc |= read_table(p, &wsrc);
    snprintf(p, sizeof p, "%s/icio/sectors.csv", data);
    rc |= read_table(p, &isec);
    snprintf(p, sizeof p, "%s/icio/elasticities.csv", shared);
    rc |= read_table(p, &isrc);
    if (!rc) {
        snprintf(p, sizeof p, "%s/elasticities/wiod2014.csv", data);
        rc |= write_sets(p, &wsec, &conc, &wsrc, 1);
        snprintf(p, sizeof p, "%s/elasticities/icio.csv", data);
        rc |= write_sets(p, &isec, NULL, &isrc, 0);
    }
    free_table(&wsec);
    free_table(&conc);
    free_table(&wsrc);
    free_table(&isec);
    free_table(&isrc);
    if (!rc)
        printf("wrote %s/elasticities/wiod2014.csv and icio.csv\n", data);
    return rc;
}
